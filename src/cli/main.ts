#!/usr/bin/env node
/**
 * Command line: `screeps-kernel demo [--players N] [--ticks N] [--pool N]`.
 * Re-executes itself with `--no-node-snapshot` when started without it (isolated-vm needs it).
 */
import { spawn } from 'node:child_process';
import { hasNoNodeSnapshot } from '../process-flags.js';
import { parseArgs } from './args.js';
import { runDemo } from './demo.js';
import { runMainLoop, runRunner, type StorageChoice } from './queue.js';
import { parseStorageKind } from './demo-storage.js';
import { runSeed } from './seed.js';

const USAGE = `usage: screeps-kernel <command> [options]

commands:
  demo      run sample players on the in-memory store
            --players N (default 300)  --ticks N (default 20)  --pool N (default: cores)
            --metrics-port N  serve /metrics, /runtime/isolates, /healthz on 127.0.0.1:N while it runs
            --storage memory|redis+mongo (default memory; redis+mongo reads REDIS_URL and MONGO_URL)
            --log-file PATH  where per-player warnings go (default: a file in the temporary directory)
  server-demo  an official private-server world (embedded storage, engine main and processors) whose
            runner plays simplebots on the kernel; progress bar and final table (needs the @screeps packages)
            --bots N (default 6, beside the world's 4)  --ticks N (default 300)  --port N (storage on loopback TCP; default a Unix socket)
            --pool N  --runner-threads N (official: RUNNER_THREADS, default 4; kernel: players in flight, default 32)  --runner kernel|official (default kernel)
  seed      write N demo players (users, code, Memory) into Redis + MongoDB (REDIS_URL, MONGO_URL)
            --players N (default 300)
  runner    take players from the Redis users queue and run them, until SIGTERM
            --redis URL  --pool N  --runner-id ID (default host:pid)  --queue NAME (default usersIvm)
            --lease-ms N  --steal-delay-ms N  --fetch-per-worker N  --drain-timeout-ms N
            --storage memory|redis+mongo (default memory)  --sample-players N (memory only)
            --mongo URL (redis+mongo; default MONGO_URL; the store uses the queue's Redis)
            --suspect-journal FILE  players whose run overran are written here first; after a crash and
                                    restart on the same file they are quarantined before they run again
  main-loop enqueue each tick's players on the Redis users queue and wait for the runners
            --redis URL  --ticks N (default 10)  --start-tick N (default 1)  --min-tick-ms N (default 1000)
            --queue NAME  --lease-ms N  --reset-interval-ms N (default 5000)
            --storage memory|redis+mongo  --sample-players N  --mongo URL  --quiet
`;

async function main(argv: string[]): Promise<number> {
  if (!hasNoNodeSnapshot()) {
    const child = spawn(process.execPath, ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    // A runner drains on SIGTERM (F52): the signal must reach the re-executed process.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const args = parseArgs(rest, { players: 'int', ticks: 'int', pool: 'int', quiet: 'flag', 'metrics-port': 'int', storage: 'string', 'log-file': 'string' });
      await runDemo({
        players: (args.players as number | undefined) ?? 300,
        ticks: (args.ticks as number | undefined) ?? 20,
        ...(args.pool !== undefined ? { poolSize: args.pool as number } : {}),
        quiet: args.quiet === true,
        ...(args['metrics-port'] !== undefined ? { metricsPort: args['metrics-port'] as number } : {}),
        storage: parseStorageKind(args.storage),
        ...(args['log-file'] !== undefined ? { logFile: args['log-file'] as string } : {}),
      });
      return 0;
    }
    case 'server-demo': {
      const args = parseArgs(rest, { bots: 'int', ticks: 'int', port: 'int', pool: 'int', 'runner-threads': 'int', runner: 'string' });
      const runner = args.runner ?? 'kernel';
      if (runner !== 'kernel' && runner !== 'official') throw new Error(`--runner must be kernel or official, got ${String(runner)}`);
      // Loaded on demand: the official server's packages are optional peers of this package.
      const { runServerDemo } = await import('../screeps/server-demo.js');
      await runServerDemo({
        bots: (args.bots as number | undefined) ?? 6,
        ticks: (args.ticks as number | undefined) ?? 300,
        ...(args.port !== undefined ? { storagePort: args.port as number } : {}),
        runner,
        ...(args.pool !== undefined ? { poolSize: args.pool as number } : {}),
        ...(args['runner-threads'] !== undefined ? { runnerThreads: args['runner-threads'] as number } : {}),
      });
      return 0;
    }
    case 'seed': {
      const args = parseArgs(rest, { players: 'int', quiet: 'flag' });
      await runSeed({ players: (args.players as number | undefined) ?? 300, quiet: args.quiet === true });
      return 0;
    }
    case 'runner': {
      const args = parseArgs(rest, { ...QUEUE_ARGS, pool: 'int', 'runner-id': 'string', 'steal-delay-ms': 'int', 'fetch-per-worker': 'int', 'drain-timeout-ms': 'int', 'suspect-journal': 'string' });
      const redis = redisUrl(args);
      await runRunner({
        redisUrl: redis,
        ...(args['runner-id'] !== undefined ? { runnerId: args['runner-id'] as string } : {}),
        ...(args.pool !== undefined ? { poolSize: args.pool as number } : {}),
        ...(args['suspect-journal'] !== undefined ? { suspectJournal: args['suspect-journal'] as string } : {}),
        storage: storageChoice(args, redis),
        queue: {
          ...queueArgs(args),
          ...(args['steal-delay-ms'] !== undefined ? { stealDelayMs: args['steal-delay-ms'] as number } : {}),
          ...(args['fetch-per-worker'] !== undefined ? { fetchPerWorker: args['fetch-per-worker'] as number } : {}),
          ...(args['drain-timeout-ms'] !== undefined ? { drainTimeoutMs: args['drain-timeout-ms'] as number } : {}),
        },
      });
      return 0;
    }
    case 'main-loop': {
      const args = parseArgs(rest, { ...QUEUE_ARGS, ticks: 'int', 'start-tick': 'int', 'min-tick-ms': 'int', 'reset-interval-ms': 'int', quiet: 'flag' });
      const redis = redisUrl(args);
      await runMainLoop({
        redisUrl: redis,
        ticks: (args.ticks as number | undefined) ?? 10,
        startTick: (args['start-tick'] as number | undefined) ?? 1,
        minTickMs: (args['min-tick-ms'] as number | undefined) ?? 1000,
        storage: storageChoice(args, redis),
        queue: { ...queueArgs(args), ...(args['reset-interval-ms'] !== undefined ? { resetIntervalMs: args['reset-interval-ms'] as number } : {}) },
        quiet: args.quiet === true,
      });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 1;
  }
}

const QUEUE_ARGS = { redis: 'string', queue: 'string', 'lease-ms': 'int', storage: 'string', 'sample-players': 'int', mongo: 'string' } as const;
type Args = Record<string, string | number | boolean>;

function redisUrl(args: Args): string {
  const url = args.redis ?? process.env.REDIS_URL;
  if (typeof url !== 'string') throw new Error('--redis URL is required (or set REDIS_URL)');
  return url;
}

/** The runner's / main loop's store; with redis+mongo it lives on the queue's Redis. */
function storageChoice(args: Args, redis: string): StorageChoice {
  const kind = parseStorageKind(args.storage);
  if (kind === 'memory' && args.mongo !== undefined) throw new Error('--mongo works only with --storage redis+mongo');
  return {
    kind,
    samplePlayers: (args['sample-players'] as number | undefined) ?? 0,
    ...(kind === 'redis+mongo' ? { redisUrl: redis, ...(args.mongo !== undefined ? { mongoUrl: args.mongo as string } : {}) } : {}),
  };
}

function queueArgs(args: Args): { name?: string; leaseMs?: number } {
  return {
    ...(args.queue !== undefined ? { name: args.queue as string } : {}),
    ...(args['lease-ms'] !== undefined ? { leaseMs: args['lease-ms'] as number } : {}),
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
