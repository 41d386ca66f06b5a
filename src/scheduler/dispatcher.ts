import type { Modules, UserId } from '../shared/ids.js';
import type { BatchResult, BatchTask, RunRequest, RunResult, WorkerStats } from '../shared/protocol.js';
import { resultWithoutRun, tickRunLimitMs } from '../shared/protocol.js';
import type { BatchOrigin, ResultConsumer } from '../shared/result-consumer.js';

/** What the dispatcher needs from the pool (implemented by `WorkerPool`, wired in `runtime.ts`). */
export interface BatchRunner {
  readonly size: number;
  run(slot: number, task: Omit<BatchTask, 'heartbeat'>): Promise<BatchResult>;
  running(slot: number): { batchId: number; playerIndex: number; startedAt: number } | null;
  replace(slot: number): void;
  threadId(slot: number): number;
}

export interface CodeSource {
  /** Modules for a code hash from the main thread's cache, if held. */
  cached(request: RunRequest): Modules | undefined;
  /** Loads the modules again from storage (the cache evicted them). */
  load(request: RunRequest): Promise<Modules | undefined>;
}

export interface DispatchSettings {
  readonly batchSize: number;
  readonly batchesInFlightPerWorker: number;
  readonly hangTimeoutMs: number;
}

export interface DispatchHooks {
  /** Every batch that came back, whichever call it served (worker and sandbox telemetry). */
  batchDone(origin: BatchOrigin, results: readonly RunResult[]): void;
  /**
   * A player's run outlived every timeout the sandbox gave it (`tickRunLimitMs` + `OVERRUN_MARGIN_MS`),
   * well before the worker counts as hung: the runtime records the suspect durably here, because a
   * native crash may end the process before the hang is declared.
   */
  overran?(slot: number, threadId: number, userId: UserId, gameTime: number, runningMs: number): void;
  /** A worker stopped answering while running `userId` (null when unknown). */
  hung(slot: number, threadId: number, userId: UserId | null, runningMs: number): void;
  /** A batch task failed (the worker crashed, threw outside a player, or was replaced after a hang). */
  batchFailed?(slot: number, threadId: number, error: unknown, players: number): void;
  /** A hook threw: a kernel bug, reported instead of crashing the process. */
  error(error: unknown): void;
}

/** One `submit()` call: its consumer and how many of its players still await a result. */
interface Call {
  readonly consumer: ResultConsumer;
  remaining: number;
  readonly done: () => void;
}

interface Item {
  readonly request: RunRequest;
  readonly attempts: number;
  readonly forceModules: boolean;
  readonly call: Call;
  /** Sent ahead of the slot's other queued players (`submit`'s `priority`). */
  readonly priority: boolean;
}

/** A player whose worker failed twice in one tick is not retried again that tick. */
const MAX_ATTEMPTS = 2;
const HANG_CHECK_MS = 100;
/**
 * Wall time a run may take past its limit before it is recorded as a suspect: V8 needs a few ms to stop
 * at a timeout (more on a loaded machine), and a false suspect costs one small file write.
 */
export const OVERRUN_MARGIN_MS = 250;

/**
 * Sends players to their slot's worker in batches (one Piscina task per batch, never per player),
 * keeps `batchesInFlightPerWorker` batches queued per worker, re-sends code a worker lacks, and watches
 * the shared heartbeats: a player run that outlives its deadline marks the worker hung; the worker is
 * replaced and the other players of its batches run again on the replacement (a global reset, not a
 * lost tick). Each `submit()` call names its own consumer, so concurrent callers never share a sink.
 */
export class Dispatcher {
  readonly #runner: BatchRunner;
  readonly #settings: DispatchSettings;
  readonly #code: CodeSource;
  readonly #hooks: DispatchHooks;
  readonly #queues: Item[][];
  readonly #inFlight: Map<number, Item[]>[];
  /** Code hashes each slot's current worker has received. */
  readonly #sent: Set<string>[];
  readonly #hungBatches = new Map<number, number>();
  /** Batch id -> index of the player already reported as overrunning in it. */
  readonly #overran = new Map<number, number>();
  #batchSeq = 0;
  #pending = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(runner: BatchRunner, settings: DispatchSettings, code: CodeSource, hooks: DispatchHooks) {
    this.#runner = runner;
    this.#settings = settings;
    this.#code = code;
    this.#hooks = hooks;
    this.#queues = Array.from({ length: runner.size }, () => []);
    this.#inFlight = Array.from({ length: runner.size }, () => new Map());
    this.#sent = Array.from({ length: runner.size }, () => new Set());
  }

  /**
   * Queues players on a slot; `consumer` receives their results batch by batch. Resolves once every
   * player of this call has had its result delivered (every player gets exactly one). With `priority`
   * the players go ahead of the slot's queued players that have none (behind earlier priority ones):
   * the batches already sent to the worker still run first.
   */
  submit(slot: number, requests: readonly RunRequest[], consumer: ResultConsumer, priority = false): Promise<void> {
    if (requests.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const call: Call = { consumer, remaining: requests.length, done: resolve };
      const queue = this.#queues[slot]!;
      const items = requests.map((request): Item => ({ request, attempts: 0, forceModules: false, call, priority }));
      if (priority) {
        let at = 0;
        while (at < queue.length && queue[at]!.priority) at++;
        // Without spreading the items into one call: a call may hold many players.
        const rest = queue.splice(at);
        for (const item of items) queue.push(item);
        for (const item of rest) queue.push(item);
      } else {
        for (const item of items) queue.push(item);
      }
      this.#pending += requests.length;
      this.#pump(slot);
    });
  }

  /** Forgets what a slot's worker holds (its worker was replaced). */
  resetSlot(slot: number): void {
    this.#sent[slot]!.clear();
  }

  #pump(slot: number): void {
    const queue = this.#queues[slot]!;
    const inFlight = this.#inFlight[slot]!;
    while (queue.length > 0 && inFlight.size < this.#settings.batchesInFlightPerWorker) {
      const items = queue.splice(0, this.#settings.batchSize);
      this.#send(slot, items);
    }
    this.#armWatchdog();
  }

  #send(slot: number, items: Item[]): void {
    const batchId = ++this.#batchSeq;
    const sent = this.#sent[slot]!;
    const players: RunRequest[] = [];
    for (const item of items) {
      const { code } = item.request;
      let request = item.request;
      if (item.forceModules || !sent.has(code.hash)) {
        const modules = code.modules ?? this.#code.cached(request);
        if (modules !== undefined) {
          request = { ...request, code: { ...code, modules } };
          sent.add(code.hash);
        }
      } else if (code.modules !== undefined) {
        request = { ...request, code: { hash: code.hash, timestamp: code.timestamp } };
      }
      players.push(request);
    }
    this.#inFlight[slot]!.set(batchId, items);
    this.#runner.run(slot, { batchId, gameTime: players[0]?.gameTime ?? 0, players }).then(
      (result) => this.#onBatch(slot, batchId, items, result),
      (error: unknown) => this.#onBatchFailed(slot, batchId, items, error),
    );
  }

  #onBatch(slot: number, batchId: number, items: Item[], batch: BatchResult): void {
    this.#inFlight[slot]!.delete(batchId);
    this.#overran.delete(batchId);
    const done: Delivery[] = [];
    const retry: Item[] = [];
    batch.results.forEach((result, i) => {
      const item = items[i]!;
      if ('needsCode' in result) retry.push({ ...item, forceModules: true });
      else done.push({ item, result });
    });
    this.#deliver({ slot, threadId: batch.worker.threadId, worker: batch.worker }, done);
    if (retry.length > 0) void this.#retryWithCode(slot, retry);
    this.#pump(slot);
  }

  async #retryWithCode(slot: number, items: Item[]): Promise<void> {
    const ready: Item[] = [];
    const failed: Delivery[] = [];
    for (const item of items) {
      let modules = this.#code.cached(item.request);
      modules ??= await this.#code.load(item.request).catch(() => undefined);
      if (modules === undefined || item.attempts >= MAX_ATTEMPTS) {
        failed.push({ item, result: failure(item.request, 'internalError', 'Script execution has been terminated: the code could not be loaded') });
      } else {
        ready.push({ ...item, request: { ...item.request, code: { ...item.request.code, modules } }, attempts: item.attempts + 1, forceModules: true });
      }
    }
    this.#queues[slot]!.unshift(...ready);
    this.#deliver(this.#mainThreadOrigin(slot), failed);
    this.#pump(slot);
  }

  #onBatchFailed(slot: number, batchId: number, items: Item[], error: unknown): void {
    this.#inFlight[slot]!.delete(batchId);
    this.#overran.delete(batchId);
    try {
      this.#hooks.batchFailed?.(slot, this.#runner.threadId(slot), error, items.length);
    } catch (hookError) {
      this.#hooks.error(hookError);
    }
    this.#sent[slot]!.clear();
    const culpritIndex = this.#hungBatches.get(batchId);
    this.#hungBatches.delete(batchId);
    const failed: Delivery[] = [];
    const retry: Item[] = [];
    items.forEach((item, i) => {
      if (i === culpritIndex) {
        failed.push({ item, result: failure(item.request, 'workerFailed', 'Script execution timed out ungracefully, restarting virtual machine') });
      } else if (item.attempts + 1 >= MAX_ATTEMPTS) {
        failed.push({ item, result: failure(item.request, 'workerFailed', 'Script execution has been terminated: the runtime worker failed, restarting virtual machine') });
      } else {
        retry.push({ ...item, request: { ...item.request, coldStart: 'workerReplaced' }, attempts: item.attempts + 1, forceModules: true });
      }
    });
    this.#queues[slot]!.unshift(...retry);
    this.#deliver(this.#mainThreadOrigin(slot), failed);
    this.#pump(slot);
  }

  #mainThreadOrigin(slot: number): BatchOrigin {
    return { slot, threadId: this.#runner.threadId(slot), worker: emptyWorker() };
  }

  /**
   * Hands results to the calls they belong to (a batch may serve several calls), then settles the calls
   * that are complete. A throwing consumer is reported, never lets a call hang.
   */
  #deliver(origin: BatchOrigin, deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    const byCall = new Map<Call, RunResult[]>();
    for (const { item, result } of deliveries) {
      const list = byCall.get(item.call);
      if (list === undefined) byCall.set(item.call, [result]);
      else list.push(result);
    }
    this.#guard(() => this.#hooks.batchDone(origin, deliveries.map((d) => d.result)));
    for (const [call, results] of byCall) {
      this.#guard(() => call.consumer.results(results, origin));
      call.remaining -= results.length;
      if (call.remaining === 0) call.done();
    }
    this.#pending -= deliveries.length;
    if (this.#pending === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#hooks.error(error);
    }
  }

  #armWatchdog(): void {
    if (this.#timer !== null || this.#pending === 0) return;
    this.#timer = setInterval(() => this.#checkHangs(Date.now()), HANG_CHECK_MS);
    this.#timer.unref();
  }

  /** Reads every busy slot's heartbeat; a player run past its deadline means the worker is hung. */
  #checkHangs(now: number): void {
    for (let slot = 0; slot < this.#runner.size; slot++) {
      const running = this.#runner.running(slot);
      if (running === null || this.#hungBatches.has(running.batchId)) continue;
      const items = this.#inFlight[slot]!.get(running.batchId);
      const item = items?.[running.playerIndex];
      if (item === undefined) continue;
      const runLimit = tickRunLimitMs(item.request.cpu.tickLimit);
      const runningMs = now - running.startedAt;
      if (runningMs > runLimit + OVERRUN_MARGIN_MS && this.#overran.get(running.batchId) !== running.playerIndex) {
        this.#overran.set(running.batchId, running.playerIndex);
        this.#guard(() => this.#hooks.overran?.(slot, this.#runner.threadId(slot), item.request.userId, item.request.gameTime, runningMs));
      }
      if (runningMs <= this.#settings.hangTimeoutMs + runLimit) continue;
      this.#hungBatches.set(running.batchId, running.playerIndex);
      this.#hooks.hung(slot, this.#runner.threadId(slot), item.request.userId, runningMs);
      // Before the replacement fails the batch: the culprit's `workerFailed` result reaches a consumer
      // that already knows why.
      this.#guard(() => item.call.consumer.hung?.(item.request.userId));
      this.#runner.replace(slot);
    }
  }
}

interface Delivery {
  readonly item: Item;
  readonly result: RunResult;
}

function failure(request: RunRequest, outcome: 'workerFailed' | 'internalError', message: string): RunResult {
  return resultWithoutRun(request, outcome, [message]);
}

function emptyWorker(): WorkerStats {
  return { threadId: 0, isolates: 0, rssBytes: 0, recycled: [] };
}
