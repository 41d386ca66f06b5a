/**
 * Statistics and the environment record shared by the harness and the scenario runner.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Parameters of one scenario run (passed to the child process as JSON). */
export interface ScenarioParams {
  readonly players: number;
  readonly poolSize: number;
  readonly kind: string;
  readonly warmup: number;
  readonly repeat: number;
  /** Free-form extras of one scenario (e.g. `scriptCacheEntries`). */
  readonly extra?: Readonly<Record<string, number | string | boolean>>;
}

/** What one scenario run reports. `samples` are per-repetition values of `unit`. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly params: ScenarioParams;
  /** Null when the scenario was skipped; `skipped` then says why. */
  readonly skipped?: string;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly median: number;
  readonly p99: number;
  /** Player-ticks per second (from the median tick), when that is meaningful. */
  readonly throughput: number | null;
  /** Process CPU (all threads) per repetition, ms, median. */
  readonly cpuMs: number | null;
  readonly rssMb: number;
  /** Scenario-specific figures (e.g. RSS per isolate, billed/real CPU). */
  readonly figures: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly wallMs: number;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank quantile (p99 of 6 samples is the maximum: the harness says how many samples it had). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(
  scenario: string,
  params: ScenarioParams,
  unit: string,
  samples: readonly number[],
  rest: { throughput: number | null; cpuMs: number | null; figures?: Record<string, number>; errors?: number; wallMs: number },
): ScenarioResult {
  return {
    scenario,
    params,
    unit,
    samples,
    median: median(samples),
    p99: quantile(samples, 0.99),
    throughput: rest.throughput,
    cpuMs: rest.cpuMs,
    rssMb: process.memoryUsage.rss() / 2 ** 20,
    figures: rest.figures ?? {},
    errors: rest.errors ?? 0,
    wallMs: rest.wallMs,
  };
}

export function skipped(scenario: string, params: ScenarioParams, reason: string): ScenarioResult {
  return { scenario, params, skipped: reason, unit: '', samples: [], median: Number.NaN, p99: Number.NaN, throughput: null, cpuMs: null, rssMb: 0, figures: {}, errors: 0, wallMs: 0 };
}

/** Process CPU (user + system, all threads) in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly isolatedVm: string;
  readonly piscina: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemGb: number;
  readonly loadAverage: readonly number[];
  readonly platform: string;
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  readonly date: string;
}

export function environment(root: string): Environment {
  const version = (name: string): string => {
    try {
      // Read the installed manifest directly: some packages' `exports` hide `package.json`.
      const file = path.join(root, 'node_modules', name, 'package.json');
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return {
    node: process.version,
    v8: process.versions.v8,
    isolatedVm: version('isolated-vm'),
    piscina: version('piscina'),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${process.platform}-${process.arch}`,
    gitCommit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    date: new Date().toISOString(),
  };
}
