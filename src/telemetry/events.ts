import type { UserId } from '../shared/ids.js';
import type { ColdStartReason, OutcomeKind, SkipReason } from '../shared/outcome.js';

/** One event for every player tick, whatever the outcome. Never carries player code or Memory. */
export interface PlayerTickTelemetry {
  readonly userId: UserId;
  readonly gameTime: number;
  /** Pool slot and worker thread id; null when the player never reached a worker. */
  readonly worker: { readonly slot: number; readonly threadId: number } | null;
  readonly outcome: OutcomeKind;
  readonly skipReason?: SkipReason;
  readonly cpu: {
    readonly limit: number;
    readonly tickLimit: number;
    readonly bucket: number;
    /** Real thread CPU billed, ms. */
    readonly billedMs: number;
    /** What isolated-vm reported for the same calls, ms. */
    readonly reportedMs: number;
  };
  readonly heap: { readonly usedBytes: number; readonly totalBytes: number; readonly limitBytes: number; readonly externalBytes: number } | null;
  /** Why the tick started in a fresh isolate; null when warm. */
  readonly coldStart: ColdStartReason | null;
  readonly queueDepth: number;
  readonly stages: { readonly loadMs: number; readonly runMs: number; readonly persistMs: number };
  /** False when storage could not commit the tick's results. */
  readonly committed: boolean;
  /** Number of error messages sent to the player's console. */
  readonly errorCount: number;
  /** Hash and upload timestamp of the code that ran (absent when the player never reached a worker). */
  readonly code?: { readonly hash: string; readonly timestamp: number };
  /** Room names the tick registered intents for (validated names only, capped), for per-room logs. */
  readonly rooms?: readonly string[];
  /** Isolate creation time inside this tick, ms (0 when warm). */
  readonly createMs?: number;
}

export interface TickSummary {
  readonly gameTime: number;
  readonly players: number;
  readonly durationMs: number;
  readonly outcomes: Readonly<Partial<Record<OutcomeKind, number>>>;
  readonly billedCpuMs: number;
  readonly coldStarts: number;
  readonly uncommitted: number;
}

/** The one event map of the runtime (STYLE rule 11). */
export interface RuntimeEvents {
  /** One event per player tick, whatever the outcome (ran, skipped, not loaded, worker failed). */
  'player:tick': [event: PlayerTickTelemetry];
  /**
   * @deprecated The former name of `player:tick`, kept as an alias: a listener on it receives the same
   * events (`TELEMETRY_ALIASES`).
   */
  'runtime:telemetry': [event: PlayerTickTelemetry];
  'tick:started': [event: { readonly gameTime: number; readonly players: number }];
  'tick:finished': [event: TickSummary];
  'worker:spawned': [event: { readonly slot: number; readonly threadId: number }];
  'worker:exited': [event: { readonly slot: number; readonly threadId: number; readonly reason: string }];
  'worker:hung': [event: { readonly slot: number; readonly threadId: number; readonly userId: UserId | null; readonly runningMs: number }];
  'sandbox:created': [event: { readonly userId: UserId; readonly slot: number; readonly reason: ColdStartReason; readonly createMs: number }];
  'sandbox:recycled': [event: { readonly userId: UserId; readonly slot: number; readonly reason: string }];
  'player:quarantined': [event: { readonly userId: UserId; readonly ticks: number; readonly reason: string }];
  'runtime:fatal': [event: { readonly reason: string }];
  /** Figures a worker sent with a batch: isolates alive on it and the process RSS it saw. */
  'worker:stats': [event: { readonly slot: number; readonly threadId: number; readonly isolates: number; readonly rssBytes: number }];
  /** The watchdog asked for a cold restart of a player's isolate before its next tick. */
  'watchdog:restart': [event: { readonly userId: UserId; readonly failures: number; readonly gameTime: number }];
  /** The throttle registry delays a player (`until` is the first game tick it may run again). */
  'player:throttled': [event: { readonly userId: UserId; readonly failures: number; readonly until: number; readonly reason: 'failures' | 'quarantine' }];
  /** A real successful tick released a throttled player. */
  'player:released': [event: { readonly userId: UserId; readonly gameTime: number }];
  /** An unhandled rejection or uncaught exception in the host process, seen while the runtime was open. */
  'process:error': [event: { readonly kind: 'unhandledRejection' | 'uncaughtException'; readonly error: unknown }];
  /** A listener threw; the error is reported here (and logged) instead of breaking the tick. */
  'listener:error': [event: { readonly event: string; readonly error: unknown }];
}
export type RuntimeEventName = keyof RuntimeEvents;

/** Former event names and the events they now stand for: subscribing to either gets each event once. */
export const TELEMETRY_ALIASES: Readonly<Partial<Record<RuntimeEventName, RuntimeEventName>>> = { 'runtime:telemetry': 'player:tick' };
