import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { ScenarioResult } from '../../benchmarks/measure.js';
import { plan } from '../../benchmarks/plan.js';
import { KERNEL_RUNNER_THREADS, MEASURED_TICKS, realWorldComparisons, realWorldId, rssPerPlayer } from '../../benchmarks/real-world-plan.js';
import { childPids, procCpu, rssMb } from '../../benchmarks/server-procs.js';

const result = (players: number, figures: Record<string, number>): ScenarioResult => ({ scenario: 'real-world', params: { players, poolSize: 2, kind: 'x', warmup: 0, repeat: 1 }, unit: 'ms/server tick', samples: [1], median: 1, p99: 1, throughput: 1, cpuMs: 1, rssMb: 1, figures, errors: 0, wallMs: 1 });

describe('real-world benchmark family', () => {
  it('plans both runtimes at every player count, the official runner with one thread per core', () => {
    const ids = new Set(plan(false, 2).map((j) => j.id));
    for (const n of [5, 10, 30, 66]) {
      assert.ok(ids.has(realWorldId('official', n, 2, 2)), `official N=${n}`);
      assert.ok(ids.has(realWorldId('kernel', n, 2, KERNEL_RUNNER_THREADS)), `kernel N=${n}`);
    }
    assert.deepEqual(plan(true, 2).filter((j) => j.scenario === 'real-world').map((j) => j.params.players), [5, 5]);
  });

  it('measures as many ticks at every player count (the marginal RSS compares runs of the same length)', () => {
    for (const quick of [false, true]) {
      const repeats = new Set(plan(quick, 2).filter((j) => j.scenario === 'real-world').map((j) => j.params.repeat));
      assert.deepEqual([...repeats], [quick ? 30 : MEASURED_TICKS]);
    }
  });

  it('reads the issue targets as official / kernel ratios at 30 players and RSS per player as the marginal slope', () => {
    const results = new Map<string, ScenarioResult>([
      [realWorldId('official', 5, 2, 2), result(5, { runnerRssMb: 200 })],
      [realWorldId('official', 66, 2, 2), result(66, { runnerRssMb: 810 })],
      [realWorldId('kernel', 5, 2, KERNEL_RUNNER_THREADS), result(5, { runnerRssMb: 400 })],
      [realWorldId('kernel', 66, 2, KERNEL_RUNNER_THREADS), result(66, { runnerRssMb: 522 })],
      [realWorldId('official', 30, 2, 2), result(30, { runnerCpuMsPerPlayerTick: 3.6, storageCpuMsPerPlayerTick: 2, serverTicksPerSec: 6, firstTickMs: 60 })],
      [realWorldId('kernel', 30, 2, KERNEL_RUNNER_THREADS), result(30, { runnerCpuMsPerPlayerTick: 1.8, storageCpuMsPerPlayerTick: 0.5, serverTicksPerSec: 12, firstTickMs: 10 })],
    ]);
    const get = (id: string) => results.get(id);
    assert.equal(rssPerPlayer(get, 'official', false, 2), 10);
    assert.equal(rssPerPlayer(get, 'kernel', false, 2), 2);
    const rows = realWorldComparisons(get, false, 2, 1000);
    const by = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))!;
    assert.deepEqual([by('real world: runner CPU').value, by('real world: runner CPU').met], [2, false]);
    assert.deepEqual([by('real world: storage CPU').value, by('real world: storage CPU').met], [4, true]);
    assert.deepEqual([by('real world: server ticks/s').value, by('real world: server ticks/s').met], [2, true]);
    assert.deepEqual([by('real world: runner RSS').value, by('real world: runner RSS').met], [5, true]);
    assert.deepEqual([by('real world: first tick').value, by('real world: first tick').met], [6, true]);
    // Not measured in this run: no verdict.
    assert.equal(by('fixed kernel cost').met, null);
  });

  it('finds a child process by its script and reads its CPU and RSS from /proc', { skip: process.platform !== 'linux' }, async () => {
    const child = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 300); setTimeout(() => {}, 10000); // real-world-probe-marker']);
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(childPids('real-world-probe-marker'), [child.pid]);
      const cpu = procCpu(child.pid!);
      assert.ok(cpu.totalMs >= cpu.mainMs && cpu.mainMs > 0, JSON.stringify(cpu));
      assert.ok(rssMb(child.pid!) > 1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
