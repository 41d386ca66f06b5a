/** Baseline (a), the floor: warm isolates called directly, one batch task per worker per tick. */
import { runBaseline } from '../baselines/pools.js';
import type { ScenarioParams, ScenarioResult } from '../measure.js';

export default function run(params: ScenarioParams): Promise<ScenarioResult> {
  return runBaseline('floor', 'batch', params);
}
