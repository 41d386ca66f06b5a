/**
 * `npm run profile:trivial -- [--players 1000] [--warmup 20] [--seconds 15]`: where the fixed kernel cost
 * of a player-tick goes. It runs the benchmark's trivial scenario in this process (N players whose loop
 * is empty, the in-memory store, one worker per core), records this process with Linux `perf` while it
 * keeps ticking (started with `--perf-basic-prof`; needs `perf` on the PATH), and prints the samples by
 * thread and by category (`perf-profile.ts`), with each category's share of the process CPU per
 * player-tick in µs.
 */
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../src/index.js';
import { kernelOptions, seedMemoryStorage, withRuntime } from './kernel-run.js';
import { processCpuMs } from './measure.js';
import { printProfile, profileOptions, recordProfile } from './perf-record.js';

async function main(): Promise<void> {
  const { players, warmup, seconds } = profileOptions({ players: 1000, warmup: 20, seconds: 15 });
  if (!process.execArgv.includes('--perf-basic-prof')) throw new Error('run with node --perf-basic-prof (npm run profile:trivial does)');

  const storage = new MemoryStorage();
  seedMemoryStorage(storage, players, () => 'trivial');
  const poolSize = availableParallelism();
  const params = { players, poolSize, kind: 'trivial', warmup, repeat: 0 };
  try {
    await withRuntime(kernelOptions(params, { storage }), async (runtime) => {
      let time = 1;
      console.log(`${players} trivial players, ${poolSize} workers: warming up ${warmup} ticks...`);
      for (let i = 0; i < warmup; i++) await runtime.runTick(time++);
      console.log(`recording this process (pid ${process.pid}) for ${seconds} s...`);
      let recording = true;
      const profile = recordProfile(process.pid, seconds).finally(() => (recording = false));
      const cpu0 = processCpuMs();
      let ticks = 0;
      // Ticks until perf stops (the last tick may end a little after it).
      while (recording) {
        await runtime.runTick(time++);
        ticks++;
      }
      const cpuMs = processCpuMs() - cpu0;
      const result = await profile;
      if (result.samples === 0) throw new Error('perf recorded no samples');
      const perPlayerTickUs = (cpuMs * 1000) / (ticks * players);
      console.log(`\n${ticks} ticks, ${ticks * players} player-ticks, process CPU ${perPlayerTickUs.toFixed(1)} µs per player-tick, ${result.samples} samples\n`);
      printProfile(result, perPlayerTickUs, 'µs/pt', 1);
    });
  } finally {
    rmSync(join(tmpdir(), `perf-${process.pid}.map`), { force: true });
  }
}

try {
  await main();
} catch (error) {
  console.error(`profile-trivial: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
