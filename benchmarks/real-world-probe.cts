/**
 * Preloaded into the official engine's runner process by the real-world benchmark (`NODE_OPTIONS=--require`),
 * on both runtimes alike. It only listens to the engine's own `runnerLoopStage` events (the runner emits
 * them around every player's run and save) and writes its totals to `REALWORLD_PROBE_FILE` when the
 * harness sends SIGUSR2: no per-event I/O, so the runner's CPU stays the runner's. Nothing of the
 * driver is replaced or wrapped.
 */
import fs = require('node:fs');
import workerThreads = require('node:worker_threads');
import inspector = require('node:inspector');
import type { EventEmitter } from 'node:events';

/** What the probe writes (read by benchmarks/scenarios/real-world.ts). */
interface ProbeTotals {
  seq: number;
  /** Player runs whose result reached the runner's save (`saveResultStart`). */
  runs: number;
  /** Of those, runs with an error (a rejected `makeRuntime` or a player error). */
  errors: number;
  /** Sum of `usedCleanTime` (the player's own code, ms) over the runs that report it. */
  cleanMs: number;
  /** Sum of the driver's in-isolate CPU (kernel: the worker thread's billed CPU; official: `usedDirtyTime`, whole ms rounded up). */
  isolateMs: number;
  isolateRuns: number;
  /** A player's first run and save (`runUser` to `finish`), ms, by user id. */
  firstRunMs: Record<string, number>;
}

const file = process.env.REALWORLD_PROBE_FILE;
const driverModule = process.env.DRIVER_MODULE;
if (workerThreads.isMainThread && file !== undefined && driverModule !== undefined) {
  const totals: ProbeTotals = { seq: 0, runs: 0, errors: 0, cleanMs: 0, isolateMs: 0, isolateRuns: 0, firstRunMs: {} };
  const started = new Map<string, number>();
  // The same module object the engine's utils.getDriver() returns (require cache).
  const driver = require(driverModule) as { config: EventEmitter };
  driver.config.on('runnerLoopStage', (stage: string, arg: unknown) => {
    if (stage === 'runUser' && typeof arg === 'string') {
      started.set(arg, performance.now());
    } else if (stage === 'saveResultStart') {
      const r = (arg ?? {}) as { error?: unknown; usedCleanTime?: unknown; usedDirtyTime?: unknown; kernel?: { billedMs?: unknown } };
      totals.runs++;
      if (r.error !== undefined && r.error !== null) totals.errors++;
      if (typeof r.usedCleanTime === 'number') totals.cleanMs += r.usedCleanTime;
      const isolate = typeof r.kernel?.billedMs === 'number' ? r.kernel.billedMs : r.usedDirtyTime;
      if (typeof isolate === 'number') {
        totals.isolateMs += isolate;
        totals.isolateRuns++;
      }
    } else if (stage === 'finish' && typeof arg === 'string') {
      const t = started.get(arg);
      started.delete(arg);
      if (t !== undefined && !(arg in totals.firstRunMs)) totals.firstRunMs[arg] = performance.now() - t;
    }
  });
  // Profiling mode (`REALWORLD_PROFILE_FILE`): the main thread's CPU profile from the first request
  // (the start of the measured ticks) to the second, written as a .cpuprofile.
  const profileFile = process.env.REALWORLD_PROFILE_FILE;
  let session: inspector.Session | null = null;
  const profile = (): void => {
    if (profileFile === undefined) return;
    if (session === null) {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () => session!.post('Profiler.start'));
    } else if (!fs.existsSync(profileFile)) {
      session.post('Profiler.stop', (error, result) => {
        if (error === null) fs.writeFileSync(profileFile, JSON.stringify(result.profile));
      });
    }
  };
  process.on('SIGUSR2', () => {
    totals.seq++;
    fs.writeFileSync(file, JSON.stringify(totals));
    profile();
  });
}
