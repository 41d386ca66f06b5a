/**
 * Issue 13: what moving the workers from threads into child processes would cost per tick, measured on
 * the transport alone. A batch of `--players` run requests (each with a `--memory-kb` Memory string) goes
 * to an echo peer and its results come back, `--rounds` times: over a worker thread's MessagePort
 * (structured clone, what Piscina uses) and over a child process's IPC channel (`serialization:
 * 'advanced'`, the same structured clone plus a pipe). Prints the median round trip per batch and per
 * player. The isolates' work is the same either way and is not part of this.
 *
 *   node --no-node-snapshot dist/benchmarks/ipc-cost.js --players 64 --memory-kb 10 --rounds 200
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { parseArgs } from '../src/cli/args.js';

const self = fileURLToPath(import.meta.url);

if (!isMainThread) {
  parentPort!.on('message', (m: unknown) => parentPort!.postMessage(m));
} else if (process.argv[2] === '--echo-child') {
  process.on('message', (m) => process.send!(m));
} else {
  const args = parseArgs(process.argv.slice(2), { players: 'int', 'memory-kb': 'int', rounds: 'int' });
  const players = (args.players as number | undefined) ?? 64;
  const memory = 'x'.repeat(((args['memory-kb'] as number | undefined) ?? 10) * 1024);
  const rounds = (args.rounds as number | undefined) ?? 200;
  const batch = {
    batchId: 1,
    gameTime: 1,
    players: Array.from({ length: players }, (_, i) => ({
      userId: `u${i}`,
      username: `user${i}`,
      gameTime: 1,
      code: { hash: 'h'.repeat(64), timestamp: 1 },
      cpu: { limit: 100, tickLimit: 500, bucket: 10_000 },
      memory,
      segments: {},
      interShard: { local: '', remote: {} },
      consoleCommands: [],
    })),
  };
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (send: (m: unknown) => void, once: (f: () => void) => void): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        once(resolve);
        send(batch);
      });
      xs.push(performance.now() - t0);
    }
    return median(xs.slice(Math.floor(rounds / 10)));
  };
  const worker = new Worker(self);
  const threadMs = await time((m) => worker.postMessage(m), (f) => worker.once('message', f));
  await worker.terminate();
  const child: ChildProcess = fork(self, ['--echo-child'], { serialization: 'advanced', stdio: 'ignore', execArgv: [] });
  await new Promise((resolve) => child.once('spawn', resolve));
  const processMs = await time((m) => child.send(m as never), (f) => child.once('message', f));
  child.kill();
  console.log(`${players} players, ${memory.length / 1024} KB Memory each, ${rounds} rounds (median round trip of one batch)`);
  console.log(`worker thread:  ${threadMs.toFixed(3)} ms per batch, ${((threadMs / players) * 1000).toFixed(1)} µs per player`);
  console.log(`child process:  ${processMs.toFixed(3)} ms per batch, ${((processMs / players) * 1000).toFixed(1)} µs per player`);
}
