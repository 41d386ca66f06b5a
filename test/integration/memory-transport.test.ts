import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testRuntime } from '../helpers/runtime.js';

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
