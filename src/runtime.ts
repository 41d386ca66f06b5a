/**
 * Composition root: the only file that wires the rooms together.
 */
import { PENALTY_MESSAGE, TickCoordinator, type TickReport } from './coordinator/index.js';
import { SuspectJournal } from './coordinator/suspect-journal.js';
import { ErrorCode, KernelError, MissingNoNodeSnapshotError } from './errors.js';
import { normaliseRequest, type ExecuteOptions, type ExecuteRequest } from './execute-request.js';
import { applyFastTiering, applyMaxSemiSpace, hasNoNodeSnapshot } from './process-flags.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './options.js';
import { WorkerPool } from './pool/index.js';
import { Dispatcher, Placement, ThrottleRegistry } from './scheduler/index.js';
import { parseUserId, type UserId } from './shared/ids.js';
import type { ColdStartReason } from './shared/outcome.js';
import { resultWithoutRun, WORKER_OPTIONS, type RunRequest, type RunResult, type WorkerConfig } from './shared/protocol.js';
import type { BatchOrigin, ResultConsumer } from './shared/result-consumer.js';
import { MemoryStorage } from './storage/memory.js';
import type { StoragePort } from './storage/port.js';
import { TelemetryBus } from './telemetry/bus.js';
import type { RuntimeEventName, RuntimeEvents } from './telemetry/events.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import type { IsolateInfo } from './telemetry/isolates.js';
import { Observability } from './telemetry/observability.js';

/**
 * Creates a runtime: validates the options once, starts the worker pool and waits until every worker
 * is up. Dispose it with `await runtime.close()` or `await using runtime = await createRuntime()`.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  if (!hasNoNodeSnapshot()) throw new MissingNoNodeSnapshotError();
  const resolved = resolveOptions(options);
  if (resolved.fastTiering) applyFastTiering();
  applyMaxSemiSpace(resolved.maxSemiSpaceMb);
  const runtime = new Runtime(resolved);
  try {
    await runtime.ready();
    if (resolved.metricsPort > 0) await runtime.listenMetrics(resolved.metricsHost, resolved.metricsPort);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return runtime;
}

const WORKER_START_TIMEOUT_MS = 60_000;

export class Runtime implements AsyncDisposable {
  readonly options: ResolvedOptions;
  readonly storage: StoragePort;
  readonly logger: Logger;
  readonly #bus = new TelemetryBus();
  readonly #pool: WorkerPool;
  readonly #placement: Placement;
  readonly #dispatcher: Dispatcher;
  readonly #coordinator: TickCoordinator;
  readonly #ownsStorage: boolean;
  readonly #throttle: ThrottleRegistry;
  readonly #observability: Observability;
  /** Players whose run overran every timeout or hung a worker, on disk before anything else (issue 13). */
  readonly #suspects: SuspectJournal;
  #gameTime: number | null = null;
  /** Set once a hung worker escalated to fatal: `/healthz` answers 503 from then on. */
  #fatal = false;
  /** The `runTick` or `runPlayers` call running (one at a time, never beside an `execute()` call). */
  #busy: Promise<unknown> | null = null;
  /** `execute()` calls running (any number at once), and their players (each in one call at a time). */
  readonly #calls = new Set<Promise<unknown>>();
  readonly #executing = new Set<UserId>();
  #closed = false;
  #abandoned = 0;
  #hungThisTick = false;

  /** @internal use `createRuntime()` */
  constructor(options: ResolvedOptions) {
    this.options = options;
    this.logger = createLogger(options.logger ?? 'info');
    this.#suspects = new SuspectJournal(options.suspectJournal === '' ? undefined : options.suspectJournal);
    this.#ownsStorage = options.storage === undefined;
    this.storage = options.storage ?? new MemoryStorage({ shardName: options.shardName });
    this.#bus.on('listener:error', ({ event, error }) => this.logger.error({ event, err: error }, 'telemetry listener threw'));
    this.#throttle = new ThrottleRegistry(
      { afterFailures: options.throttleAfterFailures, ticks: options.throttleTicks },
      {
        throttled: (userId, failures, until, reason) => {
          this.logger.warn({ userId, failures, until, reason }, 'player throttled');
          this.#bus.emit('player:throttled', { userId, failures, until, reason });
        },
        released: (userId, gameTime) => this.#bus.emit('player:released', { userId, gameTime }),
      },
    );
    this.#observability = new Observability(this.#bus, this.logger, options, {
      notify: async (userId, message, groupIntervalMs) => {
        await this.storage.notify?.({ userId, type: 'watchdog', message, groupIntervalMs });
      },
      outcome: (userId, outcome, gameTime) => this.#throttle.record(userId, outcome, gameTime),
      throttledPlayers: () => this.#throttle.size,
      context: () => ({ gameTime: this.#gameTime, tickInProgress: this.#running, abandonedWorkers: this.#abandoned }),
      health: () => ({ ok: !this.#closed && !this.#fatal, closed: this.#closed, fatal: this.#fatal, tickInProgress: this.#running, gameTime: this.#gameTime, abandonedWorkers: this.#abandoned }),
    });
    this.#pool = new WorkerPool(
      {
        poolSize: options.poolSize,
        batchesInFlightPerWorker: options.batchesInFlightPerWorker,
        maxAbandonedWorkers: options.maxAbandonedWorkers,
        worker: Object.fromEntries(WORKER_OPTIONS.map((name) => [name, options[name]])) as Omit<WorkerConfig, 'heartbeat'>,
      },
      {
        spawned: (slot, threadId) => this.#bus.emit('worker:spawned', { slot, threadId }),
        exited: (slot, threadId, reason) => {
          this.#dispatcher.resetSlot(slot);
          this.#bus.emit('worker:exited', { slot, threadId, reason });
        },
        error: (error) => this.#observability.monitor.workerError(error, { source: 'pool', gameTime: this.#gameTime }),
      },
    );
    this.#placement = new Placement(options.poolSize);
    this.#dispatcher = new Dispatcher(
      this.#pool,
      {
        batchSize: options.batchSize,
        batchesInFlightPerWorker: options.batchesInFlightPerWorker,
        hangTimeoutMs: options.hangTimeoutMs,
      },
      { cached: (r) => this.#coordinator.cachedModules(r), load: (r) => this.#coordinator.loadModules(r) },
      {
        batchDone: (origin, results) => this.#observeBatch(origin, results),
        overran: (slot, threadId, userId, gameTime, runningMs) => {
          // Durable first: a native crash can follow within seconds (README "Hung threads").
          this.#suspects.add(userId, gameTime, 'overran');
          this.logger.warn({ slot, threadId, userId, gameTime, runningMs }, 'player run overran every timeout; recorded as a suspect');
        },
        hung: (slot, threadId, userId, runningMs) => this.#onHung(slot, threadId, userId, runningMs),
        batchFailed: (slot, threadId, error, players) => this.#observability.monitor.workerError(error, { source: 'batch', slot, threadId, players, gameTime: this.#gameTime }),
        error: (error) => this.logger.error({ err: error }, 'kernel error while handling results'),
      },
    );
    this.#coordinator = this.#createCoordinator(options);
    for (const suspect of this.#suspects.inherited.values()) {
      // The previous process on this journal ended while this player's run was overrunning or hung.
      this.logger.warn({ userId: suspect.userId, gameTime: suspect.gameTime, reason: suspect.reason }, 'suspect of a previous process; quarantined before it runs');
      this.#coordinator.quarantineBeforeRun(suspect.userId);
    }
  }

  /** Sandbox and worker telemetry of every batch that came back, whichever call it served. */
  #observeBatch({ slot, threadId, worker }: BatchOrigin, results: readonly RunResult[]): void {
    for (const r of results) {
      if (r.sandbox.coldStart !== null) {
        this.#bus.emit('sandbox:created', { userId: r.userId, slot, reason: r.sandbox.coldStart, createMs: r.sandbox.createMs });
      }
      if (r.sandbox.recycled !== undefined) this.#bus.emit('sandbox:recycled', { userId: r.userId, slot, reason: r.sandbox.recycled });
    }
    for (const { userId, reason } of worker.recycled) this.#bus.emit('sandbox:recycled', { userId, slot, reason });
    if (worker.threadId !== 0) this.#bus.emit('worker:stats', { slot, threadId, isolates: worker.isolates, rssBytes: worker.rssBytes });
    for (const r of results) {
      // Its run came back after all: it only overran (a hung worker's culprit is upgraded to `hung` first).
      if (this.#suspects.get(r.userId)?.reason === 'overran') this.#suspects.remove(r.userId);
    }
  }

  #createCoordinator(options: ResolvedOptions): TickCoordinator {
    return new TickCoordinator(
      this.storage,
      {
        slotOf: (userId) => this.#placement.slotOf(userId),
        submit: (slot, requests, consumer) => this.#dispatcher.submit(slot, requests, consumer),
      },
      {
        cpuMaxPerTick: options.cpuMaxPerTick,
        cpuBucketSize: options.cpuBucketSize,
        loadChunk: Math.max(256, options.batchSize * options.poolSize),
        quarantineTicks: options.quarantineTicks,
        codeCacheBytes: options.codeCacheMb * 1024 * 1024,
      },
      {
        telemetry: (event) => this.#bus.emit('player:tick', event),
        quarantined: (userId, ticks, reason, gameTime) => {
          this.logger.warn({ userId, ticks, reason }, 'player quarantined');
          this.#bus.emit('player:quarantined', { userId, ticks, reason });
          this.#throttle.quarantined(userId, gameTime, ticks);
        },
        quarantineCommitted: (userId) => this.#suspects.remove(userId),
        log: (level, message, fields) => this.logger[level](fields, message),
      },
      {
        throttleDelay: (userId, gameTime) => this.#throttle.delay(userId, gameTime),
        takeColdStart: (userId) => this.#observability.watchdog.takeColdStart(userId),
      },
    );
  }

  /** Suspects on the journal: players being watched or quarantined because their run overran or hung a worker. */
  suspects(): { userId: UserId; gameTime: number | null; reason: 'overran' | 'hung' }[] {
    return this.#suspects.list().map(({ userId, gameTime, reason }) => ({ userId, gameTime, reason }));
  }

  /** Resolves once every worker thread is running. */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KernelError(ErrorCode.workerCrashed, `worker threads did not start within ${WORKER_START_TIMEOUT_MS} ms`)), WORKER_START_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.#pool.ready(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Subscribes to a telemetry event; returns the unsubscribe function. A throwing listener never breaks a tick. */
  on<E extends RuntimeEventName>(event: E, listener: (...args: RuntimeEvents[E]) => void): () => void {
    return this.#bus.on(event, listener);
  }

  off<E extends RuntimeEventName>(event: E, listener: (...args: RuntimeEvents[E]) => void): void {
    this.#bus.off(event, listener);
  }

  /** @internal starts the metrics endpoint (`createRuntime` does when `metricsPort` is set). */
  async listenMetrics(host: string, port: number): Promise<{ host: string; port: number }> {
    return this.#observability.listen(host, port);
  }

  /** Address of the metrics endpoint, or null when it is off (`metricsPort: 0`). */
  get metricsEndpoint(): { host: string; port: number } | null {
    return this.#observability.endpoint;
  }

  /** The Prometheus text the endpoint serves on `GET /metrics` (for hosts with their own HTTP server). */
  metrics(): Promise<string> {
    return this.#observability.metrics.text();
  }

  /** What `GET /runtime/isolates` serves: per player worker, code, last tick and outcome, heap, billed CPU. */
  isolates(): IsolateInfo[] {
    return this.#observability.isolates.list();
  }

  /** Worker threads abandoned because they hung (they cannot be stopped from JavaScript). */
  get abandonedWorkers(): number {
    return this.#abandoned;
  }

  /** The pool slot a player is pinned to, if it has run here. */
  slotOf(userId: UserId): number | undefined {
    return this.#placement.peek(userId);
  }

  /**
   * Runs one game tick for every active player in storage: load, run, persist, publish, telemetry
   * (the seed's `RuntimeCoordinator`). One tick at a time.
   */
  async runTick(gameTime: number): Promise<TickReport> {
    if (!Number.isInteger(gameTime) || gameTime < 0) throw new KernelError(ErrorCode.invalidRequest, `runTick: gameTime must be a non-negative integer, got ${String(gameTime)}`);
    return this.#exclusive(() => this.#tick(gameTime, (onStart) => this.#coordinator.runTick(gameTime, onStart)));
  }

  /**
   * Runs one tick for the given players only, on the same path as `runTick` (load, run, persist,
   * publish, telemetry): a runner process uses it for its share of a tick taken from the Redis queue.
   * `coldStart` forces a fresh isolate for the players listed, with that reason in telemetry.
   * `tick:started` / `tick:finished` describe this call's players only.
   */
  async runPlayers(
    gameTime: number,
    userIds: readonly UserId[],
    options: { readonly coldStart?: ReadonlyMap<UserId, ColdStartReason> } = {},
  ): Promise<TickReport> {
    if (!Number.isInteger(gameTime) || gameTime < 0) throw new KernelError(ErrorCode.invalidRequest, `runPlayers: gameTime must be a non-negative integer, got ${String(gameTime)}`);
    const ids = userIds.map((id) => parseUserId(id));
    if (new Set(ids).size !== ids.length) throw new KernelError(ErrorCode.invalidRequest, 'runPlayers: a player appears twice in one call');
    return this.#exclusive(() => this.#tick(gameTime, (onStart) => this.#coordinator.runPlayers(gameTime, ids, onStart, options.coldStart)));
  }

  async #tick(gameTime: number, run: (onStart: (players: number) => void) => Promise<TickReport>): Promise<TickReport> {
    this.#hungThisTick = false;
    this.#gameTime = gameTime;
    const report = await run((players) => this.#bus.emit('tick:started', { gameTime, players }));
    const { results: _results, ...summary } = report;
    this.#bus.emit('tick:finished', summary);
    if (this.#hungThisTick) this.#escalate();
    return report;
  }

  /**
   * Runs the given players once, without storage (the seed's `IRuntimeService.ExecuteAsync`): a host
   * with its own storage uses this. Results come back in request order. Several calls may run at once
   * (not beside `runTick`/`runPlayers`), each with its own players: a player runs in one call at a time.
   */
  async execute(requests: readonly ExecuteRequest[], options: ExecuteOptions = {}): Promise<RunResult[]> {
    const { onResult, priority } = options;
    if (onResult !== undefined && typeof onResult !== 'function') throw new KernelError(ErrorCode.invalidRequest, 'execute: onResult must be a function');
    if (priority !== undefined && typeof priority !== 'boolean') throw new KernelError(ErrorCode.invalidRequest, 'execute: priority must be a boolean');
    const normalised = requests.map((r) => normaliseRequest(r, this.options));
    const seen = new Set<UserId>();
    for (const r of normalised) {
      if (seen.has(r.userId)) throw new KernelError(ErrorCode.invalidRequest, `execute: player ${r.userId} appears twice in one call`);
      seen.add(r.userId);
    }
    this.#mayStart(this.#busy !== null);
    for (const id of seen) {
      if (this.#executing.has(id)) throw new KernelError(ErrorCode.invalidRequest, `execute: player ${id} is already running in another execute() call`);
    }
    for (const id of seen) this.#executing.add(id);
    const run = this.#execute(normalised, onResult, priority === true);
    this.#calls.add(run);
    try {
      return await run;
    } finally {
      for (const id of seen) this.#executing.delete(id);
      this.#calls.delete(run);
      // After a hung worker, once every call in flight has settled (their results delivered).
      if (this.#hungThisTick && this.#calls.size === 0) this.#escalate();
    }
  }

  async #execute(normalised: readonly RunRequest[], onResult: ExecuteOptions['onResult'], priority: boolean): Promise<RunResult[]> {
    const byUser = new Map<UserId, RunResult>();
    // The culprit of a hung worker comes back as `workerFailed`; the host applies its own penalty.
    const deliver = (r: RunResult): void => {
      byUser.set(r.userId, r);
      if (onResult === undefined) return;
      try {
        onResult(r);
      } catch (error) {
        // The host's callback threw: reported like a throwing listener, and the call goes on (every
        // result is still returned).
        this.#bus.emit('listener:error', { event: 'execute:onResult', error });
      }
    };
    const consumer: ResultConsumer = {
      results: (results) => {
        for (const r of results) deliver(r);
      },
    };
    const bySlot = new Map<number, RunRequest[]>();
    for (const r of normalised) {
      if (this.#suspects.inherited.has(r.userId)) {
        // The previous process ended while running this player: it does not run again here; the
        // host sees the penalty message once and applies its own quarantine.
        deliver(suspectSkipped(r));
        continue;
      }
      const slot = this.#placement.slotOf(r.userId);
      // Appended in place: copying the list per player made a large execute() quadratic.
      const list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, [r]);
      else list.push(r);
    }
    await Promise.all([...bySlot].map(([slot, list]) => this.#dispatcher.submit(slot, list, consumer, priority)));
    for (const r of byUser.values()) {
      // Told to the host (a skip or `workerFailed`): its own store takes it from here.
      if (r.outcome === 'skipped' || r.outcome === 'workerFailed') this.#suspects.remove(r.userId);
    }
    return normalised.map((r) => byUser.get(r.userId)!);
  }

  /** A call is running: a tick, or any `execute()` call. */
  get #running(): boolean {
    return this.#busy !== null || this.#calls.size > 0;
  }

  /** Throws if a call cannot start: the runtime is closed, or `blocked` (a call it may not run beside is running). */
  #mayStart(blocked: boolean): void {
    if (this.#closed) throw new KernelError(ErrorCode.runtimeClosed, 'the runtime is closed');
    if (blocked) throw new KernelError(ErrorCode.tickInProgress, 'a tick is already running on this runtime');
  }

  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#mayStart(this.#running);
    const run = fn();
    this.#busy = run;
    try {
      return await run;
    } finally {
      this.#busy = null;
    }
  }

  #onHung(slot: number, threadId: number, userId: UserId | null, runningMs: number): void {
    if (userId !== null) this.#suspects.add(userId, this.#gameTime, 'hung');
    this.#abandoned++;
    this.#hungThisTick = true;
    this.logger.error({ slot, threadId, userId, runningMs }, 'worker thread hung; replacing it');
    this.#bus.emit('worker:hung', { slot, threadId, userId, runningMs });
  }

  /** After a tick that hung a worker has settled: exit (default) or keep going with the replacement. */
  #escalate(): void {
    const exit = this.options.onHungWorker === 'exit' || this.#abandoned > this.options.maxAbandonedWorkers;
    if (!exit) return;
    const reason = `a worker thread hung (${this.#abandoned} abandoned); the process must be restarted`;
    this.#fatal = true;
    this.#bus.emit('runtime:fatal', { reason });
    this.logger.fatal({ abandoned: this.#abandoned }, reason);
    if (this.options.onFatal) {
      this.options.onFatal(reason);
      return;
    }
    // A thread stuck inside V8 makes process.exit() hang (measured), so the process ends itself hard;
    // its supervisor restarts it and the quarantine was already committed.
    process.kill(process.pid, 'SIGKILL');
  }

  /** Waits for the tick in progress, then stops the workers (disposing every isolate). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#busy?.catch(() => undefined);
    await Promise.allSettled([...this.#calls]);
    await this.#observability.close();
    await this.#pool.close();
    if (this.#ownsStorage) await this.storage[Symbol.asyncDispose]();
    this.#bus.removeAllListeners();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function suspectSkipped(request: RunRequest): RunResult {
  return resultWithoutRun(request, 'skipped', [PENALTY_MESSAGE]);
}
