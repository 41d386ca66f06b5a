/**
 * Issue 13: what one hostile player's tick runs and is billed against its limit, through `execute()`
 * with 256 MB isolates and `cpu.tickLimit` 500. Each case runs `--runs` times (a fresh player id each
 * time, so each run is a first tick); prints wall and billed ms per case (min / max).
 *
 *   node --no-node-snapshot dist/benchmarks/tick-deadline.js --runs 3
 *
 * Cases: a loop in `Object.prototype.toJSON` reached by Memory serialisation (with and without a console
 * command queued), a Proxy as `RawMemory._parsed`, a plain infinite loop, and one large `eval` (V8
 * cannot interrupt a compilation): `--eval-statements N` sets its size (default 2e6 `var a=1;`).
 */
import { parseArgs } from '../src/cli/args.js';
import { createRuntime, type ExecuteRequest } from '../src/index.js';

const args = parseArgs(process.argv.slice(2), { runs: 'int', 'eval-statements': 'int', 'tick-limit': 'int' });
const runs = (args.runs as number | undefined) ?? 3;
const statements = (args['eval-statements'] as number | undefined) ?? 2_000_000;
const tickLimit = (args['tick-limit'] as number | undefined) ?? 500;

const loop = (body: string): string => `module.exports.loop = function () { ${body} };`;
const CASES: { name: string; code: string; commands?: boolean }[] = [
  { name: 'toJSON loop in finish', code: loop('Object.prototype.toJSON = function () { for (;;) {} }; Memory.x = { a: 1 };') },
  { name: 'toJSON loop + console command', code: loop('Object.prototype.toJSON = function () { for (;;) {} }; Memory.x = { a: 1 };'), commands: true },
  { name: '_parsed Proxy', code: loop('RawMemory._parsed = new Proxy({}, { ownKeys() { for (;;) {} }, get() { for (;;) {} } });') },
  { name: 'infinite loop', code: loop('for (;;) {}') },
  { name: `eval of ${statements} statements`, code: loop(`eval('(function(){' + 'var a=1;'.repeat(${statements}) + '})')();`) },
];

const runtime = await createRuntime({ poolSize: 1, logger: 'silent', memoryLimitMb: 256, onHungWorker: 'replace' });
const rows: string[] = [];
let n = 0;
for (const c of CASES) {
  const wall: number[] = [];
  const billed: number[] = [];
  const outcomes = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const request: ExecuteRequest = {
      userId: `p${++n}`,
      gameTime: 1,
      code: { modules: { main: c.code } },
      cpu: { limit: 100, tickLimit, bucket: 10_000 },
      ...(c.commands ? { consoleCommands: [{ id: 'c1', expression: 'Memory.y = 1', hidden: false }] } : {}),
    };
    const [result] = await runtime.execute([request]);
    wall.push(result!.cpu.wallMs);
    billed.push(result!.cpu.billedMs);
    outcomes.add(result!.outcome);
  }
  const span = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
  rows.push(`| ${c.name} | ${[...outcomes].join(', ')} | ${span(wall)} | ${span(billed)} |`);
}
await runtime.close();
console.log(`tickLimit ${tickLimit} ms, deadline ${tickLimit + 5} ms + finish grace; ${runs} runs per case\n`);
console.log('| case | outcome | wall ms | billed ms |\n|---|---|---|---|');
console.log(rows.join('\n'));
