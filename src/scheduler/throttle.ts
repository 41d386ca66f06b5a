import type { UserId } from '../shared/ids.js';
import { isFailure, type OutcomeKind } from '../shared/outcome.js';

export interface ThrottleSettings {
  /** Consecutive failing ticks (scriptError, timedOut, memoryExceeded, ...) that engage the throttle. */
  readonly afterFailures: number;
  /** Ticks a throttled player is skipped before it may try again. */
  readonly ticks: number;
}

export interface ThrottleState {
  readonly failures: number;
  /** First game tick the player may run again; null when not throttled. */
  readonly until: number | null;
  readonly reason: 'failures' | 'quarantine' | null;
}

export interface ThrottleHooks {
  throttled(userId: UserId, failures: number, until: number, reason: 'failures' | 'quarantine'): void;
  released(userId: UserId, gameTime: number): void;
}

interface Entry {
  failures: number;
  until: number | null;
  reason: 'failures' | 'quarantine' | null;
}

/**
 * Delays players whose scripts keep crashing or timing out, and records quarantined players (the
 * crash-loop `skipTicksPenalty`) in the same place.
 *
 * Only a tick that really ran and ended `ok` clears a player's entry. The C# port cleared its throttle on
 * any non-failing telemetry payload, and its runner published a "dequeue" heartbeat before checking the
 * throttle, so a throttle was wiped just before it would apply (screepsdotnet-d8 section 0, item 5).
 * Here the registry has no "heartbeat" or "clear" entry point at all: `record()` with `ok` is the only
 * way out; skipped, noCode and halted ticks neither count nor clear.
 *
 * After the delay the player runs once; if that tick fails again it is throttled again at once (its
 * failure count is still above the threshold).
 */
export class ThrottleRegistry {
  readonly #settings: ThrottleSettings;
  readonly #hooks: ThrottleHooks;
  readonly #entries = new Map<UserId, Entry>();

  constructor(settings: ThrottleSettings, hooks: ThrottleHooks) {
    this.#settings = settings;
    this.#hooks = hooks;
  }

  /** Feeds one player tick's outcome (from its `player:tick` event). */
  record(userId: UserId, outcome: OutcomeKind, gameTime: number): void {
    if (outcome === 'ok') {
      const entry = this.#entries.get(userId);
      if (entry === undefined) return;
      this.#entries.delete(userId);
      if (entry.until !== null) this.#hooks.released(userId, gameTime);
      return;
    }
    if (!isFailure(outcome)) return;
    const entry = this.#entry(userId);
    entry.failures++;
    if (this.#settings.afterFailures > 0 && this.#settings.ticks > 0 && entry.failures >= this.#settings.afterFailures && !inQuarantine(entry, gameTime)) {
      entry.until = gameTime + 1 + this.#settings.ticks;
      entry.reason = 'failures';
      this.#hooks.throttled(userId, entry.failures, entry.until, 'failures');
    }
  }

  /** A player was quarantined for hanging or crashing a worker (its stored penalty does the skipping). */
  quarantined(userId: UserId, gameTime: number, ticks: number): void {
    const entry = this.#entry(userId);
    entry.until = gameTime + 1 + ticks;
    entry.reason = 'quarantine';
    this.#hooks.throttled(userId, entry.failures, entry.until, 'quarantine');
  }

  /**
   * Remaining ticks a player is delayed by the throttle at `gameTime`, or 0 when it may run. A
   * quarantine is not reported here: the stored `skipTicksPenalty` already skips those ticks (F6).
   */
  delay(userId: UserId, gameTime: number): number {
    const entry = this.#entries.get(userId);
    if (entry === undefined || entry.until === null || entry.reason !== 'failures') return 0;
    return Math.max(0, entry.until - gameTime);
  }

  state(userId: UserId): ThrottleState | undefined {
    const entry = this.#entries.get(userId);
    return entry === undefined ? undefined : { ...entry };
  }

  /** Players currently delayed or quarantined. */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.until !== null) n++;
    return n;
  }

  #entry(userId: UserId): Entry {
    let entry = this.#entries.get(userId);
    if (entry === undefined) {
      entry = { failures: 0, until: null, reason: null };
      this.#entries.set(userId, entry);
    }
    return entry;
  }
}

function inQuarantine(entry: Entry, gameTime: number): boolean {
  return entry.reason === 'quarantine' && entry.until !== null && gameTime < entry.until;
}
