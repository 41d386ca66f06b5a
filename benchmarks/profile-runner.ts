/**
 * `npm run profile:runner -- [--players 30] [--warmup 40] [--seconds 20]`: where the kernel runner's CPU
 * goes on the real-world scenario's world (the launcher's, simplebots, the kernel's driver module as in
 * the benchmark family). It starts the world with `--perf-basic-prof` in the runner, lets it warm up,
 * records the runner process with Linux `perf` (`perf record -g`; needs `perf` on the PATH and
 * `kernel.perf_event_paranoid` low enough for the user), and prints the runner's samples by thread and by
 * category (`perf-profile.ts`), with each category's share of the runner's CPU per player-tick.
 */
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerWorld } from '../src/screeps/world/server-world.js';
import { printProfile, profileOptions, ProfileUsageError, recordProfile } from './perf-record.js';
import { KERNEL_RUNNER_THREADS } from './real-world-plan.js';
import { benchBots, freeRooms, onePid, PRE_PLACED } from './scenarios/real-world.js';
import { procCpu } from './server-procs.js';

/** A reason to stop, told in one line (the world, if started, is closed first). */
class Stop extends Error {}

function fail(message: string): never {
  throw new Stop(message);
}

async function main(): Promise<void> {
  const { players, warmup, seconds } = profileOptions({ players: 30, warmup: 40, seconds: 20 });
  const rooms = freeRooms();
  if (players < PRE_PLACED || players - PRE_PLACED > rooms.length) fail(`--players must be between ${PRE_PLACED} and ${PRE_PLACED + rooms.length}`);

  const cores = availableParallelism();
  console.log(`Starting the world: ${players} simplebots, the kernel's driver module (${cores} workers, ${KERNEL_RUNNER_THREADS} players in flight)...`);
  const world = await ServerWorld.start({
    runner: 'kernel',
    extraBots: benchBots(rooms, players - PRE_PLACED),
    processors: cores,
    runnerEnv: {
      KERNEL_POOL_SIZE: String(cores),
      KERNEL_RUNNER_CONCURRENCY: String(KERNEL_RUNNER_THREADS),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --perf-basic-prof`.trim(),
    },
  });
  let runner: number | undefined;
  try {
    runner = onePid('engine/dist/runner.js');
    const t0 = await world.gameTime();
    await world.waitTicks(t0, warmup, undefined, 10);
    console.log(`Warmed up ${warmup} ticks; recording the runner (pid ${runner}) for ${seconds} s...`);
    const a = { time: await world.gameTime(), cpu: procCpu(runner).totalMs };
    const profile = await recordProfile(runner, seconds).catch((e: Error) => fail(e.message));
    const b = { time: await world.gameTime(), cpu: procCpu(runner).totalMs };
    if (profile.samples === 0) fail('perf recorded no samples of the runner');

    const playerTicks = (b.time - a.time) * players;
    const cpuPerPlayerTick = (b.cpu - a.cpu) / Math.max(1, playerTicks);
    console.log(`\n${b.time - a.time} ticks, ${playerTicks} player-ticks, runner CPU ${cpuPerPlayerTick.toFixed(2)} ms per player-tick (/proc), ${profile.samples} samples\n`);
    printProfile(profile, cpuPerPlayerTick, 'ms/pt', 3);
  } finally {
    await world.close();
    // The JIT symbol map `--perf-basic-prof` wrote for the runner.
    if (runner !== undefined) rmSync(join(tmpdir(), `perf-${runner}.map`), { force: true });
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof Stop || error instanceof ProfileUsageError)) throw error;
  console.error(`profile-runner: ${error.message}`);
  process.exitCode = 2;
}
