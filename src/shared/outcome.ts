/**
 * How one player's tick ended. A player's fault is one of these values, never an exception.
 * `as const` object + derived union, no enums (STYLE rule 9).
 */
export const OutcomeKind = {
  /** The script ran to the end of its loop (it may still have logged errors from console commands). */
  ok: 'ok',
  /** The script threw; partial results (Memory, intents, console) are still saved (F42). */
  scriptError: 'scriptError',
  /** The per-call timeout `max(30, tickLimit + 5)` fired (F22). Partial results are saved. */
  timedOut: 'timedOut',
  /** The isolate hit its heap (or WebAssembly) limit and was disposed. Nothing of the tick is saved. */
  memoryExceeded: 'memoryExceeded',
  /** The isolate was disposed for another reason during the tick. Nothing of the tick is saved. */
  disposed: 'disposed',
  /** `Game.cpu.halt()` (F26): the isolate is disposed and nothing of the tick is saved. */
  halted: 'halted',
  /** Not run: empty bucket or quarantine penalty (F6), or the watchdog throttle. */
  skipped: 'skipped',
  /** Not run: the player has no code, no `main` module, or a malformed code document. */
  noCode: 'noCode',
  /** The worker thread running the player crashed or hung; the player will run elsewhere next time. */
  workerFailed: 'workerFailed',
  /** The kernel itself failed for this player (a bug, or storage failed to load it). */
  internalError: 'internalError',
} as const;
export type OutcomeKind = (typeof OutcomeKind)[keyof typeof OutcomeKind];

export const SkipReason = {
  bucketEmpty: 'bucketEmpty',
  penalty: 'penalty',
  throttled: 'throttled',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** Why a player's tick started in a fresh isolate. */
export const ColdStartReason = {
  firstRun: 'firstRun',
  codeChanged: 'codeChanged',
  disposed: 'disposed',
  halted: 'halted',
  idleEvicted: 'idleEvicted',
  /** The player last ran in another runner process (the Redis queue moved it): its isolate there is lost. */
  movedRunner: 'movedRunner',
  heapNearLimit: 'heapNearLimit',
  watchdog: 'watchdog',
  workerReplaced: 'workerReplaced',
} as const;
export type ColdStartReason = (typeof ColdStartReason)[keyof typeof ColdStartReason];

/** What the kernel does with each outcome: the one place these rules live (every list derives from it). */
export interface OutcomePolicy {
  /** The tick's partial results (Memory, segments, intents, console) are saved (F42). */
  readonly keepsResults: boolean;
  /** Counts as a failure for the watchdog and the throttle. */
  readonly isFailure: boolean;
  /** The worker no longer holds the player's isolate afterwards (the next tick starts cold). */
  readonly dropsIsolate: boolean;
  /** Player code ran, so the CPU it used is billed (the kernel bills what ran on every such outcome). */
  readonly ran: boolean;
  /** The line the monitor logs for it (rate-limited per player), or null for none. */
  readonly log: { readonly level: 'warn' | 'error'; readonly message: string } | null;
}

export const OUTCOME_POLICY = {
  ok: { keepsResults: true, isFailure: false, dropsIsolate: false, ran: true, log: null },
  scriptError: { keepsResults: true, isFailure: true, dropsIsolate: false, ran: true, log: { level: 'warn', message: 'player script error' } },
  timedOut: { keepsResults: true, isFailure: true, dropsIsolate: false, ran: true, log: { level: 'warn', message: 'player script timed out' } },
  memoryExceeded: { keepsResults: false, isFailure: true, dropsIsolate: true, ran: true, log: { level: 'warn', message: 'player isolate hit its memory limit' } },
  disposed: { keepsResults: false, isFailure: true, dropsIsolate: true, ran: true, log: { level: 'warn', message: 'player isolate disposed during its tick' } },
  halted: { keepsResults: false, isFailure: false, dropsIsolate: true, ran: true, log: null },
  skipped: { keepsResults: false, isFailure: false, dropsIsolate: false, ran: false, log: null },
  noCode: { keepsResults: false, isFailure: false, dropsIsolate: false, ran: false, log: null },
  workerFailed: { keepsResults: false, isFailure: true, dropsIsolate: true, ran: false, log: { level: 'error', message: 'system error: the worker running the player failed' } },
  internalError: { keepsResults: false, isFailure: true, dropsIsolate: false, ran: false, log: { level: 'error', message: 'system error: the kernel failed for this player' } },
} as const satisfies Record<OutcomeKind, OutcomePolicy>;

/** Outcomes whose tick keeps its partial results, derived from the table. */
export type KeepingOutcome = { [K in OutcomeKind]: (typeof OUTCOME_POLICY)[K]['keepsResults'] extends true ? K : never }[OutcomeKind];
/** Outcomes that save nothing of the tick. */
export type DroppingOutcome = Exclude<OutcomeKind, KeepingOutcome>;

/** True when the outcome keeps the tick's partial results (F42). */
export function keepsResults(kind: OutcomeKind): kind is KeepingOutcome {
  return OUTCOME_POLICY[kind].keepsResults;
}

/** True when the worker no longer holds the player's isolate after a tick with this outcome. */
export function dropsIsolate(kind: OutcomeKind): boolean {
  return OUTCOME_POLICY[kind].dropsIsolate;
}

/** True when the outcome counts as a failure for the watchdog and throttle. */
export function isFailure(kind: OutcomeKind): boolean {
  return OUTCOME_POLICY[kind].isFailure;
}
