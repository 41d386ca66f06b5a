/**
 * The kernel on Redis + MongoDB (when REDIS_URL and MONGO_URL are set): the standard kernel ticks on a
 * `RedisMongoStorage` seeded with the same players (code, Memory, CPU and bucket) as the in-memory
 * scenarios. It writes under a unique Redis key prefix and MongoDB database, both removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { RedisMongoStorage } from '../../src/storage/redis-mongo/index.js';
import { benchSeeds, kindFor, runKernelTicks, startingBucket } from '../kernel-run.js';
import { skipped, type ScenarioParams, type ScenarioResult } from '../measure.js';

/** A RedisMongoStorage holding `params.players` players of `params.kind`, in a namespace of its own. */
async function openAdapter(params: ScenarioParams, redisUrl: string, mongoUrl: string): Promise<RedisMongoStorage> {
  const tag = `bench${randomBytes(4).toString('hex')}`;
  const storage = await RedisMongoStorage.connect({ redisUrl, mongoUrl, redisKeyPrefix: `${tag}:`, mongoDatabase: `kernel_${tag}`, timeoutMs: 30_000 });
  try {
    await storage.admin.ensureIndexes();
    await storage.admin.addUsers(benchSeeds(params.players, kindFor(params), 'u', startingBucket(params)));
    return storage;
  } catch (error) {
    await close(storage);
    throw error;
  }
}

async function close(storage: RedisMongoStorage): Promise<void> {
  try {
    await storage.admin.wipe();
  } finally {
    await storage[Symbol.asyncDispose]();
  }
}

export default async function run(params: ScenarioParams): Promise<ScenarioResult> {
  const { REDIS_URL: redisUrl, MONGO_URL: mongoUrl } = process.env;
  if (!redisUrl || !mongoUrl) return skipped('storage', params, 'REDIS_URL and MONGO_URL are not set');
  const storage = await openAdapter(params, redisUrl, mongoUrl);
  try {
    return await runKernelTicks('storage', params, { storage });
  } finally {
    await close(storage);
  }
}
