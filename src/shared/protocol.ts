/**
 * The main thread <-> worker protocol. Everything here crosses a thread by structured clone, so it is
 * plain data; player-controlled content only ever travels as strings.
 */
import type { ResolvedOptions } from '../options.js';
import type { CodeHash, Modules, UserId } from './ids.js';
import { keepsResults, type ColdStartReason, type DroppingOutcome, type KeepingOutcome } from './outcome.js';

/** CPU figures handed to the player (F11): `Game.cpu.limit`, `tickLimit`, `bucket`. */
export interface CpuLimits {
  readonly limit: number;
  readonly tickLimit: number;
  readonly bucket: number;
}

/** A console expression queued by the host (`users.console`), run after the main loop (F21). */
export interface ConsoleCommand {
  readonly id: string;
  readonly expression: string;
  readonly hidden: boolean;
}

export interface ForeignSegment {
  readonly username: string;
  readonly id: number;
  readonly data: string;
}

export interface CodeRef {
  readonly hash: CodeHash;
  readonly timestamp: number;
  /** Present when the worker may not hold this bundle yet. */
  readonly modules?: Modules;
}

/**
 * What the host knows about a player's MMO CPU account (only read with the `mmoCpuApi` option, spec 2.1).
 * Absent fields mean: limits `{[shardName]: cpu.limit}`, not unlocked, no `cpuUnlock` resources.
 */
export interface MmoCpuState {
  /** `Game.cpu.shardLimits`. */
  readonly shardLimits?: Readonly<Record<string, number>>;
  /** True while `setShardLimits` is on its 12-hour cooldown (it then returns ERR_BUSY). */
  readonly shardLimitsBusy?: boolean;
  /** `Game.cpu.unlocked`. */
  readonly unlocked?: boolean;
  /** `Game.cpu.unlockedTime` (ms since the epoch); not shown when unlocked by a subscription. */
  readonly unlockedTime?: number;
  /** Full CPU by subscription: `unlock()` returns ERR_FULL. */
  readonly subscription?: boolean;
  /** `cpuUnlock` resources the account holds. */
  readonly cpuUnlocks?: number;
}

/** MMO CPU requests a tick made (`mmoCpuApi`); the host applies them. */
export interface MmoCpuRequests {
  /** Pixels generated: the host takes 10000 CPU from the bucket for each. */
  readonly pixels?: number;
  /** New shard limits (only the shards the player named). */
  readonly shardLimits?: Readonly<Record<string, number>>;
  /** `cpuUnlock` resources to consume. */
  readonly unlocks?: number;
}

/** Everything one player's tick needs inside the worker. */
export interface RunRequest {
  readonly userId: UserId;
  readonly username: string;
  readonly gameTime: number;
  readonly code: CodeRef;
  readonly cpu: CpuLimits;
  /** The raw Memory string (`RawMemory.get()`), `""` when none is stored. */
  readonly memory: string;
  /** Active segments loaded for this tick, id -> data (missing ones as `""`, F32). */
  readonly segments: Readonly<Record<string, string>>;
  readonly foreignSegment?: ForeignSegment;
  /** This shard's inter-shard segment and the other shards' (read-only). */
  readonly interShard: { readonly local: string; readonly remote: Readonly<Record<string, string>> };
  readonly consoleCommands: readonly ConsoleCommand[];
  /** Per-tick data for the host game layer, as a JSON string (copied into the isolate once per tick). */
  readonly hostData?: string;
  /** The player's MMO CPU account, read only with the `mmoCpuApi` option. */
  readonly mmoCpu?: MmoCpuState;
  /** Set by the main thread to force a fresh isolate before this tick (watchdog, replaced worker, moved runner). */
  readonly coldStart?: ColdStartReason;
}

export interface ConsoleLine {
  readonly message: string;
  /** `console.log` lines are HTML-escaped on publish; `console.logUnsafe` lines are not (F38). */
  readonly escape: boolean;
}

/** The intents a tick registered (F23), as returned by the in-isolate registry: id -> name -> payload. */
export type IntentsList = Record<string, unknown>;

/** What a tick produced, as parsed from the JSON string the in-isolate wrapper returned. */
export interface PlayerOutput {
  readonly console: { readonly log: readonly ConsoleLine[]; readonly results: readonly string[] };
  /** New raw Memory, only when it differs from the request's. */
  readonly memory?: string;
  /** Segments written this tick (only those), id -> data. */
  readonly segments?: Readonly<Record<string, string>>;
  readonly activeSegments?: readonly number[];
  /** `[]` clears the public list (a deliberate fix over F34). */
  readonly publicSegments?: readonly number[];
  readonly defaultPublicSegment?: number | null;
  readonly activeForeignSegment?: { readonly username: string; readonly id?: number } | null;
  /** New inter-shard segment of this shard, only when changed. */
  readonly interShard?: string;
  readonly intents: IntentsList;
  /** Intent registrations charged 0.2 CPU each (F23/F24; `say` and `pull` are free). */
  readonly intentsCount: number;
  readonly visuals?: Readonly<Record<string, string>>;
  /** Ids of console commands that ran (or started) this tick; the host deletes only these. */
  readonly consumedCommands: readonly string[];
  /** `Game.cpu.getUsed()` at the end of the tick, as the player saw it. */
  readonly getUsedMs: number;
  /** MMO CPU requests (`mmoCpuApi` option), only when the player made any. */
  readonly mmoCpu?: MmoCpuRequests;
}

export interface HeapFigures {
  readonly usedHeapSize: number;
  readonly totalHeapSize: number;
  readonly heapSizeLimit: number;
  readonly externallyAllocatedSize: number;
}

interface RunResultBase {
  readonly userId: UserId;
  readonly gameTime: number;
  /** Messages for the player's console error channel, in order. */
  readonly errors: readonly string[];
  readonly cpu: {
    /** Real CPU time of the worker thread spent on this player's tick, in ms (what is billed). */
    readonly billedMs: number;
    /** What isolated-vm's `cpuTime` reported for the same calls, in ms (wall time on Linux). */
    readonly reportedMs: number;
    readonly wallMs: number;
  };
  readonly heap?: HeapFigures;
  readonly sandbox: {
    /** Why this tick started in a fresh isolate, or null when the warm one was reused. */
    readonly coldStart: ColdStartReason | null;
    /** Time spent creating the isolate and installing code, in ms (0 when warm). */
    readonly createMs: number;
    /** Set when the worker disposed the isolate after this tick (and why). */
    readonly recycled?: string;
  };
  /** For the host's log only (never shown to the player): what went wrong inside the kernel. */
  readonly diagnostic?: string;
}

/** A tick whose outcome keeps its partial results (`OUTCOME_POLICY[outcome].keepsResults`, F42). */
export interface KeptRunResult extends RunResultBase {
  readonly outcome: KeepingOutcome;
  /** Absent when nothing could be collected (e.g. the results were malformed or their collection timed out). */
  readonly output?: PlayerOutput;
}

/** A tick whose outcome saves nothing of it: there is no output to read. */
export interface DroppedRunResult extends RunResultBase {
  readonly outcome: DroppingOutcome;
  readonly output?: never;
}

/** How one player's tick ended; `output` exists only on outcomes that keep results. */
export type RunResult = KeptRunResult | DroppedRunResult;

/**
 * The result of a player tick that did not run player code (a skip, a failed worker, a kernel fault): no
 * CPU, no output, no isolate. `diagnostic` goes to the host's log only.
 */
export function resultWithoutRun(request: { readonly userId: UserId; readonly gameTime: number }, outcome: DroppingOutcome, errors: readonly string[], diagnostic?: string): DroppedRunResult {
  return {
    userId: request.userId,
    gameTime: request.gameTime,
    outcome,
    errors,
    cpu: { billedMs: 0, reportedMs: 0, wallMs: 0 },
    sandbox: { coldStart: null, createMs: 0 },
    ...(diagnostic !== undefined ? { diagnostic } : {}),
  };
}

/** True when the result's outcome keeps results (its `output`, when present, is saved). */
export function resultsKept(result: RunResult): result is KeptRunResult {
  return keepsResults(result.outcome);
}

/**
 * The worker's reply for a request whose code bundle it does not hold (its store evicted it, or the
 * worker was replaced): nothing ran; the main thread re-sends the request with its modules.
 */
export interface NeedsCode {
  readonly needsCode: true;
  readonly userId: UserId;
  readonly gameTime: number;
}

/** What a worker answers for one player of a batch. */
export type PlayerReply = RunResult | NeedsCode;

export interface BatchTask {
  readonly batchId: number;
  /** Index of this worker's heartbeat cell in the shared heartbeat buffer. */
  readonly heartbeat: number;
  readonly gameTime: number;
  readonly players: readonly RunRequest[];
}

/**
 * Sent once to each worker before the pool closes. A worker thread that ends while isolated-vm handles
 * (isolates, contexts, references, compiled scripts) are still alive in its heap aborts the process: Node's
 * teardown runs a last collection whose weak callbacks reach isolated-vm after its per-thread environment
 * is gone (`Assertion environment != nullptr`, measured in about 1 of 12 short runs). The worker disposes
 * everything and collects while isolated-vm can still finalise its handles.
 */
export interface ShutdownTask {
  readonly shutdown: true;
}

export interface WorkerStats {
  readonly threadId: number;
  readonly isolates: number;
  readonly rssBytes: number;
  /** Isolates disposed by the worker since its previous batch (idle sweep), with the reason. */
  readonly recycled: readonly { readonly userId: UserId; readonly reason: string }[];
}

export interface BatchResult {
  readonly batchId: number;
  /** One reply per player of the task, in the task's order. */
  readonly results: readonly PlayerReply[];
  readonly worker: WorkerStats;
}

/**
 * A host game layer (trusted code) evaluated once in every player isolate, after the kernel and before the
 * player's modules. It registers its hooks on the global `__kernelHost` (removed before player code runs):
 * `tick(Game, hostData, intents, info)` builds the game API every tick from the parsed `RunRequest.hostData`,
 * and `playerSandbox(sandbox, userId)` runs in the player's context before the loop, with
 * `sandbox.run(code)`, `sandbox.get(name)`, `sandbox.set(name, value)` like the driver's `playerSandbox` event.
 */
export interface HostBootstrap {
  readonly source: string;
  /** File name shown in stack traces. @default '<host>' */
  readonly filename?: string;
  /**
   * isolated-vm native modules (global name -> absolute path of the `.node` file), instantiated in every
   * isolate and put on its global under that name before the bootstrap runs (like the official driver's
   * PathFinder in `user-vm.js`). The bootstrap takes them and deletes the globals. @default none
   */
  readonly nativeModules?: Readonly<Record<string, string>>;
  /**
   * SharedArrayBuffers put on every isolate's global under these names before the bootstrap runs: the
   * same memory in every isolate of every worker, not a copy (like the official driver's static terrain).
   * Any code that can write to one changes it for every player: the bootstrap takes them, deletes the
   * globals and must keep its views out of player code's reach. @default none
   */
  readonly sharedBuffers?: Readonly<Record<string, SharedArrayBuffer>>;
}

/** Static configuration every worker receives once, as `workerData`. */
/** The options every worker needs, under their option names and units (`RuntimeOptions` documents them). */
export const WORKER_OPTIONS = [
  'memoryLimitMb',
  'wasmMemoryLimitMb',
  'idleIsolateTtlMs',
  'idleSweepIntervalMs',
  'scriptCacheEntries',
  'spareIsolates',
  'consoleCommandTimeoutMs',
  'maxConsoleKbPerTick',
  'shardName',
  'mmoCpuApi',
  'hostBootstrap',
] as const satisfies readonly (keyof ResolvedOptions)[];

/** Static configuration every worker receives once, as `workerData`: options plus the shared heartbeat cells. */
export type WorkerConfig = Pick<ResolvedOptions, (typeof WORKER_OPTIONS)[number]> & {
  /** Shared heartbeat cells: see `src/shared/heartbeat.ts`. */
  readonly heartbeat: SharedArrayBuffer;
};

/**
 * The tick's budget of player code: `max(30, tickLimit + 5)` ms (F22). Every timed call of one player's
 * tick (the loop, console commands, collecting the results) shares this one deadline.
 */
export function callTimeoutMs(tickLimit: number): number {
  return Math.max(30, Math.ceil(tickLimit) + 5);
}

/**
 * The least time collecting a tick's results (`finish`: Memory serialisation, segments) is given when
 * the loop left less, e.g. after the loop timed out. With `callTimeoutMs`, it bounds a tick's run:
 * `callTimeoutMs(tickLimit) + FINISH_GRACE_MS` plus the time V8 takes to stop at a timeout. The timeout
 * is wall time: 20 ms lost the partial results of a timed-out tick about once in eight runs of the
 * differential suite on a loaded machine (the thread descheduled, not the player looping).
 */
export const FINISH_GRACE_MS = 50;

/** Wall time past which a player's run has overrun every timeout the sandbox gave it (`tickRunLimitMs`). */
export function tickRunLimitMs(tickLimit: number): number {
  return callTimeoutMs(tickLimit) + FINISH_GRACE_MS;
}
