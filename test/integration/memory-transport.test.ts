import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectTelemetry, testRuntime } from '../helpers/runtime.js';

// Memory crosses the isolate boundary beside the tick's JSON output, separated by the first newline;
// these cases pin that a Memory holding newlines, separators and non-ASCII text survives unchanged.
const TRICKY = 'line1\nline2\n0\n1 ✓ "quoted" \\ {"json":true}';

describe('Memory transport between the worker and the isolate', () => {
  it('round-trips a raw Memory with newlines and non-ASCII text, with and without console commands', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1 });
    await using _ = runtime;
    const id = storage.addUser({
      id: 'raw',
      modules: { main: `module.exports.loop = function () { console.log(JSON.stringify(RawMemory.get())); RawMemory.set(${JSON.stringify(TRICKY)} + Game.time); };` },
      memory: 'start\n',
    });
    const first = (await runtime.runTick(1)).results[0]!;
    assert.deepEqual(first.console, [JSON.stringify('start\n')]);
    assert.equal(storage.getMemory(id), `${TRICKY}1`);
    storage.addConsoleCommand(id, '"cmd"');
    const second = (await runtime.runTick(2)).results[0]!;
    assert.equal(second.console[0], JSON.stringify(`${TRICKY}1`));
    assert.equal(storage.getMemory(id), `${TRICKY}2`);
    const third = (await runtime.runTick(3)).results[0]!;
    assert.equal(third.console[0], JSON.stringify(`${TRICKY}2`));
  });

  it('frees the external strings a large Memory leaves in the isolate each tick, keeping the isolate warm', async () => {
    // A Memory of 1 KB or more enters the isolate as an external string V8 does not count; a player that
    // makes little garbage of its own never triggers the full collection that frees it. 60 ticks of a
    // 200 KB Memory leave 12 MB unless the kernel collects (at 8 MB of growth).
    const { runtime, storage } = await testRuntime({ poolSize: 1 });
    await using _ = runtime;
    storage.addUser({ id: 'big', modules: { main: 'module.exports.loop = function () { global.n = (global.n || 0) + 1; };' }, memory: JSON.stringify({ pad: 'm'.repeat(200_000) }) });
    const { events, stop } = collectTelemetry(runtime);
    for (let t = 1; t <= 60; t++) await runtime.runTick(t);
    stop();
    const external = events.map((e) => e.heap?.externalBytes ?? Number.NaN);
    assert.equal(external.length, 60);
    assert.ok(Math.max(...external) < 9 * 1024 * 1024, `external bytes peaked at ${Math.max(...external)}`);
    assert.ok(external.some((bytes, i) => i > 0 && bytes < external[i - 1]!), 'a collection freed external memory');
    assert.ok(events.every((e) => e.outcome === 'ok' && e.coldStart === (e.gameTime === 1 ? 'firstRun' : null)), 'the isolate stayed warm');
  });

  it('keeps the stored Memory when a tick does not change it', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1 });
    await using _ = runtime;
    const id = storage.addUser({ id: 'same', modules: { main: 'module.exports.loop = function () { console.log(Memory.n); };' }, memory: '{"n":5}' });
    const r = (await runtime.runTick(1)).results[0]!;
    assert.deepEqual(r.console, ['5']);
    assert.equal(r.memoryChanged, false);
    assert.equal(storage.getMemory(id), '{"n":5}');
  });
});
