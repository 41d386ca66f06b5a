/**
 * Drives the baseline worker: K one-thread Piscina pools (players sharded by index), so each player's
 * warm isolate stays on one thread, as in the feasibility study. Imports piscina directly: a
 * measurement tool, outside the kernel's one-importer rule.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { processCpuMs, summarise, type ScenarioParams, type ScenarioResult } from '../measure.js';
import { realisticMemory, sourceOf, type PlayerKind } from '../players.js';
import type { FloorResult, FloorTask } from './floor-worker.js';

const WORKER = fileURLToPath(new URL('./floor-worker.js', import.meta.url));

/** `batch`: one task per worker per tick (the floor); `perPlayer`: one task per player-tick; `fresh`: batch, fresh isolate each time. */
export type BaselineMode = 'batch' | 'perPlayer' | 'fresh';

export async function runBaseline(scenario: string, mode: BaselineMode, params: ScenarioParams): Promise<ScenarioResult> {
  const started = performance.now();
  const pools = Array.from({ length: params.poolSize }, () => new Piscina<FloorTask, FloorResult>({ filename: WORKER, minThreads: 1, maxThreads: 1, idleTimeout: Infinity }));
  const code = sourceOf(params.kind as PlayerKind);
  const memory = params.kind === 'realistic' ? realisticMemory() : '';
  const memoryLimitMb = Number(params.extra?.memoryLimitMb ?? 64);
  const shards: string[][] = pools.map(() => []);
  for (let i = 0; i < params.players; i++) shards[i % pools.length]!.push(`u${i}`);
  const base = { mode: mode === 'fresh' ? 'fresh' : 'warm', code, memory, memoryLimitMb } as const;
  let errors = 0;
  const tick = async (gameTime: number): Promise<void> => {
    const runs: Promise<FloorResult>[] = [];
    pools.forEach((pool, k) => {
      const players = shards[k]!;
      if (mode === 'perPlayer') for (const p of players) runs.push(pool.run({ ...base, gameTime, players: [p] }));
      else runs.push(pool.run({ ...base, gameTime, players }));
    });
    for (const r of await Promise.all(runs)) errors += r.errors;
  };
  try {
    const samples: number[] = [];
    const cpu: number[] = [];
    let time = 1;
    for (let i = 0; i < params.warmup; i++) await tick(time++);
    errors = 0;
    for (let i = 0; i < params.repeat; i++) {
      const c0 = processCpuMs();
      const t0 = performance.now();
      await tick(time++);
      samples.push(performance.now() - t0);
      cpu.push(processCpuMs() - c0);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const medianTick = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return summarise(scenario, params, 'ms/tick', samples, {
      throughput: (params.players * 1000) / medianTick,
      cpuMs: [...cpu].sort((a, b) => a - b)[Math.floor((cpu.length - 1) / 2)]!,
      errors,
      wallMs: performance.now() - started,
    });
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}
