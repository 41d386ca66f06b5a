import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { QueueTickCoordinator, resolveQueueOptions, UsersQueue } from '../../src/index.js';
import { probeRedis, uniqueName } from '../helpers/redis.js';
import { RedisTestStorage, type CommitEntry } from '../helpers/redis-storage.js';
import { RunnerProcess } from '../helpers/runner-process.js';

const redis = await probeRedis();
const PLAYER = `module.exports.loop = function () { Memory.ticks = (Memory.ticks || 0) + 1; };`;
const LEASE_MS = 1000;

/** A hang guard (not a timing assertion): a tick that never completes fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, what: string, deadlineMs = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** Every (player, tick) committed exactly once: counts per player for one tick. */
function commitsPerPlayer(log: readonly CommitEntry[], gameTime: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of log) if (e.gameTime === gameTime) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
  return counts;
}

describe('runner processes sharing ticks through Redis', { skip: redis.skip }, () => {
  const url = redis.skip === false ? redis.url : '';
  const spawned: RunnerProcess[] = [];
  after(() => {
    for (const r of spawned) r.kill('SIGKILL');
  });

  async function world(players: number): Promise<{ storage: RedisTestStorage; queue: UsersQueue; coordinator: QueueTickCoordinator; ns: string; ids: string[] }> {
    const ns = uniqueName('tqs');
    const storage = new RedisTestStorage(url, ns, 'main');
    await storage.connect();
    const ids = (await storage.seed(Array.from({ length: players }, (_, i) => ({ id: `p${i}`, modules: { main: PLAYER }, lastUsedDirtyTime: i })))).map(String);
    const options = resolveQueueOptions({ name: ns, leaseMs: LEASE_MS, resetIntervalMs: 600_000 });
    const queue = new UsersQueue(url, options.name);
    await queue.connect();
    return { storage, queue, coordinator: new QueueTickCoordinator(queue, storage, options), ns, ids };
  }

  function runner(ns: string, runnerId: string, extra: Record<string, unknown> = {}): RunnerProcess {
    const r = new RunnerProcess({ url, ns, queue: ns, runnerId, pool: 2, fetchPerWorker: 8, leaseMs: LEASE_MS, stealDelayMs: 200, ...extra });
    spawned.push(r);
    return r;
  }

  test('three runners share a 300-player tick; one is SIGKILLed after committing a batch, and every player is still committed exactly once', async () => {
    const w = await world(300);
    // Each runner stops on its first batch, so all three provably hold part of the tick.
    const killed = runner(w.ns, 'r1', { stall: 'afterCommit', stallTick: 1 });
    const others = [runner(w.ns, 'r2', { stall: 'beforeRun', stallTick: 1 }), runner(w.ns, 'r3', { stall: 'beforeRun', stallTick: 1 })];
    await Promise.all([killed, ...others].map((r) => r.waitFor((e) => e.event === 'ready', 'ready')));
    const tick = w.coordinator.runTick(1);
    const stalled = await Promise.all([killed, ...others].map((r) => r.waitFor((e) => e.event === 'stalled', 'its first batch')));
    killed.kill('SIGKILL');
    await killed.exited;
    for (const r of others) r.send('go');
    const report = await within(tick, 'tick 1');
    assert.equal(report.completed, true);
    assert.equal(report.players, 300);

    const counts = commitsPerPlayer(await w.storage.commitLog(), 1);
    assert.equal(counts.size, 300, 'every player committed');
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), [], 'no player committed twice');
    // The killed runner committed its batch but died before markDone: its lease expired, another
    // runner re-ran those players, and the storage fence refused the second commit.
    const killedBatch = new Set(stalled[0]!.ids);
    const dups = await w.storage.duplicateLog();
    assert.deepEqual(new Set(dups.map((d) => d.userId)), killedBatch);
    assert.ok(dups.every((d) => d.tag === 'r2' || d.tag === 'r3'));
    for (const r of others) assert.ok(r.ran(1).length > 0, `${r.events[0]?.runner} ran players`);
    await w.queue.close();
    await w.storage[Symbol.asyncDispose]();
    for (const r of others) r.kill('SIGTERM');
    await Promise.all(others.map((r) => r.exited));
  });

  test('a runner SIGKILLed before running its batch: its players run once, on the others, within the tick', async () => {
    const w = await world(120);
    const killed = runner(w.ns, 'k1', { stall: 'beforeRun', stallTick: 1 });
    const other = runner(w.ns, 'k2', { stall: 'beforeRun', stallTick: 1 });
    await Promise.all([killed, other].map((r) => r.waitFor((e) => e.event === 'ready', 'ready')));
    const tick = w.coordinator.runTick(1);
    const [held] = await Promise.all([killed, other].map((r) => r.waitFor((e) => e.event === 'stalled', 'its first batch')));
    killed.kill('SIGKILL');
    await killed.exited;
    other.send('go');
    assert.equal((await within(tick, 'the tick')).completed, true);
    const counts = commitsPerPlayer(await w.storage.commitLog(), 1);
    assert.equal(counts.size, 120);
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), []);
    assert.deepEqual(await w.storage.duplicateLog(), [], 'nobody ran twice: the killed runner never ran its batch');
    assert.ok(held!.ids!.every((id) => other.ran(1).includes(id)), 'the killed runner’s batch ran on the survivor');
    await w.queue.close();
    await w.storage[Symbol.asyncDispose]();
    other.kill('SIGTERM');
    await other.exited;
  });

  test('a runner started late joins: it takes players waiting in a busy runner’s list, as moved players', async () => {
    const w = await world(200);
    const first = runner(w.ns, 'j1', { stall: 'beforeRun', stallTick: 2 });
    await first.waitFor((e) => e.event === 'ready', 'ready');
    assert.equal((await within(w.coordinator.runTick(1), 'tick 1')).completed, true);
    assert.equal(first.ran(1).length, 200, 'alone, the first runner ran everyone (and holds their isolates)');
    const late = runner(w.ns, 'j2');
    await late.waitFor((e) => e.event === 'ready', 'ready');
    const tick = w.coordinator.runTick(2);
    await first.waitFor((e) => e.event === 'stalled', 'its first batch of tick 2');
    // While j1 is busy, j2 steals from j1's list after the steal delay.
    const stolen = await late.waitFor((e) => e.event === 'ran' && e.gameTime === 2, 'a stolen batch');
    first.send('go');
    assert.equal((await within(tick, 'the tick')).completed, true);
    assert.ok(stolen.ids!.length > 0);
    const fetched = late.events.filter((e) => e.event === 'fetched' && e.gameTime === 2);
    for (const f of fetched) for (const id of f.ids ?? []) assert.equal(f.movedFrom?.[id], 'j1', `${id} came from j1`);
    const ranLate = late.events.filter((e) => e.event === 'ran' && e.gameTime === 2);
    assert.deepEqual(ranLate.flatMap((e) => e.movedRunner ?? []).sort(), late.ran(2).sort(), 'telemetry reports movedRunner cold starts');
    const counts = commitsPerPlayer(await w.storage.commitLog(), 2);
    assert.equal(counts.size, 200);
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), []);
    assert.deepEqual(await w.storage.duplicateLog(), []);
    await w.queue.close();
    await w.storage[Symbol.asyncDispose]();
    for (const r of [first, late]) r.kill('SIGTERM');
    await Promise.all([first.exited, late.exited]);
  });

  test('SIGTERM drains: the batch in flight finishes and is marked done, nothing more is fetched, the process exits 0', async () => {
    const w = await world(150);
    const leaving = runner(w.ns, 's1', { stall: 'beforeRun', stallTick: 1 });
    const staying = runner(w.ns, 's2', { stall: 'beforeRun', stallTick: 1 });
    await Promise.all([leaving, staying].map((r) => r.waitFor((e) => e.event === 'ready', 'ready')));
    const tick = w.coordinator.runTick(1);
    const [held] = await Promise.all([leaving, staying].map((r) => r.waitFor((e) => e.event === 'stalled', 'its first batch')));
    leaving.kill('SIGTERM');
    await leaving.waitFor((e) => e.event === 'sigterm', 'SIGTERM received');
    leaving.send('go');
    staying.send('go');
    const stopped = await leaving.waitFor((e) => e.event === 'stopped', 'stopped');
    assert.equal((await leaving.exited).code, 0);
    assert.equal(stopped.fetchedAfterStop, 0);
    assert.deepEqual(new Set(leaving.ran(1)), new Set(held!.ids), 'it finished exactly the batch it held');
    assert.equal((await within(tick, 'the tick')).completed, true);
    const log = await w.storage.commitLog();
    const counts = commitsPerPlayer(log, 1);
    assert.equal(counts.size, 150);
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), []);
    assert.deepEqual(await w.storage.duplicateLog(), []);
    assert.ok(held!.ids!.every((id) => log.some((e) => e.userId === id && e.tag === 's1')), 'the drained batch was committed by the leaving runner');
    await w.queue.close();
    await w.storage[Symbol.asyncDispose]();
    staying.kill('SIGTERM');
    await staying.exited;
  });
});
