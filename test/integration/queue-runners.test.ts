import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../../src/cli/queue.js';
import { after, describe, test } from 'node:test';
import { QueueTickCoordinator, resolveQueueOptions, UsersQueue, type QueueTickReport, type UserId } from '../../src/index.js';
import { probeRedis, uniqueName } from '../helpers/redis.js';
import { skipUnlessServices } from '../helpers/services.js';
import { RedisMongoStorage } from '../../src/storage/redis-mongo/index.js';
import { servicesMissing, uniqueNamespace } from '../contract/fixture.js';
import { RunnerProcess, type RunnerEvent } from '../helpers/runner-process.js';

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

/** One (player, tick) as the store answered a runner's commit: applied, or refused as already applied. */
interface CommitEntry {
  readonly userId: string;
  readonly gameTime: number;
  /** The runner whose commit it was. */
  readonly tag: string;
}

/** What the store answered to every commit of the given runners (their `commit` events). */
function storeAnswers(runners: readonly RunnerProcess[], kind: 'committed' | 'duplicates'): CommitEntry[] {
  return runners.flatMap((r) =>
    r.events.filter((e) => e.event === 'commit').flatMap((e) => ((e[kind] as string[] | undefined) ?? []).map((userId) => ({ userId, gameTime: e.gameTime!, tag: e.runner }))),
  );
}

/**
 * Asserts every player of the tick had exactly one commit applied (by the store's answers), and that the
 * store holds exactly `gameTime` runs in each player's Memory (each run counts `Memory.ticks` up by one).
 */
async function assertCommittedOnce(w: World, gameTime: number, players: number): Promise<void> {
  const counts = new Map<string, number>();
  for (const e of storeAnswers(w.runners, 'committed')) if (e.gameTime === gameTime) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
  assert.equal(counts.size, players, 'every player committed');
  assert.deepEqual([...counts.values()].filter((n) => n !== 1), [], 'no player committed twice');
  const memories = await Promise.all(w.ids.map((id) => w.store.admin.getMemory(id)));
  assert.deepEqual(memories.filter((m) => (JSON.parse(m ?? '{}') as { ticks?: number }).ticks !== gameTime), [], `every player's stored Memory counts ${gameTime} runs`);
}

interface World {
  readonly store: RedisMongoStorage;
  readonly queue: UsersQueue;
  readonly coordinator: QueueTickCoordinator;
  readonly ns: string;
  readonly namespace: { readonly redisKeyPrefix: string; readonly mongoDatabase: string };
  readonly ids: UserId[];
  /** The runner processes started on this world. */
  readonly runners: RunnerProcess[];
}

const SUITE = 'runner processes sharing ticks through Redis (Redis + MongoDB store)';
describe(SUITE, { skip: skipUnlessServices(SUITE, servicesMissing() ?? redis.missing) }, () => {
  const { url } = redis;
  const mongoUrl = process.env.MONGO_URL ?? '';
  const spawned: RunnerProcess[] = [];
  after(() => {
    for (const r of spawned) r.kill('SIGKILL');
  });

  /** Players seeded into a store of the test's own (key prefix and database); `cpuAvailable` keeps the CPU gate open. */
  async function world(players: number): Promise<World> {
    const ns = uniqueName('tqs');
    const namespace = uniqueNamespace();
    const store = await RedisMongoStorage.connect({ redisUrl: url, mongoUrl, ...namespace });
    const ids = await store.admin.addUsers(Array.from({ length: players }, (_, i) => ({ id: `p${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: PLAYER }, lastUsedDirtyTime: i })));
    const options = resolveQueueOptions({ name: ns, leaseMs: LEASE_MS, resetIntervalMs: 600_000 });
    const queue = new UsersQueue(url, options.name);
    await queue.connect();
    return { store, queue, coordinator: new QueueTickCoordinator(queue, store, options), ns, namespace, ids, runners: [] };
  }

  /** Closes the test's connections, lets the remaining runners drain and exit, and deletes the test's data. */
  async function teardown(w: World, remaining: readonly RunnerProcess[]): Promise<void> {
    for (const r of remaining) r.kill('SIGTERM');
    await Promise.all(remaining.map((r) => r.exited));
    await w.queue.resetAll();
    await w.queue.close();
    await w.store.admin.wipe();
    await w.store[Symbol.asyncDispose]();
  }

  /** Starts tick 1 once every runner is ready; resolves when each holds its first (stalled) batch. */
  async function startStalledTick(w: { coordinator: QueueTickCoordinator }, runners: readonly RunnerProcess[]): Promise<{ tick: Promise<QueueTickReport>; stalled: RunnerEvent[] }> {
    await Promise.all(runners.map((r) => r.waitFor((e) => e.event === 'ready', 'ready')));
    const tick = w.coordinator.runTick(1);
    const stalled = await Promise.all(runners.map((r) => r.waitFor((e) => e.event === 'stalled', 'its first batch')));
    return { tick, stalled };
  }

  function runner(w: World, runnerId: string, extra: Record<string, unknown> = {}): RunnerProcess {
    const r = new RunnerProcess({ url, mongoUrl, ...w.namespace, queue: w.ns, runnerId, pool: 2, fetchPerWorker: 8, leaseMs: LEASE_MS, stealDelayMs: 200, ...extra });
    spawned.push(r);
    w.runners.push(r);
    return r;
  }

  test('three runners share a 300-player tick; one is SIGKILLed after committing a batch, and every player is still committed exactly once', async () => {
    const w = await world(300);
    // Each runner stops on its first batch, so all three provably hold part of the tick.
    const killed = runner(w, 'r1', { stall: 'afterCommit', stallTick: 1 });
    const others = [runner(w, 'r2', { stall: 'beforeRun', stallTick: 1 }), runner(w, 'r3', { stall: 'beforeRun', stallTick: 1 })];
    const { tick, stalled } = await startStalledTick(w, [killed, ...others]);
    killed.kill('SIGKILL');
    await killed.exited;
    for (const r of others) r.send('go');
    const report = await within(tick, 'tick 1');
    assert.equal(report.completed, true);
    assert.equal(report.players, 300);

    await assertCommittedOnce(w, 1, 300);
    // The killed runner committed its batch but died before markDone: its lease expired, another
    // runner re-ran those players, and the storage fence refused the second commit.
    const killedBatch = new Set(stalled[0]!.ids);
    const dups = storeAnswers(w.runners, 'duplicates');
    assert.deepEqual(new Set(dups.map((d) => d.userId)), killedBatch);
    assert.ok(dups.every((d) => d.tag === 'r2' || d.tag === 'r3'));
    for (const r of others) assert.ok(r.ran(1).length > 0, `${r.events[0]?.runner} ran players`);
    await teardown(w, others);
  });

  test('a runner SIGKILLed before running its batch: its players run once, on the others, within the tick', async () => {
    const w = await world(120);
    const killed = runner(w, 'k1', { stall: 'beforeRun', stallTick: 1 });
    const other = runner(w, 'k2', { stall: 'beforeRun', stallTick: 1 });
    const {
      tick,
      stalled: [held],
    } = await startStalledTick(w, [killed, other]);
    killed.kill('SIGKILL');
    await killed.exited;
    other.send('go');
    assert.equal((await within(tick, 'the tick')).completed, true);
    await assertCommittedOnce(w, 1, 120);
    assert.deepEqual(storeAnswers(w.runners, 'duplicates'), [], 'nobody ran twice: the killed runner never ran its batch');
    assert.ok(held!.ids!.every((id) => other.ran(1).includes(id)), 'the killed runner’s batch ran on the survivor');
    await teardown(w, [other]);
  });

  test('a runner started late joins: it takes players waiting in a busy runner’s list, as moved players', async () => {
    const w = await world(200);
    const first = runner(w, 'j1', { stall: 'beforeRun', stallTick: 2 });
    await first.waitFor((e) => e.event === 'ready', 'ready');
    assert.equal((await within(w.coordinator.runTick(1), 'tick 1')).completed, true);
    assert.equal(first.ran(1).length, 200, 'alone, the first runner ran everyone (and holds their isolates)');
    const late = runner(w, 'j2');
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
    await assertCommittedOnce(w, 2, 200);
    assert.deepEqual(storeAnswers(w.runners, 'duplicates'), []);
    await teardown(w, [first, late]);
  });

  test('the runner command (re-executing itself with --no-node-snapshot) runs a tick and exits 0 on SIGTERM', async () => {
    const name = uniqueName('tqc');
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--no-node-snapshot/g, '').trim() };
    const child = spawn(process.execPath, [cli, 'runner', '--redis', url, '--queue', name, '--pool', '1', '--sample-players', '20', '--runner-id', 'cli1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await within(
      new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('"msg":"runner ready"')) resolve();
        });
        void exited.then(() => reject(new Error(`runner exited early: ${stderr}`)));
      }),
      'runner ready',
    );
    const queue = new UsersQueue(url, name);
    await queue.connect();
    const storage = await openStorage({ kind: 'memory', samplePlayers: 20 });
    const report = await within(new QueueTickCoordinator(queue, storage, resolveQueueOptions({ name, resetIntervalMs: 600_000 })).runTick(1), 'tick 1');
    assert.equal(report.completed, true);
    assert.equal(report.players, 20);
    child.kill('SIGTERM');
    assert.equal(await within(exited, 'exit after SIGTERM'), 0);
    assert.match(stderr, /Got SIGTERM, disabling queue fetching/);
    assert.match(stderr, /"players":20,.*"drained":true,"msg":"runner stopped"/);
    await queue.resetAll();
    await queue.close();
  });

  test('SIGTERM drains: the batch in flight finishes and is marked done, nothing more is fetched, the process exits 0', async () => {
    const w = await world(150);
    const leaving = runner(w, 's1', { stall: 'beforeRun', stallTick: 1 });
    const staying = runner(w, 's2', { stall: 'beforeRun', stallTick: 1 });
    const {
      tick,
      stalled: [held],
    } = await startStalledTick(w, [leaving, staying]);
    leaving.kill('SIGTERM');
    await leaving.waitFor((e) => e.event === 'sigterm', 'SIGTERM received');
    leaving.send('go');
    staying.send('go');
    const stopped = await leaving.waitFor((e) => e.event === 'stopped', 'stopped');
    assert.equal((await leaving.exited).code, 0);
    const sigterm = leaving.events.findIndex((e) => e.event === 'sigterm');
    assert.deepEqual(leaving.events.slice(sigterm).filter((e) => e.event === 'fetched'), [], 'nothing fetched after SIGTERM');
    assert.equal(stopped.batches, 1);
    assert.deepEqual(new Set(leaving.ran(1)), new Set(held!.ids), 'it finished exactly the batch it held');
    assert.equal((await within(tick, 'the tick')).completed, true);
    await assertCommittedOnce(w, 1, 150);
    const log = storeAnswers(w.runners, 'committed');
    assert.deepEqual(storeAnswers(w.runners, 'duplicates'), []);
    assert.ok(held!.ids!.every((id) => log.some((e) => e.userId === id && e.tag === 's1')), 'the drained batch was committed by the leaving runner');
    await teardown(w, [staying]);
  });
});
