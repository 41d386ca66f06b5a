import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickCoordinator, type TickHooks, type TickScheduler } from '../../src/coordinator/index.js';
import { BUCKET_EMPTY_MESSAGE, MemoryStorage, PENALTY_MESSAGE, type PlayerTickTelemetry, type UserId } from '../../src/index.js';
import type { PlayerOutput, RunRequest, RunResult } from '../../src/shared/protocol.js';
import type { ResultConsumer } from '../../src/shared/result-consumer.js';

const CODE = { main: 'module.exports.loop = function () {};' };

function output(memory: string): PlayerOutput {
  return { console: { log: [{ message: 'hi', escape: true }], results: [] }, memory, intents: {}, intentsCount: 0, consumedCommands: [], getUsedMs: 1 };
}

function ran(r: RunRequest, outcome: 'ok' | 'scriptError' | 'workerFailed' = 'ok'): RunResult {
  const base = { userId: r.userId, gameTime: r.gameTime, cpu: { billedMs: 3, reportedMs: 3, wallMs: 3 }, sandbox: { coldStart: null, createMs: 0 } };
  if (outcome === 'ok') return { ...base, outcome, errors: [], output: output(`{"tick":${r.gameTime}}`) };
  return { ...base, outcome, errors: ['boom'] };
}

interface Submitted {
  readonly slot: number;
  readonly requests: readonly RunRequest[];
  readonly consumer: ResultConsumer;
  settle(): void;
}

/** Stands in for the dispatcher: the test decides what each submitted player's worker answers. */
class FakeScheduler implements TickScheduler {
  readonly submitted: Submitted[] = [];
  #waiters: (() => void)[] = [];

  slotOf(userId: UserId): number {
    return userId.endsWith('2') ? 1 : 0;
  }

  submit(slot: number, requests: readonly RunRequest[], consumer: ResultConsumer): Promise<void> {
    return new Promise((settle) => {
      this.submitted.push({ slot, requests, consumer, settle });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  async next(): Promise<Submitted> {
    while (this.submitted.length === 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.submitted.shift()!;
  }

  /** Answers a submitted call with one batch and settles it. */
  answer(call: Submitted, results: (r: RunRequest) => RunResult = (r) => ran(r)): void {
    call.consumer.results(call.requests.map(results), { slot: call.slot, threadId: 10 + call.slot, worker: { threadId: 10 + call.slot, isolates: 1, rssBytes: 0, recycled: [] } });
    call.settle();
  }
}

function setup() {
  const storage = new MemoryStorage();
  const scheduler = new FakeScheduler();
  const events: PlayerTickTelemetry[] = [];
  const quarantined: string[] = [];
  const logs: string[] = [];
  const hooks: TickHooks = {
    telemetry: (e) => events.push(e),
    quarantined: (userId, ticks, reason) => quarantined.push(`${userId} ${ticks} ${reason}`),
    log: (_level, message) => logs.push(message),
  };
  const coordinator = new TickCoordinator(storage, scheduler, { cpuMaxPerTick: 500, cpuBucketSize: 10_000, loadChunk: 256, quarantineTicks: 3, codeCacheBytes: 1 << 20 }, hooks);
  return { storage, scheduler, coordinator, events, quarantined, logs };
}

describe('TickCoordinator', () => {
  it('runs loaded players per slot, commits each batch as it arrives and reports one row and one event per player', async () => {
    const { storage, scheduler, coordinator, events } = setup();
    const p1 = storage.addUser({ id: 'p1', modules: CODE });
    const p2 = storage.addUser({ id: 'p2', modules: CODE });
    let started = -1;
    const tick = coordinator.runPlayers(5, [p1, p2], (n) => (started = n));
    const first = await scheduler.next();
    const second = await scheduler.next();
    assert.deepEqual([first, second].map((c) => [c.slot, c.requests.map((r) => r.userId)]).sort(), [[0, ['p1']], [1, ['p2']]]);
    scheduler.answer(first);
    scheduler.answer(second);
    const report = await tick;
    assert.equal(started, 2);
    assert.deepEqual(report.outcomes, { ok: 2 });
    assert.deepEqual(report.results.map((r) => [r.userId, r.committed, r.memoryChanged, r.console]).sort(), [['p1', true, true, ['hi']], ['p2', true, true, ['hi']]]);
    assert.equal(storage.getMemory(p1), '{"tick":5}');
    assert.equal(storage.lastCommittedTick(p2), 5);
    assert.deepEqual(events.map((e) => [e.userId, e.worker?.threadId]).sort(), [['p1', 10], ['p2', 11]]);
  });

  it('gates before submitting: no code, an empty bucket and a penalty never reach the scheduler', async () => {
    const { storage, scheduler, coordinator, events } = setup();
    const runs = storage.addUser({ id: 'runs', modules: CODE });
    const noCode = storage.addUser({ id: 'nocode' });
    const broke = storage.addUser({ id: 'broke', modules: CODE, cpuAvailable: -50 });
    const penalised = storage.addUser({ id: 'penalised', modules: CODE });
    storage.updateUser(penalised, { skipTicksPenalty: 2 });
    const tick = coordinator.runPlayers(9, [runs, noCode, broke, penalised], () => undefined);
    const call = await scheduler.next();
    assert.deepEqual(call.requests.map((r) => r.userId), ['runs']);
    scheduler.answer(call);
    const report = await tick;
    assert.equal(scheduler.submitted.length, 0);
    const rows = new Map(report.results.map((r) => [r.userId, r]));
    assert.equal(rows.get(noCode)?.outcome, 'noCode');
    assert.deepEqual([rows.get(broke)?.outcome, rows.get(broke)?.skipReason, rows.get(broke)?.errors], ['skipped', 'bucketEmpty', [BUCKET_EMPTY_MESSAGE]]);
    assert.deepEqual([rows.get(penalised)?.skipReason, rows.get(penalised)?.committed], ['penalty', true]);
    assert.equal(storage.getUser(penalised)?.skipTicksPenalty, 1, 'the penalty counts down in the store');
    assert.equal(events.length, 4, 'one event per player, ran or not');
    assert.deepEqual(events.filter((e) => e.worker === null).map((e) => e.outcome).sort(), ['noCode', 'skipped', 'skipped']);
  });

  it('quarantines the player its batch reports as hung: the penalty is committed with its failed tick', async () => {
    const { storage, scheduler, coordinator, quarantined } = setup();
    const culprit = storage.addUser({ id: 'culprit', modules: CODE });
    const tick = coordinator.runPlayers(3, [culprit], () => undefined);
    const call = await scheduler.next();
    call.consumer.hung?.(culprit);
    scheduler.answer(call, (r) => ({ ...ran(r, 'workerFailed'), errors: ['Script execution timed out ungracefully, restarting virtual machine'] }));
    const report = await tick;
    assert.deepEqual(report.outcomes, { workerFailed: 1 });
    assert.deepEqual(quarantined, ['culprit 3 workerFailed']);
    assert.equal(storage.getUser(culprit)?.skipTicksPenalty, 3);

    const next = await coordinator.runPlayers(4, [culprit], () => undefined);
    assert.deepEqual(next.results.map((r) => [r.outcome, r.skipReason, r.errors]), [['skipped', 'penalty', [PENALTY_MESSAGE]]]);
  });

  it('reports a submitted player whose result never came back as an internal error instead of losing it', async () => {
    const { storage, scheduler, coordinator, logs } = setup();
    const lost = storage.addUser({ id: 'lost', modules: CODE });
    const tick = coordinator.runPlayers(2, [lost], () => undefined);
    (await scheduler.next()).settle();
    const report = await tick;
    assert.deepEqual(report.results.map((r) => [r.userId, r.outcome, r.committed]), [['lost', 'internalError', false]]);
    assert.ok(logs.includes('no result for a player that was sent to a worker'));
  });

  it('keeps overlapping runs apart: each run reports only the results of its own players', async () => {
    const { storage, scheduler, coordinator } = setup();
    const a = storage.addUser({ id: 'a', modules: CODE });
    const b = storage.addUser({ id: 'b', modules: CODE });
    const runA = coordinator.runPlayers(6, [a], () => undefined);
    const runB = coordinator.runPlayers(6, [b], () => undefined);
    const callA = await scheduler.next();
    const callB = await scheduler.next();
    scheduler.answer(callB);
    scheduler.answer(callA, (r) => ran(r, 'scriptError'));
    const [reportA, reportB] = await Promise.all([runA, runB]);
    assert.deepEqual(reportA.results.map((r) => [r.userId, r.outcome]), [['a', 'scriptError']]);
    assert.deepEqual(reportB.results.map((r) => [r.userId, r.outcome]), [['b', 'ok']]);
  });
});
