import type { UserId } from '../shared/ids.js';
import type { ResolvedQueueOptions } from '../options.js';
import type { UsersQueue } from './users-queue.js';

/** What the main loop needs from storage: the tick's players in F1 order. */
export interface ActiveUsersSource {
  activeUsers(): Promise<UserId[]>;
}

/** The users stage of one tick, seen from the main loop. */
export interface QueueTickReport {
  readonly gameTime: number;
  /** Players queued this tick. */
  readonly players: number;
  /** True when every player was done before the reset interval. */
  readonly completed: boolean;
  /** Players never fetched before the reset: they did not run this tick (F3). */
  readonly notRun: readonly UserId[];
  /** Players a runner was still running at the reset: they may still be committed (fenced by tick). */
  readonly unfinished: readonly UserId[];
  readonly durationMs: number;
}

export interface QueueTickHooks {
  /** The official `Main loop reset! Stage:` log line (F3), with who did not run. */
  reset?(report: QueueTickReport): void;
}

/**
 * The main loop's side of the shared queue: enqueue the tick's active players, wait until runners
 * drained the queue, and after the official reset interval (F3, 5 s) reset it and report who did not
 * run. Runs in a process without isolates.
 */
export class QueueTickCoordinator {
  readonly #queue: UsersQueue;
  readonly #users: ActiveUsersSource;
  readonly #options: ResolvedQueueOptions;
  readonly #hooks: QueueTickHooks;

  constructor(queue: UsersQueue, users: ActiveUsersSource, options: ResolvedQueueOptions, hooks: QueueTickHooks = {}) {
    this.#queue = queue;
    this.#users = users;
    this.#options = options;
    this.#hooks = hooks;
  }

  async runTick(gameTime: number): Promise<QueueTickReport> {
    const started = performance.now();
    const userIds = await this.#users.activeUsers();
    await this.#queue.addMulti(gameTime, userIds);
    // Reaping often enough that a dead runner's players are re-run within the same tick (lease + check).
    const checkEveryMs = Math.max(10, Math.floor(this.#options.leaseMs / 4));
    const completed = await this.#queue.whenAllDone(this.#options.resetIntervalMs, checkEveryMs);
    let notRun: readonly UserId[] = [];
    let unfinished: readonly UserId[] = [];
    if (!completed) ({ notFetched: notRun, inFlight: unfinished } = await this.#queue.reset());
    const report: QueueTickReport = { gameTime, players: userIds.length, completed, notRun, unfinished, durationMs: performance.now() - started };
    if (!completed) this.#hooks.reset?.(report);
    return report;
  }
}
