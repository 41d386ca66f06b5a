/**
 * The only importer of ioredis in the queue room: connections and Lua scripts.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

export type RedisClient = Redis;

/**
 * Opens a connection. Commands fail fast while Redis is down (no unbounded offline queue), and the
 * connection retries in the background; a runner whose Redis is gone stops taking work and its leases
 * expire, so other runners take its players.
 */
export function createRedisClient(url: string, name: string): RedisClient {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  });
}

/** Connects and pings; resolves with the server version, rejects when Redis is unreachable. */
export async function connectRedis(client: RedisClient): Promise<string> {
  if (client.status === 'wait') await client.connect();
  await client.ping();
  const info = await client.info('server');
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}

/** A Lua script run by SHA, loaded on first use and again after a server restart (NOSCRIPT). */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 0, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#source, 0, ...args);
    }
  }
}

/** A subscriber connection that counts messages per channel, so a waiter never misses a wake-up. */
export class Doorbell {
  readonly #client: RedisClient;
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(url: string, name: string) {
    this.#client = createRedisClient(url, name);
    this.#client.on('message', (channel: string) => {
      this.#counts.set(channel, (this.#counts.get(channel) ?? 0) + 1);
      for (const wake of [...(this.#waiters.get(channel) ?? [])]) wake();
    });
    // Errors are retried by the connection; a missed message is covered by the waiter's timeout.
    this.#client.on('error', () => undefined);
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    await connectRedis(this.#client);
    await this.#client.subscribe(...channels);
  }

  /** Messages seen on a channel so far. */
  count(channel: string): number {
    return this.#counts.get(channel) ?? 0;
  }

  /** Resolves when a message on `channel` arrives after `since` (a `count` taken earlier), or after `timeoutMs`. */
  wait(channel: string, since: number, timeoutMs: number, signal?: { stopped: boolean; wake?: () => void }): Promise<void> {
    if (this.count(channel) !== since) return Promise.resolve();
    const waiters = this.#waiters.get(channel) ?? new Set<() => void>();
    this.#waiters.set(channel, waiters);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        if (signal) delete signal.wake;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
      if (signal) signal.wake = done;
    });
  }

  async close(): Promise<void> {
    for (const waiters of this.#waiters.values()) for (const wake of [...waiters]) wake();
    this.#client.disconnect();
  }
}
