/**
 * The only importer of ioredis. A small facade over one connection configured for the tick path (R27,
 * R28): no offline queue (a command while disconnected fails at once instead of piling up), at most one
 * retry per request, a bounded command timeout, no auto-pipelining, RESP2 reply shapes; reconnection goes
 * on in the background so the store recovers when Redis returns.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { COMMIT_SCRIPT } from './commit-script.js';

export interface RedisLinkOptions {
  readonly url: string;
  /** Prefix of every key this adapter touches ('' = screepsmod-mongo's exact key names). */
  readonly keyPrefix: string;
  /** Bound on each command, ms. */
  readonly commandTimeoutMs: number;
}

/** One reply of a pipelined command: the value, or the error of that command alone. */
export type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** What a batched read asks for; each entry becomes one pipelined command. */
export type ReadOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'hmget'; readonly key: string; readonly fields: readonly string[] }
  | { readonly op: 'hget'; readonly key: string; readonly field: string }
  | { readonly op: 'hgetall'; readonly key: string }
  /** The server's clock (`TIME`), as ms since the epoch. */
  | { readonly op: 'time' };


/** Host and port of a Redis URL, without credentials (for error messages). */
function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured URL';
  }
}

function connectionOptions(options: RedisLinkOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    enableAutoPipelining: false,
    // Reconnect in the background forever, at most every 2 s.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  };
}

export class RedisLink {
  readonly prefix: string;
  readonly #redis: Redis;
  readonly #options: RedisLinkOptions;
  readonly #subscribers = new Set<Redis>();

  private constructor(options: RedisLinkOptions) {
    this.prefix = options.keyPrefix;
    this.#options = options;
    const redis = new Redis(options.url, connectionOptions(options));
    redis.defineCommand('kernelCommit', { numberOfKeys: 0, lua: COMMIT_SCRIPT });
    // Connection errors surface as failed commands; the 'error' event must have a listener or Node throws.
    redis.on('error', () => {});
    this.#redis = redis;
  }

  static async connect(options: RedisLinkOptions): Promise<RedisLink> {
    const link = new RedisLink(options);
    let cause: unknown;
    const remember = (error: unknown) => (cause = error);
    link.#redis.on('error', remember);
    try {
      await link.#redis.connect();
    } catch (error) {
      // Without this the client keeps reconnecting in the background and keeps the process alive.
      link.#redis.disconnect();
      // ioredis rejects with "Connection is closed."; the socket's own error says why.
      const why = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
      throw new Error(`cannot connect to Redis at ${redisAddress(options.url)}: ${why}`, { cause: cause ?? error });
    } finally {
      link.#redis.off('error', remember);
    }
    return link;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  /** Runs reads in one pipeline (one round trip); a failure of one command fails only that reply. */
  async read(ops: readonly ReadOp[]): Promise<Reply[]> {
    if (ops.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const o of ops) {
      switch (o.op) {
        case 'get':
          pipeline.get(o.key);
          break;
        case 'hmget':
          pipeline.hmget(o.key, ...o.fields);
          break;
        case 'hget':
          pipeline.hget(o.key, o.field);
          break;
        case 'hgetall':
          pipeline.hgetall(o.key);
          break;
        case 'time':
          pipeline.time();
          break;
        default: {
          const never: never = o;
          throw new Error(`unknown read ${JSON.stringify(never)}`);
        }
      }
    }
    return toReplies(await pipeline.exec(), ops.length).map((reply, i) =>
      ops[i]!.op === 'time' && reply.ok ? { ok: true, value: serverTimeMs(reply.value) } : reply,
    );
  }

  /** The bound on each command, ms: a command not answered by then is reported failed. */
  get commandTimeoutMs(): number {
    return this.#options.commandTimeoutMs;
  }

  /**
   * Runs one atomic commit script per player (see commit-script.ts), all in one pipeline. Each reply is 'ok', 'duplicate',
   * 'stale' or 'expired', or the error of that player's script. A script the server starts after `deadlineMs`
   * (server clock, ms since the epoch) changes nothing and answers 'expired'.
   */
  async commit(items: readonly { readonly userId: string; readonly tick: number; readonly ops: readonly string[] }[], deadlineMs: number): Promise<Reply[]> {
    if (items.length === 0) return [];
    const pipeline = this.#redis.pipeline() as ReturnType<Redis['pipeline']> & {
      kernelCommit(...args: string[]): unknown;
    };
    for (const i of items) {
      pipeline.kernelCommit(this.prefix, i.userId, String(i.tick), String(Math.floor(deadlineMs)), ...i.ops);
    }
    return toReplies(await pipeline.exec(), items.length);
  }

  // ---- host side: seeding, inspection, pub/sub ----

  async set(key: string, value: string): Promise<void> {
    await this.#redis.set(key, value);
  }
  async mset(values: Record<string, string>): Promise<void> {
    if (Object.keys(values).length > 0) await this.#redis.mset(values);
  }
  async hdel(key: string, fields: readonly string[]): Promise<void> {
    for (let i = 0; i < fields.length; i += 1000) await this.#redis.hdel(key, ...fields.slice(i, i + 1000));
  }
  async del(key: string): Promise<void> {
    await this.#redis.del(key);
  }
  async hset(key: string, values: Record<string, string>): Promise<void> {
    if (Object.keys(values).length > 0) await this.#redis.hset(key, values);
  }
  async get(key: string): Promise<string | null> {
    return this.#redis.get(key);
  }
  async hgetall(key: string): Promise<Record<string, string>> {
    return this.#redis.hgetall(key);
  }
  async smembers(key: string): Promise<string[]> {
    return this.#redis.smembers(key);
  }

  /** Every key under this adapter's prefix with its type and value, sorted (for replay checks and tools). */
  async dump(): Promise<Record<string, unknown>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.scan(cursor, 'MATCH', `${escapeGlob(this.prefix)}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const out: Record<string, unknown> = {};
    for (const key of keys.sort()) {
      const type = await this.#redis.type(key);
      if (type === 'string') out[key] = await this.#redis.get(key);
      else if (type === 'hash') out[key] = await this.#redis.hgetall(key);
      else if (type === 'set') out[key] = (await this.#redis.smembers(key)).sort();
      else out[key] = type;
    }
    return out;
  }

  /** Deletes every key under this adapter's prefix (tests and the seed tool only; refuses an empty prefix). */
  async deleteAll(): Promise<void> {
    if (this.prefix === '') throw new Error('refusing to delete every key of a Redis database without a key prefix');
    const keys = Object.keys(await this.dump());
    for (let i = 0; i < keys.length; i += 500) await this.#redis.del(...keys.slice(i, i + 500));
  }

  /** Subscribes on a separate connection (a subscribed connection can do nothing else). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const sub = new Redis(this.#options.url, { ...connectionOptions(this.#options), enableOfflineQueue: true });
    sub.on('error', () => {});
    this.#subscribers.add(sub);
    await sub.connect();
    sub.on('message', (ch: string, message: string) => {
      if (ch === channel) listener(message);
    });
    await sub.subscribe(channel);
    return async () => {
      this.#subscribers.delete(sub);
      sub.disconnect();
    };
  }

  async close(): Promise<void> {
    for (const sub of this.#subscribers) sub.disconnect();
    this.#subscribers.clear();
    this.#redis.disconnect();
  }
}

function toReplies(results: [Error | null, unknown][] | null, expected: number): Reply[] {
  if (results === null) return Array.from({ length: expected }, () => ({ ok: false, error: 'Redis pipeline was discarded' }));
  return results.map(([error, value]) => (error ? { ok: false, error: error.message } : { ok: true, value }));
}

/** `TIME`'s reply ([seconds, microseconds]) as ms since the epoch. */
function serverTimeMs(value: unknown): number {
  const [seconds, micros] = value as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
