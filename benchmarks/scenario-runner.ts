/**
 * Runs one scenario in this (fresh) process and prints its result as one JSON line prefixed `RESULT `.
 * Usage: node --no-node-snapshot dist/benchmarks/scenario-runner.js <scenario> '<params JSON>'
 * Each scenario runs in its own process so one scenario's heap, isolates and JIT state never colour
 * another's figures.
 */
import type { ScenarioParams, ScenarioResult } from './measure.js';

const SCENARIO = /^[a-z][a-z0-9-]*$/;

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  if (name === undefined || !SCENARIO.test(name) || json === undefined) {
    process.stderr.write("usage: scenario-runner.js <scenario> '<params JSON>'\n");
    process.exit(2);
  }
  const params = JSON.parse(json) as ScenarioParams;
  const module = (await import(`./scenarios/${name}.js`)) as { default: (p: ScenarioParams) => Promise<ScenarioResult> };
  const result = await module.default(params);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
