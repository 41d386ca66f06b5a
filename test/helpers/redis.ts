import { connectRedis, createRedisClient } from '../../src/queue/index.js';

/** The Redis the service tests use: `REDIS_URL`, else the project's loopback default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Probes Redis once: `missing` says why it is unreachable (null when it answered), for
 * `skipUnlessServices` (test/helpers/services.ts).
 */
export async function probeRedis(): Promise<{ readonly url: string; readonly missing: string | null }> {
  const client = createRedisClient(REDIS_URL, 'probe');
  client.on('error', () => undefined);
  try {
    await Promise.race([
      connectRedis(client),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ]);
    return { url: REDIS_URL, missing: null };
  } catch (error) {
    return { url: REDIS_URL, missing: `Redis not reachable at ${REDIS_URL} (${error instanceof Error ? error.message : String(error)}); start it with scripts/services.sh or set REDIS_URL` };
  } finally {
    client.disconnect();
  }
}

/** A name no other test run uses, for queue names and key prefixes on a shared Redis. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid}x${Math.floor(Math.random() * 1e9).toString(36)}`;
}
