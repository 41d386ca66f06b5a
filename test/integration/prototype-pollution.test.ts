import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logs, sharedRuntime, ticks } from '../helpers/parity.js';

/**
 * A player who puts descriptor field names on Object.prototype (`get`, `set`, `value`, `writable`, ...)
 * changes what any ordinary object literal used as a property descriptor means (and `syntaxError` or
 * `binary`, what the kernel's own module records seem to hold). The kernel defines its
 * per-tick objects and globals after player code has run in the isolate, so its descriptors must not
 * inherit anything: before, every later tick of such a player failed with "Invalid property descriptor".
 */
const MAIN = `
module.exports.loop = function () {
  if (Game.time === 1) {
    const polluted = { get: function () { return 'polluted'; }, set: function () {}, value: 'polluted', writable: true, enumerable: true, configurable: true, syntaxError: 'polluted', binary: 'polluted' };
    for (const name of Object.keys(polluted)) Object.defineProperty(Object.prototype, name, { __proto__: null, value: polluted[name], writable: true, configurable: true });
  }
  if (Game.time === 2) {
    Memory.seen = (Memory.seen || 0) + 1;
    RawMemory.segments[1] = 'segment at 2';
    InterShardMemory.setLocal('local at 2');
  }
  const lib = Game.time >= 2 ? require('lib') : null;
  console.log(Game.time, JSON.stringify(Memory), RawMemory.get(), typeof RawMemory.segments, InterShardMemory.getLocal(), lib && lib.name, Object.keys(console).length);
};
`;

describe('a player who pollutes Object.prototype with descriptor fields', () => {
  const runtime = sharedRuntime();

  it('keeps console, RawMemory, Memory, InterShardMemory and require working on the ticks after', async () => {
    const modules = { main: MAIN, lib: "module.exports = { name: 'lib' };" };
    const rs = await ticks(runtime(), modules, [{ memory: '{"a":1}' }, { memory: '{"a":1}' }, { memory: '{"a":1,"seen":1}' }]);
    assert.deepEqual(
      rs.map((r) => [r.outcome, r.errors]),
      [
        ['ok', []],
        ['ok', []],
        ['ok', []],
      ],
    );
    // Tick 1 printed what it saw before its own pollution took effect: the later ticks match it.
    assert.deepEqual(rs.map(logs), [
      ['1 {"a":1} {"a":1} object "" null 7'],
      ['2 {"a":1,"seen":1} {"a":1} object local at 2 lib 7'],
      ['3 {"a":1,"seen":1} {"a":1,"seen":1} object "" lib 7'],
    ]);
    assert.equal(rs[1]!.output?.memory, '{"a":1,"seen":1}');
    assert.deepEqual(rs[1]!.output?.segments, { 1: 'segment at 2' });
  });
});
