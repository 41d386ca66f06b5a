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
  movedWorker: 'movedWorker',
  /** The player last ran in another runner process (the Redis queue moved it): its isolate there is lost. */
  movedRunner: 'movedRunner',
  heapNearLimit: 'heapNearLimit',
  watchdog: 'watchdog',
  workerReplaced: 'workerReplaced',
} as const;
export type ColdStartReason = (typeof ColdStartReason)[keyof typeof ColdStartReason];

/** True when the outcome keeps the tick's partial results (F42). */
export function keepsResults(kind: OutcomeKind): boolean {
  switch (kind) {
    case 'ok':
    case 'scriptError':
    case 'timedOut':
      return true;
    case 'memoryExceeded':
    case 'disposed':
    case 'halted':
    case 'skipped':
    case 'noCode':
    case 'workerFailed':
    case 'internalError':
      return false;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** True when the outcome counts as a failure for the watchdog and throttle. */
export function isFailure(kind: OutcomeKind): boolean {
  switch (kind) {
    case 'ok':
    case 'skipped':
    case 'noCode':
    case 'halted':
      return false;
    case 'scriptError':
    case 'timedOut':
    case 'memoryExceeded':
    case 'disposed':
    case 'workerFailed':
    case 'internalError':
      return true;
    default: {
      const never: never = kind;
      return never;
    }
  }
}
