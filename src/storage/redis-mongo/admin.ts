import { parseUserId, type Modules, type UserId } from '../../shared/ids.js';
import type { UserRecord } from '../port.js';
import { decodeUser, encodeModules, parsePublicSegments } from './codec.js';
import { Collections, docId, newObjectId, type Doc, type MongoLink } from './mongo.js';
import type { RedisLink } from './redis.js';

/** A user to create, as the official server's registration would (spec 5.1 `users`). */
export interface RedisMongoSeedUser {
  readonly id: string;
  readonly username?: string;
  readonly cpu?: number;
  readonly cpuAvailable?: number;
  readonly active?: boolean;
  readonly lastUsedDirtyTime?: number;
  readonly modules?: Modules;
  readonly memory?: string;
}

/**
 * The host's side of the Redis + MongoDB store: what the backend does (registration, code upload, console
 * input) and reads for tests and tools. Not on the tick path; not batched.
 */
export class RedisMongoAdmin {
  readonly #redis: RedisLink;
  readonly #mongo: MongoLink;
  readonly #shardName: string;
  readonly #clock: () => number;

  constructor(redis: RedisLink, mongo: MongoLink, shardName: string, clock: () => number) {
    this.#redis = redis;
    this.#mongo = mongo;
    this.#shardName = shardName;
    this.#clock = clock;
  }

  /** Creates or replaces users in one bulk per store; new users start at `cpu: 100, cpuAvailable: 0`. */
  async addUsers(seeds: readonly RedisMongoSeedUser[]): Promise<UserId[]> {
    const ids = seeds.map((s) => parseUserId(s.id));
    // Replace, not merge: delete then one insertMany (a bulk of upserts is slow on FerretDB).
    await this.#mongo.bulk(Collections.users, [{ deleteMany: { filter: { _id: { $in: ids.map(docId) } } } }], false);
    await this.#mongo.insertMany(
      Collections.users,
      seeds.map((s, i) => ({
        _id: docId(ids[i]!),
        username: s.username ?? `user${s.id}`,
        cpu: s.cpu ?? 100,
        cpuAvailable: s.cpuAvailable ?? 0,
        active: s.active === false ? 0 : 10000,
        lastUsedCpu: 0,
        lastUsedDirtyTime: s.lastUsedDirtyTime ?? 0,
        skipTicksPenalty: 0,
        activeSegments: [],
        notifyPrefs: {},
      })),
    );
    const withCode = seeds.flatMap((s, i) => (s.modules ? [{ id: ids[i]!, modules: s.modules }] : []));
    if (withCode.length > 0) {
      await this.#mongo.bulk(Collections.code, [{ deleteMany: { filter: { user: { $in: withCode.map((c) => c.id) } } } }], false);
      const timestamp = this.#clock();
      await this.#mongo.insertMany(
        Collections.code,
        withCode.map((c) => ({ user: c.id, branch: 'default', modules: encodeModules(c.modules), timestamp, activeWorld: true, activeSim: true })),
      );
    }
    const memory: Record<string, string> = {};
    for (const [i, s] of seeds.entries()) if (s.memory !== undefined) memory[this.#redis.key(`memory:${ids[i]!}`)] = s.memory;
    await this.#redis.mset(memory);
    // A (re)created user starts without a committed tick, so a new game may count ticks from 1 again.
    await this.#redis.hdel(this.#redis.key('kernel:committedTick'), ids);
    return ids;
  }

  async addUser(seed: RedisMongoSeedUser): Promise<UserId> {
    return (await this.addUsers([seed]))[0]!;
  }

  /** Uploads code like `POST /api/user/code`: one active `users.code` doc, strictly increasing timestamp. */
  async setCode(userId: UserId, modules: Modules, timestamp?: number): Promise<void> {
    const [previous] = await this.#mongo.find(Collections.code, { user: userId, activeWorld: true }, { projection: { timestamp: 1 } });
    const ts = timestamp ?? Math.max(this.#clock(), (typeof previous?.timestamp === 'number' ? previous.timestamp : 0) + 1);
    await this.#mongo.updateOne(
      Collections.code,
      { user: userId, branch: 'default' },
      { $set: { modules: encodeModules(modules), timestamp: ts, activeWorld: true, activeSim: true } },
      true,
    );
  }

  /** Writes a raw code document's fields (tests of malformed data). */
  async setRawCode(userId: UserId, fields: Doc): Promise<void> {
    await this.#mongo.updateOne(Collections.code, { user: userId, branch: 'default' }, { $set: { activeWorld: true, ...fields } }, true);
  }

  async setMemory(userId: UserId, memory: string): Promise<void> {
    await this.#redis.set(this.#redis.key(`memory:${userId}`), memory);
  }

  /** Writes a hash at `memory:<id>` (tests of Memory that is not a string). */
  async setMemoryHash(userId: UserId, value: Record<string, string>): Promise<void> {
    await this.#redis.hset(this.#redis.key(`memory:${userId}`), value);
  }

  /** Writes a string at a key (the name without the prefix), whatever the layout says it holds (tests of bad data). */
  async setRawString(name: string, value: string): Promise<void> {
    await this.#redis.set(this.#redis.key(name), value);
  }
  async deleteRaw(name: string): Promise<void> {
    await this.#redis.del(this.#redis.key(name));
  }

  async updateUser(userId: UserId, fields: Doc): Promise<void> {
    await this.#mongo.updateOne(Collections.users, { _id: docId(userId) }, { $set: fields });
  }

  /** Queues a console expression like `POST /api/user/console` (F21); returns the command id. */
  async addConsoleCommand(userId: UserId, expression: string, hidden = false): Promise<string> {
    const id = newObjectId();
    await this.#mongo.insertMany(Collections.console, [{ _id: docId(id), user: userId, expression, hidden }]);
    return id;
  }

  async setRemoteInterShard(shard: string, userId: UserId, data: string): Promise<void> {
    await this.#redis.hset(this.#redis.key(`interShardSegment:${userId}`), { [shard]: data });
  }

  async getUser(userId: UserId): Promise<(UserRecord & { lastUsedCpu: number; lastCommittedTick?: number }) | undefined> {
    const [doc] = await this.#mongo.find(Collections.users, { _id: docId(userId) });
    if (!doc) return undefined;
    const user = decodeUser(userId, doc);
    if (typeof user === 'string') throw new Error(user);
    return {
      ...user,
      lastUsedCpu: typeof doc.lastUsedCpu === 'number' ? doc.lastUsedCpu : 0,
      ...(typeof doc.lastCommittedTick === 'number' ? { lastCommittedTick: doc.lastCommittedTick } : {}),
    };
  }
  async getMemory(userId: UserId): Promise<string | undefined> {
    return (await this.#redis.get(this.#redis.key(`memory:${userId}`))) ?? undefined;
  }
  async getSegment(userId: UserId, id: number): Promise<string | undefined> {
    return (await this.#redis.hgetall(this.#redis.key(`memorySegments:${userId}`)))[id];
  }
  async getPublicSegments(userId: UserId): Promise<number[] | undefined> {
    const value = await this.#redis.get(this.#redis.key(`publicMemorySegments:${userId}`));
    return value === null ? undefined : parsePublicSegments(value);
  }
  async getInterShard(userId: UserId, shard = this.#shardName): Promise<string | undefined> {
    return (await this.#redis.hgetall(this.#redis.key(`interShardSegment:${userId}`)))[shard];
  }
  async pendingCommands(userId: UserId): Promise<string[]> {
    return (await this.#mongo.find(Collections.console, { user: userId }, { sort: { _id: 1 } })).map((d) => String(d.expression));
  }
  async roomIntents(room: string): Promise<Record<string, string>> {
    return this.#redis.hgetall(this.#redis.key(`roomIntents:${room}`));
  }
  async activeRooms(): Promise<string[]> {
    return (await this.#redis.smembers(this.#redis.key('activeRooms'))).sort();
  }
  async visual(userId: UserId, room: string, tick: number): Promise<string | undefined> {
    return (await this.#redis.get(this.#redis.key(`roomVisual:${userId},${room},${tick}`))) ?? undefined;
  }
  async notifications(userId: UserId): Promise<{ type: string; message: string; date: number; count: number }[]> {
    const docs = await this.#mongo.find(Collections.notifications, { user: userId });
    return docs.map((d) => ({ type: String(d.type), message: String(d.message), date: Number(d.date), count: Number(d.count) }));
  }
  async globalIntents(userId: UserId): Promise<unknown[]> {
    return (await this.#mongo.find(Collections.intents, { user: userId }, { sort: { _id: 1 } })).map((d) => d.intents);
  }

  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    return this.#redis.subscribe(channel, listener);
  }

  /** Everything this adapter stores, in a stable order: Redis keys under the prefix and every collection. */
  async dump(): Promise<{ redis: Record<string, unknown>; mongo: Record<string, Doc[]> }> {
    return { redis: await this.#redis.dump(), mongo: await this.#mongo.dump() };
  }

  async ensureIndexes(): Promise<void> {
    await this.#mongo.ensureIndexes();
  }

  /** Deletes the Redis keys under the prefix and drops the database (tests and the seed tool). */
  async wipe(): Promise<void> {
    await this.#redis.deleteAll();
    await this.#mongo.dropDatabase();
  }
}
