/**
 * The scenario set: the default (full) run and the `--quick` smoke run, plus the comparisons (kernel
 * figure / baseline figure) and their targets.
 */
import * as os from 'node:os';
import type { ScenarioParams, ScenarioResult } from './measure.js';
import { realWorldComparisons, realWorldJobs } from './real-world-plan.js';

export interface Job {
  readonly id: string;
  readonly scenario: string;
  readonly params: ScenarioParams;
  /** Set when the job is not run, with the reason (e.g. not enough memory). */
  readonly skip?: string;
}

/** Worst-case RSS per idle isolate used to decide whether a scale step fits (feasibility §6: ~1-2 MB). */
const MB_PER_ISOLATE_BUDGET = 3;

export function plan(quick: boolean, cores: number): Job[] {
  const w = quick ? 1 : 3;
  const r = quick ? 3 : 8;
  const n = quick ? { trivial: 200, realistic: 50, heavy: 8, fresh: 30, mix: 100, first: 5 } : { trivial: 1000, realistic: 500, heavy: 16, fresh: 200, mix: 200, first: 20 };
  const jobs: Job[] = [];
  const add = (scenario: string, kind: string, players: number, poolSize: number, extra?: Record<string, number>, warmup = w, repeat = r): void => {
    const params: ScenarioParams = { players, poolSize, kind, warmup, repeat, ...(extra ? { extra } : {}) };
    const suffix = extra ? ` ${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
    jobs.push({ id: `${scenario} ${kind} N=${players} pool=${poolSize}${suffix}`, scenario, params });
  };
  for (const kind of ['trivial', 'realistic'] as const) {
    add('kernel', kind, n[kind], cores);
    add('floor', kind, n[kind], cores);
    add('per-task', kind, n[kind], cores);
  }
  add('fresh-isolate', 'trivial', n.fresh, cores, undefined, 1, quick ? 3 : 5);
  for (let pool = 1; pool <= cores; pool++) {
    if (pool !== cores) add('kernel', 'trivial', n.trivial, pool);
    add('kernel', 'heavy', n.heavy, pool);
  }
  add('floor', 'heavy', n.heavy, cores);
  // isolated-vm aborted the process once in about ten runs of the hostile mix (`environment != nullptr`),
  // most likely the thread-teardown abort that workers now avoid by disposing their isolates before they
  // end (`ShutdownTask`); until more runs confirm it, the CI smoke run leaves the mix out.
  if (!quick) add('kernel', 'mix', n.mix, cores);
  // Four warm-up ticks: after a player's third `ok` tick each worker remakes its code caches once and
  // replaces its spare isolates (kernel work, not billed); billing accuracy is the steady state after it.
  add('kernel', 'spin', 4, Math.min(2, cores), undefined, 4, quick ? 2 : 5);
  // Cached: compiled code cached and a spare isolate ready for each new player of a tick; cold: neither.
  add('first-tick', 'bundle200k', n.first, cores, { scriptCacheEntries: 512, spareIsolates: Math.ceil(n.first / cores) }, 1, quick ? 2 : 5);
  add('first-tick', 'bundle200k', n.first, cores, { scriptCacheEntries: 0, spareIsolates: 0 }, 1, quick ? 2 : 5);
  add('get-used', 'getUsed', 1, 1, undefined, 2, quick ? 3 : 10);
  for (const players of quick ? [100] : [100, 10_000]) {
    add('kernel', 'trivial', players, cores, undefined, w, players > 1000 ? 4 : r);
    const needMb = players * MB_PER_ISOLATE_BUDGET;
    const freeMb = os.freemem() / 2 ** 20;
    if (needMb > freeMb) jobs[jobs.length - 1] = { ...jobs[jobs.length - 1]!, skip: `needs ~${needMb} MB free, ${Math.round(freeMb)} MB free` };
  }
  add('storage', 'trivial', n.trivial, cores);
  jobs.push(...realWorldJobs(quick, cores));
  return jobs;
}

export interface Comparison {
  readonly name: string;
  readonly kernel: string;
  readonly baseline: string;
  /** kernel / baseline (or the figure itself when there is no baseline). */
  readonly value: number | null;
  readonly target: string;
  readonly met: boolean | null;
}

/** Builds the target table from the results of one run. */
export function compare(results: ReadonlyMap<string, ScenarioResult>, quick: boolean, cores: number): Comparison[] {
  const n = quick ? { trivial: 200, realistic: 50, heavy: 8, fresh: 30, first: 5 } : { trivial: 1000, realistic: 500, heavy: 16, fresh: 200, first: 20 };
  const get = (id: string): ScenarioResult | undefined => {
    const r = results.get(id);
    return r && r.skipped === undefined ? r : undefined;
  };
  const tp = (id: string): number | null => get(id)?.throughput ?? null;
  const cpu = (id: string): number | null => {
    const r = get(id);
    return r?.cpuMs != null ? r.cpuMs / r.params.players : null;
  };
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null => (a != null && b != null && b > 0 ? a / b : null);
  const out: Comparison[] = [];
  const row = (name: string, kernel: string, baseline: string, value: number | null, target: string, ok: (v: number) => boolean): void => {
    const judged = target !== '(reported)' && value !== null && !Number.isNaN(value);
    out.push({ name, kernel, baseline, value, target, met: judged ? ok(value) : null });
  };
  const k = (kind: string, players: number, pool = cores): string => `kernel ${kind} N=${players} pool=${pool}`;
  for (const kind of ['trivial', 'realistic'] as const) {
    const kid = k(kind, n[kind]);
    const fid = `floor ${kind} N=${n[kind]} pool=${cores}`;
    row(`kernel / floor, ${kind}`, kid, fid, ratio(tp(kid), tp(fid)), kind === 'trivial' ? '>= 0.6' : '>= 0.9', (v) => v >= (kind === 'trivial' ? 0.6 : 0.9));
    // The same ratio from process CPU per player-tick (baseline CPU / kernel CPU): steadier than wall
    // time on a machine shared with other work.
    row(`kernel / floor, ${kind}, by CPU`, kid, fid, ratio(cpu(fid), cpu(kid)), '(reported)', () => true);
    const pid = `per-task ${kind} N=${n[kind]} pool=${cores}`;
    row(`kernel / one task per player, ${kind}`, kid, pid, ratio(tp(kid), tp(pid)), '>= 5', (v) => v >= 5);
    row(`kernel / one task per player, ${kind}, by CPU`, kid, pid, ratio(cpu(pid), cpu(kid)), '(reported)', () => true);
  }
  const fresh = `fresh-isolate trivial N=${n.fresh} pool=${cores}`;
  row('kernel / fresh isolate per tick, trivial', k('trivial', n.trivial), fresh, ratio(tp(k('trivial', n.trivial)), tp(fresh)), '>= 100', (v) => v >= 100);
  row('kernel / fresh isolate per tick, trivial, by CPU', k('trivial', n.trivial), fresh, ratio(cpu(fresh), cpu(k('trivial', n.trivial))), '(reported)', () => true);
  if (cores >= 2) {
    row(`pool ${cores} / pool 1, heavy CPU`, k('heavy', n.heavy), k('heavy', n.heavy, 1), ratio(tp(k('heavy', n.heavy)), tp(k('heavy', n.heavy, 1))), '>= 1.8 (2 cores)', (v) => v >= 1.8);
    row(`pool ${cores} / pool 1, trivial`, k('trivial', n.trivial), k('trivial', n.trivial, 1), ratio(tp(k('trivial', n.trivial)), tp(k('trivial', n.trivial, 1))), '(reported)', () => true);
  }
  const rssId = [k('trivial', 10_000), k('trivial', n.trivial)].find((id) => get(id) !== undefined) ?? k('trivial', n.trivial);
  row('RSS per idle warm isolate (MB)', rssId, '-', get(rssId)?.figures.rssPerIsolateMb ?? null, '<= 1.5', (v) => v <= 1.5);
  const spin = k('spin', 4, Math.min(2, cores));
  row('billed CPU / process CPU, 4 spinning players', spin, '-', get(spin)?.figures.billedOverRealCpu ?? null, '<= 1.05', (v) => v <= 1.05);
  const cached = `first-tick bundle200k N=${n.first} pool=${cores} scriptCacheEntries=512 spareIsolates=${Math.ceil(n.first / cores)}`;
  const cold = `first-tick bundle200k N=${n.first} pool=${cores} scriptCacheEntries=0 spareIsolates=0`;
  row('first tick, 200 KB bundle: cold / cached (speed-up)', cached, cold, ratio(get(cold)?.median, get(cached)?.median), '>= 2.5', (v) => v >= 2.5);
  const used = 'get-used getUsed N=1 pool=1';
  row('Game.cpu.getUsed() µs per call', used, '-', get(used)?.median ?? null, '<= 1', (v) => v <= 1);
  out.push(...realWorldComparisons(get, quick, cores, n.trivial));
  return out;
}
