import { parseUserId, type UserId } from '../shared/ids.js';
import { queueKeys, USERS_QUEUE, type QueueKeys } from './keys.js';
import { connectRedis, createRedisClient, Doorbell, type RedisClient } from './redis-client.js';
import { COUNT, ENQUEUE, FETCH, HEARTBEAT, LEAVE, MARK_DONE, REAP, RELEASE, RESET } from './scripts.js';

/** Players a runner took from the queue for one tick. */
export interface FetchedBatch {
  readonly gameTime: number;
  readonly userIds: readonly UserId[];
  /** Players that last ran in another runner (their warm isolate is there), with that runner's id. */
  readonly movedFrom: ReadonlyMap<UserId, string>;
}

export interface ResetReport {
  /** Still queued: they do not run this tick (F3). */
  readonly notFetched: readonly UserId[];
  /** A runner was running them; their results may still be committed. */
  readonly inFlight: readonly UserId[];
}

const RUNNER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The shared users queue on Redis, compatible with screepsmod-mongo's (`usersIvmPending` /
 * `usersIvmProcessing`, `queue_usersIvm_add|done`, `queueDone:usersIvm`; spec 1.0, 1.1, F1-F3), plus
 * leases (a dead runner's players are re-queued within the tick), per-tick done sets (a player done
 * this tick is never handed out again) and per-runner lists (a player stays in the runner that holds
 * its warm isolate). One instance per process; `close()` it.
 */
export class UsersQueue implements AsyncDisposable {
  readonly name: string;
  readonly keys: QueueKeys;
  readonly #url: string;
  readonly #redis: RedisClient;
  #doorbell: Doorbell | null = null;

  constructor(url: string, name: string = USERS_QUEUE) {
    this.keys = queueKeys(name);
    this.name = name;
    this.#url = url;
    this.#redis = createRedisClient(url, `${name}-queue`);
    this.#redis.on('error', () => undefined);
  }

  /** Connects (and subscribes to the queue's channels); returns the Redis server version. */
  async connect(): Promise<string> {
    const version = await connectRedis(this.#redis);
    this.#doorbell = new Doorbell(this.#url, `${this.name}-doorbell`);
    await this.#doorbell.subscribe([this.keys.addChannel, this.keys.doneChannel]);
    return version;
  }

  /**
   * Main loop: queues the tick's players in the given order (F1: `lastUsedDirtyTime` descending; the
   * first is fetched first). A player whose last runner is alive goes to that runner's own list.
   * Returns how many went to the shared list.
   */
  async addMulti(gameTime: number, userIds: readonly UserId[]): Promise<number> {
    return Number(await ENQUEUE.run(this.#redis, [this.name, gameTime, ...userIds]));
  }

  /** Runner: takes up to `max` players atomically (pending -> processing, leased to `runnerId`). */
  async fetch(runnerId: string, max: number, leaseMs: number, stealDelayMs: number): Promise<FetchedBatch | null> {
    return (await this.markDoneAndFetch(runnerId, null, max, leaseMs, stealDelayMs)).batch;
  }

  /**
   * Runner: `markDone(done)` and `fetch` in one atomic round trip (the runner's steady state). Returns
   * the next batch and how many of the done players' leases this runner had lost.
   */
  async markDoneAndFetch(
    runnerId: string,
    done: { readonly gameTime: number; readonly userIds: readonly UserId[] } | null,
    max: number,
    leaseMs: number,
    stealDelayMs: number,
  ): Promise<{ batch: FetchedBatch | null; lost: number }> {
    checkRunnerId(runnerId);
    const doneArgs = done === null || done.userIds.length === 0 ? [''] : [done.gameTime, ...done.userIds];
    const out = (await FETCH.run(this.#redis, [this.name, runnerId, max, leaseMs, stealDelayMs, ...doneArgs])) as (string | number)[];
    const lost = Number(out[1] ?? 0);
    if (out[0] === '' || out[0] === undefined || out.length < 4) return { batch: null, lost };
    const gameTime = Number(out[0]);
    const userIds: UserId[] = [];
    const movedFrom = new Map<UserId, string>();
    for (let i = 2; i + 1 < out.length; i += 2) {
      const id = parseUserId(out[i]);
      if (userIds.includes(id)) continue;
      userIds.push(id);
      const previous = String(out[i + 1]);
      if (previous !== '' && previous !== runnerId) movedFrom.set(id, previous);
    }
    return { batch: { gameTime, userIds, movedFrom }, lost };
  }

  /** Runner: the players' tick is over (after every save settled, F2). Returns leases lost meanwhile. */
  async markDone(runnerId: string, gameTime: number, userIds: readonly UserId[]): Promise<number> {
    if (userIds.length === 0) return 0;
    return Number(await MARK_DONE.run(this.#redis, [this.name, runnerId, gameTime, ...userIds]));
  }

  /** Runner: renews its liveness and the leases of the players it is running; returns those it lost. */
  async heartbeat(runnerId: string, leaseMs: number, userIds: readonly UserId[]): Promise<UserId[]> {
    const lost = (await HEARTBEAT.run(this.#redis, [this.name, runnerId, leaseMs, ...userIds])) as string[];
    return lost.map((id) => parseUserId(id));
  }

  /** Runner: hands players it fetched but will not run back to the front of the shared list. */
  async release(runnerId: string, userIds: readonly UserId[]): Promise<number> {
    if (userIds.length === 0) return 0;
    return Number(await RELEASE.run(this.#redis, [this.name, runnerId, ...userIds]));
  }

  /** Runner: leaves the registry and hands its own list to the others (a clean shutdown). */
  async leave(runnerId: string): Promise<number> {
    return Number(await LEAVE.run(this.#redis, [this.name, runnerId]));
  }

  /** Re-queues players whose lease expired (their runner died) and dead runners' lists. Any process may call it. */
  async reap(): Promise<number> {
    return Number(await REAP.run(this.#redis, [this.name]));
  }

  /** Players queued or in flight. */
  async size(): Promise<number> {
    return Number(await COUNT.run(this.#redis, [this.name]));
  }

  /**
   * Main loop: resolves true once nothing is queued or in flight (then publishes `queueDone:<name>`,
   * as the official one does), or false after `timeoutMs`. Reaps expired leases while it waits.
   */
  async whenAllDone(timeoutMs: number, checkEveryMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    let reapedAt = -Infinity;
    for (;;) {
      const seen = this.#doorbell?.count(this.keys.doneChannel) ?? 0;
      // Reap on the check interval, not on every done message (a tick has many).
      if (performance.now() - reapedAt >= checkEveryMs) {
        reapedAt = performance.now();
        await this.reap();
      }
      if ((await this.size()) === 0) {
        await this.#redis.publish(this.keys.drainedChannel, '1');
        return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.waitFor(this.keys.doneChannel, seen, Math.min(left, checkEveryMs));
    }
  }

  /** Waits for a message on one of the queue's channels after `since` (a `seen()` count), or the timeout. */
  waitFor(channel: string, since: number, timeoutMs: number, signal?: { stopped: boolean; wake?: () => void }): Promise<void> {
    if (this.#doorbell === null) return new Promise((resolve) => setTimeout(resolve, timeoutMs));
    return this.#doorbell.wait(channel, since, timeoutMs, signal);
  }

  /** Messages seen so far on a channel of this queue. */
  seen(channel: string): number {
    return this.#doorbell?.count(channel) ?? 0;
  }

  /** Empties the queue (official `reset`): returns who will not run and who was still running. */
  async reset(): Promise<ResetReport> {
    return this.#reset(false);
  }

  /** `reset()` and forgets affinity, the runner registry and the tick: a fresh start for this queue. */
  async resetAll(): Promise<ResetReport> {
    return this.#reset(true);
  }

  async #reset(forget: boolean): Promise<ResetReport> {
    const [notFetched, inFlight] = (await RESET.run(this.#redis, [this.name, forget ? '1' : '0'])) as [string[], string[]];
    return { notFetched: notFetched.map((id) => parseUserId(id)), inFlight: inFlight.map((id) => parseUserId(id)) };
  }

  async close(): Promise<void> {
    await this.#doorbell?.close();
    this.#doorbell = null;
    this.#redis.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkRunnerId(runnerId: string): void {
  if (!RUNNER_ID.test(runnerId)) throw new TypeError(`Invalid runner id ${JSON.stringify(runnerId)}: expected 1-64 characters of [A-Za-z0-9_.:-]`);
}
