import type { ResolvedQueueOptions } from '../options.js';
import type { UserId } from '../shared/ids.js';
import type { ColdStartReason } from '../shared/outcome.js';
import type { FetchedBatch, UsersQueue } from './users-queue.js';

/** What a runner needs from the kernel: `Runtime.runPlayers` (load, run, persist, publish, telemetry). */
export interface PlayerBatchRunner {
  runPlayers(
    gameTime: number,
    userIds: readonly UserId[],
    options: { readonly coldStart?: ReadonlyMap<UserId, ColdStartReason> },
  ): Promise<{ readonly results: readonly { readonly userId: UserId; readonly committed: boolean; readonly coldStart: string | null }[] }>;
}

export interface RunnerSettings extends ResolvedQueueOptions {
  /** This runner's id in Redis: unique per live process (e.g. `<host>:<pid>`). */
  readonly runnerId: string;
  /** Worker threads of its pool: batches are `poolSize * fetchPerWorker` players. */
  readonly poolSize: number;
}

export interface QueueRunnerHooks {
  /** A batch was taken from the queue (awaited before it runs). */
  fetched?(batch: FetchedBatch): void | Promise<void>;
  /** A batch ran and its results settled in storage (awaited before `markDone`). */
  ran?(batch: FetchedBatch, committed: number): void | Promise<void>;
  /** Leases this runner lost (it was presumed dead); another runner may run these players. */
  leaseLost?(userIds: readonly UserId[]): void;
  /** Redis or the kernel failed; the runner keeps going and its leases cover the players. */
  error?(error: unknown, stage: string): void;
}

export interface RunnerStats {
  batches: number;
  players: number;
  /** Players that came from another runner (fresh isolate, reason `movedRunner`). */
  moved: number;
  /** Players handed back unrun because `stop()` arrived while their fetch was on its way. */
  released: number;
}

/**
 * A runner process's loop (spec 1.1, F2, F52): fetch a batch sized to the pool, run it through the
 * kernel, persist, mark done; heartbeat the leases meanwhile. `stop()` stops fetching; the batch in
 * flight finishes and is marked done, then the runner hands its own list back and leaves.
 */
export class QueueRunner {
  readonly #queue: UsersQueue;
  readonly #kernel: PlayerBatchRunner;
  readonly #settings: RunnerSettings;
  readonly #hooks: QueueRunnerHooks;
  readonly #signal: { stopped: boolean; wake?: () => void } = { stopped: false };
  readonly stats: RunnerStats = { batches: 0, players: 0, moved: 0, released: 0 };
  #inFlight: readonly UserId[] = [];
  #loop: Promise<void> | null = null;

  constructor(queue: UsersQueue, kernel: PlayerBatchRunner, settings: RunnerSettings, hooks: QueueRunnerHooks = {}) {
    this.#queue = queue;
    this.#kernel = kernel;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  /** Starts the loop; the promise settles when the runner has stopped and left the queue. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  /** Stops fetching; resolves once the batch in flight is done and the runner left the queue. */
  stop(): Promise<void> {
    this.#signal.stopped = true;
    this.#signal.wake?.();
    return this.#loop ?? Promise.resolve();
  }

  get stopping(): boolean {
    return this.#signal.stopped;
  }

  async #run(): Promise<void> {
    const { runnerId, leaseMs, stealDelayMs } = this.#settings;
    const fetchSize = this.#settings.poolSize * this.#settings.fetchPerWorker;
    // Idle: wake on the add channel, or when stealing may become allowed, and reap dead runners' work
    // (so a dead runner's players move on even under an official main loop, which never reaps).
    const idleMs = Math.max(25, Math.min(stealDelayMs || leaseMs / 4, leaseMs / 4));
    const beat = setInterval(() => void this.#heartbeat(), Math.max(10, Math.floor(leaseMs / 4)));
    beat.unref();
    // The last batch that ran, not yet marked done: marked in the same round trip as the next fetch.
    let ran: FetchedBatch | null = null;
    try {
      await this.#heartbeat();
      while (!this.#signal.stopped) {
        const seen = this.#queue.seen(this.#queue.keys.addChannel);
        let batch: FetchedBatch | null;
        try {
          const next = await this.#queue.markDoneAndFetch(runnerId, ran, fetchSize, leaseMs, stealDelayMs);
          if (ran !== null) this.#settle(ran, next.lost);
          ran = null;
          batch = next.batch;
        } catch (error) {
          this.#hooks.error?.(error, 'fetch');
          await new Promise((resolve) => setTimeout(resolve, idleMs));
          continue;
        }
        if (batch === null) {
          await this.#queue.waitFor(this.#queue.keys.addChannel, seen, idleMs, this.#signal);
          if (this.#queue.seen(this.#queue.keys.addChannel) === seen) await this.#queue.reap().catch((e: unknown) => this.#hooks.error?.(e, 'reap'));
          continue;
        }
        if (this.#signal.stopped) {
          // Stop arrived while this fetch was on its way: stop means stop fetching (F52), so the
          // batch goes straight back to the others instead of waiting for its leases to expire.
          await this.#queue.release(runnerId, batch.userIds).catch((e: unknown) => this.#hooks.error?.(e, 'release'));
          this.stats.released += batch.userIds.length;
          break;
        }
        if (await this.#runBatch(batch)) ran = batch;
      }
      if (ran !== null) this.#settle(ran, await this.#queue.markDone(runnerId, ran.gameTime, ran.userIds));
    } catch (error) {
      this.#hooks.error?.(error, 'markDone');
    } finally {
      clearInterval(beat);
      await this.#queue.leave(runnerId).catch((e: unknown) => this.#hooks.error?.(e, 'leave'));
    }
  }

  /** Runs one batch; true when it ran and its results settled in storage (so it may be marked done). */
  async #runBatch(batch: FetchedBatch): Promise<boolean> {
    this.#inFlight = batch.userIds;
    await this.#hook('fetched', () => this.#hooks.fetched?.(batch));
    const coldStart = new Map<UserId, ColdStartReason>();
    for (const userId of batch.movedFrom.keys()) coldStart.set(userId, 'movedRunner');
    let committed = 0;
    try {
      const report = await this.#kernel.runPlayers(batch.gameTime, batch.userIds, { coldStart });
      for (const r of report.results) if (r.committed) committed++;
    } catch (error) {
      // Not marked done: the leases expire and another runner re-runs these players this tick.
      this.#inFlight = [];
      this.#hooks.error?.(error, 'run');
      return false;
    }
    // F2: marked done only after every save settled (runPlayers resolves after its commits). The
    // leases stay renewed until the mark lands with the next fetch.
    await this.#hook('ran', () => this.#hooks.ran?.(batch, committed));
    return true;
  }

  /** A throwing hook is reported, never allowed to stop the loop or lose the batch. */
  async #hook(stage: string, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#hooks.error?.(error, stage);
    }
  }

  #settle(batch: FetchedBatch, lost: number): void {
    this.#inFlight = [];
    this.stats.batches++;
    this.stats.players += batch.userIds.length;
    this.stats.moved += batch.movedFrom.size;
    if (lost > 0) this.#hooks.error?.(new Error(`${lost} players of this batch had been re-queued before it was marked done`), 'markDone');
  }

  async #heartbeat(): Promise<void> {
    try {
      const held = this.#inFlight;
      const lost = await this.#queue.heartbeat(this.#settings.runnerId, this.#settings.leaseMs, held);
      // Only players still held when the answer came: a batch marked done meanwhile is not lost.
      const stillHeld = lost.filter((id) => this.#inFlight.includes(id));
      if (stillHeld.length > 0) this.#hooks.leaseLost?.(stillHeld);
    } catch (error) {
      this.#hooks.error?.(error, 'heartbeat');
    }
  }
}
