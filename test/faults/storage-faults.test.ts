/**
 * Storage faults injected mid-tick, on the real Runtime over a real Redis and FerretDB this test owns:
 * servers stopped, killed, restarted and paused while ticks run. A supervisor re-runs the players a tick
 * did not commit at the same tick until the store takes them; the checker (test/helpers/tick-checker.ts)
 * then compares what Redis and MongoDB hold with what each player's runs produced and what was reported.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createRuntime, type CommitReport, type TickCommit, type UserId } from '../../src/index.js';
import { RedisMongoStorage } from '../../src/storage/redis-mongo/index.js';
import { ownServices, serverBinaries } from '../contract/own-services.js';
import { skipUnlessServices } from '../helpers/services.js';
import { runFixture } from '../helpers/child.js';
import { FaultInjectingStorage, RedisProbe } from '../helpers/fault-storage.js';
import { checkTicks, NOTICE_CLOCK, readPersisted, superviseTicks, TICK_RECORDER, type Attempt, type TelemetryLike, type TickCheck } from '../helpers/tick-checker.js';

/**
 * A bucket below the cap grows every tick, so every tick changes the `users` document and its
 * `lastCommittedTick` (the adapter writes only changed fields): the checker reads MongoDB's share of
 * each tick there.
 */
const BUCKET = 5_000;

const binaries = serverBinaries();
const PLAYERS = 6;
const TICKS = 5;
const FAULT_AT = 3;

/** Private servers, the real store on them, 6 recording players, and a 2-worker runtime committing in batches of 3. */
async function rig(servers: { redis: string; ferretdb: string }) {
  const services = await ownServices(servers);
  try {
    const store = await RedisMongoStorage.connect({ ...services.urls, timeoutMs: 1000, clock: () => NOTICE_CLOCK });
    const ids = await store.admin.addUsers(Array.from({ length: PLAYERS }, (_, i) => ({ id: `p${i}`, cpu: 100, cpuAvailable: BUCKET, modules: { main: TICK_RECORDER } })));
    const storage = new FaultInjectingStorage(store);
    const runtime = await createRuntime({ storage, poolSize: 2, batchSize: 3, logger: 'silent' });
    const probe = new RedisProbe(services.urls.redisUrl);
    return {
      services,
      store,
      storage,
      runtime,
      probe,
      ids,
      /** Runs the ticks and checks them; `restart` brings a stopped server back before each retry. */
      async run(hooks: { beforeTick?: (t: number) => Promise<void> } = {}): Promise<TickCheck & { attempts: Attempt[] }> {
        const { attempts, telemetry } = await superviseTicks(runtime, {
          from: 1,
          to: TICKS,
          ...hooks,
          beforeAttempt: async () => {
            if (!services.redis.running) await services.redis.start();
            if (!services.mongo.running) await services.mongo.start();
          },
        });
        const persisted = await readPersisted(store.admin, ids);
        return { ...checkTicks({ players: ids, lastTick: TICKS, attempts, telemetry, persisted }), attempts };
      },
      async [Symbol.asyncDispose]() {
        await runtime.close();
        await probe[Symbol.asyncDispose]();
        await store[Symbol.asyncDispose]();
        await services[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await services[Symbol.asyncDispose]();
    throw error;
  }
}

type Rig = Awaited<ReturnType<typeof rig>>;

type Fault = (commits: readonly TickCommit[], commit: () => Promise<CommitReport>) => Promise<CommitReport>;

/** Puts `fault` around the first commit call of tick FAULT_AT; returns a getter of that call's report. */
function atFaultTick(r: Rig, fault: Fault): () => CommitReport | undefined {
  let report: CommitReport | undefined;
  let injected = false;
  r.storage.onCommit = async (commits, commit) => {
    if (injected || commits[0]?.gameTime !== FAULT_AT) return commit();
    injected = true;
    report = await fault(commits, commit);
    return report;
  };
  return () => report;
}

/**
 * Runs the ticks with `fault` around the first commit call of tick FAULT_AT, and checks that the store
 * reported every player of that call as failed (`store` names the server in the error) and the runtime
 * reported them as not committed. Returns the checker's verdict; the caller asserts it is clean.
 */
async function runWithFault(r: Rig, store: RegExp, fault: Fault): Promise<TickCheck> {
  const injected = atFaultTick(r, fault);
  const check = await r.run();
  const report = injected();
  assert.ok(report, 'the fault was injected');
  assert.equal(report.committed.length, 0);
  assert.ok(report.failed.length > 0 && report.failed.every((f) => store.test(f.error)), JSON.stringify(report.failed));
  assert.ok(check.reportedNotCommitted >= report.failed.length, 'the failed players were reported as not committed');
  return check;
}

/**
 * Pauses FerretDB and starts the commit; resolves (with the commit still pending) once Redis has run the
 * commit's fence read: the commit is then held between its Redis read and its MongoDB requests.
 */
async function pastFenceRead(r: Rig, commit: () => Promise<CommitReport>): Promise<{ pending: Promise<CommitReport> }> {
  r.services.mongo.pause(true);
  const fenceReads = await r.probe.calls('hmget');
  const pending = commit();
  await r.probe.waitForCalls('hmget', fenceReads + 1);
  // Wrapped: an async function returning the promise itself would wait for the commit.
  return { pending };
}

function assertClean(t: TestContext, check: TickCheck): void {
  assert.deepEqual(check.lost, [], '0 ticks lost');
  assert.deepEqual(check.appliedTwice, [], '0 ticks applied twice');
  assert.deepEqual(check.unreported, [], 'every player not committed was reported, and nothing else');
  // A player reported as not committed has nothing of that run in Redis (the adapter's `failed` contract).
  assert.equal(check.appliedLate, 0, 'a run reported as not committed was applied by Redis after all');
  t.diagnostic(`attempts reported not committed: ${check.reportedNotCommitted}; of them applied by the store after all: ${check.appliedLate}`);
}

const SUITE = 'storage faults injected mid-tick (Redis + FerretDB)';
describe(SUITE, { skip: skipUnlessServices(SUITE, typeof binaries === 'string' ? binaries : null) }, () => {
  const servers = (): { redis: string; ferretdb: string } => {
    if (typeof binaries === 'string') assert.fail(binaries);
    return binaries;
  };

  it('redis-stopped-mid-commit: Redis killed after the fence read, MongoDB half done; restarted, every tick applied once', async (t) => {
    await using r = await rig(servers());
    const mongoAhead: UserId[] = [];
    const check = await runWithFault(r, /Redis/, async (commits, commit) => {
      const { pending } = await pastFenceRead(r, commit);
      await r.services.redis.stop('SIGKILL');
      r.services.mongo.pause(false);
      const report = await pending;
      for (const c of commits) if ((await r.store.admin.getUser(c.userId))?.lastCommittedTick === FAULT_AT) mongoAhead.push(c.userId);
      return report;
    });
    assert.ok(mongoAhead.length > 0, 'the fault hit mid-commit: MongoDB took tick 3 of some players, Redis did not');
    assertClean(t, check);
  });

  it('redis-restarted-between-ticks: the next tick loads and commits on the restarted server; nothing lost', async (t) => {
    await using r = await rig(servers());
    const runIds: string[] = [];
    const check = await r.run({
      beforeTick: async (tick) => {
        if (tick !== FAULT_AT) return;
        runIds.push(await r.probe.runId());
        await r.services.redis.stop();
        await r.services.redis.start();
        runIds.push(await r.probe.runId());
      },
    });
    assert.equal(runIds.length, 2);
    assert.notEqual(runIds[0], runIds[1], 'a new Redis process served ticks 3 to 5');
    assertClean(t, check);
  });

  it('ferretdb-stopped-mid-commit: FerretDB killed with the commit in flight; restarted, every tick applied once', async (t) => {
    await using r = await rig(servers());
    const check = await runWithFault(r, /Mongo/, async (_commits, commit) => {
      const { pending } = await pastFenceRead(r, commit);
      await r.services.mongo.stop('SIGKILL');
      return pending;
    });
    assertClean(t, check);
  });

  it('redis-slow: Redis refuses writes (CLIENT PAUSE WRITE) until the commit gives up; reported, retried, applied once', async (t) => {
    await using r = await rig(servers());
    const check = await runWithFault(r, /Redis/, async (commits, commit) => {
      const scripts = await r.probe.calls('evalsha');
      await r.probe.call('CLIENT', 'PAUSE', '60000', 'WRITE');
      let report: CommitReport;
      try {
        report = await commit();
      } finally {
        await r.probe.call('CLIENT', 'UNPAUSE');
      }
      // The held scripts do run once the pause ends, after the adapter gave up on them.
      await r.probe.waitForCalls('evalsha', scripts + commits.length);
      return report;
    });
    assertClean(t, check);
  });

  it('redis-reply-late: the runner stalls past its timeout while Redis runs its scripts; the fence read again reports them committed', async (t) => {
    await using r = await rig(servers());
    const injected = atFaultTick(r, async (_commits, commit) => {
      await r.probe.call('CLIENT', 'PAUSE', '60000', 'WRITE');
      const pending = commit();
      await r.probe.waitForBlockedClient();
      // Redis runs the scripts at once; this process sees the answers only after the stall, once the
      // command timeout (1 s) has fired: a stop-the-world pause of the runner, made with Atomics.wait.
      const unpaused = r.probe.call('CLIENT', 'UNPAUSE');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      await unpaused;
      return pending;
    });
    const check = await r.run();
    const report = injected();
    assert.ok(report, 'the fault was injected');
    assert.equal(report.failed.length, 0, `applied scripts whose answers came too late are committed, not failed: ${JSON.stringify(report.failed)}`);
    assert.ok(report.committed.length > 0);
    assertClean(t, check);
  });

  it('ferretdb-slow: FerretDB stalled (SIGSTOP) past the commit timeout; reported, retried, applied once', async (t) => {
    await using r = await rig(servers());
    const check = await runWithFault(r, /Mongo/, async (_commits, commit) => {
      r.services.mongo.pause(true);
      try {
        return await commit();
      } finally {
        r.services.mongo.pause(false);
      }
    });
    assertClean(t, check);
  });

  it('runner-killed-with-redis: the runner SIGKILLed mid-tick, restarted on Redis + FerretDB: the uncommitted reported, 0 lost, 0 applied twice', async (t) => {
    await using services = await ownServices(servers());
    const store = await RedisMongoStorage.connect({ ...services.urls, clock: () => NOTICE_CLOCK });
    try {
      const players = 8;
      const ids = await store.admin.addUsers(Array.from({ length: players }, (_, i) => ({ id: `p${i}`, cpu: 100, cpuAvailable: BUCKET, modules: { main: TICK_RECORDER } })));
      const { redisUrl, mongoUrl } = services.urls;
      const first = await runFixture('runner-crash-redis', ['first', redisUrl, mongoUrl, String(TICKS), String(FAULT_AT)], 60_000);
      assert.equal(first.killed, false);
      assert.equal(first.signal, 'SIGKILL', `the runner died mid-tick; stderr: ${first.stderr}`);
      const atCrash = await readPersisted(store.admin, ids);
      const committedAtCrash = atCrash.filter((p) => p.log?.some((run) => run.startsWith(`${FAULT_AT}:`))).map((p) => p.userId);
      assert.ok(committedAtCrash.length > 0 && committedAtCrash.length < players, `part of tick ${FAULT_AT} was committed (${committedAtCrash.length})`);

      const second = await runFixture('runner-crash-redis', ['restart', redisUrl, mongoUrl, String(TICKS)], 60_000);
      assert.equal(second.killed, false);
      assert.equal(second.code, 0, second.stderr);
      const lines = [first.stdout, second.stdout].flatMap((out) => out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>));
      const verdict = lines.at(-1) as { resumeAt: number; notCommitted: string[] };
      assert.equal(verdict.resumeAt, FAULT_AT);
      assert.deepEqual([...verdict.notCommitted].sort(), ids.filter((id) => !committedAtCrash.includes(id)).sort(), 'every player not committed is reported');
      const ticks = lines.slice(0, -1) as { attempts: Attempt[]; telemetry: TelemetryLike[] }[];
      assert.deepEqual(ticks.map((x) => x.attempts[0]?.gameTime), [1, 2, 3, 4, 5], 'ticks 1-2 before the crash, 3-5 after the restart');
      const check = checkTicks({
        players: ids,
        lastTick: TICKS,
        attempts: ticks.flatMap((x) => x.attempts),
        telemetry: ticks.flatMap((x) => x.telemetry),
        persisted: await readPersisted(store.admin, ids),
        crashedAt: FAULT_AT,
      });
      // The re-run of tick 3 was refused as a replay for the players the killed runner had committed.
      const rerun = ticks[2]!.attempts[0]!.results;
      for (const id of committedAtCrash) assert.equal(rerun.find((r) => r.userId === id)?.committed, true, id);
      assertClean(t, check);
    } finally {
      await store[Symbol.asyncDispose]();
    }
  });
});
