import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseUserId, QueueTickCoordinator, resolveQueueOptions, UsersQueue, type UserId } from '../../src/index.js';
import { createRedisClient, connectRedis, type RedisClient } from '../../src/queue/index.js';
import { probeRedis, uniqueName } from '../helpers/redis.js';
import { skipUnlessServices } from '../helpers/services.js';

const redis = await probeRedis();
const ids = (...names: string[]): UserId[] => names.map((n) => parseUserId(n));

const SUITE = 'users queue on Redis';
describe(SUITE, { skip: skipUnlessServices(SUITE, redis.missing) }, () => {
  const { url } = redis;
  let raw: RedisClient;
  before(async () => {
    raw = createRedisClient(url, 'queue-test-raw');
    await connectRedis(raw);
  });

  const names: string[] = [];
  after(async () => {
    // Leave nothing behind on a shared Redis: every key of every queue these tests made.
    for (const name of names) {
      const keys = await raw.keys(`${name}*`);
      if (keys.length > 0) await raw.del(...keys);
    }
    raw.disconnect();
  });

  async function open(): Promise<UsersQueue> {
    const name = uniqueName('tq');
    names.push(name);
    const queue = new UsersQueue(url, name);
    await queue.connect();
    return queue;
  }

  /** Reaps until the expired leases came back (a handshake on state, not a timed assertion). */
  async function reapUntil(queue: UsersQueue, expected: number): Promise<void> {
    let moved = 0;
    while (moved < expected) {
      moved += await queue.reap();
      if (moved < expected) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('keeps the official list layout: LPUSH on usersIvmPending, the first player fetched first (F1)', async () => {
    await using queue = await open();
    await queue.addMulti(7, ids('a', 'b', 'c'));
    assert.deepEqual(await raw.lrange(queue.keys.pending, 0, -1), ['c', 'b', 'a']);
    const batch = await queue.fetch('r1', 2, 60_000, 60_000);
    assert.equal(batch?.gameTime, 7);
    assert.deepEqual(batch?.userIds, ids('a', 'b'));
    assert.deepEqual(await raw.lrange(queue.keys.processing, 0, -1), ['b', 'a']);
    await queue.markDone('r1', 7, ids('a', 'b'));
    assert.deepEqual(await raw.lrange(queue.keys.processing, 0, -1), []);
    assert.equal(await queue.size(), 1);
  });

  test("re-queues a dead runner's players and never hands out a player already done this tick", async () => {
    await using queue = await open();
    await queue.addMulti(3, ids('a', 'b', 'c'));
    const first = await queue.fetch('dead', 2, 100, 60_000);
    assert.deepEqual(first?.userIds, ids('a', 'b'));
    await reapUntil(queue, 2);
    // The "dead" runner was only slow: it finishes a, late. a must not be handed out again.
    await queue.markDone('dead', 3, ids('a'));
    const second = await queue.fetch('r2', 10, 60_000, 60_000);
    assert.deepEqual(new Set(second?.userIds), new Set(ids('b', 'c')));
    assert.equal(second?.movedFrom.get(parseUserId('b')), 'dead');
    await queue.markDone('r2', 3, second?.userIds ?? []);
    assert.equal(await queue.size(), 0);
  });

  test('a late markDone from an earlier tick does not take the player out of the current tick', async () => {
    await using queue = await open();
    await queue.addMulti(1, ids('a'));
    assert.deepEqual((await queue.fetch('r1', 1, 60_000, 60_000))?.userIds, ids('a'));
    await queue.resetAll();
    await queue.addMulti(2, ids('a'));
    await queue.markDone('r1', 1, ids('a'));
    const next = await queue.fetch('r2', 1, 60_000, 60_000);
    assert.equal(next?.gameTime, 2);
    assert.deepEqual(next?.userIds, ids('a'));
  });

  test("marks a runner's previous batch done in the same call that fetches its next one", async () => {
    await using queue = await open();
    await queue.addMulti(4, ids('a', 'b', 'c'));
    const first = await queue.markDoneAndFetch('r1', null, 2, 60_000, 60_000);
    assert.deepEqual(first.batch?.userIds, ids('a', 'b'));
    const second = await queue.markDoneAndFetch('r1', first.batch, 2, 60_000, 60_000);
    assert.deepEqual(second.batch?.userIds, ids('c'));
    assert.equal(second.lost, 0);
    assert.deepEqual(await raw.lrange(queue.keys.processing, 0, -1), ['c'], 'a and b are done');
    assert.equal(await raw.sismember(`${queue.name}Done:4`, 'a'), 1);
    const last = await queue.markDoneAndFetch('r1', second.batch, 2, 60_000, 60_000);
    assert.equal(last.batch, null);
    assert.equal(await queue.size(), 0);
  });

  test('renews the leases of a live runner, so its players are not re-queued', async () => {
    await using queue = await open();
    await queue.addMulti(1, ids('a'));
    const batch = await queue.fetch('r1', 1, 150, 60_000);
    assert.deepEqual(batch?.userIds, ids('a'));
    // Renew well inside the lease a few times; the reaper finds nothing expired.
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await queue.heartbeat('r1', 60_000, ids('a')), []);
      assert.equal(await queue.reap(), 0);
    }
    assert.deepEqual(await queue.heartbeat('r2', 60_000, ids('a')), ids('a'), 'a runner that does not own a player is told so');
  });

  test('keeps a player in the runner that ran it last; another runner steals it only after the delay', async () => {
    await using queue = await open();
    await queue.addMulti(1, ids('a', 'b', 'c'));
    const t1 = await queue.fetch('r1', 10, 60_000, 60_000);
    await queue.markDone('r1', 1, t1?.userIds ?? []);
    await queue.addMulti(2, ids('a', 'b', 'c'));
    assert.equal(await raw.llen(queue.keys.pending), 0, 'warm players go to their runner, not the shared list');
    assert.equal(await queue.fetch('r2', 10, 60_000, 60_000), null, 'no stealing before the delay');
    const stolen = await queue.fetch('r2', 1, 60_000, 0);
    assert.deepEqual(stolen?.userIds, ids('c'), 'the thief takes from the far end of the owner list');
    assert.equal(stolen?.movedFrom.get(parseUserId('c')), 'r1');
    const own = await queue.fetch('r1', 10, 60_000, 60_000);
    assert.deepEqual(own?.userIds, ids('a', 'b'));
    assert.equal(own?.movedFrom.size, 0);
  });

  test('a released batch goes back to the front of the shared list for the others', async () => {
    await using queue = await open();
    await queue.addMulti(1, ids('a', 'b', 'c'));
    const held = await queue.fetch('r1', 2, 60_000, 60_000);
    assert.equal(await queue.release('r1', held?.userIds ?? []), 2);
    assert.equal(await queue.release('r2', ids('c')), 0, 'only the owner can release');
    assert.deepEqual((await queue.fetch('r2', 3, 60_000, 60_000))?.userIds, ids('a', 'b', 'c'));
  });

  test("a clean leave hands the runner's own list to the shared list at once", async () => {
    await using queue = await open();
    await queue.addMulti(1, ids('a', 'b'));
    await queue.markDone('r1', 1, (await queue.fetch('r1', 10, 60_000, 60_000))?.userIds ?? []);
    await queue.addMulti(2, ids('a', 'b'));
    assert.equal(await queue.leave('r1'), 2);
    assert.deepEqual((await queue.fetch('r2', 10, 60_000, 60_000))?.userIds, ids('a', 'b'));
  });

  test('the tick coordinator resets after the reset interval and reports who did not run (F3)', async () => {
    await using queue = await open();
    const coordinator = new QueueTickCoordinator(queue, { activeUsers: async () => ids('a', 'b', 'c') }, resolveQueueOptions({ resetIntervalMs: 10, leaseMs: 60_000 }));
    const waiting = coordinator.runTick(5);
    // A runner takes one player and never finishes it before the reset.
    let taken: Awaited<ReturnType<UsersQueue['fetch']>> = null;
    while (taken === null) taken = await queue.fetch('r1', 1, 60_000, 60_000);
    const report = await waiting;
    assert.equal(report.completed, false);
    assert.equal(report.players, 3);
    assert.deepEqual(new Set([...report.notRun, ...report.unfinished]), new Set(ids('a', 'b', 'c')));
    assert.ok(report.unfinished.every((id) => taken?.userIds.includes(id)));
    assert.equal(await queue.size(), 0, 'the queue is empty after the reset');
  });

  test('whenAllDone publishes queueDone:<name> once the queue drained', async () => {
    await using queue = await open();
    const sub = createRedisClient(url, 'queue-test-sub');
    await connectRedis(sub);
    const heard = new Promise<string>((resolve) => sub.on('message', (channel: string) => resolve(channel)));
    await sub.subscribe(queue.keys.drainedChannel);
    await queue.addMulti(9, ids('a'));
    const done = queue.whenAllDone(60_000, 50);
    await queue.markDone('r1', 9, (await queue.fetch('r1', 1, 60_000, 60_000))?.userIds ?? []);
    assert.equal(await done, true);
    assert.equal(await heard, `queueDone:${queue.name}`);
    sub.disconnect();
  });
});
