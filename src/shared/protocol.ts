/**
 * The main thread <-> worker protocol. Everything here crosses a thread by structured clone, so it is
 * plain data; player-controlled content only ever travels as strings.
 */
import type { CodeHash, Modules, UserId } from './ids.js';
import type { ColdStartReason, OutcomeKind } from './outcome.js';

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
  /** Set by the main thread to force a fresh isolate before this tick (watchdog, moved player). */
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
}

export interface HeapFigures {
  readonly usedHeapSize: number;
  readonly totalHeapSize: number;
  readonly heapSizeLimit: number;
  readonly externallyAllocatedSize: number;
}

export interface RunResult {
  readonly userId: UserId;
  readonly gameTime: number;
  readonly outcome: OutcomeKind;
  /** Present when the outcome keeps partial results (ok, scriptError, timedOut). */
  readonly output?: PlayerOutput;
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
  /** The worker lacked the code bundle: the main thread re-sends the request with modules. */
  readonly needsCode?: true;
  /** For the host's log only (never shown to the player): what went wrong inside the kernel. */
  readonly diagnostic?: string;
}

export interface BatchTask {
  readonly batchId: number;
  /** Index of this worker's heartbeat cell in the shared heartbeat buffer. */
  readonly heartbeat: number;
  readonly gameTime: number;
  readonly players: readonly RunRequest[];
  /** Players whose isolates this worker must dispose before running the batch (moved away, watchdog). */
  readonly dispose?: readonly UserId[];
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
  readonly results: readonly RunResult[];
  readonly worker: WorkerStats;
}

/** Static configuration every worker receives once, as `workerData`. */
export interface WorkerConfig {
  readonly memoryLimitMb: number;
  readonly wasmMemoryLimitMb: number;
  readonly idleIsolateTtlMs: number;
  readonly idleSweepIntervalMs: number;
  readonly scriptCacheEntries: number;
  readonly consoleCommandTimeoutMs: number;
  readonly maxConsoleBytesPerTick: number;
  readonly shardName: string;
  /** Shared heartbeat cells: see `src/shared/heartbeat.ts`. */
  readonly heartbeat: SharedArrayBuffer;
}

/** Per-call timeout of player code: `max(30, tickLimit + 5)` ms (F22). */
export function callTimeoutMs(tickLimit: number): number {
  return Math.max(30, Math.ceil(tickLimit) + 5);
}
