/** The kernel on the in-memory store: N players of one kind (or the 5 % hostile mix), `runTick` timed. */
import { runKernelTicks } from '../kernel-run.js';
import type { ScenarioParams, ScenarioResult } from '../measure.js';

export default function run(params: ScenarioParams): Promise<ScenarioResult> {
  return runKernelTicks('kernel', params);
}
