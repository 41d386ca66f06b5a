import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher, type BatchRunner, type DispatchHooks } from '../../src/scheduler/index.js';
import { hashModules, parseUserId, type Modules, type UserId } from '../../src/shared/ids.js';
import type { BatchResult, BatchTask, PlayerReply, RunRequest, RunResult } from '../../src/shared/protocol.js';
import type { BatchOrigin, ResultConsumer } from '../../src/shared/result-consumer.js';

const MODULES: Modules = { main: 'module.exports.loop = function () {};' };
const HASH = hashModules(MODULES);

function request(id: string, withModules = false): RunRequest {
  return {
    userId: parseUserId(id),
    username: id,
    gameTime: 7,
    code: withModules ? { hash: HASH, timestamp: 1, modules: MODULES } : { hash: HASH, timestamp: 1 },
    cpu: { limit: 10, tickLimit: 10, bucket: 0 },
    memory: '',
    segments: {},
    interShard: { local: '', remote: {} },
    consoleCommands: [],
  };
}

function ok(r: RunRequest): RunResult {
  return { userId: r.userId, gameTime: r.gameTime, outcome: 'ok', errors: [], cpu: { billedMs: 1, reportedMs: 1, wallMs: 1 }, sandbox: { coldStart: null, createMs: 0 } };
}

interface Sent {
  readonly slot: number;
  readonly task: Omit<BatchTask, 'heartbeat'>;
  resolve(result: BatchResult): void;
  reject(error: unknown): void;
}

/** A pool of one or more slots whose batches the test answers by hand (a fake: the logic around the pool is under test). */
class FakeRunner implements BatchRunner {
  readonly sent: Sent[] = [];
  readonly replaced: number[] = [];
  busy: { batchId: number; playerIndex: number; startedAt: number } | null = null;
  constructor(readonly size = 1) {}

  run(slot: number, task: Omit<BatchTask, 'heartbeat'>): Promise<BatchResult> {
    return new Promise((resolve, reject) => this.sent.push({ slot, task, resolve, reject }));
  }
  running(): { batchId: number; playerIndex: number; startedAt: number } | null {
    return this.busy;
  }
  replace(slot: number): void {
    this.replaced.push(slot);
  }
  threadId(slot: number): number {
    return 100 + slot;
  }

  /** Answers the oldest unanswered batch with `results(players)`. */
  answer(results: (players: readonly RunRequest[]) => PlayerReply[] = (players) => players.map(ok)): void {
    const next = this.sent.shift();
    assert.ok(next, 'a batch was sent');
    next.resolve({ batchId: next.task.batchId, results: results(next.task.players), worker: { threadId: this.threadId(next.slot), isolates: 1, rssBytes: 0, recycled: [] } });
  }

  fail(error: unknown): void {
    const next = this.sent.shift();
    assert.ok(next, 'a batch was sent');
    next.reject(error);
  }
}

/** Waits until the runner has a batch to answer (batches are sent from promise callbacks). */
async function sent(runner: FakeRunner, count = 1): Promise<void> {
  while (runner.sent.length < count) await new Promise((resolve) => setImmediate(resolve));
}

function recorder(): { consumer: ResultConsumer; results: RunResult[]; origins: BatchOrigin[]; hung: UserId[] } {
  const results: RunResult[] = [];
  const origins: BatchOrigin[] = [];
  const hung: UserId[] = [];
  return {
    results,
    origins,
    hung,
    consumer: {
      results: (batch, origin) => {
        results.push(...batch);
        origins.push(origin);
      },
      hung: (userId) => hung.push(userId),
    },
  };
}

/** `codeGone`: the main thread's cache and the store no longer have the modules. */
function dispatcher(runner: FakeRunner, settings: { batchSize?: number; hangTimeoutMs?: number; codeGone?: boolean } = {}) {
  const cache = settings.codeGone ? undefined : MODULES;
  const batches: RunResult[][] = [];
  const errors: unknown[] = [];
  const hooks: DispatchHooks = {
    batchDone: (_origin, results) => batches.push([...results]),
    hung: () => undefined,
    error: (error) => errors.push(error),
  };
  const d = new Dispatcher(
    runner,
    { batchSize: settings.batchSize ?? 10, batchesInFlightPerWorker: 1, hangTimeoutMs: settings.hangTimeoutMs ?? 60_000 },
    { cached: () => cache, load: () => Promise.resolve(cache) },
    hooks,
  );
  return { d, batches, errors };
}

describe('Dispatcher', () => {
  it('hands each call only its own players, even when one batch serves two calls', async () => {
    const runner = new FakeRunner();
    const { d, batches } = dispatcher(runner, { batchSize: 2 });
    const a = recorder();
    const b = recorder();
    const doneA = d.submit(0, [request('a1'), request('a2'), request('a3')], a.consumer);
    const doneB = d.submit(0, [request('b1')], b.consumer);
    await sent(runner);
    assert.deepEqual(runner.sent[0]!.task.players.map((p) => p.userId), ['a1', 'a2']);
    runner.answer();
    await sent(runner);
    assert.deepEqual(runner.sent[0]!.task.players.map((p) => p.userId), ['a3', 'b1'], 'the second batch mixes both calls');
    runner.answer();
    await Promise.all([doneA, doneB]);
    assert.deepEqual(a.results.map((r) => r.userId), ['a1', 'a2', 'a3']);
    assert.deepEqual(b.results.map((r) => r.userId), ['b1']);
    assert.deepEqual(a.origins.map((o) => o.threadId), [100, 100]);
    assert.equal(batches.length, 2, 'the batch hook sees every batch once');
  });

  it("sends a priority call's players before the queued players of other calls, after the batches already sent", async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner, { batchSize: 1 });
    const normal = recorder();
    const urgent = recorder();
    const later = recorder();
    const done = [d.submit(0, [request('a1'), request('a2'), request('a3')], normal.consumer)];
    await sent(runner);
    done.push(d.submit(0, [request('p1')], urgent.consumer, true), d.submit(0, [request('p2')], later.consumer, true));
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await sent(runner);
      order.push(...runner.sent[0]!.task.players.map((p) => p.userId));
      runner.answer();
    }
    await Promise.all(done);
    assert.deepEqual(order, ['a1', 'p1', 'p2', 'a2', 'a3'], 'a1 was already sent; p1 and p2 keep their own order');
    assert.deepEqual(urgent.results.map((r) => r.userId), ['p1']);
    assert.deepEqual(normal.results.map((r) => r.userId), ['a1', 'a2', 'a3']);
  });

  it('sends the code bundle once per worker and re-sends it when the worker says it lacks it', async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner);
    const first = recorder();
    const done = d.submit(0, [request('a')], first.consumer);
    await sent(runner);
    assert.ok(runner.sent[0]!.task.players[0]!.code.modules, 'first sight of the hash carries modules');
    runner.answer();
    await done;
    const second = recorder();
    const again = d.submit(0, [request('a')], second.consumer);
    await sent(runner);
    assert.equal(runner.sent[0]!.task.players[0]!.code.modules, undefined, 'the worker holds the hash now');
    runner.answer((players) => players.map((p) => ({ needsCode: true as const, userId: p.userId, gameTime: p.gameTime })));
    await sent(runner);
    assert.ok(runner.sent[0]!.task.players[0]!.code.modules, 'retried with modules');
    runner.answer();
    await again;
    assert.deepEqual(second.results.map((r) => r.outcome), ['ok'], 'one result, after the retry');
  });

  it('reports internalError when a worker lacks code the main thread can no longer load', async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner, { codeGone: true });
    const r = recorder();
    const done = d.submit(0, [request('a')], r.consumer);
    await sent(runner);
    runner.answer((players) => players.map((p) => ({ needsCode: true as const, userId: p.userId, gameTime: p.gameTime })));
    await done;
    assert.deepEqual(r.results.map((x) => [x.outcome, x.errors.length]), [['internalError', 1]]);
  });

  it('re-runs the players of a failed batch on the replacement, cold, then gives up with workerFailed', async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner);
    const r = recorder();
    const done = d.submit(0, [request('a'), request('b')], r.consumer);
    await sent(runner);
    runner.fail(new Error('worker crashed'));
    await sent(runner);
    const retried = runner.sent[0]!.task.players;
    assert.deepEqual(retried.map((p) => [p.userId, p.coldStart, p.code.modules !== undefined]), [['a', 'workerReplaced', true], ['b', 'workerReplaced', true]]);
    runner.fail(new Error('crashed again'));
    await done;
    assert.deepEqual(r.results.map((x) => [x.userId, x.outcome]), [['a', 'workerFailed'], ['b', 'workerFailed']]);
  });

  it('tells the call which of its players hung the worker before that player fails', async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner, { hangTimeoutMs: 0 });
    const r = recorder();
    const done = d.submit(0, [request('a'), request('b')], r.consumer);
    await sent(runner);
    // The heartbeat says player 1 of this batch started long ago: the next check declares the hang.
    runner.busy = { batchId: runner.sent[0]!.task.batchId, playerIndex: 1, startedAt: Date.now() - 60_000 };
    while (runner.replaced.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    runner.busy = null;
    assert.deepEqual(r.hung, ['b']);
    assert.equal(r.results.length, 0, 'no result before the replaced worker fails the batch');
    runner.fail(new Error('terminated'));
    await sent(runner);
    assert.deepEqual(runner.sent[0]!.task.players.map((p) => p.userId), ['a'], 'only the innocent player runs again');
    runner.answer();
    await done;
    assert.deepEqual(r.results.map((x) => [x.userId, x.outcome]), [['b', 'workerFailed'], ['a', 'ok']]);
  });

  it('settles a call whose consumer throws and reports the throw', async () => {
    const runner = new FakeRunner();
    const { d, errors } = dispatcher(runner);
    const done = d.submit(0, [request('a')], {
      results: () => {
        throw new Error('consumer bug');
      },
    });
    await sent(runner);
    runner.answer();
    await done;
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /consumer bug/);
  });

  it('resolves an empty call at once without sending a batch', async () => {
    const runner = new FakeRunner();
    const { d } = dispatcher(runner);
    await d.submit(0, [], recorder().consumer);
    assert.equal(runner.sent.length, 0);
  });
});
