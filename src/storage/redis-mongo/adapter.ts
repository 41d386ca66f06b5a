import { InvalidOptionError } from '../../errors.js';
import type { UserId } from '../../shared/ids.js';
import type { CodeRecord, CommitReport, LoadRequest, LoadResult, StoragePort, TickCommit } from '../port.js';
import { RedisMongoAdmin } from './admin.js';
import { commitBatch } from './commit.js';
import { codeRecord, loadBatch, type KnownHashes } from './load.js';
import { Collections, MongoLink } from './mongo.js';
import { RedisLink } from './redis.js';

export interface RedisMongoOptions {
  /** `redis://host:port/db`. */
  readonly redisUrl: string;
  /** `mongodb://host:port/database`. */
  readonly mongoUrl: string;
  /** Overrides the database named in `mongoUrl` (tests use a unique one per run). @default the URL's path, else 'screeps' */
  readonly mongoDatabase?: string;
  /** Prefix of every Redis key (tests use a unique one per run). @default '' (screepsmod-mongo's exact keys) */
  readonly redisKeyPrefix?: string;
  /** This shard's name: the field of `interShardSegment:<id>` this shard writes. @default 'shard0' */
  readonly shardName?: string;
  /** Bound on each Redis command and on Mongo server selection / queries, in ms. @default 2000 */
  readonly timeoutMs?: number;
  /** Wall clock used for notification dates (F47). @default Date.now */
  readonly clock?: () => number;
}

/**
 * The production store in screepsmod-mongo's layout (spec 5.1): Redis for Memory, segments, room intents,
 * visuals and pub/sub; MongoDB (or FerretDB) for users, code, console, notifications, global intents.
 * Loads and commits are batched (one Redis pipeline and one query or bulk per collection per batch) and
 * commits are idempotent per (player, tick). `admin` is the host's side: seeding and inspection.
 */
export class RedisMongoStorage implements StoragePort {
  readonly shardName: string;
  readonly admin: RedisMongoAdmin;
  readonly #redis: RedisLink;
  readonly #mongo: MongoLink;
  readonly #clock: () => number;
  readonly #known: KnownHashes = new Map();

  private constructor(redis: RedisLink, mongo: MongoLink, shardName: string, clock: () => number) {
    this.#redis = redis;
    this.#mongo = mongo;
    this.shardName = shardName;
    this.#clock = clock;
    this.admin = new RedisMongoAdmin(redis, mongo, shardName, clock);
  }

  static async connect(options: RedisMongoOptions): Promise<RedisMongoStorage> {
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new InvalidOptionError('timeoutMs', timeoutMs, 'a positive integer of ms');
    const prefix = options.redisKeyPrefix ?? '';
    if (/[\s*?[\]]/.test(prefix)) throw new InvalidOptionError('redisKeyPrefix', prefix, 'no spaces or glob characters');
    const redis = await RedisLink.connect({ url: options.redisUrl, keyPrefix: prefix, commandTimeoutMs: timeoutMs });
    let mongo: MongoLink;
    try {
      mongo = await MongoLink.connect({ url: options.mongoUrl, timeoutMs, ...(options.mongoDatabase !== undefined ? { database: options.mongoDatabase } : {}) });
    } catch (error) {
      await redis.close();
      throw error;
    }
    return new RedisMongoStorage(redis, mongo, options.shardName ?? 'shard0', options.clock ?? Date.now);
  }

  /** F1: `active != 0 && cpu > 0`, by `lastUsedDirtyTime` descending. */
  async activeUsers(): Promise<UserId[]> {
    const docs = await this.#mongo.find(Collections.users, { active: { $ne: 0 }, cpu: { $gt: 0 } }, { projection: { _id: 1, lastUsedDirtyTime: 1 } });
    // Sorted here, not by the server: equal times keep a stable order and a missing field counts as 0.
    return docs
      .map((d) => ({ id: String(d._id) as UserId, t: typeof d.lastUsedDirtyTime === 'number' ? d.lastUsedDirtyTime : 0 }))
      .sort((a, b) => b.t - a.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((d) => d.id);
  }

  loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>> {
    return loadBatch(this.#redis, this.#mongo, this.shardName, this.#known, requests);
  }

  async loadCode(userId: UserId): Promise<CodeRecord | null> {
    const [doc] = await this.#mongo.find(Collections.code, { user: userId, activeWorld: true });
    const code = codeRecord(userId, doc, undefined, this.#known);
    return typeof code === 'string' ? null : code;
  }

  async commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    try {
      return await commitBatch(this.#redis, this.#mongo, this.shardName, this.#clock(), commits);
    } catch (error) {
      // A bug, not a store fault; still never thrown at the coordinator, which re-runs failed players.
      return { committed: [], duplicates: [], stale: [], failed: commits.map((c) => ({ userId: c.userId, error: `commit failed: ${String(error)}` })) };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#redis.close();
    await this.#mongo.close();
  }
}
