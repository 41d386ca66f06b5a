/**
 * Runs the kernel the way a server does (`runTick` against a store) for the scenario modules: seeds the
 * players, warms up, times each repetition, and collects CPU, RSS and billing figures.
 */
import { readFileSync } from 'node:fs';
import { createRuntime, MemoryStorage, type Runtime, type RuntimeOptions, type StoragePort, type TickReport } from '../src/index.js';
import { median, processCpuMs, summarise, type ScenarioParams, type ScenarioResult } from './measure.js';
import { mixKind, realisticMemory, sourceOf, type PlayerKind } from './players.js';

export interface KernelSetup {
  /** Kind of player `i` (default: `params.kind` for all). */
  readonly kindOf?: (index: number) => PlayerKind;
  readonly options?: RuntimeOptions;
  /** A different store (the Redis + MongoDB hook); it must already hold the players. */
  readonly storage?: StoragePort;
}

/** CPU ns of the calling (main) thread, from /proc (Node 22 has no per-thread CPU API); NaN elsewhere. */
function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

export function kindFor(params: ScenarioParams): (index: number) => PlayerKind {
  return params.kind === 'mix' ? mixKind : () => params.kind as PlayerKind;
}

/** One benchmark player: its id, CPU, bucket, code and (for realistic players) Memory. */
export interface BenchSeed {
  readonly id: string;
  readonly cpu: number;
  readonly cpuAvailable: number;
  readonly modules: { readonly main: string };
  readonly memory?: string;
}

/**
 * The `players` users every kernel scenario runs, with `cpu: 100`. A big bucket keeps CPU-heavy players
 * from being throttled (F6); the hostile mix starts with an empty bucket so a timeout costs 100 ms, not 500.
 */
export function benchSeeds(players: number, kindOf: (i: number) => PlayerKind, prefix = 'u', cpuAvailable = 10_000): BenchSeed[] {
  const sources = new Map<PlayerKind, string>();
  const memory = realisticMemory();
  return Array.from({ length: players }, (_, i) => {
    const kind = kindOf(i);
    let main = sources.get(kind);
    if (main === undefined) sources.set(kind, (main = sourceOf(kind)));
    return { id: `${prefix}${i}`, cpu: 100, cpuAvailable, modules: { main }, ...(kind === 'realistic' ? { memory } : {}) };
  });
}

/** The bucket a scenario's players start with (see `benchSeeds`). */
export function startingBucket(params: ScenarioParams): number {
  return params.kind === 'mix' ? 0 : 10_000;
}

/** Seeds `benchSeeds(...)` on a MemoryStorage. */
export function seedMemoryStorage(storage: MemoryStorage, players: number, kindOf: (i: number) => PlayerKind, prefix = 'u', cpuAvailable = 10_000): void {
  for (const seed of benchSeeds(players, kindOf, prefix, cpuAvailable)) storage.addUser(seed);
}

export function kernelOptions(params: ScenarioParams, extra: RuntimeOptions = {}): RuntimeOptions {
  return {
    poolSize: params.poolSize,
    logger: 'silent',
    memoryLimitMb: Number(params.extra?.memoryLimitMb ?? 64),
    idleIsolateTtlMs: 3_600_000,
    hangTimeoutMs: 30_000,
    onHungWorker: 'replace',
    ...extra,
  };
}

export async function withRuntime<T>(options: RuntimeOptions, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(options);
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** The standard kernel scenario: N players of a kind (or the mix), warm ticks, then timed ticks. */
export async function runKernelTicks(scenario: string, params: ScenarioParams, setup: KernelSetup = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const kindOf = setup.kindOf ?? kindFor(params);
  let storage = setup.storage;
  if (storage === undefined) {
    const memory = new MemoryStorage();
    seedMemoryStorage(memory, params.players, kindOf, 'u', startingBucket(params));
    storage = memory;
  }
  return withRuntime(kernelOptions(params, { storage, ...setup.options }), async (runtime) => {
    const rssReady = process.memoryUsage.rss();
    let time = 1;
    let errors = 0;
    const countErrors = (r: TickReport): void => {
      for (const p of r.results) if (p.outcome !== 'ok') errors++;
    };
    for (let i = 0; i < params.warmup; i++) await runtime.runTick(time++);
    const rssWarm = process.memoryUsage.rss();
    errors = 0;
    const samples: number[] = [];
    const cpu: number[] = [];
    const mainCpu: number[] = [];
    let billed = 0;
    let real = 0;
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < params.repeat; i++) {
      const c0 = processCpuMs();
      const m0 = mainThreadCpuNs();
      const t0 = performance.now();
      const report = await runtime.runTick(time++);
      samples.push(performance.now() - t0);
      mainCpu.push(mainThreadCpuNs() - m0);
      const c = processCpuMs() - c0;
      cpu.push(c);
      real += c;
      billed += report.billedCpuMs;
      countErrors(report);
      for (const [k, v] of Object.entries(report.outcomes)) outcomes[`outcome.${k}`] = (outcomes[`outcome.${k}`] ?? 0) + (v ?? 0);
    }
    const medianTick = median(samples);
    return summarise(scenario, params, 'ms/tick', samples, {
      throughput: (params.players * 1000) / medianTick,
      cpuMs: median(cpu),
      figures: {
        rssPerIsolateMb: (rssWarm - rssReady) / 2 ** 20 / Math.max(1, params.players),
        billedOverRealCpu: real > 0 ? billed / real : Number.NaN,
        processCpuPerPlayerTickUs: (median(cpu) * 1000) / Math.max(1, params.players),
        mainThreadCpuPerPlayerTickUs: median(mainCpu) / 1000 / Math.max(1, params.players),
        ...outcomes,
      },
      errors,
      wallMs: performance.now() - started,
    });
  });
}
