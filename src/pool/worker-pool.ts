import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createHeartbeatBuffer, HeartbeatCell } from '../shared/heartbeat.js';
import type { BatchResult, BatchTask, ShutdownTask, WorkerConfig } from '../shared/protocol.js';

export interface PoolSettings {
  readonly poolSize: number;
  readonly batchesInFlightPerWorker: number;
  /** Workers that may be abandoned (hung) over the pool's life; sizes the heartbeat buffer. */
  readonly maxAbandonedWorkers: number;
  readonly worker: Omit<WorkerConfig, 'heartbeat'>;
}

export interface PoolEvents {
  spawned(slot: number, threadId: number): void;
  exited(slot: number, threadId: number, reason: string): void;
  error(error: unknown): void;
}

type PiscinaWorker = Parameters<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'] & object>[1][number];

const WORKER_FILE = fileURLToPath(new URL('../../workers/entry.js', import.meta.url));
const QUEUE_OPTIONS = Piscina.queueOptionsSymbol;
/** How long `close()` waits for each worker to dispose its isolates before ending the threads anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * The only importer of piscina. A fixed set of slots, each held by one stateful worker thread: players
 * are pinned to a slot (their isolates live there), and a custom `loadBalancer` sends each batch to its
 * slot's worker. Piscina is configured for stateful workers: `minThreads = maxThreads`, no idle timeout,
 * bounded queue, `atomics: 'disabled'` (so worker timers run between tasks).
 *
 * Piscina's AbortSignal is used for exactly one thing: removing a hung worker (it terminates the whole
 * thread). A player's limits are isolated-vm timeouts inside the worker, never an abort.
 */
export class WorkerPool implements AsyncDisposable {
  readonly #piscina: Piscina<BatchTask | ShutdownTask, BatchResult | null>;
  readonly #settings: PoolSettings;
  readonly #events: PoolEvents;
  /** Slot -> Piscina worker id, null while the slot's worker is being replaced. */
  readonly #slots: (number | null)[];
  readonly #threadIds: number[];
  readonly #cellOf: number[];
  readonly #heartbeat: SharedArrayBuffer;
  readonly #aborts: Map<number, Set<AbortController>> = new Map();
  readonly #retiring = new Set<number>();
  #nextCell: number;
  #ready: Promise<void>;
  #closed = false;

  constructor(settings: PoolSettings, events: PoolEvents) {
    this.#settings = settings;
    this.#events = events;
    const size = settings.poolSize;
    this.#slots = new Array<number | null>(size).fill(null);
    this.#threadIds = new Array<number>(size).fill(0);
    this.#cellOf = Array.from({ length: size }, (_, i) => i);
    this.#nextCell = size;
    this.#heartbeat = createHeartbeatBuffer(size + settings.maxAbandonedWorkers + 1);
    let resolveReady!: () => void;
    this.#ready = new Promise((resolve) => (resolveReady = resolve));
    this.#piscina = new Piscina<BatchTask | ShutdownTask, BatchResult | null>({
      filename: WORKER_FILE,
      minThreads: size,
      maxThreads: size,
      idleTimeout: Infinity,
      maxQueue: size * settings.batchesInFlightPerWorker * 4,
      concurrentTasksPerWorker: settings.batchesInFlightPerWorker,
      atomics: 'disabled',
      workerData: { ...settings.worker, heartbeat: this.#heartbeat } satisfies WorkerConfig,
      loadBalancer: (task, workers) => this.#balance(task as unknown as Record<symbol, unknown>, workers),
    });
    this.#piscina.on('workerCreate', (worker: PiscinaWorker) => {
      const slot = this.#slots.indexOf(null);
      if (slot === -1) return;
      this.#slots[slot] = worker.id;
      this.#threadIds[slot] = worker.id;
      this.#events.spawned(slot, worker.id);
      if (!this.#slots.includes(null)) resolveReady();
    });
    this.#piscina.on('workerDestroy', (worker: PiscinaWorker) => {
      const slot = this.#slots.indexOf(worker.id);
      if (slot === -1) return;
      this.#slots[slot] = null;
      this.#cellOf[slot] = this.#nextCell++;
      if (!this.#closed) this.#events.exited(slot, worker.id, this.#retiring.has(worker.id) ? 'hung' : 'exited');
    });
    // Without a listener Piscina's 'error' (e.g. a late message from a removed worker) would crash the process.
    this.#piscina.on('error', (error: unknown) => this.#events.error(error));
  }

  get size(): number {
    return this.#settings.poolSize;
  }

  /** Resolves once every slot has a live worker. */
  ready(): Promise<void> {
    return this.#ready;
  }

  threadId(slot: number): number {
    return this.#threadIds[slot] ?? 0;
  }

  /** The player run in progress on a slot (shared-memory heartbeat; readable even if the worker hangs). */
  running(slot: number): { batchId: number; playerIndex: number; startedAt: number } | null {
    const cell = this.#cellOf[slot];
    return cell === undefined ? null : new HeartbeatCell(this.#heartbeat, cell).read();
  }

  run(slot: number, task: Omit<BatchTask, 'heartbeat'>): Promise<BatchResult> {
    if (this.#closed) return Promise.reject(new Error('pool is closed'));
    const controller = new AbortController();
    let set = this.#aborts.get(slot);
    if (!set) this.#aborts.set(slot, (set = new Set()));
    set.add(controller);
    const full = { ...task, heartbeat: this.#cellOf[slot]!, [QUEUE_OPTIONS]: { slot } } as BatchTask;
    return this.#piscina.run(full, { signal: controller.signal }).then((result) => result!).finally(() => set.delete(controller));
  }

  /**
   * Abandons a slot's worker (hung or poisoned): its in-flight batches reject, Piscina terminates the
   * thread (which may never finish if it is stuck in V8) and starts a replacement for the slot.
   */
  replace(slot: number): void {
    const id = this.#slots[slot];
    if (id !== null && id !== undefined) this.#retiring.add(id);
    for (const controller of this.#aborts.get(slot) ?? []) controller.abort(new Error(`worker in slot ${slot} replaced`));
  }

  #balance(task: Record<symbol, unknown>, workers: PiscinaWorker[]): PiscinaWorker | null {
    const options = task[QUEUE_OPTIONS] as { slot?: number } | undefined;
    const id = options?.slot === undefined ? undefined : this.#slots[options.slot];
    if (id === undefined || id === null) return null;
    return workers.find((w) => w.id === id) ?? null;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Each live worker disposes its isolates first (see `ShutdownTask`); a stuck one is not waited for.
    const live = this.#slots.flatMap((id, slot) => (id !== null && !this.#retiring.has(id) ? [slot] : []));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(live.map((slot) => this.#piscina.run({ shutdown: true, [QUEUE_OPTIONS]: { slot } } as ShutdownTask))),
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    await this.#piscina.close({ force: this.#retiring.size > 0 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
