#!/usr/bin/env node
/**
 * Command line: `screeps-kernel demo [--players N] [--ticks N] [--pool N]`.
 * Re-executes itself with `--no-node-snapshot` when started without it (isolated-vm needs it).
 */
import { spawnSync } from 'node:child_process';
import { hasNoNodeSnapshot } from '../kernel.js';
import { parseArgs } from './args.js';
import { runDemo } from './demo.js';
import { parseStorageKind } from './demo-storage.js';
import { runSeed } from './seed.js';

const USAGE = `usage: screeps-kernel <command> [options]

commands:
  demo      run sample players on the in-memory store
            --players N (default 300)  --ticks N (default 20)  --pool N (default: cores)
            --storage memory|redis+mongo (default memory; redis+mongo reads REDIS_URL and MONGO_URL)
  seed      write N demo players (users, code, Memory) into Redis + MongoDB (REDIS_URL, MONGO_URL)
            --players N (default 300)
`;

async function main(argv: string[]): Promise<number> {
  if (!hasNoNodeSnapshot()) {
    const child = spawnSync(process.execPath, ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    return child.status ?? 1;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const args = parseArgs(rest, { players: 'int', ticks: 'int', pool: 'int', quiet: 'flag', storage: 'string' });
      await runDemo({
        players: (args.players as number | undefined) ?? 300,
        ticks: (args.ticks as number | undefined) ?? 20,
        ...(args.pool !== undefined ? { poolSize: args.pool as number } : {}),
        quiet: args.quiet === true,
        storage: parseStorageKind(args.storage),
      });
      return 0;
    }
    case 'seed': {
      const args = parseArgs(rest, { players: 'int', quiet: 'flag' });
      await runSeed({ players: (args.players as number | undefined) ?? 300, quiet: args.quiet === true });
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
