/**
 * Batched vs per-player persistence on Redis + MongoDB for N players (default 1000), in one run:
 * - batched: one `loadContexts` and one `commit` call for all players (one pipeline / query / bulk each);
 * - per-player: the same work as one call per player.
 * Two commit workloads, the same commits for both paths:
 * - steady: every player's `users` fields repeat from tick to tick (CPU used and bucket unchanged, as for
 *   a player at a full bucket), so the store writes no `users` document;
 * - changing: every player's `lastUsedCpu` and `cpuAvailable` change every tick, so every tick updates
 *   every `users` document.
 * Needs REDIS_URL and MONGO_URL. Writes into a unique key prefix and database, removed afterwards.
 *
 *   node --no-node-snapshot dist/benchmarks/persistence-batching.js [players] [rounds]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
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

type Workload = 'steady' | 'changing';
const WORKLOADS: readonly Workload[] = ['steady', 'changing'];

const tag = `bench${randomBytes(4).toString('hex')}`;
const storage = await RedisMongoStorage.connect({ redisUrl, mongoUrl, redisKeyPrefix: `${tag}:`, mongoDatabase: `kernel_${tag}`, timeoutMs: 30_000 });
const memory = JSON.stringify({ creeps: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, { role: 'harvester', n: i }])) });
try {
  const ids: UserId[] = await storage.admin.addUsers(
    Array.from({ length: players }, (_, i) => ({ id: `p${i}`, modules: { main: 'module.exports.loop = function () {};' }, memory })),
  );
  const commitsFor = (gameTime: number, workload: Workload): TickCommit[] =>
    ids.map((userId, i) => ({
      userId,
      gameTime,
      user: workload === 'steady' ? { lastUsedCpu: 1, lastUsedDirtyTime: 1, cpuAvailable: 100 } : { lastUsedCpu: 1 + ((gameTime + i) % 7), lastUsedDirtyTime: 1, cpuAvailable: 100 + gameTime },
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
  const check = (committed: number, report?: { failed?: readonly unknown[] }) => {
    if (committed !== players) throw new Error(`only ${committed} of ${players} committed: ${JSON.stringify(report?.failed?.[0])}`);
  };
  const samples: Record<string, number[]> = {};
  const sample = (name: string, ms: number) => (samples[name] ??= []).push(ms);
  let tick = 0;
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so neither mode always runs on a warmer server.
    const modes = r % 2 === 0 ? (['batched', 'perPlayer'] as const) : (['perPlayer', 'batched'] as const);
    for (const mode of modes) {
      if (mode === 'batched') {
        sample('batchedLoad', await time(async () => void (await storage.loadContexts(ids.map((userId) => ({ userId }))))));
      } else {
        sample('perPlayerLoad', await time(async () => { for (const userId of ids) await storage.loadContexts([{ userId }]); }));
      }
    }
    for (const workload of WORKLOADS) {
      // The first tick of a workload writes the users fields that differ from the last one; not measured.
      const warm = await storage.commit(commitsFor(++tick, workload));
      check(warm.committed.length, warm);
      for (const mode of modes) {
        const commits = commitsFor(++tick, workload);
        if (mode === 'batched') {
          sample(`batchedCommit.${workload}`, await time(async () => {
            const report = await storage.commit(commits);
            check(report.committed.length, report);
          }));
        } else {
          sample(`perPlayerCommit.${workload}`, await time(async () => {
            let committed = 0;
            for (const c of commits) committed += (await storage.commit([c])).committed.length;
            check(committed);
          }));
        }
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(1))]));
  const ratio = (slow: string, fast: string) => Number((m[slow]! / m[fast]!).toFixed(1));
  const result = {
    scenario: 'persistence-batching',
    players,
    rounds,
    medianMs: m,
    speedup: {
      load: ratio('perPlayerLoad', 'batchedLoad'),
      ...Object.fromEntries(WORKLOADS.map((w) => [`commit.${w}`, ratio(`perPlayerCommit.${w}`, `batchedCommit.${w}`)])),
    } as Record<string, number>,
    environment: { node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage: loadavg().map((x) => Number(x.toFixed(2))), redisUrl: new URL(redisUrl).host, mongo: new URL(mongoUrl).host },
  };
  mkdirSync('benchmarks/results', { recursive: true });
  writeFileSync('benchmarks/results/persistence-batching.json', `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `${players} players, median of ${rounds} rounds\n` +
      WORKLOADS.map((w) => `commit (${w}): batched ${m[`batchedCommit.${w}`]} ms, per-player ${m[`perPlayerCommit.${w}`]} ms -> ${result.speedup[`commit.${w}`]}x\n`).join('') +
      `load: batched ${m.batchedLoad} ms, per-player ${m.perPlayerLoad} ms -> ${result.speedup.load}x\n`,
  );
} finally {
  await storage.admin.wipe().catch(() => {});
  await storage[Symbol.asyncDispose]();
}
