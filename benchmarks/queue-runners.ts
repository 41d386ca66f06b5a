/**
 * Benchmark: ticks per second with 1, 2, 3 runner processes sharing each tick through the Redis users
 * queue, against the same players run in one process (the baseline, measured in the same run), and
 * the queue's own cost per player (fetch + markDone + enqueue + drain check, no kernel).
 *
 *   npm run build && node --no-node-snapshot dist/benchmarks/queue-runners.js [--players 300] [--ticks 20]
 *
 * Needs Redis (`REDIS_URL`, default loopback 6379). Writes benchmarks/results/queue-runners.json.
 * On a 2-core machine the point is correctness and overhead, not speed-up: every runner competes for
 * the same cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/cli/args.js';
import { openStorage } from '../src/cli/queue.js';
import { createRuntime, QueueTickCoordinator, resolveQueueOptions, UsersQueue, type UserId } from '../src/index.js';

const args = parseArgs(process.argv.slice(2), { players: 'int', ticks: 'int', warmup: 'int', 'fetch-per-worker': 'int', only: 'string' });
const PLAYERS = (args.players as number | undefined) ?? 300;
const TICKS = (args.ticks as number | undefined) ?? 20;
const WARMUP = (args.warmup as number | undefined) ?? 3;
const FETCH_PER_WORKER = (args['fetch-per-worker'] as number | undefined) ?? resolveQueueOptions().fetchPerWorker;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface Scenario {
  readonly name: string;
  readonly tickMs: { readonly median: number; readonly p99: number; readonly mean: number };
  readonly ticksPerSecond: number;
  readonly extra?: Record<string, number>;
}

function summarise(name: string, durations: readonly number[], extra?: Record<string, number>): Scenario {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const total = durations.reduce((a, b) => a + b, 0);
  return { name, tickMs: { median: at(0.5), p99: at(0.99), mean: total / durations.length }, ticksPerSecond: (1000 * durations.length) / total, ...(extra ? { extra } : {}) };
}

async function timeTicks(run: (gameTime: number) => Promise<unknown>): Promise<number[]> {
  for (let t = 1; t <= WARMUP; t++) await run(t);
  const durations: number[] = [];
  for (let t = WARMUP + 1; t <= WARMUP + TICKS; t++) {
    const t0 = performance.now();
    await run(t);
    durations.push(performance.now() - t0);
  }
  return durations;
}

/** The baseline: the same players, one process, `runtime.runTick`. */
async function inProcess(poolSize: number): Promise<Scenario> {
  const storage = await openStorage({ kind: 'memory', samplePlayers: PLAYERS });
  const runtime = await createRuntime({ poolSize, storage, logger: 'silent' });
  try {
    return summarise(`in-process, pool ${poolSize}`, await timeTicks((t) => runtime.runTick(t)));
  } finally {
    await runtime.close();
  }
}

/** The queue alone: enqueue, fetch in batches, markDone, drain check; no kernel. */
async function queueOnly(batch: number): Promise<Scenario> {
  const queue = new UsersQueue(REDIS_URL, `bench${process.pid}q${batch}`);
  await queue.connect();
  const ids = Array.from({ length: PLAYERS }, (_, i) => `player${i}` as UserId);
  try {
    const durations = await timeTicks(async (t) => {
      await queue.addMulti(t, ids);
      // A runner's steady state: each call marks the previous batch done and fetches the next.
      let done: Awaited<ReturnType<UsersQueue['fetch']>> = null;
      do done = (await queue.markDoneAndFetch('bench', done, batch, 10_000, 0)).batch;
      while (done !== null);
      await queue.whenAllDone(10_000, 100);
    });
    const s = summarise(`queue only, batch ${batch}`, durations);
    return { ...s, extra: { usPerPlayer: (s.tickMs.median * 1000) / PLAYERS } };
  } finally {
    await queue.resetAll();
    await queue.close();
  }
}

function startRunner(queueName: string, id: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--no-node-snapshot', CLI, 'runner', '--redis', REDIS_URL, '--queue', queueName, '--pool', '1', '--runner-id', id, '--fetch-per-worker', String(FETCH_PER_WORKER), '--sample-players', String(PLAYERS)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('"msg":"runner ready"')) resolve();
    });
    child.on('close', (code) => reject(new Error(`runner ${id} exited (${code}) before it was ready: ${err.slice(-500)}`)));
  });
  return { child, ready };
}

/** N runner processes (pool 1 each) and this process as the main loop. */
async function runners(n: number): Promise<Scenario> {
  const name = `bench${process.pid}r${n}`;
  const started = Array.from({ length: n }, (_, i) => startRunner(name, `r${i}`));
  await Promise.all(started.map((s) => s.ready));
  const options = resolveQueueOptions({ name });
  const queue = new UsersQueue(REDIS_URL, name);
  await queue.connect();
  const storage = await openStorage({ kind: 'memory', samplePlayers: PLAYERS });
  const coordinator = new QueueTickCoordinator(queue, storage, options);
  try {
    let incomplete = 0;
    const durations = await timeTicks(async (t) => {
      if (!(await coordinator.runTick(t)).completed) incomplete++;
    });
    return summarise(`${n} runner process${n > 1 ? 'es' : ''}, pool 1, fetch ${FETCH_PER_WORKER}`, durations, { incompleteTicks: incomplete });
  } finally {
    for (const s of started) s.child.kill('SIGTERM');
    await Promise.all(started.map((s) => new Promise((resolve) => s.child.once('close', resolve))));
    await queue.resetAll();
    await queue.close();
  }
}

const results: Scenario[] = [];
const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  inProcess1: () => inProcess(1),
  inProcess2: () => inProcess(2),
  queueOnly: () => queueOnly(FETCH_PER_WORKER),
  runners1: () => runners(1),
  runners2: () => runners(2),
  runners3: () => runners(3),
};
const only = typeof args.only === 'string' ? args.only.split(',') : Object.keys(SCENARIOS);
for (const key of only) {
  const scenario = SCENARIOS[key];
  if (scenario === undefined) throw new Error(`--only: unknown scenario ${key} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const r = await scenario();
  results.push(r);
  process.stdout.write(
    `${r.name.padEnd(34)} ${r.ticksPerSecond.toFixed(1).padStart(7)} ticks/s  median ${r.tickMs.median.toFixed(1).padStart(7)} ms  p99 ${r.tickMs.p99.toFixed(1).padStart(7)} ms` +
      `${r.extra ? `  ${Object.entries(r.extra).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('  ')}` : ''}\n`,
  );
}
const baseline = results.find((r) => r.name === 'in-process, pool 1');
const one = results.find((r) => r.name.startsWith('1 runner'));
const overheadUs = baseline && one ? ((one.tickMs.median - baseline.tickMs.median) * 1000) / PLAYERS : NaN;
process.stdout.write(`per-player overhead of one runner process over in-process (median tick): ${overheadUs.toFixed(1)} µs\n`);
const out = new URL('../../benchmarks/results/', import.meta.url);
mkdirSync(fileURLToPath(out), { recursive: true });
writeFileSync(
  fileURLToPath(new URL('queue-runners.json', out)),
  `${JSON.stringify({ players: PLAYERS, ticks: TICKS, warmup: WARMUP, fetchPerWorker: FETCH_PER_WORKER, results, overheadUsPerPlayer: overheadUs, environment: { node: process.version, cpus: os.availableParallelism(), platform: process.platform } }, null, 2)}\n`,
);
