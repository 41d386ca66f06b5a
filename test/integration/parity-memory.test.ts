import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logs, loop, sharedRuntime, tickOnce, ticks } from '../helpers/parity.js';
import { testRuntime } from '../helpers/runtime.js';

describe('player runtime parity: Memory, RawMemory, segments, InterShardMemory (F28-F37)', () => {
  const runtime = sharedRuntime();

  it('parses Memory lazily on first access, with a null-prototype top level and normal nested objects (F28)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.log(typeof Object.getOwnPropertyDescriptor(globalThis, 'Memory').get);
        console.log(Memory.hasOwnProperty, Object.getPrototypeOf(Memory), typeof Memory.nested.hasOwnProperty, Memory.nested.a);
        const d = Object.getOwnPropertyDescriptor(globalThis, 'Memory');
        console.log(d.writable, d.enumerable, d.configurable, 'get' in d);`),
      { memory: '{"nested":{"a":1}}' },
    );
    assert.deepEqual(logs(r), ['function', 'undefined null function 1', 'false true true false']);
  });

  it('gives Memory === null without an error when the raw string is not JSON (F28)', async () => {
    const r = await tickOnce(runtime(), loop(`console.log(Memory === null, RawMemory.get());`), { memory: '{not json' });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(logs(r), ['true {not json']);
    assert.equal(r.output?.memory, undefined);
  });

  it('parses Memory from "{}" when nothing is stored, and re-parses it every tick (F28)', async () => {
    const rs = await ticks(runtime(), loop(`console.log(JSON.stringify(Memory), globalThis.last === Memory); Memory.t = Game.time; globalThis.last = Memory;`), [
      { memory: '' },
      { memory: '{"t":1}' },
    ]);
    assert.deepEqual(rs.map(logs), [['{} false'], ['{"t":1} false']]);
  });

  it('installs the lazy Memory getter again after a tick that read Memory or replaced it (memhack), not after one that left it (F28)', async () => {
    const rs = await ticks(
      runtime(),
      loop(`const d = Object.getOwnPropertyDescriptor(globalThis, 'Memory');
        console.log(Game.time, typeof d.get, d.get === globalThis.lastGetter);
        globalThis.lastGetter = d.get;
        if (Game.time === 2) console.log(JSON.stringify(Memory));
        if (Game.time === 3) { delete globalThis.Memory; globalThis.Memory = { hacked: true }; }
        if (Game.time === 4) console.log(JSON.stringify(Memory));`),
      [{ gameTime: 1, memory: '{"m":1}' }, { gameTime: 2, memory: '{"m":2}' }, { gameTime: 3, memory: '{"m":3}' }, { gameTime: 4, memory: '{"m":4}' }],
    );
    assert.deepEqual(rs.map(logs), [['1 function false'], ['2 function true', '{"m":2}'], ['3 function true'], ['4 function true', '{"m":4}']]);
  });

  it('serialises Memory only when it was accessed, so an untouched raw string is kept as is (F29)', async () => {
    const untouched = await tickOnce(runtime(), loop(`console.log('no access');`), { memory: '{ "a" : 1 }' });
    assert.equal(untouched.output?.memory, undefined);
    const read = await tickOnce(runtime(), loop(`Memory.a;`), { memory: '{ "a" : 1 }' });
    assert.equal(read.output?.memory, '{"a":1}');
  });

  it('persists whatever RawMemory._parsed holds at the end of the tick: the memhack works (F29)', async () => {
    const main = `module.exports.loop = function () {
      if (globalThis.LastMemory && globalThis.LastTime === Game.time - 1) {
        delete global.Memory;
        global.Memory = globalThis.LastMemory;
        RawMemory._parsed = globalThis.LastMemory;
      } else {
        Memory;
        globalThis.LastMemory = RawMemory._parsed;
      }
      globalThis.LastTime = Game.time;
      Memory.n = (Memory.n || 0) + 1;
      console.log(Memory.n);
    };`;
    // The second tick is handed stale raw Memory: the memhack ignores it and keeps the live object.
    const rs = await ticks(runtime(), main, [{ memory: '{"n":5}' }, { memory: '{"n":0}' }]);
    assert.deepEqual(rs.map(logs), [['6'], ['7']]);
    assert.deepEqual(rs.map((r) => r.output?.memory), ['{"n":6}', '{"n":7}']);
    const direct = await tickOnce(runtime(), loop(`RawMemory._parsed = { hack: 1 };`), { memory: '{"old":1}' });
    assert.equal(direct.output?.memory, '{"hack":1}');
  });

  it('checks RawMemory.set with the official messages and lets the raw value win over Memory (F30)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.log(JSON.stringify(RawMemory.get()));
        try { RawMemory.set(5); } catch (e) { console.log(e.message); }
        try { RawMemory.set('x'.repeat(2 * 1024 * 1024 + 1)); } catch (e) { console.log(e.message); }
        Memory.lost = true;
        RawMemory.set('{"raw":1}');
        console.log(RawMemory.get(), RawMemory._parsed);`),
    );
    assert.deepEqual(logs(r), ['""', 'Raw memory value is not a string', 'Raw memory length exceeded 2 MB limit', '{"raw":1} undefined']);
    assert.equal(r.output?.memory, '{"raw":1}');
  });

  it('reports Memory over 2 MB on the console and keeps the old Memory (F31, deliberate fix)', async () => {
    const r = await tickOnce(runtime(), loop(`Memory.big = 'x'.repeat(2 * 1024 * 1024); console.log('done');`), { memory: '{"old":1}' });
    assert.equal(r.outcome, 'ok');
    assert.deepEqual(logs(r), ['done']);
    assert.deepEqual(r.errors, ['Memory was not saved: its size (2097170 characters) exceeds the 2 MB limit']);
    assert.equal(r.output?.memory, undefined);
  });

  it('pre-fills RawMemory.segments with the active segments and saves only the ones written (F32)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.log(JSON.stringify(RawMemory.segments), Object.getPrototypeOf(RawMemory.segments));
        RawMemory.segments[7] = 'new'; RawMemory.segments[5] = 'changed';`),
      { segments: { '3': 'three', '5': '' } },
    );
    assert.deepEqual(logs(r), ['{"3":"three","5":""} null']);
    assert.deepEqual(r.output?.segments, { '5': 'changed', '7': 'new' });
  });

  it('reports invalid segments with the official messages and still saves the rest of the tick (F32, deliberate fix)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`Memory.kept = 1;
        const s = RawMemory.segments;
        s[100] = 'a'; s.foo = 'b'; s[1] = 5; s[2] = 'x'.repeat(100 * 1024 + 1);
        for (let i = 10; i < 21; i++) s[i] = 'ok' + i;`),
    );
    assert.equal(r.outcome, 'ok');
    assert.deepEqual(r.errors, [
      'Memory segment #1 is not a string',
      'Memory segment #2 has exceeded 100 KB length limit',
      'Cannot save more than 10 memory segments on the same tick',
      '"100" is not a valid memory segment ID',
      '"foo" is not a valid memory segment ID',
    ]);
    assert.equal(Object.keys(r.output?.segments ?? {}).length, 10);
    assert.equal(r.output?.segments?.['10'], 'ok10');
    assert.equal(r.output?.memory, '{"kept":1}');
  });

  it('validates setActiveSegments with the official messages and returns the list for next tick (F33)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`for (const arg of ['5', [0,1,2,3,4,5,6,7,8,9,10], ['a'], [100], [-1]]) {
          try { RawMemory.setActiveSegments(arg); } catch (e) { console.log(e.message); }
        }
        RawMemory.setActiveSegments([1, '2']);`),
    );
    assert.deepEqual(logs(r), [
      '"5" is not an array',
      'Only 10 memory segments can be active at the same time',
      '"a" is not a valid segment ID',
      '"100" is not a valid segment ID',
      '"-1" is not a valid segment ID',
    ]);
    assert.deepEqual(r.output?.activeSegments, [1, 2]);
  });

  it('sets the public segment list without a count limit, and [] clears it (F34, deliberate fix)', async () => {
    const many = await tickOnce(runtime(), loop(`RawMemory.setPublicSegments(Array.from({ length: 20 }, (_, i) => i));`));
    assert.equal(many.output?.publicSegments?.length, 20);
    const cleared = await tickOnce(runtime(), loop(`RawMemory.setPublicSegments([]);`));
    assert.deepEqual(cleared.output?.publicSegments, []);
    const bad = await tickOnce(runtime(), loop(`try { RawMemory.setPublicSegments({}); } catch (e) { console.log(e.message); }`));
    assert.deepEqual(logs(bad), ['"[object Object]" is not an array']);
  });

  it('sets or clears the default public segment (F35)', async () => {
    const set = await tickOnce(runtime(), loop(`RawMemory.setDefaultPublicSegment('5');`));
    assert.equal(set.output?.defaultPublicSegment, 5);
    const cleared = await tickOnce(runtime(), loop(`RawMemory.setDefaultPublicSegment(null);`));
    assert.equal(cleared.output?.defaultPublicSegment, null);
    const bad = await tickOnce(runtime(), loop(`try { RawMemory.setDefaultPublicSegment(100); } catch (e) { console.log(e.message); }`));
    assert.deepEqual(logs(bad), ['"100" is not a valid segment ID']);
  });

  it('requests a foreign segment, clears it with null, and exposes a loaded one (F36)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.log(JSON.stringify(RawMemory.foreignSegment));
        try { RawMemory.setActiveForeignSegment('bob', 'x'); } catch (e) { console.log(e.message); }
        RawMemory.setActiveForeignSegment('bob', 0);`),
      { foreignSegment: { username: 'alice', id: 0, data: 'hello' } },
    );
    // The official message shows the id after parseInt (found by the differential suite).
    assert.deepEqual(logs(r), ['{"username":"alice","id":0,"data":"hello"}', '"NaN" is not a valid segment ID']);
    assert.deepEqual(r.output?.activeForeignSegment, { username: 'bob', id: 0 });
    const cleared = await tickOnce(runtime(), loop(`RawMemory.setActiveForeignSegment(null);`));
    assert.equal(cleared.output?.activeForeignSegment, null);
    const byDefault = await tickOnce(runtime(), loop(`RawMemory.setActiveForeignSegment('bob');`));
    assert.deepEqual(byDefault.output?.activeForeignSegment, { username: 'bob' });
  });

  it('reads a foreign public segment with id 0 on the next tick through storage (F36, deliberate fix)', async () => {
    const { runtime: rt, storage } = await testRuntime({ poolSize: 1 });
    await using _ = rt;
    storage.addUser({ id: 'alice', username: 'alice', modules: { main: loop(`if (Game.time === 1) { RawMemory.setPublicSegments([0]); RawMemory.segments[0] = 'shared by alice'; }`) } });
    const bob = storage.addUser({
      id: 'bob',
      username: 'bob',
      modules: { main: loop(`if (Game.time === 1) RawMemory.setActiveForeignSegment('alice', 0); else console.log(JSON.stringify(RawMemory.foreignSegment));`) },
    });
    await rt.runTick(1);
    const second = await rt.runTick(2);
    assert.deepEqual(second.results.find((x) => x.userId === bob)?.console, ['{"username":"alice","id":0,"data":"shared by alice"}']);
  });

  it('keeps RawMemory.interShardSegment as an alias of InterShardMemory and persists it (F37, MMO semantics)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.log(RawMemory.interShardSegment, InterShardMemory.getLocal(), InterShardMemory.getRemote('shard1'), InterShardMemory.getRemote('__proto__'), InterShardMemory.getRemote('shard9'));
        try { InterShardMemory.setLocal(5); } catch (e) { console.log(e.message); }
        try { InterShardMemory.setLocal('x'.repeat(100 * 1024 + 1)); } catch (e) { console.log(e.message); }
        RawMemory.interShardSegment = 'via alias';
        console.log(InterShardMemory.getLocal());`),
      { interShard: { local: 'mine', remote: { shard1: 'theirs' } } },
    );
    assert.deepEqual(logs(r), [
      'mine mine theirs null null',
      'InterShardMemory value is not a string',
      'InterShardMemory segment length exceeded 100 KB limit',
      'via alias',
    ]);
    assert.equal(r.output?.interShard, 'via alias');
  });
});
