/**
 * Composition root: the only file that wires the rooms together.
 */
import { TickCoordinator, type TickReport } from './coordinator/index.js';
import { ErrorCode, KernelError, MissingNoNodeSnapshotError } from './errors.js';
import { resolveOptions, type ResolvedOptions, type RuntimeOptions } from './options.js';
import { WorkerPool } from './pool/index.js';
import { Dispatcher, Placement } from './scheduler/index.js';
import { hashModules, parseUserId, type Modules, type UserId } from './shared/ids.js';
import type { ConsoleCommand, CpuLimits, ForeignSegment, RunRequest, RunResult } from './shared/protocol.js';
import { MemoryStorage } from './storage/memory.js';
import type { StoragePort } from './storage/port.js';
import { TelemetryBus } from './telemetry/bus.js';
import type { RuntimeEventName, RuntimeEvents } from './telemetry/events.js';
import { createLogger, type Logger } from './telemetry/logger.js';

/** A storage-less request for `runtime.execute()` (the seed's `IRuntimeService.ExecuteAsync`). */
export interface ExecuteRequest {
  readonly userId: string;
  readonly username?: string;
  readonly gameTime: number;
  readonly code: { readonly modules: Modules; readonly timestamp?: number };
  /** @default { limit: 100, tickLimit: 500, bucket: 10000 } */
  readonly cpu?: Partial<CpuLimits>;
  readonly memory?: string;
  readonly segments?: Readonly<Record<string, string>>;
  readonly foreignSegment?: ForeignSegment;
  readonly interShard?: { readonly local: string; readonly remote: Readonly<Record<string, string>> };
  readonly consoleCommands?: readonly ConsoleCommand[];
  readonly hostData?: string;
}

/** True when this process runs with `--no-node-snapshot` (isolated-vm needs it on Node >= 20). */
export function hasNoNodeSnapshot(): boolean {
  return process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS ?? '');
}

/**
 * Creates a runtime: validates the options once, starts the worker pool and waits until every worker
 * is up. Dispose it with `await runtime.close()` or `await using runtime = await createRuntime()`.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  if (!hasNoNodeSnapshot()) throw new MissingNoNodeSnapshotError();
  const resolved = resolveOptions(options);
  const runtime = new Runtime(resolved);
  await runtime.ready();
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
  #busy: Promise<unknown> | null = null;
  #closed = false;
  #abandoned = 0;
  #hungThisTick = false;
  #executeSink: ((results: readonly RunResult[]) => void) | null = null;

  /** @internal use `createRuntime()` */
  constructor(options: ResolvedOptions) {
    this.options = options;
    this.logger = createLogger(options.logger ?? 'info');
    this.#ownsStorage = options.storage === undefined;
    this.storage = options.storage ?? new MemoryStorage({ shardName: options.shardName });
    this.#bus.on('listener:error', ({ event, error }) => this.logger.error({ event, err: error }, 'telemetry listener threw'));
    this.#pool = new WorkerPool(
      {
        poolSize: options.poolSize,
        batchesInFlightPerWorker: options.batchesInFlightPerWorker,
        maxAbandonedWorkers: options.maxAbandonedWorkers,
        worker: {
          memoryLimitMb: options.memoryLimitMb,
          wasmMemoryLimitMb: options.wasmMemoryLimitMb,
          idleIsolateTtlMs: options.idleIsolateTtlMs,
          idleSweepIntervalMs: options.idleSweepIntervalMs,
          scriptCacheEntries: options.scriptCacheEntries,
          consoleCommandTimeoutMs: options.consoleCommandTimeoutMs,
          maxConsoleBytesPerTick: options.maxConsoleKbPerTick * 1024,
          shardName: options.shardName,
        },
      },
      {
        spawned: (slot, threadId) => this.#bus.emit('worker:spawned', { slot, threadId }),
        exited: (slot, threadId, reason) => {
          this.#dispatcher.resetSlot(slot);
          this.#bus.emit('worker:exited', { slot, threadId, reason });
        },
        error: (error) => this.logger.error({ err: error }, 'worker pool error'),
      },
    );
    this.#placement = new Placement(options.poolSize);
    this.#dispatcher = new Dispatcher(
      this.#pool,
      {
        batchSize: options.batchSize,
        batchesInFlightPerWorker: options.batchesInFlightPerWorker,
        hangTimeoutMs: options.hangTimeoutMs,
        consoleCommandTimeoutMs: options.consoleCommandTimeoutMs,
      },
      { cached: (r) => this.#coordinator.cachedModules(r), load: (r) => this.#coordinator.loadModules(r) },
      {
        results: (slot, threadId, results, worker) => {
          for (const r of results) {
            if (r.sandbox.coldStart !== null) {
              this.#bus.emit('sandbox:created', { userId: r.userId, slot, reason: r.sandbox.coldStart, createMs: r.sandbox.createMs });
            }
            if (r.sandbox.recycled !== undefined) this.#bus.emit('sandbox:recycled', { userId: r.userId, slot, reason: r.sandbox.recycled });
          }
          for (const { userId, reason } of worker.recycled) this.#bus.emit('sandbox:recycled', { userId, slot, reason });
          if (this.#executeSink) this.#executeSink(results);
          else this.#coordinator.onResults(slot, threadId, results);
        },
        hung: (slot, threadId, userId, runningMs) => this.#onHung(slot, threadId, userId, runningMs),
        error: (error) => this.logger.error({ err: error }, 'kernel error while handling results'),
      },
    );
    this.#coordinator = new TickCoordinator(
      this.storage,
      {
        slotOf: (userId) => this.#placement.slotOf(userId),
        threadId: (slot) => this.#pool.threadId(slot),
        submit: (slot, requests) => this.#dispatcher.submit(slot, requests),
        drain: () => this.#dispatcher.drain(),
      },
      {
        cpuMaxPerTick: options.cpuMaxPerTick,
        cpuBucketSize: options.cpuBucketSize,
        loadChunk: Math.max(256, options.batchSize * options.poolSize),
        quarantineTicks: options.quarantineTicks,
        codeCacheBytes: options.codeCacheMb * 1024 * 1024,
      },
      {
        telemetry: (event) => this.#bus.emit('runtime:telemetry', event),
        quarantined: (userId, ticks, reason) => {
          this.logger.warn({ userId, ticks, reason }, 'player quarantined');
          this.#bus.emit('player:quarantined', { userId, ticks, reason });
        },
        log: (level, message, fields) => this.logger[level](fields, message),
      },
    );
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
    return this.#exclusive(async () => {
      this.#hungThisTick = false;
      const report = await this.#coordinator.runTick(gameTime, (players) => this.#bus.emit('tick:started', { gameTime, players }));
      const { results: _results, ...summary } = report;
      this.#bus.emit('tick:finished', summary);
      if (this.#hungThisTick) this.#escalate();
      return report;
    });
  }

  /**
   * Runs the given players once, without storage (the seed's `IRuntimeService.ExecuteAsync`): a host
   * with its own storage uses this. Results come back in request order.
   */
  async execute(requests: readonly ExecuteRequest[]): Promise<RunResult[]> {
    const normalised = requests.map((r) => normaliseRequest(r, this.options));
    const seen = new Set<UserId>();
    for (const r of normalised) {
      if (seen.has(r.userId)) throw new KernelError(ErrorCode.invalidRequest, `execute: player ${r.userId} appears twice in one call`);
      seen.add(r.userId);
    }
    return this.#exclusive(async () => {
      const byUser = new Map<UserId, RunResult>();
      this.#executeSink = (results) => {
        for (const r of results) byUser.set(r.userId, r);
      };
      try {
        const bySlot = new Map<number, RunRequest[]>();
        for (const r of normalised) {
          const slot = this.#placement.slotOf(r.userId);
          // Appended in place: copying the list per player made a large execute() quadratic.
          const list = bySlot.get(slot);
          if (list === undefined) bySlot.set(slot, [r]);
          else list.push(r);
        }
        for (const [slot, list] of bySlot) this.#dispatcher.submit(slot, list);
        await this.#dispatcher.drain();
      } finally {
        this.#executeSink = null;
      }
      if (this.#hungThisTick) this.#escalate();
      return normalised.map((r) => byUser.get(r.userId)!);
    });
  }

  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new KernelError(ErrorCode.runtimeClosed, 'the runtime is closed');
    if (this.#busy) throw new KernelError(ErrorCode.tickInProgress, 'a tick is already running on this runtime');
    const run = fn();
    this.#busy = run;
    try {
      return await run;
    } finally {
      this.#busy = null;
    }
  }

  #onHung(slot: number, threadId: number, userId: UserId | null, runningMs: number): void {
    this.#abandoned++;
    this.#hungThisTick = true;
    this.logger.error({ slot, threadId, userId, runningMs }, 'worker thread hung; replacing it');
    this.#bus.emit('worker:hung', { slot, threadId, userId, runningMs });
    if (userId !== null) this.#coordinator.quarantine(userId);
  }

  /** After a tick that hung a worker has settled: exit (default) or keep going with the replacement. */
  #escalate(): void {
    const exit = this.options.onHungWorker === 'exit' || this.#abandoned > this.options.maxAbandonedWorkers;
    if (!exit) return;
    const reason = `a worker thread hung (${this.#abandoned} abandoned); the process must be restarted`;
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
    await this.#pool.close();
    if (this.#ownsStorage) await this.storage[Symbol.asyncDispose]();
    this.#bus.removeAllListeners();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function normaliseRequest(r: ExecuteRequest, options: ResolvedOptions): RunRequest {
  const userId = parseUserId(r.userId);
  if (!Number.isInteger(r.gameTime) || r.gameTime < 0) throw new KernelError(ErrorCode.invalidRequest, `execute: gameTime of ${userId} must be a non-negative integer`);
  if (r.code === null || typeof r.code !== 'object' || r.code.modules === null || typeof r.code.modules !== 'object') {
    throw new KernelError(ErrorCode.invalidRequest, `execute: code.modules of ${userId} must be an object of module sources`);
  }
  const limit = r.cpu?.limit ?? 100;
  return {
    userId,
    username: r.username ?? userId,
    gameTime: r.gameTime,
    code: { hash: hashModules(r.code.modules), timestamp: r.code.timestamp ?? 0, modules: r.code.modules },
    cpu: { limit, tickLimit: Math.min(options.cpuMaxPerTick, r.cpu?.tickLimit ?? options.cpuMaxPerTick), bucket: r.cpu?.bucket ?? options.cpuBucketSize },
    memory: r.memory ?? '',
    segments: r.segments ?? {},
    ...(r.foreignSegment ? { foreignSegment: r.foreignSegment } : {}),
    interShard: r.interShard ?? { local: '', remote: {} },
    consoleCommands: r.consoleCommands ?? [],
    ...(r.hostData !== undefined ? { hostData: r.hostData } : {}),
  };
}
