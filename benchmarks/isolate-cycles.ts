/**
 * Isolate create/dispose cycles through the kernel (R18): every player calls `Game.cpu.halt()` each
 * tick (F26), so each tick disposes its isolate and the next tick creates a fresh one (runtime installed
 * from cachedData, modules compiled). Samples RSS and reports its slope per 10,000 cycles after a
 * warm-up; a leak per isolate shows as a steady positive slope.
 *
 *   node --no-node-snapshot dist/benchmarks/isolate-cycles.js --cycles 100000
 *
 * Flags: --cycles (total), --players (isolates per tick), --pool, --samples, --json (file).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from '../src/cli/args.js';
import { createRuntime, MemoryStorage } from '../src/index.js';
import { linearRegression, mb, printTable } from './soak-stats.js';

const args = parseArgs(process.argv.slice(2), { cycles: 'int', players: 'int', pool: 'int', samples: 'int', json: 'string' });
const cycles = (args.cycles as number | undefined) ?? 10_000;
const players = (args.players as number | undefined) ?? 50;
const pool = (args.pool as number | undefined) ?? 2;
const sampleCount = (args.samples as number | undefined) ?? 20;
const ticks = Math.ceil(cycles / players);
const every = Math.max(1, Math.floor(ticks / sampleCount));

const HALTING = `const table = []; for (let i = 0; i < 1000; i++) table.push({ i, s: 'v' + i });
module.exports.loop = function () { Memory.t = Game.time; Game.cpu.halt(); };`;
const storage = new MemoryStorage();
for (let i = 0; i < players; i++) storage.addUser({ id: `c${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: HALTING } });
const runtime = await createRuntime({ storage, poolSize: pool, logger: 'silent' });
let created = 0;
runtime.on('sandbox:created', () => created++);
const samples: { cycles: number; rssMb: number; heapMb: number; createdIsolates: number; tickMs: number }[] = [];
const started = performance.now();
let last = 0;
for (let t = 1; t <= ticks; t++) {
  const report = await runtime.runTick(t);
  last = report.durationMs;
  if (report.outcomes.halted !== players) throw new Error(`tick ${t}: expected ${players} halts, got ${JSON.stringify(report.outcomes)}`);
  if (t % every === 0 || t === ticks) {
    const mem = process.memoryUsage();
    samples.push({ cycles: t * players, rssMb: mb(mem.rss), heapMb: mb(mem.heapUsed), createdIsolates: created, tickMs: Math.round(last * 10) / 10 });
  }
}
const elapsedS = (performance.now() - started) / 1000;
await runtime.close();
const steady = samples.slice(Math.floor(samples.length / 5));
const fit = linearRegression(steady.map((s) => s.cycles), steady.map((s) => s.rssMb));
const lastHalf = samples.slice(Math.floor(samples.length / 2));
const fitLast = linearRegression(lastHalf.map((s) => s.cycles), lastHalf.map((s) => s.rssMb));
const summary = {
  cycles: ticks * players,
  isolatesCreated: created,
  players,
  pool,
  elapsedS: Math.round(elapsedS),
  cyclesPerS: Math.round((ticks * players) / elapsedS),
  rssSlopeMbPer10kCycles: Math.round(fit.slope * 10_000 * 100) / 100,
  r2: Math.round(fit.r2 * 100) / 100,
  rssSlopeLastHalfMbPer10kCycles: Math.round(fitLast.slope * 10_000 * 100) / 100,
  rssFirstLastMb: [steady[0]?.rssMb, steady.at(-1)?.rssMb],
};
printTable(samples);
console.log(JSON.stringify(summary));
if (args.json) writeFileSync(args.json as string, JSON.stringify({ summary, samples }, null, 2));
