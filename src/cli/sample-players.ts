/**
 * Sample player scripts for the demo: each kind exercises one path of the runtime.
 */
export const SampleKind = {
  trivial: 'trivial',
  memoryHeavy: 'memoryHeavy',
  erroring: 'erroring',
  infiniteLoop: 'infiniteLoop',
  memoryHog: 'memoryHog',
  codeChange: 'codeChange',
} as const;
export type SampleKind = (typeof SampleKind)[keyof typeof SampleKind];

export const SAMPLES: Readonly<Record<SampleKind, string>> = {
  trivial: `module.exports.loop = function () {};`,
  // Parses, mutates and stringifies a ~50 KB Memory every tick, and uses a segment.
  memoryHeavy: `
module.exports.loop = function () {
  if (!Memory.creeps) {
    Memory.creeps = {};
    for (let i = 0; i < 270; i++) Memory.creeps['creep' + i] = { role: 'harvester', target: 'abcdef0123456789', path: 'x'.repeat(120), n: 0 };
    RawMemory.setActiveSegments([1]);
  }
  for (const name in Memory.creeps) Memory.creeps[name].n++;
  Memory.tick = Game.time;
  Memory.stats = { cpu: Game.cpu.getUsed(), bucket: Game.cpu.bucket };
  if (RawMemory.segments[1] !== undefined) RawMemory.segments[1] = JSON.stringify({ tick: Game.time });
};`,
  erroring: `
let calls = 0;
module.exports.loop = function () {
  calls++;
  console.log('erroring player, call', calls);
  if (Game.time % 3 === 0) throw new Error('scheduled failure at tick ' + Game.time);
};`,
  infiniteLoop: `module.exports.loop = function () { Memory.before = Game.time; for (;;) {} };`,
  memoryHog: `
const hoard = [];
module.exports.loop = function () {
  for (let i = 0; i < 200000; i++) hoard.push({ i, text: 'hog' + i });
};`,
  codeChange: `
let ticksInThisIsolate = 0;
module.exports.loop = function () {
  ticksInThisIsolate++;
  console.log('version 1, ticks in this isolate: ' + ticksInThisIsolate);
};`,
};

/** The code a `codeChange` player uploads halfway through the demo (a global reset follows). */
export const CODE_CHANGE_V2 = `
let ticksInThisIsolate = 0;
module.exports.loop = function () {
  ticksInThisIsolate++;
  console.log('version 2, ticks in this isolate: ' + ticksInThisIsolate);
};`;

/** Share of each kind among demo players: mostly well-behaved, a few hostile. */
export const MIX: readonly [SampleKind, number][] = [
  ['trivial', 0.6],
  ['memoryHeavy', 0.2],
  ['erroring', 0.08],
  ['codeChange', 0.08],
  ['infiniteLoop', 0.02],
  ['memoryHog', 0.02],
];

export function kindFor(index: number, total: number): SampleKind {
  // Deterministic spread: walk the cumulative shares so every kind appears at least once when total >= 6.
  let acc = 0;
  const position = (index + 0.5) / total;
  for (const [kind, share] of MIX) {
    acc += share;
    if (position < acc) return kind;
  }
  return 'trivial';
}
