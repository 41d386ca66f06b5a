/**
 * The player scripts every scenario and baseline runs (the same source text on both sides, so a ratio
 * compares runtimes, not workloads). Each is the `main` module of a bundle.
 */

/** ~50 KB of Memory: 270 creeps as in the official-driver baseline's realistic loop. */
export function realisticMemory(): string {
  const creeps: Record<string, unknown> = {};
  for (let i = 0; i < 270; i++) creeps[`creep${i}`] = { role: 'harvester', target: 'abcdef0123456789', path: 'x'.repeat(120), n: 0 };
  return JSON.stringify({ creeps, tick: 0 });
}

export const PLAYERS = {
  trivial: `module.exports.loop = function () {};`,
  // Parse, mutate and stringify a ~50 KB Memory; read one segment and write another.
  realistic: `
module.exports.loop = function () {
  const creeps = Memory.creeps || (Memory.creeps = {});
  for (const name in creeps) creeps[name].n++;
  Memory.tick = Game.time;
  Memory.stats = { cpu: Game.cpu.getUsed(), bucket: Game.cpu.bucket };
  RawMemory.setActiveSegments([1, 2]);
  const seen = RawMemory.segments[1];
  RawMemory.segments[2] = JSON.stringify({ tick: Game.time, seen: typeof seen === 'string' ? seen.length : -1 });
};`,
  // Pure CPU, ~5-15 ms per tick depending on the machine; no Memory.
  heavy: `
module.exports.loop = function () {
  let x = 0;
  for (let i = 0; i < 3000000; i++) x = (x + i * i) % 1000003;
  globalThis.last = x;
};`,
  // Spins a fixed amount of work (~50-100 ms): the billing-accuracy scenario.
  spin: `
module.exports.loop = function () {
  let x = 0;
  for (let i = 0; i < 30000000; i++) x = (x + i) | 0;
  globalThis.last = x;
};`,
  // Hostile: runs into its CPU limit every tick.
  timeout: `module.exports.loop = function () { for (;;) {} };`,
  // Hostile: grows its heap every tick until the isolate is recycled.
  memoryHog: `
const hoard = [];
module.exports.loop = function () { for (let i = 0; i < 200000; i++) hoard.push({ i, text: 'hog' + i }); };`,
  // Hostile: far more console output than the per-tick cap.
  consoleFlood: `
module.exports.loop = function () { const line = 'x'.repeat(200); for (let i = 0; i < 5000; i++) console.log(i + line); };`,
  // Measures Game.cpu.getUsed() inside the isolate: 100k calls, minus the same loop without the call.
  getUsed: `
module.exports.loop = function () {
  const n = 100000;
  let s = 0;
  const t0 = Date.now();
  for (let i = 0; i < n; i++) s += Game.cpu.getUsed();
  const t1 = Date.now();
  for (let i = 0; i < n; i++) s += i * 0.5;
  const t2 = Date.now();
  globalThis.sink = s;
  console.log('perCallUs=' + (((t1 - t0) - (t2 - t1)) * 1000 / n));
};`,
} as const;

export type PlayerKind = keyof typeof PLAYERS | 'bundle200k';

/** A deterministic ~200 KB bundle (many small functions, like a bundled bot), whose loop calls a few. */
export function bundle200k(): string {
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  while (size < 200 * 1024) {
    const fn = `function helper${i}(a, b) { const o = { id: ${i}, name: 'helper${i}', list: [a, b, ${i % 97}] }; if (a > b) { return o.list.reduce((s, v) => s + v, 0) * ${i % 13}; } return JSON.stringify(o).length + '${'k'.repeat(i % 40)}'.length; }\n`;
    parts.push(fn);
    size += fn.length;
    i++;
  }
  parts.push(`module.exports.loop = function () { let s = 0; for (let j = 0; j < 20; j++) s += Number(helper${0}(j, 3)) + Number(helper${Math.floor(i / 2)}(1, j)); globalThis.last = s; };\n`);
  return parts.join('');
}

export function sourceOf(kind: PlayerKind): string {
  return kind === 'bundle200k' ? bundle200k() : PLAYERS[kind];
}

/** The hostile mix: 5 % hostile players spread evenly (timeouts, memory hogs, console floods). */
export function mixKind(index: number): PlayerKind {
  if (index % 20 !== 7) return index % 4 === 0 ? 'realistic' : 'trivial';
  const hostile: PlayerKind[] = ['timeout', 'memoryHog', 'consoleFlood'];
  return hostile[Math.floor(index / 20) % hostile.length]!;
}
