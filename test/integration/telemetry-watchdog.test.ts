import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throttledMessage, watchdogMessage } from '../../src/index.js';
import { collectTelemetry, nextEvent, testRuntime } from '../helpers/runtime.js';

/** Counts its ticks in a global (reset only with the isolate) and throws while Memory.fail is set. */
const FLAKY = `module.exports.loop = function () {
  globalThis.count = (globalThis.count || 0) + 1;
  console.log('count=' + count);
  if (Memory.fail) throw new Error('failing');
};`;

describe('watchdog and throttle', () => {
  it('restarts a player isolate cold after 3 consecutive failures: a new isolate with a reset global', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1, throttleAfterFailures: 0 });
    await using _ = runtime;
    const id = storage.addUser({ id: 'flaky', cpu: 100, cpuAvailable: 1000, modules: { main: FLAKY }, memory: '{"fail":true}' });
    const restart = nextEvent(runtime, 'watchdog:restart');
    const created: string[] = [];
    runtime.on('sandbox:created', (e) => created.push(e.reason));
    const counts: string[][] = [];
    const colds: (string | null)[] = [];
    for (let t = 1; t <= 5; t++) {
      if (t === 4) storage.setMemory(id, '{}');
      const r = (await runtime.runTick(t)).results[0]!;
      counts.push([...r.console]);
      colds.push(r.coldStart);
    }
    const [e] = await restart;
    assert.deepEqual([e.userId, e.failures, e.gameTime], [id, 3, 3]);
    // Ticks 1-3 fail in one warm isolate; tick 4 starts in a new one (the global counts from 1 again).
    assert.deepEqual(counts, [['count=1'], ['count=2'], ['count=3'], ['count=1'], ['count=2']]);
    assert.deepEqual(colds, ['firstRun', null, null, 'watchdog', null]);
    assert.deepEqual(created, ['firstRun', 'watchdog']);
    const notes = storage.notifications.filter((n) => n.type === 'watchdog');
    assert.equal(notes.length, 1);
    assert.equal(notes[0]?.message, watchdogMessage(3));
    assert.equal((notes[0]!.date % (15 * 60_000)), 0);
  });

  it('keeps the official restart message when the watchdog restarts an isolate the memory limit already disposed', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1, memoryLimitMb: 16, cpuMaxPerTick: 5000, throttleAfterFailures: 0 });
    await using _ = runtime;
    storage.addUser({
      id: 'hog',
      cpu: 5000,
      cpuAvailable: 10_000,
      modules: { main: `const keep = []; module.exports.loop = () => { if (Game.time <= 3) for (;;) keep.push({ a: Math.random() }); };` },
    });
    const restart = nextEvent(runtime, 'watchdog:restart');
    for (let t = 1; t <= 3; t++) assert.equal((await runtime.runTick(t)).results[0]?.outcome, 'memoryExceeded');
    await restart;
    const r = (await runtime.runTick(4)).results[0]!;
    assert.equal(r.outcome, 'ok');
    assert.equal(r.coldStart, 'disposed');
    assert.deepEqual(r.errors, ['Script execution has been terminated: your isolate disposed unexpectedly, restarting virtual machine']);
  });

  it('throttles a player after 5 failures in a row and releases it only after a real ok tick', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1, watchdogThreshold: 0, throttleAfterFailures: 5, throttleTicks: 2 });
    await using _ = runtime;
    const id = storage.addUser({ id: 'flaky', cpu: 100, cpuAvailable: 1000, modules: { main: FLAKY }, memory: '{"fail":true}' });
    const throttled = nextEvent(runtime, 'player:throttled');
    const released: number[] = [];
    runtime.on('player:released', (e) => released.push(e.gameTime));
    const outcomes: string[] = [];
    const { events, stop } = collectTelemetry(runtime);
    for (let t = 1; t <= 12; t++) {
      // Fixed after the first delay's probe tick failed again (tick 8): the next probe (tick 11) is ok.
      if (t === 9) storage.setMemory(id, '{}');
      const r = (await runtime.runTick(t)).results[0]!;
      outcomes.push(r.skipReason ? `${r.outcome}:${r.skipReason}` : r.outcome);
      if (t === 6) assert.deepEqual(r.errors, [throttledMessage(2)]);
    }
    stop();
    const [t] = await throttled;
    assert.deepEqual([t.userId, t.failures, t.until, t.reason], [id, 5, 8, 'failures']);
    assert.deepEqual(outcomes, [
      'scriptError', 'scriptError', 'scriptError', 'scriptError', 'scriptError',
      'skipped:throttled', 'skipped:throttled',
      'scriptError',
      'skipped:throttled', 'skipped:throttled',
      'ok', 'ok',
    ]);
    // The skipped ticks' own events (and anything else that is not a real ok tick) did not release it.
    assert.deepEqual(released, [11]);
    assert.equal(events.length, 12);
  });
});
