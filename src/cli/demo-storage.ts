/**
 * The demo's store: the in-memory one, or Redis + MongoDB from REDIS_URL / MONGO_URL (`--storage redis+mongo`).
 */
import type { Modules, UserId } from '../shared/ids.js';
import { MemoryStorage } from '../storage/memory.js';
import type { StoragePort } from '../storage/port.js';
import { RedisMongoStorage } from '../storage/redis-mongo/index.js';

export const StorageKind = { memory: 'memory', redisMongo: 'redis+mongo' } as const;
export type StorageKind = (typeof StorageKind)[keyof typeof StorageKind];

export interface DemoSeed {
  readonly id: string;
  readonly username: string;
  readonly modules: Modules;
  readonly memory?: string;
}

export interface DemoStore extends AsyncDisposable {
  readonly storage: StoragePort;
  addUsers(seeds: readonly DemoSeed[]): Promise<UserId[]>;
  setCode(userId: UserId, modules: Modules): Promise<void>;
}

export function parseStorageKind(value: unknown): StorageKind {
  if (value === undefined) return 'memory';
  if (value === 'memory' || value === 'redis+mongo') return value;
  throw new Error(`--storage must be memory or redis+mongo, got ${JSON.stringify(value)}`);
}

/** Where the Redis + MongoDB store is; each URL falls back to REDIS_URL / MONGO_URL. */
export interface RedisMongoUrls {
  readonly redisUrl?: string | undefined;
  readonly mongoUrl?: string | undefined;
}

/**
 * Connects the Redis + MongoDB store the CLI commands share (demo, seed, runner, main loop) and ensures its
 * indexes. REDIS_KEY_PREFIX, when set, prefixes every Redis key (tests use a unique one).
 */
export async function connectRedisMongo(urls: RedisMongoUrls = {}, env: NodeJS.ProcessEnv = process.env): Promise<RedisMongoStorage> {
  const redisUrl = urls.redisUrl ?? env.REDIS_URL;
  const mongoUrl = urls.mongoUrl ?? env.MONGO_URL;
  if (!redisUrl || !mongoUrl) {
    const missing = [!redisUrl ? 'Redis (--redis URL or REDIS_URL)' : '', !mongoUrl ? 'MongoDB (--mongo URL or MONGO_URL)' : ''].filter(Boolean).join(' and ');
    throw new Error(`--storage redis+mongo needs ${missing}; for the local services: eval "$(scripts/services.sh env)"`);
  }
  const storage = await RedisMongoStorage.connect({ redisUrl, mongoUrl, ...(env.REDIS_KEY_PREFIX ? { redisKeyPrefix: env.REDIS_KEY_PREFIX } : {}) });
  try {
    await storage.admin.ensureIndexes();
  } catch (error) {
    await storage[Symbol.asyncDispose]();
    throw error;
  }
  return storage;
}

export async function openDemoStore(kind: StorageKind, env: NodeJS.ProcessEnv = process.env): Promise<DemoStore> {
  switch (kind) {
    case 'memory': {
      const storage = new MemoryStorage();
      return {
        storage,
        addUsers: async (seeds) => seeds.map((s) => storage.addUser(s)),
        setCode: async (id, modules) => storage.setCode(id, modules),
        [Symbol.asyncDispose]: () => storage[Symbol.asyncDispose](),
      };
    }
    case 'redis+mongo': {
      const storage = await connectRedisMongo({}, env);
      return {
        storage,
        addUsers: (seeds) => storage.admin.addUsers(seeds),
        setCode: (id, modules) => storage.admin.setCode(id, modules),
        [Symbol.asyncDispose]: () => storage[Symbol.asyncDispose](),
      };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown storage ${String(never)}`);
    }
  }
}
