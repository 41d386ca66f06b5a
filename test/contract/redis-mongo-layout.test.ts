import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserId } from '../../src/shared/ids.js';
import type { TickCommit } from '../../src/storage/port.js';
import { skipUnlessServices } from '../helpers/services.js';
import { redisMongoFixture, servicesMissing } from './fixture.js';
import { NOW } from './storage-contract.js';

const SUITE = 'redis+mongo store: layout, replay, bad data';
const skip = skipUnlessServices(SUITE, servicesMissing());
const open = () => redisMongoFixture(() => NOW);
const MAIN = 'module.exports.loop = function () {};';

function fullTick(userId: UserId, gameTime: number, consumed: string[]): TickCommit {
  return {
    userId,
    gameTime,
    user: { lastUsedCpu: 4, cpuAvailable: 96, lastUsedDirtyTime: 3, activeSegments: [1] },
    memory: `{"t":${gameTime}}`,
    segments: { 1: 'one' },
    publicSegments: [1],
    interShard: 'isd',
    intents: { W1N1: { c: { say: 'hi' } }, global: { g: 1 }, notify: [{ message: 'hello', groupInterval: 0 }] },
    console: { log: [{ message: 'log', escape: true }], results: [] },
    errors: ['Error: once'],
    cpuStat: { cpu: 4, memory: 8 },
    consumedCommands: consumed,
    visuals: { W1N1: 'v' },
  };
}

describe(SUITE, { skip }, () => {
  it('writes screepsmod-mongo key names and escaped module names', async () => {
    await using f = await open();
    const a = await f.addUser({ id: 'a', modules: { main: MAIN, 'lib.util/x\\y': 'u' } });
    await f.storage.commit([fullTick(a, 1, [])]);
    const dump = await f.adapter.admin.dump();
    const prefix = Object.keys(dump.redis)[0]!.split(':')[0] + ':';
    assert.deepEqual(
      Object.keys(dump.redis).map((k) => k.slice(prefix.length)),
      ['activeRooms', 'interShardSegment:a', 'kernel:committedTick', 'memory:a', 'memorySegments:a', 'publicMemorySegments:a', 'roomIntents:W1N1', 'roomVisual:a,W1N1,1'],
    );
    assert.equal(dump.redis[`${prefix}publicMemorySegments:a`], '1');
    assert.deepEqual(dump.redis[`${prefix}interShardSegment:a`], { shard0: 'isd' });
    const code = dump.mongo['users.code']!;
    assert.deepEqual(Object.keys(code[0]!.modules as object).sort(), ['lib$DOT$util$SLASH$x$BACKSLASH$y', 'main']);
    const loaded = (await f.storage.loadContexts([{ userId: a }])).get(a);
    assert.ok(loaded?.ok);
    assert.deepEqual(Object.keys(loaded.context.code?.modules ?? {}).sort(), ['lib.util/x\\y', 'main']);
  });

  it('leaves both databases byte-identical when a tick is replayed', async () => {
    await using f = await open();
    const a = await f.addUser({ id: 'a', modules: { main: MAIN }, memory: '{}' });
    const b = await f.addUser({ id: 'b', modules: { main: MAIN } });
    const command = await f.addConsoleCommand(a, 'x()');
    const batch = [fullTick(a, 7, [command]), fullTick(b, 7, [])];
    assert.deepEqual((await f.storage.commit(batch)).committed, [a, b]);
    const before = await f.adapter.admin.dump();
    const replay = await f.storage.commit(batch);
    assert.deepEqual(replay, { committed: [], duplicates: [a, b], stale: [], failed: [] });
    assert.deepEqual(await f.adapter.admin.dump(), before);
    // The dump really holds the tick's effects, so the comparison above compares something.
    assert.equal(before.mongo['users.notifications']!.length, 4);
    assert.equal(before.mongo['users.intents']!.length, 2);
  });

  it('writes only the users fields that changed, skips an update that changes nothing, and counts a grouped notice once per tick', async () => {
    await using f = await open();
    const a = await f.addUser({ id: 'a', modules: { main: MAIN } });
    const tick = (gameTime: number, user: TickCommit['user']): TickCommit => ({
      userId: a,
      gameTime,
      user,
      console: null,
      errors: ['Error: again'],
      consumedCommands: [],
    });
    const steady = { lastUsedCpu: 2, lastUsedDirtyTime: 2, cpuAvailable: 10000, activeSegments: [3] };
    assert.deepEqual((await f.storage.commit([tick(1, steady)])).committed, [a]);
    assert.equal((await f.adapter.admin.getUser(a))?.lastCommittedTick, 1);
    assert.deepEqual((await f.storage.commit([tick(2, { ...steady, activeSegments: [3] })])).committed, [a]);
    assert.equal((await f.adapter.admin.getUser(a))?.lastCommittedTick, 1, 'nothing changed: no users write');
    assert.deepEqual((await f.storage.commit([tick(3, { ...steady, lastUsedCpu: 5 })])).committed, [a]);
    const user = await f.adapter.admin.getUser(a);
    assert.equal(user?.lastCommittedTick, 3);
    assert.equal(user?.lastUsedCpu, 5);
    assert.deepEqual(user?.activeSegments, [3]);
    assert.deepEqual((await f.storage.commit([tick(3, { ...steady, lastUsedCpu: 9 })])).duplicates, [a]);
    assert.equal((await f.adapter.admin.getUser(a))?.lastUsedCpu, 5);
    // The same error in one notification window: inserted at tick 1, counted again at ticks 2 and 3, not by the replay.
    assert.deepEqual(
      (await f.adapter.admin.notifications(a)).map((n) => [n.type, n.message, n.count]),
      [['error', 'Error: again', 3]],
    );
  });

  it('commits concurrent batches whose users updates together exceed 100 statements (FerretDB wedges at 100 in flight)', async () => {
    await using f = await open();
    const ids = await f.adapter.admin.addUsers(Array.from({ length: 160 }, (_, i) => ({ id: `c${i}` })));
    const batch = (part: readonly UserId[]): TickCommit[] =>
      part.map((userId) => ({ userId, gameTime: 1, user: { lastUsedCpu: 3, cpuAvailable: 7 }, console: null, errors: [], consumedCommands: [] }));
    const reports = await Promise.all([f.storage.commit(batch(ids.slice(0, 80))), f.storage.commit(batch(ids.slice(80)))]);
    assert.deepEqual(reports.map((r) => [r.committed.length, r.failed.length]), [[80, 0], [80, 0]]);
    assert.equal((await f.adapter.admin.getUser(ids[159]!))?.cpuAvailable, 7);
  });

  it('fails only the player whose stored data is bad, with a message that says what is wrong', async () => {
    await using f = await open();
    const good = await f.addUser({ id: 'good', modules: { main: MAIN } });
    const hash = await f.addUser({ id: 'hash', modules: { main: MAIN } });
    await f.adapter.admin.setMemoryHash(hash, { not: 'a string' });
    const nomain = await f.addUser({ id: 'nomain', modules: { other: MAIN } });
    const badmod = await f.addUser({ id: 'badmod' });
    await f.adapter.admin.setRawCode(badmod, { modules: { main: 42 }, timestamp: 1 });
    const badts = await f.addUser({ id: 'badts' });
    await f.adapter.admin.setRawCode(badts, { modules: { main: MAIN }, timestamp: 'yesterday' });
    const badcpu = await f.addUser({ id: 'badcpu' });
    await f.adapter.admin.updateUser(badcpu, { cpu: 'lots' });
    const loaded = await f.storage.loadContexts([good, hash, nomain, badmod, badts, badcpu].map((userId) => ({ userId })));
    assert.ok(loaded.get(good)?.ok);
    const expect: [UserId, RegExp][] = [
      [hash, /Memory of user hash is not a string \(WRONGTYPE/],
      [nomain, /code has no 'main' module/],
      [badmod, /module "main" is neither a string nor \{binary\}/],
      [badts, /timestamp is not a number/],
      [badcpu, /cpu is not a number/],
    ];
    for (const [id, pattern] of expect) {
      const r = loaded.get(id);
      assert.ok(r && !r.ok, id);
      assert.match(r.error, pattern);
      assert.equal(r.publish, true);
    }
  });

  it('writes nothing of a player whose Redis key has the wrong type, and a retry after the fix applies the tick once', async () => {
    await using f = await open();
    const a = await f.addUser({ id: 'a', memory: 'old' });
    const b = await f.addUser({ id: 'b', memory: 'old' });
    await f.adapter.admin.setRawString('memorySegments:b', 'not a hash');
    const first = await f.storage.commit([fullTick(a, 1, []), fullTick(b, 1, [])]);
    assert.deepEqual(first.committed, [a]);
    assert.deepEqual(first.failed.map((x) => x.userId), [b]);
    assert.match(first.failed[0]!.error, /WRONGTYPE/);
    // The script checks key types before its first write: no Memory, no room intents, no fence for b.
    assert.equal(await f.memory(b), 'old');
    assert.equal((await f.roomIntents('W1N1')).b, undefined);
    await f.adapter.admin.deleteRaw('memorySegments:b');
    const retry = await f.storage.commit([fullTick(b, 1, [])]);
    assert.deepEqual(retry.committed, [b]);
    assert.equal(await f.memory(b), '{"t":1}');
    // The MongoDB part of b was written by the first attempt and sent again by the retry: counted once.
    assert.deepEqual((await f.notifications(b)).map((n) => `${n.type}:${n.count}`).sort(), ['error:1', 'msg:1']);
    assert.deepEqual(await f.globalIntents(b), [{ g: 1 }]);
  });

  it('loads a thousand players with one batch call', async () => {
    await using f = await open();
    const ids = await f.adapter.admin.addUsers(Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, memory: `m${i}` })));
    const loaded = await f.storage.loadContexts(ids.map((userId) => ({ userId })));
    assert.equal(loaded.size, 1000);
    const last = loaded.get(ids[999]!);
    assert.ok(last?.ok);
    assert.equal(last.context.memory, 'm999');
  });
});
