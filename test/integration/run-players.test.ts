import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelError, parseUserId } from '../../src/index.js';
import { collectTelemetry, COUNTER, testRuntime } from '../helpers/runtime.js';

describe('Runtime.runPlayers (a runner process’s share of a tick)', () => {
  it('runs and commits only the players given, on the same path as runTick', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const [a, b, c] = ['a', 'b', 'c'].map((id) => storage.addUser({ id, modules: { main: COUNTER }, cpuAvailable: 10_000 }));
    const { events, stop } = collectTelemetry(runtime);
    const report = await runtime.runPlayers(4, [a!, b!]);
    stop();
    assert.deepEqual(report.results.map((r) => r.userId).sort(), [a, b]);
    assert.ok(report.results.every((r) => r.outcome === 'ok' && r.committed));
    assert.deepEqual(events.map((e) => e.userId).sort(), [a, b]);
    assert.equal(storage.lastCommittedTick(a!), 4);
    assert.equal(storage.lastCommittedTick(c!), undefined, 'a player not given does not run');
  });

  it('forces a fresh isolate with the given reason, even when this process still holds a warm one', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const a = storage.addUser({ id: 'mover', modules: { main: COUNTER }, cpuAvailable: 10_000 });
    await runtime.runPlayers(1, [a]);
    assert.deepEqual((await runtime.runPlayers(2, [a])).results[0]?.console, ['count=2'], 'warm');
    // The player ran elsewhere in between: the globals here are stale and must not be reused.
    const { events, stop } = collectTelemetry(runtime);
    const moved = (await runtime.runPlayers(4, [a], { coldStart: new Map([[a, 'movedRunner']]) })).results[0];
    stop();
    assert.equal(moved?.coldStart, 'movedRunner');
    assert.deepEqual(moved?.console, ['count=1']);
    assert.equal(events[0]?.coldStart, 'movedRunner');
    assert.equal((await runtime.runPlayers(5, [a])).results[0]?.coldStart, null, 'warm again afterwards');
  });

  it('refuses a player listed twice', async () => {
    const { runtime } = await testRuntime({ poolSize: 1 });
    await using _ = runtime;
    const a = parseUserId('twice');
    await assert.rejects(runtime.runPlayers(1, [a, a]), (e: unknown) => e instanceof KernelError && e.code === 'KERNEL_INVALID_REQUEST');
  });
});
