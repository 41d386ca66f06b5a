import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRuntime, createSinkLogger, type OutcomeKind, type PlayerTickTelemetry, type SkipReason } from '../../src/index.js';
import { collectTelemetry, COUNTER, testRuntime } from '../helpers/runtime.js';
import { FaultyStorage } from '../helpers/storage.js';

function byUser(events: readonly PlayerTickTelemetry[]): Map<string, PlayerTickTelemetry[]> {
  const out = new Map<string, PlayerTickTelemetry[]>();
  for (const e of events) out.set(e.userId, [...(out.get(e.userId) ?? []), e]);
  return out;
}

describe('player:tick', () => {
  it('emits exactly one event per player tick for every outcome kind', async () => {
    const storage = new FaultyStorage();
    const s = storage.inner;
    await using runtime = await createRuntime({ storage, poolSize: 2, logger: 'silent', memoryLimitMb: 16, cpuMaxPerTick: 5000, throttleAfterFailures: 0, watchdogThreshold: 0 });
    s.addUser({ id: 'ok', cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    s.addUser({ id: 'thrower', cpu: 100, cpuAvailable: 1000, modules: { main: `module.exports.loop = () => { throw new Error('x'); };` } });
    s.addUser({ id: 'spinner', cpu: 50, cpuAvailable: 0, modules: { main: `module.exports.loop = () => { for (;;) {} };` } });
    s.addUser({
      id: 'hog',
      cpu: 5000,
      cpuAvailable: 10_000,
      modules: { main: `const keep = []; module.exports.loop = () => { for (;;) keep.push({ a: Math.random(), b: [1, 2, 3] }); };` },
    });
    s.addUser({ id: 'halter', cpu: 100, cpuAvailable: 1000, modules: { main: `module.exports.loop = () => Game.cpu.halt();` } });
    s.addUser({ id: 'broke', cpu: 100, cpuAvailable: -50, modules: { main: COUNTER } });
    const penalised = s.addUser({ id: 'penalised', cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    s.updateUser(penalised, { skipTicksPenalty: 2 });
    s.addUser({ id: 'codeless', cpu: 100, cpuAvailable: 1000 });
    storage.addPhantom('ghost');

    const { events, stop } = collectTelemetry(runtime);
    const report = await runtime.runTick(1);
    stop();
    const seen = byUser(events);
    const expected: Record<string, [OutcomeKind, SkipReason | undefined]> = {
      ok: ['ok', undefined],
      thrower: ['scriptError', undefined],
      spinner: ['timedOut', undefined],
      hog: ['memoryExceeded', undefined],
      halter: ['halted', undefined],
      broke: ['skipped', 'bucketEmpty'],
      penalised: ['skipped', 'penalty'],
      codeless: ['noCode', undefined],
      ghost: ['internalError', undefined],
    };
    assert.equal(events.length, Object.keys(expected).length);
    assert.equal(report.results.length, events.length);
    for (const [id, [outcome, skipReason]] of Object.entries(expected)) {
      const list = seen.get(id) ?? [];
      assert.equal(list.length, 1, `${id}: ${list.length} events`);
      const e = list[0]!;
      assert.equal(e.outcome, outcome, id);
      assert.equal(e.skipReason, skipReason, id);
      assert.equal(e.gameTime, 1);
      const ran = ['ok', 'scriptError', 'timedOut', 'memoryExceeded', 'halted'].includes(outcome);
      assert.equal(e.worker !== null, ran, `${id} worker`);
      if (ran) {
        assert.equal(e.coldStart, 'firstRun', id);
        assert.ok(e.code && /^[0-9a-f]+$/.test(e.code.hash), `${id} code hash`);
      }
    }
    // A spinning player is billed the CPU it really burnt, and isolated-vm's figure is reported beside it.
    assert.ok(seen.get('spinner')![0]!.cpu.billedMs > 0);
    assert.ok(seen.get('spinner')![0]!.cpu.reportedMs > 0);
    assert.equal(seen.get('ok')![0]!.committed, true);
    assert.ok(seen.get('ok')![0]!.heap!.usedBytes > 0);
  });

  it('reports a throttled skip and a storage failure (committed: false) in the one event of the tick', async () => {
    const storage = new FaultyStorage();
    await using runtime = await createRuntime({ storage, poolSize: 1, logger: 'silent', throttleAfterFailures: 1, throttleTicks: 2, watchdogThreshold: 0 });
    storage.inner.addUser({ id: 'thrower', cpu: 100, cpuAvailable: 1000, modules: { main: `module.exports.loop = () => { throw new Error('x'); };` } });
    storage.inner.addUser({ id: 'fine', cpu: 100, cpuAvailable: 1000, modules: { main: COUNTER } });
    await runtime.runTick(1);
    storage.failCommits = true;
    const { events, stop } = collectTelemetry(runtime);
    await runtime.runTick(2);
    stop();
    const seen = byUser(events);
    assert.equal(events.length, 2);
    assert.deepEqual([seen.get('thrower')![0]!.outcome, seen.get('thrower')![0]!.skipReason, seen.get('thrower')![0]!.committed], ['skipped', 'throttled', false]);
    assert.deepEqual([seen.get('fine')![0]!.outcome, seen.get('fine')![0]!.committed], ['ok', false]);
  });

  it('neither restarts nor throttles a player that could not be loaded (not its script\'s fault)', async () => {
    const storage = new FaultyStorage();
    await using runtime = await createRuntime({ storage, poolSize: 1, logger: 'silent', watchdogThreshold: 2, throttleAfterFailures: 2 });
    const ghost = storage.addPhantom('ghost');
    storage.inner.addUser({ id: 'thrower', cpu: 100, cpuAvailable: 1000, modules: { main: `module.exports.loop = () => { throw new Error('x'); };` } });
    const flagged: string[] = [];
    runtime.on('watchdog:restart', (e) => flagged.push(`restart ${e.userId}`));
    runtime.on('player:throttled', (e) => flagged.push(`throttled ${e.userId}`));
    for (let t = 1; t <= 4; t++) assert.equal((await runtime.runTick(t)).results.find((r) => r.userId === ghost)?.outcome, 'internalError');
    // The control player with a failing script is flagged by both in the same run.
    assert.deepEqual(flagged, ['restart thrower', 'throttled thrower']);
  });

  it('never puts Memory contents, console output or error text into events or logs', async () => {
    const lines: string[] = [];
    const { runtime, storage } = await testRuntime({ logger: createSinkLogger('debug', (l) => lines.push(l)), poolSize: 1 });
    await using _ = runtime;
    storage.addUser({
      id: 'leaky',
      cpu: 100,
      cpuAvailable: 1000,
      modules: { main: `module.exports.loop = () => { Memory.k = 'MEMORY-SECRET-1'; console.log('CONSOLE-SECRET-2'); throw new Error('ERROR-SECRET-3'); };` },
    });
    const { events, stop } = collectTelemetry(runtime);
    for (let t = 1; t <= 4; t++) await runtime.runTick(t);
    stop();
    const text = lines.join('') + JSON.stringify(events);
    // The run really produced them: they are stored for the player, just not logged.
    assert.match(storage.getMemory(events[0]!.userId) ?? '', /MEMORY-SECRET-1/);
    assert.ok(lines.some((l) => l.includes('player script error')), 'the failure itself is logged');
    for (const secret of ['MEMORY-SECRET-1', 'CONSOLE-SECRET-2', 'ERROR-SECRET-3', 'module.exports']) assert.ok(!text.includes(secret), secret);
  });
});
