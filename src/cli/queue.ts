/**
 * The `runner` and `main-loop` commands: many runner processes (on one or many hosts) share each tick
 * through the Redis users queue (spec 1.0, 1.1).
 */
import { hostname } from 'node:os';
import { createRuntime } from '../runtime.js';
import { resolveQueueOptions, type QueueOptions } from '../options.js';
import { QueueRunner, QueueTickCoordinator, UsersQueue } from '../queue/index.js';
import { MemoryStorage } from '../storage/memory.js';
import type { StoragePort } from '../storage/port.js';
import { connectRedisMongo, type StorageKind } from './demo-storage.js';
import { SAMPLES } from './sample-players.js';

export interface StorageChoice {
  readonly kind: StorageKind;
  /** With `memory`: seed this many sample players `player0..N-1` (the same ids in every process). */
  readonly samplePlayers: number;
  /** With `redis+mongo`: the store's Redis (default REDIS_URL; the CLI passes the queue's `--redis`). */
  readonly redisUrl?: string;
  /** With `redis+mongo`: the store's MongoDB (default MONGO_URL). */
  readonly mongoUrl?: string;
}

/**
 * Opens the storage a runner or main loop uses. `memory` is per process: it is only for trying the
 * queue out and for benchmarks (each process holds its own copy of the sample players, so a player's
 * Memory does not follow it to another runner). `redis+mongo` is the shared store of a real deployment
 * (players are put there by the server, or by the `seed` command).
 */
export async function openStorage(choice: StorageChoice, env: NodeJS.ProcessEnv = process.env): Promise<StoragePort> {
  switch (choice.kind) {
    case 'memory': {
      const storage = new MemoryStorage();
      for (let i = 0; i < choice.samplePlayers; i++) {
        storage.addUser({ id: `player${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: SAMPLES.trivial } });
      }
      return storage;
    }
    case 'redis+mongo':
      if (choice.samplePlayers > 0) throw new Error('--sample-players works only with --storage memory; put players into Redis + MongoDB with the seed command');
      return connectRedisMongo({ redisUrl: choice.redisUrl, mongoUrl: choice.mongoUrl }, env);
    default: {
      const never: never = choice.kind;
      throw new Error(`unknown storage ${String(never)}`);
    }
  }
}

export interface RunnerCommand {
  readonly redisUrl: string;
  readonly runnerId?: string;
  readonly poolSize?: number;
  /** The runtime's `suspectJournal`: a player that crashed this runner is quarantined after its restart. */
  readonly suspectJournal?: string;
  readonly storage: StorageChoice;
  readonly queue: QueueOptions;
}

/** Runs until SIGTERM/SIGINT: then stops fetching, finishes the batch in flight, leaves and exits (F52). */
export async function runRunner(command: RunnerCommand): Promise<void> {
  const options = resolveQueueOptions(command.queue);
  const storage = await openStorage(command.storage);
  const runtime = await createRuntime({
    storage,
    ...(command.poolSize !== undefined ? { poolSize: command.poolSize } : {}),
    ...(command.suspectJournal !== undefined ? { suspectJournal: command.suspectJournal } : {}),
  }).catch(async (error: unknown) => {
    await storage[Symbol.asyncDispose]();
    throw error;
  });
  const log = runtime.logger;
  const queue = new UsersQueue(command.redisUrl, options.name);
  const version = await queue.connect();
  const runnerId = command.runnerId ?? `${hostname()}:${process.pid}`;
  const runner = new QueueRunner(
    queue,
    runtime,
    { ...options, runnerId, poolSize: runtime.options.poolSize },
    {
      leaseLost: (ids) => log.warn({ players: ids.length }, 'leases lost: this runner was presumed dead; the storage fence refuses a second commit'),
      error: (error, stage) => log.error({ err: error, stage }, 'runner loop error'),
    },
  );
  let stopRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (stopRequested = resolve));
  const stop = (signal: string): void => {
    if (runner.stopping) return;
    log.info({ signal }, `Got ${signal}, disabling queue fetching`);
    void runner.stop();
    stopRequested();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const loop = runner.start();
  log.info({ runnerId, queue: options.name, redis: version, poolSize: runtime.options.poolSize }, 'runner ready');
  // Official: exit 2 s after SIGTERM, dropping what was in flight. Here the batch in flight finishes
  // first; only if it does not within drainTimeoutMs does the process leave it to the leases.
  const drained = await Promise.race([
    loop.then(() => true),
    requested.then(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.drainTimeoutMs).unref())),
  ]);
  log.info({ ...runner.stats, drained }, 'runner stopped');
  if (!drained) {
    log.error({ drainTimeoutMs: options.drainTimeoutMs }, 'batch in flight did not finish; exiting, its leases will expire and other runners re-run it');
    process.exit(1);
  }
  await runtime.close();
  await queue.close();
  await storage[Symbol.asyncDispose]();
}

export interface MainLoopCommand {
  readonly redisUrl: string;
  readonly ticks: number;
  readonly startTick: number;
  /** Official `mainLoopMinDuration`, ms (spec 1.0 step 5). */
  readonly minTickMs: number;
  readonly storage: StorageChoice;
  readonly queue: QueueOptions;
  readonly quiet: boolean;
}

/** Enqueues each tick's players and waits for the runners; prints one JSON line per tick. */
export async function runMainLoop(command: MainLoopCommand): Promise<void> {
  const options = resolveQueueOptions(command.queue);
  const storage = await openStorage(command.storage);
  const queue = new UsersQueue(command.redisUrl, options.name);
  try {
    await queue.connect();
  } catch (error) {
    await storage[Symbol.asyncDispose]();
    throw error;
  }
  const coordinator = new QueueTickCoordinator(queue, storage, options, {
    reset: (r) => process.stderr.write(`Main loop reset! Stage: users (tick ${r.gameTime}: ${r.notRun.length} not run, ${r.unfinished.length} unfinished)\n`),
  });
  try {
    for (let t = 0; t < command.ticks; t++) {
      const report = await coordinator.runTick(command.startTick + t);
      if (!command.quiet) process.stdout.write(`${JSON.stringify({ ...report, notRun: report.notRun.length, unfinished: report.unfinished.length })}\n`);
      const rest = command.minTickMs - report.durationMs;
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  } finally {
    await queue.close();
    await storage[Symbol.asyncDispose]();
  }
}
