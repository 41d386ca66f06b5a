/**
 * The storage contract: what every StoragePort adapter must do, run against each adapter's fixture.
 * `skip` is the visible reason the adapter cannot run here (a service is absent), or null.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserId } from '../../src/shared/ids.js';
import type { TickCommit } from '../../src/storage/port.js';
import type { StorageFixture } from './fixture.js';

export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const MAIN = 'module.exports.loop = function () {};';

export type FixtureFactory = (clock: () => number) => Promise<StorageFixture>;

function tick(userId: UserId, gameTime: number, fields: Partial<TickCommit> = {}): TickCommit {
  return { userId, gameTime, user: {}, console: null, errors: [], consumedCommands: [], ...fields };
}

/** Resolves with `count` messages of a channel; subscribe before the action that publishes. */
async function collect(f: StorageFixture, channel: string, count: number): Promise<{ messages: Promise<string[]>; stop: () => Promise<void> }> {
  const got: string[] = [];
  let done!: (m: string[]) => void;
  const messages = new Promise<string[]>((resolve) => (done = resolve));
  const stop = await f.subscribe(channel, (m) => {
    got.push(m);
    if (got.length === count) done(got);
  });
  return { messages, stop };
}

export function storageContract(name: string, factory: FixtureFactory, skip: string | null): void {
  describe(`storage contract: ${name}`, { skip: skip ?? false }, () => {
    const open = () => factory(() => NOW);

    it('lists active users with cpu > 0, latest lastUsedDirtyTime first (F1)', async () => {
      await using f = await open();
      await f.addUser({ id: 'old', lastUsedDirtyTime: 10 });
      await f.addUser({ id: 'new', lastUsedDirtyTime: 30 });
      await f.addUser({ id: 'mid', lastUsedDirtyTime: 20 });
      await f.addUser({ id: 'inactive', active: false, lastUsedDirtyTime: 40 });
      await f.addUser({ id: 'nocpu', cpu: 0, lastUsedDirtyTime: 50 });
      assert.deepEqual(await f.storage.activeUsers(), ['new', 'mid', 'old']);
    });

    it('loads a batch: Memory, code, active segments, inter-shard data and console commands; an unknown user fails alone', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a', modules: { main: MAIN, 'lib.util': 'x' }, memory: '{"n":1}' });
      const b = await f.addUser({ id: 'b', modules: { main: MAIN } });
      await f.setActiveSegments(a, [2, 5]);
      await f.storage.commit([tick(a, 1, { segments: { 2: 'two' } })]);
      await f.setRemoteInterShard('shard9', a, 'remote');
      await f.addConsoleCommand(b, '1+1');
      const loaded = await f.storage.loadContexts([{ userId: a }, { userId: b }, { userId: 'ghost' as UserId }]);
      const ra = loaded.get(a);
      assert.ok(ra?.ok);
      assert.equal(ra.context.memory, '{"n":1}');
      assert.deepEqual(ra.context.code?.modules, { main: MAIN, 'lib.util': 'x' });
      assert.deepEqual(ra.context.segments, { 2: 'two', 5: '' });
      assert.deepEqual(ra.context.interShard, { local: '', remote: { shard9: 'remote' } });
      const rb = loaded.get(b);
      assert.ok(rb?.ok);
      assert.equal(rb.context.memory, '');
      assert.deepEqual(rb.context.consoleCommands.map((c) => c.expression), ['1+1']);
      const ghost = loaded.get('ghost' as UserId);
      assert.ok(ghost && !ghost.ok);
      assert.equal(ghost.publish, false);
      assert.match(ghost.error, /unknown user/);
    });

    it('omits modules when the caller already holds that code timestamp, and sends them again after an upload', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a', modules: { main: MAIN } });
      const first = (await f.storage.loadContexts([{ userId: a }])).get(a);
      assert.ok(first?.ok && first.context.code?.modules);
      const ts = first.context.code.timestamp;
      const again = (await f.storage.loadContexts([{ userId: a, knownCodeTimestamp: ts }])).get(a);
      assert.ok(again?.ok);
      assert.deepEqual(again.context.code, { hash: first.context.code.hash, timestamp: ts });
      await f.setCode(a, { main: MAIN + '//v2' });
      const changed = (await f.storage.loadContexts([{ userId: a, knownCodeTimestamp: ts }])).get(a);
      assert.ok(changed?.ok);
      assert.deepEqual(changed.context.code?.modules, { main: MAIN + '//v2' });
      assert.notEqual(changed.context.code?.hash, first.context.code.hash);
      assert.deepEqual((await f.storage.loadCode(a))?.modules, { main: MAIN + '//v2' });
    });

    it('commits Memory, segments, public segments, inter-shard data and user fields; unchanged data is left alone', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a', memory: 'old' });
      const report = await f.storage.commit([
        tick(a, 1, {
          memory: 'new',
          segments: { 3: 'seg3' },
          publicSegments: [3, 4],
          interShard: 'mine',
          user: { lastUsedCpu: 7, cpuAvailable: 93, lastUsedDirtyTime: 5, activeSegments: [3], defaultPublicSegment: 3 },
        }),
      ]);
      assert.deepEqual(report, { committed: [a], duplicates: [], stale: [], failed: [] });
      assert.equal(await f.memory(a), 'new');
      assert.equal(await f.segment(a, 3), 'seg3');
      assert.deepEqual(await f.publicSegments(a), [3, 4]);
      assert.equal(await f.interShard(a), 'mine');
      const user = await f.user(a);
      assert.equal(user?.lastUsedCpu, 7);
      assert.equal(user?.cpuAvailable, 93);
      assert.deepEqual(user?.activeSegments, [3]);
      assert.equal(user?.defaultPublicSegment, 3);
      await f.storage.commit([tick(a, 2, { user: { cpuAvailable: 100 } })]);
      assert.equal(await f.memory(a), 'new');
      assert.equal(await f.segment(a, 3), 'seg3');
      assert.equal((await f.user(a))?.lastUsedCpu, 7);
      const next = (await f.storage.loadContexts([{ userId: a }])).get(a);
      assert.ok(next?.ok);
      assert.deepEqual(next.context.segments, { 3: 'seg3' });
      assert.equal(next.context.interShard.local, 'mine');
    });

    it('treats a replayed tick as a duplicate that changes nothing, and refuses an older tick', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a' });
      await f.storage.commit([tick(a, 5, { memory: 'five', user: { cpuAvailable: 50 } })]);
      const replay = await f.storage.commit([tick(a, 5, { memory: 'other', user: { cpuAvailable: 1 } })]);
      assert.deepEqual(replay, { committed: [], duplicates: [a], stale: [], failed: [] });
      const late = await f.storage.commit([tick(a, 4, { memory: 'four' })]);
      assert.deepEqual(late, { committed: [], duplicates: [], stale: [a], failed: [] });
      assert.equal(await f.memory(a), 'five');
      assert.equal((await f.user(a))?.cpuAvailable, 50);
    });

    it('deletes only the console commands that ran', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a' });
      const ran = await f.addConsoleCommand(a, 'ran()');
      await f.addConsoleCommand(a, 'later()');
      await f.storage.commit([tick(a, 1, { consumedCommands: [ran] })]);
      assert.deepEqual(await f.pendingCommands(a), ['later()']);
    });

    it('stores room intents, global intents and notify intents (F44, F45)', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a' });
      await f.storage.commit([
        tick(a, 1, {
          intents: { W1N1: { creep1: { move: { direction: 1 } } }, global: { market: 1 }, notify: [{ message: 'x'.repeat(600), groupInterval: 5000 }] },
        }),
      ]);
      assert.deepEqual(await f.roomIntents('W1N1'), { a: JSON.stringify({ creep1: { move: { direction: 1 } } }) });
      assert.deepEqual(await f.activeRooms(), ['W1N1']);
      assert.deepEqual(await f.globalIntents(a), [{ market: 1 }]);
      const day = 1440 * 60 * 1000;
      assert.deepEqual(await f.notifications(a), [{ type: 'msg', message: 'x'.repeat(500), date: Math.ceil(NOW / day) * day, count: 1 }]);
    });

    it('publishes console output, errors and cpu with the official payloads, and groups error notifications (F46-F48)', async () => {
      await using f = await open();
      const a = await f.addUser({ id: 'a' });
      const consoleMessages = await collect(f, 'user:a/console', 3);
      const cpuMessages = await collect(f, 'user:a/cpu', 1);
      await f.storage.commit([
        tick(a, 1, {
          console: { log: [{ message: '<b>', escape: true }, { message: '<i>', escape: false }], results: ['2'] },
          errors: ['Error: boom', 'Error: boom'],
          cpuStat: { cpu: 3, memory: 10 },
        }),
      ]);
      assert.deepEqual(await consoleMessages.messages, [
        JSON.stringify({ messages: { log: ['&#x3C;b&#x3E;', '<i>'], results: ['2'] }, userId: 'a' }),
        JSON.stringify({ userId: 'a', error: 'Error: boom' }),
        JSON.stringify({ userId: 'a', error: 'Error: boom' }),
      ]);
      assert.deepEqual(await cpuMessages.messages, [JSON.stringify({ cpu: 3, memory: 10 })]);
      await consoleMessages.stop();
      await cpuMessages.stop();
      const interval = 30 * 60 * 1000;
      assert.deepEqual(await f.notifications(a), [{ type: 'error', message: 'Error: boom', date: Math.ceil(NOW / interval) * interval, count: 2 }]);
    });

    it('publishes nothing and records no error notice for the Invader and Source Keeper users (F49)', async () => {
      await using f = await open();
      const npc = await f.addUser({ id: '2' });
      const other = await f.addUser({ id: 'a' });
      const marker = await collect(f, 'user:a/console', 1);
      const npcMessages: string[] = [];
      const stop = await f.subscribe('user:2/console', (m) => npcMessages.push(m));
      // The NPC commits first in the same batch; the other player's message arriving proves the NPC's would have.
      await f.storage.commit([
        tick(npc, 1, { console: { log: [{ message: 'npc', escape: false }], results: [] }, errors: ['Error: npc'] }),
        tick(other, 1, { console: { log: [], results: [] } }),
      ]);
      await marker.messages;
      await marker.stop();
      await stop();
      assert.deepEqual(npcMessages, []);
      assert.deepEqual(await f.notifications(npc), []);
    });

    it('resolves a foreign segment by username and loads it next tick only while it is public, segment 0 included (F36)', async () => {
      await using f = await open();
      const owner = await f.addUser({ id: 'owner', username: 'Owner' });
      const reader = await f.addUser({ id: 'reader' });
      await f.storage.commit([tick(owner, 1, { segments: { 0: 'zero' }, publicSegments: [0] })]);
      await f.storage.commit([tick(reader, 1, { user: { activeForeignSegment: { username: 'Owner', id: 0 } } })]);
      const loaded = (await f.storage.loadContexts([{ userId: reader }])).get(reader);
      assert.ok(loaded?.ok);
      assert.deepEqual(loaded.context.foreignSegment, { username: 'Owner', id: 0, data: 'zero' });
      await f.storage.commit([tick(owner, 2, { publicSegments: [] })]);
      const hidden = (await f.storage.loadContexts([{ userId: reader }])).get(reader);
      assert.ok(hidden?.ok);
      assert.equal(hidden.context.foreignSegment, undefined);
      await f.storage.commit([tick(reader, 2, { user: { activeForeignSegment: null } })]);
      assert.equal((await f.user(reader))?.activeForeignSegment, null);
    });
  });
}
