import type { Scenario } from '../scenario.js';

/** A few realistic players, multi-module, using the runtime primitives the way bots do. */
export const BOTS: readonly Scenario[] = [
  {
    name: 'bot: scheduler with a task queue in Memory and stats in a segment',
    covers: 'F14 F28 F32 F33 F38',
    ticks: 5,
    code: {
      main: `const scheduler = require('scheduler');
const stats = require('stats');
module.exports.loop = function () {
  stats.begin();
  scheduler.run();
  stats.end();
};`,
      scheduler: `const tasks = {
  census() { Memory.census = (Memory.census || 0) + 1; return 'census ' + Memory.census; },
  plan() { const plan = Memory.plan || (Memory.plan = []); plan.push(Game.time); if (plan.length > 3) plan.shift(); return 'plan ' + plan.join('/'); },
  report() { return 'bucket ' + Game.cpu.bucket + ' limit ' + Game.cpu.limit; },
};
module.exports.run = function () {
  Memory.queue = Memory.queue && Memory.queue.length ? Memory.queue : Object.keys(tasks);
  const name = Memory.queue.shift();
  console.log('[' + Game.time + '] ' + tasks[name]());
};`,
      stats: `let started;
module.exports.begin = function () { started = Game.cpu.getUsed(); RawMemory.setActiveSegments([42]); };
module.exports.end = function () {
  const previous = RawMemory.segments[42];
  const history = previous ? JSON.parse(previous) : [];
  history.push({ t: Game.time, memoryKeys: Object.keys(Memory).length });
  RawMemory.segments[42] = JSON.stringify(history.slice(-3));
  console.log('stats entries', history.length, typeof started);
};`,
    },
  },
  {
    name: 'bot: memory cache with a profiler wrapper and error recovery',
    covers: 'F29 F40 F42',
    ticks: 5,
    code: {
      main: `const profiler = require('profiler');
const brain = require('brain');
let cache;
module.exports.loop = profiler.wrap(function () {
  if (cache) { delete global.Memory; global.Memory = cache; RawMemory._parsed = cache; } else { cache = Memory; }
  try { brain.think(); } catch (e) { console.log('recovered: ' + e.message); Memory.failures = (Memory.failures || 0) + 1; }
  if (Game.time % 4 === 3) brain.crash();
});`,
      profiler: `module.exports.wrap = function (fn) {
  return function () { const t = Game.cpu.getUsed(); fn(); Memory.profile = { calls: ((Memory.profile && Memory.profile.calls) || 0) + 1, ok: Game.cpu.getUsed() >= t }; };
};`,
      brain: `module.exports.think = function () {
  Memory.thoughts = (Memory.thoughts || 0) + 1;
  if (Memory.thoughts % 2 === 0) throw new Error('even thought ' + Memory.thoughts);
  console.log('thought', Memory.thoughts);
};
module.exports.crash = function () { throw new TypeError('crash at ' + Game.time); };`,
    },
  },
  {
    name: 'bot: console-driven configuration and notifications',
    covers: 'F21 F38 F44',
    ticks: 4,
    steps: { 1: { commands: [{ expression: 'Memory.config = {verbose: true}; "configured"' }] }, 3: { commands: [{ expression: 'JSON.stringify(Memory.config)' }] } },
    code: {
      main: `const log = require('log');
module.exports.loop = function () {
  const config = Memory.config || {};
  log.info('tick ' + Game.time + (config.verbose ? ' (verbose)' : ''));
  if (config.verbose && !Memory.announced) { Memory.announced = Game.notify('verbose mode on', 60) === 0; }
  log.warn('<warning> & stuff é');
};`,
      log: `module.exports.info = (m) => console.log('[info] ' + m);
module.exports.warn = (m) => console.logUnsafe('<span style="color:orange">' + m + '</span>');`,
    },
  },
];
