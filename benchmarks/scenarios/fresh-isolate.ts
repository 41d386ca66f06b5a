/** Baseline (c): a fresh isolate per player per tick (create, compile, run, dispose), batched per worker. */
import { runBaseline } from '../baselines/pools.js';
import type { ScenarioParams, ScenarioResult } from '../measure.js';

export default function run(params: ScenarioParams): Promise<ScenarioResult> {
  return runBaseline('fresh-isolate', 'fresh', params);
}
