/**
 * The kernel on Redis + MongoDB (when REDIS_URL and MONGO_URL are set).
 *
 * HOOK FOR THE REDIS + MONGODB ADAPTER: the adapter is built on another branch. When it lands, make
 * `openAdapter()` return a StoragePort seeded with `params.players` users of `params.kind` (the same
 * code and Memory as `seedMemoryStorage`), and the scenario runs the standard kernel ticks on it. Until
 * then the scenario is skipped with the reason, never failed.
 */
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { StoragePort } from '../../src/index.js';
import { runKernelTicks } from '../kernel-run.js';
import { skipped, type ScenarioParams, type ScenarioResult } from '../measure.js';

/** Where the adapter is expected (compiled); the first one present is used. */
const CANDIDATES = ['../../src/storage/redis-mongo.js', '../../src/storage/mongo.js', '../../src/storage/redis.js'];

async function openAdapter(_params: ScenarioParams): Promise<{ storage: StoragePort } | { reason: string }> {
  for (const candidate of CANDIDATES) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    const present = await access(file).then(
      () => true,
      () => false,
    );
    if (present) return { reason: `adapter module ${candidate} exists but the benchmark hook is not wired yet (benchmarks/scenarios/storage.ts)` };
  }
  return { reason: 'no Redis + MongoDB storage adapter module in this build' };
}

export default async function run(params: ScenarioParams): Promise<ScenarioResult> {
  if (!process.env.REDIS_URL || !process.env.MONGO_URL) return skipped('storage', params, 'REDIS_URL and MONGO_URL are not set');
  const adapter = await openAdapter(params);
  if ('reason' in adapter) return skipped('storage', params, adapter.reason);
  try {
    return await runKernelTicks('storage', params, { storage: adapter.storage });
  } finally {
    await adapter.storage[Symbol.asyncDispose]();
  }
}
