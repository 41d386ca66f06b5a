/**
 * A new player's first tick with a 200 KB bundle: isolate creation + runtime install + compile + top
 * level + first loop, from the worker's `createMs` and the tick's run time. Every repetition adds
 * `players` new players running the same bundle (the code cache's case: a popular bot, or an isolate
 * re-created after an idle eviction or a move); `extra.scriptCacheEntries: 0` turns the cache off and
 * `extra.spareIsolates` sets the isolates each worker prepares while idle (the cold run has none; the
 * cached run has enough for every new player of a tick, which the worker makes between ticks).
 */
import { MemoryStorage, type UserId } from '../../src/index.js';
import { kernelOptions, withRuntime } from '../kernel-run.js';
import { processCpuMs, summarise, type ScenarioParams, type ScenarioResult } from '../measure.js';
import { bundle200k } from '../players.js';

export default async function run(params: ScenarioParams): Promise<ScenarioResult> {
  const started = performance.now();
  const storage = new MemoryStorage();
  const main = bundle200k();
  const cacheEntries = Number(params.extra?.scriptCacheEntries ?? 512);
  const spareIsolates = Number(params.extra?.spareIsolates ?? 0);
  return withRuntime(kernelOptions(params, { storage, scriptCacheEntries: cacheEntries, spareIsolates }), async (runtime) => {
    const createMs = new Map<string, number>();
    runtime.on('sandbox:created', (e) => createMs.set(e.userId, e.createMs));
    const runMs = new Map<string, number>();
    runtime.on('player:tick', (e) => runMs.set(e.userId, e.stages.runMs));
    const samples: number[] = [];
    const creates: number[] = [];
    let errors = 0;
    let previous: UserId[] = [];
    const c0 = processCpuMs();
    for (let r = 0; r < params.warmup + params.repeat; r++) {
      for (const id of previous) storage.updateUser(id, { active: false });
      previous = [];
      for (let i = 0; i < params.players; i++) previous.push(storage.addUser({ id: `r${r}p${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main } }));
      const report = await runtime.runTick(r + 1);
      for (const p of report.results) {
        if (p.outcome !== 'ok') errors++;
        const c = createMs.get(p.userId);
        const m = runMs.get(p.userId);
        if (r < params.warmup || c === undefined || m === undefined) continue;
        samples.push(c + m);
        creates.push(c);
      }
    }
    return summarise('first-tick', params, 'ms/first tick', samples, {
      throughput: null,
      cpuMs: processCpuMs() - c0,
      figures: { createMsMedian: [...creates].sort((a, b) => a - b)[Math.floor(creates.length / 2)] ?? Number.NaN },
      errors,
      wallMs: performance.now() - started,
    });
  });
}
