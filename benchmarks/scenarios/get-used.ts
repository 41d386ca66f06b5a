/**
 * `Game.cpu.getUsed()` cost, measured inside the isolate: one player calls it 100k times per tick and
 * logs the per-call cost (the loop's own cost subtracted). Samples are µs per call, one per tick.
 */
import { MemoryStorage } from '../../src/index.js';
import { kernelOptions, seedMemoryStorage, withRuntime } from '../kernel-run.js';
import { processCpuMs, summarise, type ScenarioParams, type ScenarioResult } from '../measure.js';

export default async function run(params: ScenarioParams): Promise<ScenarioResult> {
  const started = performance.now();
  const storage = new MemoryStorage();
  seedMemoryStorage(storage, 1, () => 'getUsed');
  return withRuntime(kernelOptions({ ...params, poolSize: 1 }, { storage }), async (runtime) => {
    const samples: number[] = [];
    let errors = 0;
    const c0 = processCpuMs();
    for (let t = 1; t <= params.warmup + params.repeat; t++) {
      const report = await runtime.runTick(t);
      const line = report.results[0]?.console.find((l) => l.startsWith('perCallUs='));
      if (line === undefined) {
        errors++;
        continue;
      }
      if (t > params.warmup) samples.push(Number(line.slice('perCallUs='.length)));
    }
    return summarise('get-used', params, 'µs/call', samples, { throughput: null, cpuMs: processCpuMs() - c0, errors, wallMs: performance.now() - started });
  });
}
