/**
 * The real-world family (official Screeps server, simplebot players, the official runner against the
 * kernel's driver module in the same run): its jobs, and the issue-17 target table built from one run.
 * The last two targets (billing accuracy, fixed cost of a trivial player-tick) come from the kernel's
 * own scenarios of the same run (`kernel spin`, `kernel trivial`).
 */
import type { ScenarioParams, ScenarioResult } from './measure.js';
import type { Comparison, Job } from './plan.js';

/** Player counts of the family. The launcher's world has 72 controllers: 70 players and 2 new ones fit. */
export function realWorldCounts(quick: boolean): number[] {
  return quick ? [5] : [5, 10, 30, 66];
}

/** The count the single-count targets are read at (the 30 players; the quick run has only 5). */
export const targetCount = (quick: boolean): number => (quick ? 5 : 30);

/**
 * Kernel side: concurrent `makeRuntime` calls the runner makes (the kernel batches them onto its pool).
 * Measured at 30 players: 8 gave 1.23 ms of runner main-thread CPU per player-tick, 30 gave 0.78 ms and
 * 1.4 times the player-ticks/s (bigger batches; storage reads of many players in flight at once).
 */
export const KERNEL_RUNNER_THREADS = 32;

/**
 * Measured ticks per run at every player count. It was `max(30, 1500 / N)` before: 300 ticks at N=5
 * and 23 at N=66, so the marginal RSS compared a long run with a short one (kernel, one pair of runs of
 * 100 ticks each: 14.0 MB per added player, where the family had read 8).
 */
export const MEASURED_TICKS = 100;

export function realWorldId(side: string, players: number, pool: number, runnerThreads: number): string {
  return `real-world ${side} N=${players} pool=${pool} runnerThreads=${runnerThreads}`;
}

export function realWorldJobs(quick: boolean, cores: number): Job[] {
  const jobs: Job[] = [];
  const add = (side: 'official' | 'kernel', players: number, runnerThreads: number): void => {
    // The same measured ticks at every N: an isolate's heap grows with the ticks it has run (until its
    // first major collections), so the marginal RSS per added player only compares like with like when
    // every count ran as long. The quick run only checks it works.
    const repeat = quick ? 30 : MEASURED_TICKS;
    const params: ScenarioParams = { players, poolSize: cores, kind: side, warmup: quick ? 5 : 20, repeat, extra: { runnerThreads, newPlayers: quick ? 1 : 2 } };
    // The figures come from /proc: elsewhere the jobs are listed as skipped, with the reason.
    const skip = process.platform === 'linux' ? {} : { skip: 'needs Linux (/proc)' };
    jobs.push({ id: realWorldId(side, players, cores, runnerThreads), scenario: 'real-world', params, ...skip });
  };
  for (const n of realWorldCounts(quick)) {
    add('official', n, cores);
    add('kernel', n, KERNEL_RUNNER_THREADS);
  }
  // The kernel with the official side's runner concurrency and with 8 (smaller batches), at the target count.
  if (!quick) {
    add('kernel', targetCount(quick), cores);
    add('kernel', targetCount(quick), 8);
  }
  return jobs;
}

type Get = (id: string) => ScenarioResult | undefined;

/** Marginal runner RSS per added player between the smallest and the largest count (RSS / N with one count). */
export function rssPerPlayer(get: Get, side: 'official' | 'kernel', quick: boolean, cores: number): number | null {
  const counts = realWorldCounts(quick);
  const threads = side === 'official' ? cores : KERNEL_RUNNER_THREADS;
  const at = (n: number) => get(realWorldId(side, n, cores, threads))?.figures.runnerRssMb;
  const lo = at(counts[0]!);
  const hi = at(counts[counts.length - 1]!);
  if (counts.length === 1) return lo === undefined ? null : lo / counts[0]!;
  return lo === undefined || hi === undefined ? null : (hi - lo) / (counts[counts.length - 1]! - counts[0]!);
}

export function realWorldComparisons(get: Get, quick: boolean, cores: number, trivialPlayers: number): Comparison[] {
  const n = targetCount(quick);
  const off = realWorldId('official', n, cores, cores);
  const ker = realWorldId('kernel', n, cores, KERNEL_RUNNER_THREADS);
  const fig = (id: string, name: string): number | null => get(id)?.figures[name] ?? null;
  const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? a / b : null);
  const out: Comparison[] = [];
  const row = (name: string, kernel: string, baseline: string, value: number | null, target: string, ok: (v: number) => boolean): void => {
    out.push({ name, kernel, baseline, value, target, met: value === null || Number.isNaN(value) ? null : ok(value) });
  };
  row(`real world: runner CPU per player-tick, official / kernel (N=${n})`, ker, off, ratio(fig(off, 'runnerCpuMsPerPlayerTick'), fig(ker, 'runnerCpuMsPerPlayerTick')), '>= 3', (v) => v >= 3);
  row(`real world: storage CPU per player-tick, official / kernel (N=${n})`, ker, off, ratio(fig(off, 'storageCpuMsPerPlayerTick'), fig(ker, 'storageCpuMsPerPlayerTick')), '>= 2', (v) => v >= 2);
  row(`real world: server ticks/s, kernel / official (N=${n})`, ker, off, ratio(fig(ker, 'serverTicksPerSec'), fig(off, 'serverTicksPerSec')), '>= 1.8', (v) => v >= 1.8);
  const counts = realWorldCounts(quick);
  const rssNote = counts.length > 1 ? `marginal N=${counts[0]}..${counts[counts.length - 1]}` : `RSS / N, N=${counts[0]}`;
  row(`real world: runner RSS per player, official / kernel (${rssNote})`, 'real-world kernel', 'real-world official', ratio(rssPerPlayer(get, 'official', quick, cores), rssPerPlayer(get, 'kernel', quick, cores)), '>= 3', (v) => v >= 3);
  row(`real world: first tick of a new player, official / kernel (N=${n})`, ker, off, ratio(fig(off, 'firstTickMs'), fig(ker, 'firstTickMs')), '>= 5', (v) => v >= 5);
  const spin = `kernel spin N=4 pool=${Math.min(2, cores)}`;
  row('billed CPU / real thread CPU, 4 spinning players (kernel)', spin, '-', fig(spin, 'billedOverRealCpu'), '<= 1.05', (v) => v <= 1.05);
  const trivial = `kernel trivial N=${trivialPlayers} pool=${cores}`;
  const t = get(trivial);
  row('fixed kernel cost of a trivial player-tick, µs (process CPU, all threads)', trivial, '-', t?.cpuMs != null ? (t.cpuMs / t.params.players) * 1000 : null, '<= 50', (v) => v <= 50);
  return out;
}
