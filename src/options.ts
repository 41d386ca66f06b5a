import * as os from 'node:os';
import { InvalidOptionError } from './errors.js';
import type { HostBootstrap } from './shared/protocol.js';
import type { StoragePort } from './storage/port.js';
import type { Logger } from './telemetry/logger.js';

/** What happens when a worker thread stops answering (a hang no isolated-vm timeout caught). */
export type HungWorkerPolicy = 'exit' | 'replace';

/** Options accepted by `createRuntime()`. Every field is optional; `resolveOptions()` fills defaults. */
export interface RuntimeOptions {
  /** Worker threads in the pool. Each owns the isolates of the players pinned to it. @default os.availableParallelism() */
  poolSize?: number;
  /** Heap limit of each player's isolate, in MB (F12 uses 256). @default 256 */
  memoryLimitMb?: number;
  /** Cap on WebAssembly memory per isolate, in MB; isolated-vm does not count it in `memoryLimitMb`. @default 64 */
  wasmMemoryLimitMb?: number;
  /** A player's isolate unused for this long is disposed (F13: 3 minutes). @default 180000 */
  idleIsolateTtlMs?: number;
  /** How often each worker sweeps idle isolates, in ms (F13: 60 s). @default 60000 */
  idleSweepIntervalMs?: number;
  /** Upper bound of `Game.cpu.tickLimit`, in CPU ms (F11, `cpuMaxPerTick`). @default 500 */
  cpuMaxPerTick?: number;
  /** Upper bound of the CPU bucket, in CPU ms (F24, `cpuBucketSize`). @default 10000 */
  cpuBucketSize?: number;
  /** Players per batch task sent to a worker. Smaller batches reach persistence sooner. @default 64 */
  batchSize?: number;
  /** Batch tasks queued per worker at once, so a worker never waits for the next batch. @default 2 */
  batchesInFlightPerWorker?: number;
  /** Wall-clock ms after which a player run that has not returned marks its worker as hung (F4: 5 s). @default 5000 */
  hangTimeoutMs?: number;
  /** `exit` kills the process (a supervisor restarts it); `replace` abandons the hung thread and starts another. @default 'exit' */
  onHungWorker?: HungWorkerPolicy;
  /** With `onHungWorker: 'replace'`, hung threads abandoned before escalating to `exit` anyway. @default 2 */
  maxAbandonedWorkers?: number;
  /** Ticks a player is skipped after its code hung or crashed a worker (the official `skipTicksPenalty`). @default 20 */
  quarantineTicks?: number;
  /**
   * File where a player whose run overran every timeout is written synchronously, before anything else
   * (`SuspectJournal`): a process restarted on the same file quarantines it before it runs again, so a
   * player whose code crashes the process natively does it at most once. `''` keeps it in memory only.
   * @default ''
   */
  suspectJournal?: string;
  /** Compiled-script cachedData entries kept per worker (LRU, keyed by code hash). @default 512 */
  scriptCacheEntries?: number;
  /**
   * Isolates each worker keeps ready (runtime and host bootstrap installed, made while the worker is
   * idle) for players who need a new one: a new player's first tick then skips isolate creation. Each
   * costs about 1.4 MB. 0 turns it off. @default 2
   */
  spareIsolates?: number;
  /** Player code bundles kept in the main thread to re-send to a worker, in MB (LRU). @default 256 */
  codeCacheMb?: number;
  /** Timeout of the console-command phase, in ms (the official driver has none: F21). @default 250 */
  consoleCommandTimeoutMs?: number;
  /** Console output kept per player per tick, in KB; the rest is replaced by one truncation line. @default 256 */
  maxConsoleKbPerTick?: number;
  /** Name of this shard, exposed as `Game.shard.name` and used for InterShardMemory. @default 'shard0' */
  shardName?: string;
  /** Adds the MMO-only `Game.cpu.generatePixel`, `setShardLimits`, `unlock`, `unlocked`, `unlockedTime` (spec 2.1). @default false */
  mmoCpuApi?: boolean;
  /**
   * Sets the V8 flags `--always-sparkplug --no-lazy-feedback-allocation` process-wide at the first
   * `createRuntime()`. The isolate code (`workers/isolate/`) runs once per player per tick in every isolate,
   * each with its own JIT state, so it never warms up; baseline-compiling it at once roughly halves the
   * per-tick cost of a trivial player (measured, see benchmarks/README.md). @default true
   */
  fastTiering?: boolean;
  /**
   * Above 0, sets V8's `--max-semi-space-size` (MB) process-wide at the first `createRuntime()` that asks
   * for it: the young generation of every isolate and worker thread made after it (the main thread's heap
   * was sized when the process started). isolated-vm sizes an isolate's young generation from
   * `memoryLimitMb` (about 1.3 MB of semi-space at 256 MB); a young generation holds memory whether the
   * player uses it or not, so smaller means less memory per player and more frequent scavenges. @default 0
   */
  maxSemiSpaceMb?: number;
  /** The host game layer: trusted code evaluated once per isolate before the player's code (see `HostBootstrap`). @default none */
  hostBootstrap?: HostBootstrap;
  /** Storage adapter. @default an in-memory store */
  storage?: StoragePort;
  /** pino logger, or a level for the built-in one. @default 'info' */
  logger?: Logger | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Called instead of killing the process when `onHungWorker` escalates to exit. */
  onFatal?: (reason: string) => void;
  /** Consecutive failing ticks after which the watchdog restarts a player's isolate (global reset); 0 disables it. @default 3 */
  watchdogThreshold?: number;
  /** Watchdog notifications of a player are grouped in windows of this many minutes. @default 15 */
  watchdogNotifyGroupMinutes?: number;
  /** At most one watchdog notification per player in this many minutes. @default 10 */
  watchdogNotifyCooldownMinutes?: number;
  /** Consecutive failing ticks after which a player is delayed by the throttle; 0 disables it. @default 5 */
  throttleAfterFailures?: number;
  /** Ticks a throttled player is skipped before it may try again. @default 5 */
  throttleTicks?: number;
  /** Warnings a single player may put in the log in a burst (token bucket); 0 silences them. @default 5 */
  logBurstPerPlayer?: number;
  /** Warnings per player per minute once its burst is spent. @default 2 */
  logRefillPerMinute?: number;
  /** Players kept in the per-player telemetry table (`/runtime/isolates`, per-player metrics). @default 10000 */
  telemetryMaxPlayers?: number;
  /** Per-player Prometheus series (label `user`); off by default for cardinality. @default false */
  perPlayerMetrics?: boolean;
  /** TCP port of the metrics endpoint (`/metrics`, `/runtime/isolates`, `/healthz`); 0 turns it off. @default 0 */
  metricsPort?: number;
  /** Address the metrics endpoint listens on. @default '127.0.0.1' */
  metricsHost?: string;
}

/**
 * One row of an options table. `unit` and `docDefault` are what the README's options table shows (a test
 * holds the README and the JSDoc `@default`s to this table); `docDefault` only where the default is computed.
 */
type IntSpec = { kind: 'int'; unit: string; min: number; max: number; default: () => number; docDefault?: string };
type EnumSpec<T extends string> = { kind: 'enum'; unit: string; values: readonly T[]; default: T };
type StringSpec = { kind: 'string'; unit: string; pattern: RegExp; default: string };
type BoolSpec = { kind: 'bool'; unit: string; default: boolean };
export type OptionSpec = IntSpec | EnumSpec<string> | StringSpec | BoolSpec;

type ValueOf<S> = S extends { kind: 'int' } ? number : S extends { kind: 'bool' } ? boolean : S extends EnumSpec<infer T> ? T : string;
type Resolved<Table> = { readonly [K in keyof Table]: ValueOf<Table[K]> };

/** The options table: one row per scalar option, with range and default. */
export const OPTIONS = {
  poolSize: { kind: 'int', unit: 'threads', min: 1, max: 256, default: () => os.availableParallelism(), docDefault: 'os.availableParallelism()' },
  memoryLimitMb: { kind: 'int', unit: 'MB', min: 8, max: 4096, default: () => 256 },
  wasmMemoryLimitMb: { kind: 'int', unit: 'MB', min: 0, max: 4096, default: () => 64 },
  idleIsolateTtlMs: { kind: 'int', unit: 'ms', min: 1000, max: 7 * 24 * 3600_000, default: () => 180_000 },
  idleSweepIntervalMs: { kind: 'int', unit: 'ms', min: 100, max: 3600_000, default: () => 60_000 },
  cpuMaxPerTick: { kind: 'int', unit: 'CPU ms', min: 1, max: 60_000, default: () => 500 },
  cpuBucketSize: { kind: 'int', unit: 'CPU ms', min: 0, max: 10_000_000, default: () => 10_000 },
  batchSize: { kind: 'int', unit: 'players', min: 1, max: 100_000, default: () => 64 },
  batchesInFlightPerWorker: { kind: 'int', unit: 'tasks', min: 1, max: 64, default: () => 2 },
  hangTimeoutMs: { kind: 'int', unit: 'ms', min: 100, max: 600_000, default: () => 5000 },
  onHungWorker: { kind: 'enum', unit: '', values: ['exit', 'replace'] as const, default: 'exit' },
  maxAbandonedWorkers: { kind: 'int', unit: 'threads', min: 0, max: 1000, default: () => 2 },
  quarantineTicks: { kind: 'int', unit: 'ticks', min: 0, max: 1_000_000, default: () => 20 },
  suspectJournal: { kind: 'string', unit: 'path', pattern: /^[^\0]*$/, default: '' },
  scriptCacheEntries: { kind: 'int', unit: 'entries', min: 0, max: 1_000_000, default: () => 512 },
  spareIsolates: { kind: 'int', unit: 'isolates', min: 0, max: 1000, default: () => 2 },
  codeCacheMb: { kind: 'int', unit: 'MB', min: 1, max: 65_536, default: () => 256 },
  consoleCommandTimeoutMs: { kind: 'int', unit: 'ms', min: 1, max: 60_000, default: () => 250 },
  maxConsoleKbPerTick: { kind: 'int', unit: 'KB', min: 1, max: 65_536, default: () => 256 },
  shardName: { kind: 'string', unit: '', pattern: /^[A-Za-z0-9_-]{1,64}$/, default: 'shard0' },
  watchdogThreshold: { kind: 'int', unit: 'ticks', min: 0, max: 1000, default: () => 3 },
  watchdogNotifyGroupMinutes: { kind: 'int', unit: 'min', min: 1, max: 1440, default: () => 15 },
  watchdogNotifyCooldownMinutes: { kind: 'int', unit: 'min', min: 0, max: 1440, default: () => 10 },
  throttleAfterFailures: { kind: 'int', unit: 'ticks', min: 0, max: 1000, default: () => 5 },
  throttleTicks: { kind: 'int', unit: 'ticks', min: 0, max: 1_000_000, default: () => 5 },
  logBurstPerPlayer: { kind: 'int', unit: 'lines', min: 0, max: 10_000, default: () => 5 },
  logRefillPerMinute: { kind: 'int', unit: 'lines/min', min: 0, max: 100_000, default: () => 2 },
  telemetryMaxPlayers: { kind: 'int', unit: 'players', min: 1, max: 10_000_000, default: () => 10_000 },
  perPlayerMetrics: { kind: 'bool', unit: '', default: false },
  metricsPort: { kind: 'int', unit: 'port', min: 0, max: 65_535, default: () => 0 },
  // An IPv4/IPv6 literal or a host name; loopback by default so nothing is exposed unless asked.
  metricsHost: { kind: 'string', unit: '', pattern: /^[A-Za-z0-9.:_-]{1,255}$/, default: '127.0.0.1' },
  mmoCpuApi: { kind: 'bool', unit: '', default: false },
  fastTiering: { kind: 'bool', unit: '', default: true },
  maxSemiSpaceMb: { kind: 'int', unit: 'MB', min: 0, max: 64, default: () => 0 },
} as const satisfies { [K in keyof RuntimeOptions]?: OptionSpec };

/** The options after `resolveOptions()`: every table option filled, plus the ones that are objects. */
export type ResolvedOptions = Resolved<typeof OPTIONS> & {
  readonly hostBootstrap: HostBootstrap | undefined;
  readonly storage: StoragePort | undefined;
  readonly logger: Exclude<RuntimeOptions['logger'], undefined>;
  readonly onFatal: ((reason: string) => void) | undefined;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const KNOWN = new Set<string>([...Object.keys(OPTIONS), 'storage', 'logger', 'onFatal', 'hostBootstrap']);

/** Validates every option once and returns a frozen, fully filled copy. Throws `InvalidOptionError`. */
export function resolveOptions(input: RuntimeOptions = {}): ResolvedOptions {
  if (input === null || typeof input !== 'object') throw new InvalidOptionError('options', input, 'an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(key, (input as Record<string, unknown>)[key], 'a known option name');
  }
  const out = resolveTable(OPTIONS, input as Record<string, unknown>);
  const { storage, logger, onFatal, hostBootstrap } = input;
  if (
    hostBootstrap !== undefined &&
    (hostBootstrap === null ||
      typeof hostBootstrap !== 'object' ||
      typeof hostBootstrap.source !== 'string' ||
      (hostBootstrap.filename !== undefined && (typeof hostBootstrap.filename !== 'string' || hostBootstrap.filename.length === 0)) ||
      (hostBootstrap.nativeModules !== undefined &&
        (hostBootstrap.nativeModules === null ||
          typeof hostBootstrap.nativeModules !== 'object' ||
          !Object.values(hostBootstrap.nativeModules).every((path) => typeof path === 'string' && path.length > 0))) ||
      (hostBootstrap.sharedBuffers !== undefined &&
        (hostBootstrap.sharedBuffers === null ||
          typeof hostBootstrap.sharedBuffers !== 'object' ||
          !Object.values(hostBootstrap.sharedBuffers).every((buffer) => buffer instanceof SharedArrayBuffer))))
  ) {
    const detail =
      hostBootstrap?.nativeModules !== undefined ? ' whose nativeModules map global names to .node paths' : hostBootstrap?.sharedBuffers !== undefined ? ' whose sharedBuffers map global names to SharedArrayBuffers' : '';
    throw new InvalidOptionError('hostBootstrap', hostBootstrap, 'an object { source: string; filename?: string }' + detail);
  }
  out.hostBootstrap =
    hostBootstrap === undefined
      ? undefined
      : Object.freeze({
          source: hostBootstrap.source,
          filename: hostBootstrap.filename ?? '<host>',
          ...(hostBootstrap.nativeModules ? { nativeModules: Object.freeze({ ...hostBootstrap.nativeModules }) } : {}),
          ...(hostBootstrap.sharedBuffers ? { sharedBuffers: Object.freeze({ ...hostBootstrap.sharedBuffers }) } : {}),
        });
  if (storage !== undefined && (storage === null || typeof storage !== 'object' || typeof storage.loadContexts !== 'function')) {
    throw new InvalidOptionError('storage', storage, 'a StoragePort (an object with loadContexts, commit, ...)');
  }
  if (logger !== undefined && typeof logger !== 'object' && !LOG_LEVELS.includes(logger)) {
    throw new InvalidOptionError('logger', logger, `a pino logger or one of ${LOG_LEVELS.join(', ')}`);
  }
  if (onFatal !== undefined && typeof onFatal !== 'function') throw new InvalidOptionError('onFatal', onFatal, 'a function');
  out.storage = storage;
  out.logger = logger ?? 'info';
  out.onFatal = onFatal;
  return Object.freeze(out) as unknown as ResolvedOptions;
}

/** Options of the Redis users queue shared by runner processes (`src/queue/`). */
export interface QueueOptions {
  /** Queue name; `usersIvm` is the official one (spec 1.0). @default 'usersIvm' */
  name?: string;
  /** A fetched player's lease, in ms: a runner silent this long is presumed dead and its players are re-queued. @default 2000 */
  leaseMs?: number;
  /** Ms after the tick started before a runner takes players waiting in another live runner's list (work stealing). @default 500 */
  stealDelayMs?: number;
  /** Main loop: ms to wait for the users stage before resetting the queue (official `mainLoopResetInterval`, F3). @default 5000 */
  resetIntervalMs?: number;
  /** Runner: players fetched at once per worker thread of its pool. @default 8 */
  fetchPerWorker?: number;
  /** Runner: ms a SIGTERM waits for in-flight players before exiting anyway (their leases then expire). @default 30000 */
  drainTimeoutMs?: number;
}

export type ResolvedQueueOptions = Resolved<typeof QUEUE_OPTIONS>;

/** The queue options table: one row per option, with range and default. */
export const QUEUE_OPTIONS = {
  name: { kind: 'string', unit: '', pattern: /^[A-Za-z0-9_.-]{1,64}$/, default: 'usersIvm' },
  leaseMs: { kind: 'int', unit: 'ms', min: 100, max: 600_000, default: () => 2000 },
  stealDelayMs: { kind: 'int', unit: 'ms', min: 0, max: 600_000, default: () => 500 },
  resetIntervalMs: { kind: 'int', unit: 'ms', min: 10, max: 3600_000, default: () => 5000 },
  fetchPerWorker: { kind: 'int', unit: 'players', min: 1, max: 10_000, default: () => 8 },
  drainTimeoutMs: { kind: 'int', unit: 'ms', min: 0, max: 3600_000, default: () => 30_000 },
} as const satisfies Record<keyof QueueOptions, OptionSpec>;

/** Validates the queue options once; throws `InvalidOptionError` naming the option and the bad value. */
export function resolveQueueOptions(input: QueueOptions = {}): ResolvedQueueOptions {
  if (input === null || typeof input !== 'object') throw new InvalidOptionError('queue options', input, 'an object');
  for (const key of Object.keys(input)) {
    if (!(key in QUEUE_OPTIONS)) throw new InvalidOptionError(key, (input as Record<string, unknown>)[key], 'a known queue option name');
  }
  return Object.freeze(resolveTable(QUEUE_OPTIONS, input as Record<string, unknown>)) as ResolvedQueueOptions;
}

/** The one validation loop of both tables: each value checked against its row, defaults filled in. */
function resolveTable(table: Readonly<Record<string, OptionSpec>>, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const value = input[name];
    switch (spec.kind) {
      case 'int':
        if (value === undefined) out[name] = spec.default();
        else if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
          throw new InvalidOptionError(name, value, `an integer from ${spec.min} to ${spec.max}`);
        } else out[name] = value;
        break;
      case 'enum':
        if (value === undefined) out[name] = spec.default;
        else if (typeof value !== 'string' || !spec.values.includes(value)) {
          throw new InvalidOptionError(name, value, `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`);
        } else out[name] = value;
        break;
      case 'string':
        if (value === undefined) out[name] = spec.default;
        else if (typeof value !== 'string' || !spec.pattern.test(value)) throw new InvalidOptionError(name, value, `a string matching ${spec.pattern}`);
        else out[name] = value;
        break;
      case 'bool':
        if (value === undefined) out[name] = spec.default;
        else if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false');
        else out[name] = value;
        break;
    }
  }
  return out;
}
