/**
 * The official private server's default world (the launcher's, 4 pre-placed simplebots) with `players`
 * simplebot players in all, run by the engine's unmodified main, processors and runner; `kind` picks the
 * runner's driver: `official` (`@screeps/driver` makeRuntime, `RUNNER_THREADS` = `extra.runnerThreads`,
 * default the pool size) or `kernel` (this package's driver module, `KERNEL_POOL_SIZE` = the pool size,
 * `KERNEL_RUNNER_CONCURRENCY` = `extra.runnerThreads`).
 * Both sides start from the same storage contents (bots placed before the world resumes, at fixed ids),
 * warm up `warmup` ticks, then run at least `repeat` ticks in three segments (the samples, ms per tick).
 * Then `extra.newPlayers` players are placed one at a time while the world runs, and each one's first
 * run (data load to save, as the runner's own `runnerLoopStage` events time it) is the first-tick figure.
 * `extra.runnerNodeOptions` adds Node flags to the runner process only (those NODE_OPTIONS accepts), and
 * `REALWORLD_PROFILE_FILE` in this process's environment makes the runner's probe write a CPU profile of
 * its main thread over the first measured segment.
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverPaths } from '../../src/screeps/official.js';
import { ServerWorld } from '../../src/screeps/world/server-world.js';
import { median, summarise, type ScenarioParams, type ScenarioResult } from '../measure.js';
import { childPids, procCpu, rssMb, sumCpu, threadCpuByName, type ProcCpu } from '../server-procs.js';

const PROBE = join(dirname(fileURLToPath(import.meta.url)), '..', 'real-world-probe.cjs');
/** The launcher's world has 4 bots placed already. */
export const PRE_PLACED = 4;
const SEGMENTS = 3;

interface ProbeTotals {
  readonly seq: number;
  readonly runs: number;
  readonly errors: number;
  readonly cleanMs: number;
  readonly isolateMs: number;
  readonly isolateRuns: number;
  readonly firstRunMs: Record<string, number>;
}

/** The simplebots placed beside the pre-placed ones, in the first free rooms, at fixed names (the same world on both sides and in `profile-runner`). */
export function benchBots(rooms: readonly string[], count: number): { username: string; room: string }[] {
  return rooms.slice(0, count).map((room, i) => ({ username: `Bench${i}`, room }));
}

/** Rooms with a controller nobody owns in the launcher's world, sorted (the same on both sides). */
export function freeRooms(): string[] {
  const db = JSON.parse(readFileSync(serverPaths().launcherDb, 'utf8')) as { collections: { name: string; data: { type?: string; user?: string; room?: string }[] }[] };
  const objects = db.collections.find((c) => c.name === 'rooms.objects')?.data ?? [];
  return objects.filter((o) => o.type === 'controller' && !o.user).map((o) => o.room!).sort();
}

function readProbe(file: string): ProbeTotals | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProbeTotals;
  } catch {
    return null;
  }
}

/** Asks the runner's probe for its totals (SIGUSR2) and waits for the new write. */
async function probe(runnerPid: number, file: string): Promise<ProbeTotals> {
  const before = readProbe(file)?.seq ?? 0;
  process.kill(runnerPid, 'SIGUSR2');
  for (let i = 0; i < 2000; i++) {
    const now = readProbe(file);
    if (now !== null && now.seq > before) return now;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the runner probe did not answer');
}

export function onePid(script: string): number {
  const pids = childPids(script);
  if (pids.length !== 1) throw new Error(`expected one process running ${script}, found ${pids.length}`);
  return pids[0]!;
}

interface Point {
  readonly time: number;
  readonly at: number;
  readonly runner: ProcCpu;
  readonly storage: ProcCpu;
  readonly main: ProcCpu;
  readonly processors: ProcCpu;
  readonly probe: ProbeTotals;
  readonly threads: Record<string, number>;
}

export default async function run(params: ScenarioParams): Promise<ScenarioResult> {
  const started = performance.now();
  const side = params.kind === 'official' ? 'official' : 'kernel';
  const runnerThreads = Number(params.extra?.runnerThreads ?? params.poolSize);
  const newPlayers = Number(params.extra?.newPlayers ?? 2);
  const rooms = freeRooms();
  const extra = params.players - PRE_PLACED;
  if (extra < 0 || extra + newPlayers > rooms.length) throw new Error(`the world has ${rooms.length} free rooms: ${params.players} players and ${newPlayers} new ones do not fit`);
  // New players take the last free rooms, so the world's first `players` are the same whatever the count of new ones.
  const reserved = rooms.slice(rooms.length - newPlayers);
  const probeFile = join(tmpdir(), `real-world-probe-${process.pid}.json`);
  const world = await ServerWorld.start({
    runner: side,
    extraBots: benchBots(rooms, extra),
    processors: params.poolSize,
    runnerEnv: {
      KERNEL_POOL_SIZE: String(params.poolSize),
      // Players in flight at once: the official runner's threads, the kernel driver's batch source.
      ...(side === 'official' ? { RUNNER_THREADS: String(runnerThreads) } : { KERNEL_RUNNER_CONCURRENCY: String(runnerThreads) }),
      // `extra.runnerNodeOptions`: V8/Node flags for the runner process only (e.g. a GC setting to try).
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${String(params.extra?.runnerNodeOptions ?? '')} --require ${PROBE}`.replace(/\s+/g, ' ').trim(),
      REALWORLD_PROBE_FILE: probeFile,
      ...(process.env.REALWORLD_PROFILE_FILE ? { REALWORLD_PROFILE_FILE: process.env.REALWORLD_PROFILE_FILE } : {}),
    },
  });
  try {
    const runner = onePid('engine/dist/runner.js');
    const storage = onePid('storage/bin/start.js');
    const main = onePid('engine/dist/main.js');
    const processors = childPids('engine/dist/processor.js');
    const point = async (): Promise<Point> => ({ time: await world.gameTime(), at: performance.now(), runner: procCpu(runner), storage: procCpu(storage), main: procCpu(main), processors: sumCpu(processors), probe: await probe(runner, probeFile), threads: threadCpuByName(runner) });
    const t0 = await world.gameTime();
    await world.waitTicks(t0, params.warmup, undefined, 10);
    const load1 = loadavg()[0]!;
    const points: Point[] = [await point()];
    const perSegment = Math.ceil(params.repeat / SEGMENTS);
    for (let s = 0; s < SEGMENTS; s++) {
      await world.waitTicks(points[points.length - 1]!.time, perSegment, undefined, 10);
      points.push(await point());
    }
    const a = points[0]!;
    const b = points[points.length - 1]!;
    const samples = points.slice(1).map((p, i) => (p.at - points[i]!.at) / (p.time - points[i]!.time));
    const seconds = (b.at - a.at) / 1000;
    const ticks = b.time - a.time;
    const playerTicks = b.probe.runs - a.probe.runs;
    const per = (x: number): number => x / playerTicks;
    const runnerRss = rssMb(runner);
    // The runner's CPU by thread name (threads that ended inside the window are missing).
    const byThread: Record<string, number> = {};
    for (const [name, ms] of Object.entries(b.threads)) byThread[`runnerThreadMsPerPlayerTick:${name}`] = per(ms - (a.threads[name] ?? 0));
    const storageRss = rssMb(storage);

    const firstTicks: number[] = [];
    for (const [i, room] of reserved.entries()) {
      const id = await world.placeBot(`Newcomer${i}`, room);
      const deadline = performance.now() + 120_000;
      for (;;) {
        const ms = (await probe(runner, probeFile)).firstRunMs[id];
        if (ms !== undefined) {
          firstTicks.push(ms);
          break;
        }
        if (performance.now() > deadline) throw new Error(`new player ${id} did not run within 120 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return summarise('real-world', params, 'ms/server tick', samples, {
      throughput: playerTicks / seconds,
      cpuMs: b.runner.totalMs - a.runner.totalMs,
      errors: b.probe.errors - a.probe.errors,
      wallMs: performance.now() - started,
      figures: {
        ticks,
        playerTicks,
        serverTicksPerSec: ticks / seconds,
        runnerCpuMsPerPlayerTick: per(b.runner.totalMs - a.runner.totalMs),
        runnerMainThreadMsPerPlayerTick: per(b.runner.mainMs - a.runner.mainMs),
        runnerOtherThreadsMsPerPlayerTick: per(b.runner.totalMs - b.runner.mainMs - (a.runner.totalMs - a.runner.mainMs)),
        isolateMsPerPlayerTick: (b.probe.isolateMs - a.probe.isolateMs) / Math.max(1, b.probe.isolateRuns - a.probe.isolateRuns),
        playerCodeMsPerPlayerTick: per(b.probe.cleanMs - a.probe.cleanMs),
        storageCpuMsPerPlayerTick: per(b.storage.totalMs - a.storage.totalMs),
        mainCpuMsPerPlayerTick: per(b.main.totalMs - a.main.totalMs),
        processorsCpuMsPerPlayerTick: per(b.processors.totalMs - a.processors.totalMs),
        runnerRssMb: runnerRss,
        runnerRssPerPlayerMb: runnerRss / params.players,
        storageRssMb: storageRss,
        firstTickMs: median(firstTicks),
        firstTickMaxMs: Math.max(...firstTicks),
        runnerThreads,
        // The machine's 1-minute load average when the measured ticks began (the cores are shared).
        loadAverage1: load1,
        ...byThread,
      },
    });
  } finally {
    await world.close();
    rmSync(probeFile, { force: true });
  }
}
