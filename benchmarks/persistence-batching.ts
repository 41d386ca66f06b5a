/**
 * Batched vs per-player persistence on Redis + MongoDB for N players (default 1000), in one run:
 * - batched: one `loadContexts` and one `commit` call for all players (one pipeline / query / bulk each);
 * - per-player: the same work as one call per player.
 * Needs REDIS_URL and MONGO_URL. Writes into a unique key prefix and database, removed afterwards.
 *
 *   node --no-node-snapshot dist/benchmarks/persistence-batching.js [players] [rounds]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { UserId } from '../src/shared/ids.js';
import type { TickCommit } from '../src/storage/port.js';
import { RedisMongoStorage } from '../src/storage/redis-mongo/index.js';

const players = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);
const { REDIS_URL: redisUrl, MONGO_URL: mongoUrl } = process.env;
if (!redisUrl || !mongoUrl) {
  process.stderr.write('persistence-batching: REDIS_URL and MONGO_URL must be set (eval "$(scripts/services.sh env)")\n');
  process.exit(2);
}

const tag = `bench${randomBytes(4).toString('hex')}`;
const storage = await RedisMongoStorage.connect({ redisUrl, mongoUrl, redisKeyPrefix: `${tag}:`, mongoDatabase: `kernel_${tag}`, timeoutMs: 30_000 });
const memory = JSON.stringify({ creeps: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, { role: 'harvester', n: i }])) });
try {
  const ids: UserId[] = await storage.admin.addUsers(
    Array.from({ length: players }, (_, i) => ({ id: `p${i}`, modules: { main: 'module.exports.loop = function () {};' }, memory })),
  );
  const commitsFor = (gameTime: number): TickCommit[] =>
    ids.map((userId) => ({
      userId,
      gameTime,
      user: { lastUsedCpu: 1, lastUsedDirtyTime: 1, cpuAvailable: 100 },
      memory: memory.replace('"n":0', `"n":${gameTime}`),
      console: { log: [{ message: `tick ${gameTime}`, escape: true }], results: [] },
      errors: [],
      cpuStat: { cpu: 1, memory: memory.length },
      consumedCommands: [],
    }));
  const time = async (fn: () => Promise<void>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const check = (report: { committed: readonly unknown[] }) => {
    if (report.committed.length !== players) throw new Error(`only ${report.committed.length} of ${players} committed: ${JSON.stringify((report as { failed?: unknown[] }).failed?.[0])}`);
  };
  const samples = { batchedCommit: [] as number[], perPlayerCommit: [] as number[], batchedLoad: [] as number[], perPlayerLoad: [] as number[] };
  let tick = 0;
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so neither mode always runs on a warmer server.
    const modes = r % 2 === 0 ? (['batched', 'perPlayer'] as const) : (['perPlayer', 'batched'] as const);
    for (const mode of modes) {
      const commits = commitsFor(++tick);
      if (mode === 'batched') {
        samples.batchedLoad.push(await time(async () => void (await storage.loadContexts(ids.map((userId) => ({ userId }))))));
        samples.batchedCommit.push(await time(async () => check(await storage.commit(commits))));
      } else {
        samples.perPlayerLoad.push(await time(async () => { for (const userId of ids) await storage.loadContexts([{ userId }]); }));
        samples.perPlayerCommit.push(await time(async () => {
          let committed = 0;
          for (const c of commits) committed += (await storage.commit([c])).committed.length;
          check({ committed: { length: committed } as unknown[] });
        }));
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const result = {
    scenario: 'persistence-batching',
    players,
    rounds,
    medianMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(1))])),
    speedup: {
      commit: Number((median(samples.perPlayerCommit) / median(samples.batchedCommit)).toFixed(1)),
      load: Number((median(samples.perPlayerLoad) / median(samples.batchedLoad)).toFixed(1)),
    },
    environment: { node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', redisUrl: new URL(redisUrl).host, mongo: new URL(mongoUrl).host },
  };
  mkdirSync('benchmarks/results', { recursive: true });
  writeFileSync('benchmarks/results/persistence-batching.json', `${JSON.stringify(result, null, 2)}\n`);
  const m = result.medianMs as Record<string, number>;
  process.stdout.write(
    `${players} players, median of ${rounds} rounds\n` +
      `commit: batched ${m.batchedCommit} ms, per-player ${m.perPlayerCommit} ms -> ${result.speedup.commit}x\n` +
      `load:   batched ${m.batchedLoad} ms, per-player ${m.perPlayerLoad} ms -> ${result.speedup.load}x\n`,
  );
} finally {
  await storage.admin.wipe().catch(() => {});
  await storage[Symbol.asyncDispose]();
}
