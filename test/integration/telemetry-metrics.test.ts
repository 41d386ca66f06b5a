import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { IsolateInfo } from '../../src/index.js';
import { COUNTER, testRuntime } from '../helpers/runtime.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text format strictly enough that a malformed line fails the test. */
function parseProm(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.e+-]+|Inf|NaN))$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('metrics', () => {
  it('exposes tick, stage, outcome, CPU, isolate and worker series after a short run', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 2 });
    await using _ = runtime;
    for (let i = 0; i < 6; i++) storage.addUser({ id: `p${i}`, cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    storage.addUser({ id: 'thrower', cpu: 100, cpuAvailable: 1000, modules: { main: `module.exports.loop = () => { throw new Error('x'); };` } });
    for (let t = 1; t <= 3; t++) await runtime.runTick(t);
    const samples = parseProm(await runtime.metrics());
    assert.equal(value(samples, 'screeps_kernel_tick_duration_seconds_count'), 3);
    assert.equal(value(samples, 'screeps_kernel_player_ticks_total', { outcome: 'ok' }), 18);
    assert.equal(value(samples, 'screeps_kernel_player_ticks_total', { outcome: 'scriptError' }), 3);
    for (const stage of ['load', 'run', 'persist']) assert.equal(value(samples, 'screeps_kernel_stage_duration_seconds_count', { stage }), 21, stage);
    assert.ok(value(samples, 'screeps_kernel_cpu_seconds_total', { kind: 'billed' })! > 0);
    assert.ok(value(samples, 'screeps_kernel_cpu_seconds_total', { kind: 'reported' })! > 0);
    assert.equal(value(samples, 'screeps_kernel_isolates_created_total', { reason: 'firstRun' }), 7);
    assert.equal((value(samples, 'screeps_kernel_isolates_alive', { slot: '0' }) ?? 0) + (value(samples, 'screeps_kernel_isolates_alive', { slot: '1' }) ?? 0), 7);
    assert.ok(value(samples, 'screeps_kernel_worker_heap_bytes', { slot: '0' })! > 0);
    assert.ok(value(samples, 'screeps_kernel_process_rss_bytes')! > 0);
    assert.equal(value(samples, 'screeps_kernel_storage_uncommitted_total'), 0);
    assert.equal(value(samples, 'screeps_kernel_watchdog_restarts_total'), 1);
    for (const name of ['screeps_kernel_queue_depth', 'screeps_kernel_worker_hangs_total', 'screeps_kernel_players_throttled']) {
      assert.notEqual(value(samples, name), undefined, name);
    }
    // Per-player series are off by default (cardinality).
    assert.equal(samples.some((s) => 'user' in s.labels), false);
  });

  it('adds per-player heap and CPU series with perPlayerMetrics', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1, perPlayerMetrics: true });
    await using _ = runtime;
    storage.addUser({ id: 'solo', cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    await runtime.runTick(1);
    const samples = parseProm(await runtime.metrics());
    assert.ok(value(samples, 'screeps_kernel_player_heap_bytes', { user: 'solo' })! > 0);
    assert.notEqual(value(samples, 'screeps_kernel_player_cpu_billed_seconds', { user: 'solo' }), undefined);
  });

  it('answers /metrics, /runtime/isolates and /healthz on loopback when metricsPort is set', async () => {
    const port = await freePort();
    const { runtime, storage } = await testRuntime({ poolSize: 1, metricsPort: port });
    await using _ = runtime;
    assert.deepEqual(runtime.metricsEndpoint, { host: '127.0.0.1', port });
    const id = storage.addUser({ id: 'solo', cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    await runtime.runTick(1);
    await runtime.runTick(2);
    const base = `http://127.0.0.1:${port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(value(parseProm(await metrics.text()), 'screeps_kernel_tick_duration_seconds_count'), 2);
    const isolates = await fetch(`${base}/runtime/isolates`);
    assert.equal(isolates.status, 200);
    const body = (await isolates.json()) as { players: IsolateInfo[] };
    assert.equal(body.players.length, 1);
    const info = body.players[0]!;
    assert.equal(info.userId, id);
    assert.equal(info.lastTick, 2);
    assert.equal(info.lastOutcome, 'ok');
    assert.equal(info.alive, true);
    assert.equal(info.worker?.slot, 0);
    assert.match(info.code?.hash ?? '', /^[0-9a-f]+$/);
    assert.equal(info.code?.timestamp, (await storage.loadCode(id))?.timestamp);
    assert.ok(info.heap!.usedBytes > 0);
    assert.equal(info.ticks, 2);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  });
});
