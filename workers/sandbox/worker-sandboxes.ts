import ivm from 'isolated-vm';
import type { CodeHash, Modules, UserId } from '../../src/shared/ids.js';
import { modulesSize } from '../../src/shared/ids.js';
import { HeartbeatCell } from '../../src/shared/heartbeat.js';
import { LruMap } from '../../src/shared/lru.js';
import type { ColdStartReason } from '../../src/shared/outcome.js';
import { resultWithoutRun, type BatchResult, type BatchTask, type NeedsCode, type PlayerReply, type RunRequest, type RunResult, type WorkerConfig } from '../../src/shared/protocol.js';
import { DISPOSED_RESTART_MESSAGE } from './failure.js';
import { exposeGc, GcBudget } from './gc.js';
import { PlayerSandbox, type PreparedIsolate, type SandboxSettings } from './player-sandbox.js';
import { createHash } from 'node:crypto';
import { ScriptCache } from './script-cache.js';
import { SourceMapCache } from './source-maps.js';
import { ThreadCpuClock } from './thread-cpu.js';

/** Code bundles kept per worker, so the main thread sends a bundle once per worker, not once per tick. */
const CODE_STORE_BYTES = 128 * 1024 * 1024;
/** Remembered reasons of recent disposals, to tell the next tick why it starts cold. */
const TOMBSTONES = 100_000;
/** External strings received from isolates after which the worker runs a full collection (`gc.ts`). */
const WORKER_EXTERNAL_GC_BYTES = 128 * 1024 * 1024;

/**
 * Everything a worker thread holds: one warm isolate per player pinned to it (keyed by player, replaced
 * when the code hash changes), the compiled-code cache, the code store, and the idle sweep (F13).
 */
export class WorkerSandboxes {
  readonly #config: WorkerConfig;
  readonly #settings: SandboxSettings;
  readonly #sandboxes = new Map<UserId, PlayerSandbox>();
  readonly #codes = new LruMap<CodeHash, Modules>(CODE_STORE_BYTES, modulesSize);
  readonly #tombstones = new LruMap<UserId, ColdStartReason>(TOMBSTONES);
  readonly #recycled: { userId: UserId; reason: string }[] = [];
  readonly #cells = new Map<number, HeartbeatCell>();
  readonly #sweep: NodeJS.Timeout;
  /** Isolates made ready while the worker was idle, taken by players who need a new one. */
  readonly #spares: PreparedIsolate[] = [];
  #refill: NodeJS.Immediate | null = null;
  /** The refreshed scripts the spares were made with (`PlayerSandbox.refreshedBase`). */
  #sparesFrom = 0;
  #closed = false;
  /** A full collection of this worker's heap (V8's `gc`). */
  readonly #collect: () => void;

  constructor(config: WorkerConfig) {
    this.#config = config;
    // Before the first isolate: every context created from here on has the `gc` the kernel hides.
    const collect = exposeGc();
    this.#collect = collect;
    this.#settings = {
      memoryLimitMb: config.memoryLimitMb,
      wasmMemoryLimitMb: config.wasmMemoryLimitMb,
      consoleCommandTimeoutMs: config.consoleCommandTimeoutMs,
      maxConsoleKbPerTick: config.maxConsoleKbPerTick,
      shardName: config.shardName,
      mmoCpuApi: config.mmoCpuApi,
      hostBootstrap:
        config.hostBootstrap === undefined
          ? undefined
          : {
              source: config.hostBootstrap.source,
              filename: config.hostBootstrap.filename ?? '<host>',
              key: `host:${createHash('sha256').update(config.hostBootstrap.source).digest('hex')}`,
              nativeModules: Object.entries(config.hostBootstrap.nativeModules ?? {}).map(([name, path]) => ({ name, module: new ivm.NativeModule(path) })),
              sharedBuffers: Object.entries(config.hostBootstrap.sharedBuffers ?? {}).map(([name, buffer]) => ({ name, copy: new ivm.ExternalCopy(buffer) })),
            },
      sourceMaps: new SourceMapCache(),
      scripts: new ScriptCache(config.scriptCacheEntries),
      clock: new ThreadCpuClock(),
      external: new GcBudget(collect, WORKER_EXTERNAL_GC_BYTES),
    };
    this.#sweep = setInterval(() => this.sweepIdle(Date.now()), config.idleSweepIntervalMs);
    this.#sweep.unref();
    this.#scheduleRefill();
  }

  /** How many code caches were refreshed from a running isolate (`ScriptCache.refresh`). */
  get refreshedCodeCaches(): number {
    return this.#settings.scripts.refreshed;
  }

  get spareCount(): number {
    return this.#spares.length;
  }

  /**
   * Makes one spare isolate per turn of the event loop until there are `spareIsolates`: the work runs
   * while the worker has no batch (a batch that arrives waits for at most one isolate's creation).
   */
  #scheduleRefill(): void {
    if (this.#refill !== null || this.#closed || this.#spares.length >= this.#config.spareIsolates) return;
    this.#refill = setImmediate(() => {
      this.#refill = null;
      if (this.#closed || this.#spares.length >= this.#config.spareIsolates) return;
      try {
        this.#spares.push(PlayerSandbox.prepare(this.#settings));
      } catch {
        // Trusted setup failed (e.g. a throwing host bootstrap): players create their own isolates and
        // get the error there, as without spares.
        return;
      }
      this.#scheduleRefill();
    });
  }

  runBatch(task: BatchTask): BatchResult {
    let cell = this.#cells.get(task.heartbeat);
    if (cell === undefined) {
      cell = new HeartbeatCell(this.#config.heartbeat, task.heartbeat);
      this.#cells.set(task.heartbeat, cell);
    }
    const results: PlayerReply[] = [];
    for (let i = 0; i < task.players.length; i++) {
      const request = task.players[i]!;
      cell.begin(task.batchId, i, Date.now());
      try {
        results.push(this.#runPlayer(request));
      } catch (error) {
        // A kernel fault for this one player (e.g. its isolate could not be set up): reported as an
        // outcome so the rest of the batch is kept; the isolate is dropped so the next tick starts clean.
        this.#dispose(request.userId, 'disposed');
        results.push(internalError(request, error));
      } finally {
        cell.end();
      }
    }
    this.#settings.external.maybeCollect();
    const base = PlayerSandbox.refreshedBase(this.#settings);
    if (base !== this.#sparesFrom) {
      // Spares made before the runtime's or the host layer's code cache was refreshed would start
      // colder than the ones made now (a player's own modules do not concern them).
      for (const spare of this.#spares.splice(0)) spare.isolate.dispose();
      this.#sparesFrom = base;
    }
    this.#scheduleRefill();
    const recycled = this.#recycled.splice(0);
    return {
      batchId: task.batchId,
      results,
      worker: { threadId: 0, isolates: this.#sandboxes.size, rssBytes: process.memoryUsage.rss(), recycled },
    };
  }

  #runPlayer(request: RunRequest): PlayerReply {
    const { userId } = request;
    if (request.code.modules !== undefined) this.#codes.set(request.code.hash, request.code.modules);
    let sandbox = this.#sandboxes.get(userId);
    let coldStart: ColdStartReason | null = null;
    if (sandbox !== undefined && request.coldStart !== undefined) {
      this.#dispose(userId, request.coldStart);
      sandbox = undefined;
    } else if (sandbox !== undefined && (sandbox.codeHash !== request.code.hash || request.code.timestamp > sandbox.codeTimestamp)) {
      // The official global reset on a code upload (F13): a newer timestamp resets the isolate even when
      // the code is the same ("push the same code again"); compiled modules are still reused by hash.
      this.#dispose(userId, 'codeChanged');
      sandbox = undefined;
    } else if (sandbox?.isDisposed) {
      this.#dispose(userId, 'disposed');
      sandbox = undefined;
    }
    const notices: string[] = [];
    let createMs = 0;
    if (sandbox === undefined) {
      const modules = this.#codes.get(request.code.hash);
      if (modules === undefined) return needsCode(request);
      const tombstone = this.#tombstones.get(userId);
      this.#tombstones.delete(userId);
      // The isolate's own end wins over a requested restart (a watchdog restart of an isolate the memory
      // limit already disposed is still a disposal, with its official restart message).
      coldStart = tombstone ?? request.coldStart ?? 'firstRun';
      if (coldStart === 'disposed' || coldStart === 'heapNearLimit') notices.push(DISPOSED_RESTART_MESSAGE);
      const t0 = performance.now();
      try {
        let spare = this.#spares.pop();
        while (spare?.isolate.isDisposed) spare = this.#spares.pop();
        sandbox = PlayerSandbox.create(userId, request.code.hash, modules, this.#settings, spare);
      } catch (e) {
        // Only trusted code runs during creation (the kernel, the host game layer's bootstrap, module
        // wrappers that define without running): a throw here is a host fault, not the player's.
        const text = e instanceof Error ? e.message : String(e);
        return internalError(request, e, `Script execution has been terminated: the runtime could not start (${text.replace(/</g, '&lt;')})`);
      }
      createMs = performance.now() - t0;
      sandbox.codeTimestamp = request.code.timestamp;
      this.#sandboxes.set(userId, sandbox);
    }
    const result = sandbox.run(request, coldStart, createMs, notices);
    if (result.sandbox.recycled !== undefined) {
      const reason: ColdStartReason = result.outcome === 'halted' ? 'halted' : result.sandbox.recycled === 'heapNearLimit' ? 'heapNearLimit' : 'disposed';
      // Reported by the result itself (`sandbox.recycled`).
      this.#dispose(userId, reason, false);
    }
    return result;
  }

  /**
   * Drops a player's isolate. Every disposal is reported (the batch result's `worker.recycled`, or the
   * run result's `sandbox.recycled` when `report` is false), so `sandbox:created` minus
   * `sandbox:recycled` is the number of live isolates.
   */
  #dispose(userId: UserId, reason: ColdStartReason, report = true): void {
    const sandbox = this.#sandboxes.get(userId);
    if (sandbox === undefined) return;
    this.#sandboxes.delete(userId);
    sandbox.dispose();
    this.#tombstones.set(userId, reason);
    if (report) this.#recycled.push({ userId, reason });
  }

  /** Disposes isolates unused for longer than the idle TTL (F13: 3 minutes, swept every 60 s). */
  sweepIdle(now: number): number {
    let swept = 0;
    for (const [userId, sandbox] of this.#sandboxes) {
      if (now - sandbox.lastUsed > this.#config.idleIsolateTtlMs) {
        this.#dispose(userId, 'idleEvicted');
        swept++;
      }
    }
    return swept;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    if (this.#refill !== null) clearImmediate(this.#refill);
    for (const spare of this.#spares.splice(0)) spare.isolate.dispose();
    for (const userId of [...this.#sandboxes.keys()]) this.#dispose(userId, 'disposed', false);
    this.#settings.scripts.clear();
    this.#settings.clock.close();
  }

  /**
   * Before the thread ends (`ShutdownTask`): everything isolated-vm owns is disposed and released, then
   * collected, so no isolated-vm handle is left for the collection of Node's thread teardown to finalise.
   */
  shutdown(): void {
    this.close();
    this.#collect();
    this.#collect();
  }
}

const INTERNAL_ERROR_MESSAGE = 'Script execution has been terminated: the runtime could not run your script, restarting virtual machine';

/** A kernel or host-layer fault for one player: `message` goes to the player, `diagnostic` to the host log. */
function internalError(request: RunRequest, error: unknown, message = INTERNAL_ERROR_MESSAGE): RunResult {
  return resultWithoutRun(request, 'internalError', [message], error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

function needsCode(request: RunRequest): NeedsCode {
  return { needsCode: true, userId: request.userId, gameTime: request.gameTime };
}
