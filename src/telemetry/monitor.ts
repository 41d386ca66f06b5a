import { LruMap } from '../shared/lru.js';
import type { UserId } from '../shared/ids.js';
import { OUTCOME_POLICY } from '../shared/outcome.js';
import type { PlayerTickTelemetry } from './events.js';
import type { Logger } from './logger.js';

export interface MonitorSettings {
  /** Warnings a player may cause in a burst (token bucket capacity). 0 silences per-player warnings. */
  readonly burst: number;
  /** Tokens added back per minute. */
  readonly refillPerMinute: number;
  readonly clock?: () => number;
}

/** Players (and rooms) whose bucket or child logger is remembered; the least recently seen go first. */
const MAX_TRACKED = 10_000;

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
}

/**
 * Turns telemetry into log lines: warnings for timeouts, script errors and system errors, on a child
 * logger per room (the rooms the tick registered intents for) or per player. Each player has a token
 * bucket, so a script that fails every tick cannot flood the log; the next line that gets through says
 * how many were suppressed.
 *
 * What is logged comes only from the telemetry event (outcome, counts, figures): never the error text,
 * console output, code or Memory, all of which the player controls (STYLE rule 11).
 */
export class Monitor {
  readonly #logger: Logger;
  readonly #settings: MonitorSettings;
  readonly #clock: () => number;
  readonly #buckets = new LruMap<UserId, Bucket>(MAX_TRACKED);
  readonly #children = new LruMap<string, Logger>(MAX_TRACKED);

  constructor(logger: Logger, settings: MonitorSettings) {
    this.#logger = logger;
    this.#settings = settings;
    this.#clock = settings.clock ?? Date.now;
  }

  onTelemetry(e: PlayerTickTelemetry): void {
    const line = describe(e);
    if (line === null || !this.#take(e.userId)) return;
    const suppressed = this.#buckets.get(e.userId)?.suppressed ?? 0;
    if (suppressed > 0) this.#buckets.get(e.userId)!.suppressed = 0;
    // The child logger of a player without rooms already carries its userId.
    const fields = {
      ...(e.rooms?.[0] !== undefined ? { userId: e.userId } : {}),
      gameTime: e.gameTime,
      outcome: e.outcome,
      ...(e.skipReason !== undefined ? { skipReason: e.skipReason } : {}),
      ...(e.worker ? { slot: e.worker.slot, threadId: e.worker.threadId } : {}),
      ...(e.rooms && e.rooms.length > 1 ? { rooms: e.rooms.length } : {}),
      committed: e.committed,
      errorCount: e.errorCount,
      billedMs: round(e.cpu.billedMs),
      tickLimit: e.cpu.tickLimit,
      ...(suppressed > 0 ? { suppressed } : {}),
    };
    this.#child(e)[line.level](fields, line.message);
  }

  /** A host-process error (unhandled rejection, uncaught exception), with what the runtime was doing. */
  processError(kind: 'unhandledRejection' | 'uncaughtException', error: unknown, context: Record<string, unknown>): void {
    this.#logger.error({ kind, err: error, ...context }, `${kind} in the host process`);
  }

  /** An error from a worker thread (uncaught there, or a failed batch), with the slot and thread. */
  workerError(error: unknown, context: Record<string, unknown>): void {
    this.#logger.error({ err: error, ...context }, 'worker thread error');
  }

  #child(e: PlayerTickTelemetry): Logger {
    const room = e.rooms?.[0];
    const key = room !== undefined ? `room:${room}` : `user:${e.userId}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#logger.child(room !== undefined ? { room } : { userId: e.userId });
      this.#children.set(key, child);
    }
    return child;
  }

  /** Token bucket per player; returns false (and counts) when the player is over its budget. */
  #take(userId: UserId): boolean {
    const { burst, refillPerMinute } = this.#settings;
    if (burst === 0) return false;
    const now = this.#clock();
    let bucket = this.#buckets.get(userId);
    if (bucket === undefined) {
      bucket = { tokens: burst, at: now, suppressed: 0 };
      this.#buckets.set(userId, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 60_000) * refillPerMinute);
      bucket.at = now;
    }
    if (bucket.tokens < 1) {
      bucket.suppressed++;
      return false;
    }
    bucket.tokens--;
    return true;
  }
}

function describe(e: PlayerTickTelemetry): { level: 'warn' | 'error'; message: string } | null {
  // A system failure already says why nothing was stored; any other uncommitted tick is a storage fault.
  const own = OUTCOME_POLICY[e.outcome].log;
  if (!e.committed && own?.level !== 'error') {
    return { level: 'error', message: 'system error: the player tick was not committed (storage)' };
  }
  return own;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
