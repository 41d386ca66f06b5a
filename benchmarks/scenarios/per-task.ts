/** Baseline (b): one Piscina task per player-tick, warm isolates, same workers as the floor. */
import { runBaseline } from '../baselines/pools.js';
import type { ScenarioParams, ScenarioResult } from '../measure.js';

export default function run(params: ScenarioParams): Promise<ScenarioResult> {
  return runBaseline('per-task', 'perPlayer', params);
}
