import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { collectTelemetry, testRuntime } from '../helpers/runtime.js';

/** A busy-wait by wall clock: a player descheduled while it spins still waits, but must not pay for it. */
const SPIN = `module.exports.loop = function () { const end = Date.now() + 200; while (Date.now() < end) {} };`;

function startHogs(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe('CPU billing', () => {
  it('bills real thread CPU: 4 spinning players on 2 threads under contention are not billed for waiting', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 2 });
    await using _ = runtime;
    for (let i = 0; i < 4; i++) storage.addUser({ id: `spin${i}`, cpu: 500, cpuAvailable: 10_000, modules: { main: SPIN } });
    await runtime.runTick(1); // warm-up: isolates created
    const hogs = startHogs(2);
    try {
      const { events, stop } = collectTelemetry(runtime);
      const before = process.cpuUsage();
      await runtime.runTick(2);
      const used = process.cpuUsage(before);
      stop();
      const processCpuMs = (used.user + used.system) / 1000;
      const billed = events.reduce((sum, e) => sum + e.cpu.billedMs, 0);
      const reported = events.reduce((sum, e) => sum + e.cpu.reportedMs, 0);
      assert.equal(events.length, 4);
      for (const e of events) assert.equal(e.outcome, 'ok');
      // Billed CPU can never exceed what the whole process really consumed over the tick.
      assert.ok(billed <= processCpuMs * 1.02 + 5, `billed ${billed.toFixed(1)} ms > process CPU ${processCpuMs.toFixed(1)} ms`);
      // isolated-vm's own figure is wall time while entered (4 x ~200 ms); the bill is what really ran.
      assert.ok(billed < reported, `billed ${billed.toFixed(1)} ms should be below isolated-vm's wall-based ${reported.toFixed(1)} ms under contention`);
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
    }
  });
});
