import { connectRedis, createRedisClient } from '../../src/queue/index.js';

/** The Redis the service tests use: `REDIS_URL`, else the project's loopback default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Probes Redis once. Returns `{ skip: reason }` when it is unreachable so the suite is skipped with a
 * visible reason; with `REQUIRE_SERVICES=1` (CI) an unreachable Redis fails instead.
 */
export async function probeRedis(): Promise<{ readonly url: string; readonly version: string; readonly skip: false } | { readonly skip: string }> {
  const client = createRedisClient(REDIS_URL, 'probe');
  client.on('error', () => undefined);
  try {
    const version = await Promise.race([
      connectRedis(client),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ]);
    return { url: REDIS_URL, version, skip: false };
  } catch (error) {
    const reason = `Redis not reachable at ${REDIS_URL} (${error instanceof Error ? error.message : String(error)}); start it with scripts/services.sh or set REDIS_URL`;
    if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1: ${reason}`);
    return { skip: reason };
  } finally {
    client.disconnect();
  }
}

/** A name no other test run uses, for queue names and key prefixes on a shared Redis. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid}x${Math.floor(Math.random() * 1e9).toString(36)}`;
}
