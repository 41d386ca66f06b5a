/**
 * A store under test plus the host's side of it (seeding and inspection), so one contract suite runs
 * against every adapter.
 */
import { randomBytes } from 'node:crypto';
import { MemoryStorage, type Notification } from '../../src/storage/memory.js';
import type { StoragePort, UserRecord } from '../../src/storage/port.js';
import { RedisMongoStorage, type RedisMongoSeedUser } from '../../src/storage/redis-mongo/index.js';
import type { Modules, UserId } from '../../src/shared/ids.js';

/** A user to seed: the same shape the Redis + MongoDB admin takes. */
export type FixtureSeed = RedisMongoSeedUser;

export interface StorageFixture extends AsyncDisposable {
  readonly name: string;
  readonly storage: StoragePort;
  addUser(seed: FixtureSeed): Promise<UserId>;
  setCode(userId: UserId, modules: Modules): Promise<void>;
  setActiveSegments(userId: UserId, ids: number[]): Promise<void>;
  addConsoleCommand(userId: UserId, expression: string): Promise<string>;
  setRemoteInterShard(shard: string, userId: UserId, data: string): Promise<void>;
  memory(userId: UserId): Promise<string | undefined>;
  segment(userId: UserId, id: number): Promise<string | undefined>;
  publicSegments(userId: UserId): Promise<readonly number[] | undefined>;
  interShard(userId: UserId): Promise<string | undefined>;
  user(userId: UserId): Promise<(UserRecord & { lastUsedCpu: number }) | undefined>;
  pendingCommands(userId: UserId): Promise<string[]>;
  roomIntents(room: string): Promise<Record<string, string>>;
  activeRooms(): Promise<string[]>;
  notifications(userId: UserId): Promise<{ type: string; message: string; date: number; count: number }[]>;
  globalIntents(userId: UserId): Promise<unknown[]>;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
}

export function memoryFixture(clock: () => number): StorageFixture {
  const s = new MemoryStorage({ clock });
  const plain = (n: Notification) => ({ type: n.type, message: n.message, date: n.date, count: n.count });
  return {
    name: 'memory',
    storage: s,
    async addUser(seed) {
      const id = s.addUser(seed);
      if (seed.lastUsedDirtyTime !== undefined) s.updateUser(id, { lastUsedDirtyTime: seed.lastUsedDirtyTime });
      return id;
    },
    async setCode(userId, modules) {
      s.setCode(userId, modules);
    },
    async setActiveSegments(userId, ids) {
      s.updateUser(userId, { activeSegments: ids });
    },
    async addConsoleCommand(userId, expression) {
      return s.addConsoleCommand(userId, expression);
    },
    async setRemoteInterShard(shard, userId, data) {
      s.setRemoteInterShard(shard, userId, data);
    },
    memory: async (id) => s.getMemory(id),
    segment: async (id, n) => s.getSegment(id, n),
    publicSegments: async (id) => s.getPublicSegments(id),
    interShard: async (id) => s.getInterShard(id),
    user: async (id) => s.getUser(id),
    pendingCommands: async (id) => s.pendingCommands(id).map((c) => c.expression),
    roomIntents: async (room) => Object.fromEntries(s.roomIntents.get(room) ?? []),
    activeRooms: async () => [...s.activeRooms].sort(),
    notifications: async (id) => s.notifications.filter((n) => n.userId === id).map(plain),
    globalIntents: async (id) => s.globalIntents.filter((g) => g.userId === id).map((g) => g.intents),
    subscribe: async (channel, listener) => {
      const off = s.subscribe(channel, listener);
      return async () => off();
    },
    [Symbol.asyncDispose]: () => s[Symbol.asyncDispose](),
  };
}

/** Why the Redis + MongoDB tests cannot run here, or null when both URLs are set. */
export function servicesMissing(): string | null {
  const missing = ['REDIS_URL', 'MONGO_URL'].filter((name) => !process.env[name]);
  return missing.length === 0 ? null : `${missing.join(' and ')} not set (start them with scripts/services.sh start)`;
}

/** A unique Redis key prefix and Mongo database per fixture, so tests never see each other's data. */
export function uniqueNamespace(): { redisKeyPrefix: string; mongoDatabase: string } {
  const tag = `t${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  return { redisKeyPrefix: `${tag}:`, mongoDatabase: `kernel_${tag}` };
}

export async function redisMongoFixture(
  clock: () => number,
  urls: { redisUrl: string; mongoUrl: string } = { redisUrl: process.env.REDIS_URL!, mongoUrl: process.env.MONGO_URL! },
): Promise<StorageFixture & { readonly adapter: RedisMongoStorage }> {
  const s = await RedisMongoStorage.connect({ ...urls, ...uniqueNamespace(), clock });
  const a = s.admin;
  return {
    name: 'redis+mongo',
    adapter: s,
    storage: s,
    addUser: (seed) => a.addUser(seed),
    setCode: (userId, modules) => a.setCode(userId, modules),
    setActiveSegments: (userId, ids) => a.updateUser(userId, { activeSegments: ids }),
    addConsoleCommand: (userId, expression) => a.addConsoleCommand(userId, expression),
    setRemoteInterShard: (shard, userId, data) => a.setRemoteInterShard(shard, userId, data),
    memory: (id) => a.getMemory(id),
    segment: (id, n) => a.getSegment(id, n),
    publicSegments: (id) => a.getPublicSegments(id),
    interShard: (id) => a.getInterShard(id),
    user: (id) => a.getUser(id),
    pendingCommands: (id) => a.pendingCommands(id),
    roomIntents: (room) => a.roomIntents(room),
    activeRooms: () => a.activeRooms(),
    notifications: (id) => a.notifications(id),
    globalIntents: (id) => a.globalIntents(id),
    subscribe: (channel, listener) => a.subscribe(channel, listener),
    [Symbol.asyncDispose]: async () => {
      await a.wipe().catch(() => {});
      await s[Symbol.asyncDispose]();
    },
  };
}
