/**
 * Load and soak (issue 8, R38, R39): N players for T ticks with a share of hostile players, on the
 * in-memory store. Samples RSS, live isolates, the sum of the isolates' used and committed heaps (from
 * telemetry) and tick duration over time and reports the slope of each
 * (least squares after a warm-up), so drift shows as a number. Sized for 2 cores by default.
 *
 *   node --no-node-snapshot dist/benchmarks/soak.js --players 1000 --ticks 1000 --hostile 5
 *
 * Flags: --players, --ticks, --hostile (percent), --pool (workers), --window (ticks per sample),
 * --warmup (ticks left out of the slopes), --json (file to write the figures to).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from '../src/cli/args.js';
import { createRuntime, MemoryStorage } from '../src/index.js';
import { linearRegression, mb, percentile, printTable } from './soak-stats.js';

const args = parseArgs(process.argv.slice(2), { players: 'int', ticks: 'int', hostile: 'int', pool: 'int', window: 'int', warmup: 'int', json: 'string' });
const players = (args.players as number | undefined) ?? 200;
const ticks = (args.ticks as number | undefined) ?? 200;
const hostilePct = (args.hostile as number | undefined) ?? 5;
const pool = (args.pool as number | undefined) ?? 2;
const window = (args.window as number | undefined) ?? Math.max(1, Math.floor(ticks / 20));
const warmup = (args.warmup as number | undefined) ?? Math.min(Math.floor(ticks / 10), 50);

/** A well-behaved player: some CPU, a bounded Memory, a global cache, a console line now and then. */
const NORMAL = `module.exports.loop = function () {
  Memory.ticks = (Memory.ticks || 0) + 1;
  Memory.recent = (Memory.recent || []).slice(-20).concat([Game.time]);
  let s = 0; for (let i = 0; i < 2000; i++) s += Math.sqrt(i);
  globalThis.cache = globalThis.cache || {}; globalThis.cache[Game.time % 50] = s;
  if (Game.time % 10 === 0) console.log('tick', Game.time, s | 0);
};`;
/** The hostile mix (R38: loops, OOM, floods), one kind per hostile player, in rotation. */
const HOSTILE = [
  'module.exports.loop = function () { for (;;) {} };',
  'module.exports.loop = function () { const keep = []; for (;;) keep.push(new Array(1e5).fill(1.5)); };',
  "module.exports.loop = function () { for (let i = 0; i < 1000; i++) console.log('x'.repeat(1e4)); };",
  'module.exports.loop = function () { throw new Proxy({}, { get() { for (;;) {} } }); };',
  "module.exports.loop = function () { Memory.junk = 'x'.repeat(1.9e6 + (Game.time % 1000)); };",
  'module.exports.loop = function () { function f() { return f() + 1; } f(); };',
];

const storage = new MemoryStorage();
const hostileCount = Math.round((players * hostilePct) / 100);
for (let i = 0; i < players; i++) {
  const hostile = i < hostileCount;
  // Hostile players get a small CPU limit, as a real server would: their bucket empties and they run
  // only every few ticks (F6), which is what bounds their cost in production too.
  storage.addUser({ id: `p${i}`, cpu: hostile ? 10 : 100, cpuAvailable: hostile ? 0 : 10_000, modules: { main: hostile ? HOSTILE[i % HOSTILE.length]! : NORMAL } });
}
const runtime = await createRuntime({ storage, poolSize: pool, logger: 'silent', memoryLimitMb: 64 });
/** Live isolates as each worker last reported them (the authoritative count). */
const isolatesOf = new Map<number, number>();
runtime.on('worker:stats', (e) => isolatesOf.set(e.slot, e.isolates));
/** The same from the events: created minus recycled (a cross-check that every disposal is reported). */
let live = 0;
runtime.on('sandbox:created', () => live++);
runtime.on('sandbox:recycled', () => live--);
/** Last reported used heap of each player's isolate: tells isolate heap growth from native growth. */
const heapOf = new Map<string, number>();
/** Last reported committed heap (V8's total heap size) plus external memory of each player's isolate. */
const committedOf = new Map<string, number>();
runtime.on('player:tick', (e) => {
  if (e.heap) {
    heapOf.set(e.userId, e.heap.usedBytes + e.heap.externalBytes);
    committedOf.set(e.userId, e.heap.totalBytes + e.heap.externalBytes);
  }
});

interface Sample { tick: number; rssMb: number; heapMb: number; isolates: number; eventIsolates: number; isolateHeapsMb: number; isolateCommittedMb: number; p50: number; p99: number; max: number; outcomes: string }
const samples: Sample[] = [];
let durations: number[] = [];
let outcomes: Record<string, number> = {};
const started = performance.now();
for (let t = 1; t <= ticks; t++) {
  const report = await runtime.runTick(t);
  durations.push(report.durationMs);
  for (const [k, n] of Object.entries(report.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + (n ?? 0);
  if (t % window === 0 || t === ticks) {
    const mem = process.memoryUsage();
    samples.push({
      tick: t,
      rssMb: mb(mem.rss),
      heapMb: mb(mem.heapUsed),
      isolates: [...isolatesOf.values()].reduce((a, b) => a + b, 0),
      eventIsolates: live,
      isolateHeapsMb: mb([...heapOf.values()].reduce((a, b) => a + b, 0)),
      isolateCommittedMb: mb([...committedOf.values()].reduce((a, b) => a + b, 0)),
      p50: Math.round(percentile(durations, 50) * 10) / 10,
      p99: Math.round(percentile(durations, 99) * 10) / 10,
      max: Math.round(Math.max(...durations) * 10) / 10,
      outcomes: Object.entries(outcomes).map(([k, n]) => `${k}=${n}`).join(' '),
    });
    durations = [];
    outcomes = {};
  }
}
const elapsedS = (performance.now() - started) / 1000;
await runtime.close();

const steady = samples.filter((s) => s.tick > warmup);
const lastHalf = samples.slice(Math.floor(samples.length / 2));
const per1000 = (key: 'rssMb' | 'isolates' | 'isolateHeapsMb' | 'isolateCommittedMb' | 'p99') => {
  const fit = linearRegression(steady.map((s) => s.tick), steady.map((s) => s[key]));
  const last = linearRegression(lastHalf.map((s) => s.tick), lastHalf.map((s) => s[key]));
  const round = (n: number): number => Math.round(n * 1000 * 100) / 100;
  return { slopePer1000Ticks: round(fit.slope), r2: Math.round(fit.r2 * 100) / 100, lastHalfSlopePer1000Ticks: round(last.slope) };
};
const summary = {
  players,
  ticks,
  hostilePct,
  hostilePlayers: hostileCount,
  pool,
  elapsedS: Math.round(elapsedS),
  warmupTicks: warmup,
  rssMb: per1000('rssMb'),
  isolates: per1000('isolates'),
  isolateHeapsMb: per1000('isolateHeapsMb'),
  isolateCommittedMb: per1000('isolateCommittedMb'),
  tickP99Ms: per1000('p99'),
  rssFirstLastMb: [steady[0]?.rssMb, steady.at(-1)?.rssMb],
};
printTable(samples.map((s) => ({ ...s })));
console.log(JSON.stringify(summary));
if (args.json) writeFileSync(args.json as string, JSON.stringify({ summary, samples }, null, 2));
