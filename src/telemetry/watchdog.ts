import type { UserId } from '../shared/ids.js';
import { isFailure, type ColdStartReason, type OutcomeKind } from '../shared/outcome.js';

export interface WatchdogSettings {
  /** Consecutive failing ticks that trigger a cold restart of the player's isolate (0 disables it). */
  readonly threshold: number;
  /** Watchdog notifications of one player are grouped in windows of this many ms. */
  readonly notifyGroupMs: number;
  /** At most one watchdog notification per player in this many ms. */
  readonly notifyCooldownMs: number;
  readonly clock?: () => number;
}

export interface WatchdogHooks {
  /** A cold restart was requested; it takes effect with the player's next run request. */
  restart(userId: UserId, failures: number, gameTime: number): void;
  /** A throttled notification for the player (stored by the storage port when it can). */
  notify(userId: UserId, message: string, groupIntervalMs: number): void;
}

/** The message of the `watchdog` notification; it never carries player code or Memory. */
export function watchdogMessage(failures: number): string {
  return `Your script failed ${failures} ticks in a row; its virtual machine was restarted (global reset).`;
}

/**
 * Counts consecutive failing ticks per player (`isFailure`). At the threshold it asks for a cold
 * restart: the next run request of that player carries `coldStart: 'watchdog'`, which makes its worker
 * dispose the isolate and build a new one before the tick runs. (The C# port's restart did nothing,
 * since it created a fresh engine on every call anyway: screepsdotnet-d8 section 0, item 2.)
 *
 * Only an `ok` tick resets the count; skipped and noCode ticks leave it as it is.
 */
export class Watchdog {
  readonly #settings: WatchdogSettings;
  readonly #hooks: WatchdogHooks;
  readonly #clock: () => number;
  readonly #failures = new Map<UserId, number>();
  readonly #restart = new Set<UserId>();
  readonly #lastNotified = new Map<UserId, number>();

  constructor(settings: WatchdogSettings, hooks: WatchdogHooks) {
    this.#settings = settings;
    this.#hooks = hooks;
    this.#clock = settings.clock ?? Date.now;
  }

  record(userId: UserId, outcome: OutcomeKind, gameTime: number): void {
    if (outcome === 'ok') {
      this.#failures.delete(userId);
      return;
    }
    if (!isFailure(outcome) || this.#settings.threshold === 0) return;
    const failures = (this.#failures.get(userId) ?? 0) + 1;
    if (failures < this.#settings.threshold) {
      this.#failures.set(userId, failures);
      return;
    }
    // Restart, then count afresh: a script that keeps failing is restarted every `threshold` ticks.
    this.#failures.delete(userId);
    this.#restart.add(userId);
    this.#hooks.restart(userId, failures, gameTime);
    const now = this.#clock();
    const last = this.#lastNotified.get(userId);
    if (last === undefined || now - last >= this.#settings.notifyCooldownMs) {
      this.#lastNotified.set(userId, now);
      this.#hooks.notify(userId, watchdogMessage(failures), this.#settings.notifyGroupMs);
    }
  }

  /** Consumes a pending restart: called only when the player's run request is really being built. */
  takeColdStart(userId: UserId): ColdStartReason | undefined {
    return this.#restart.delete(userId) ? 'watchdog' : undefined;
  }

  failures(userId: UserId): number {
    return this.#failures.get(userId) ?? 0;
  }
}
