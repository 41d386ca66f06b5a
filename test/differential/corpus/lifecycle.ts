import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

const COUNTER = loop(`global.n = (global.n || 0) + 1; console.log('global n', n, 'memory n', Memory.n = (Memory.n || 0) + 1);`);

/** Timeouts, code uploads and global resets (F13, F17, F22). */
export const LIFECYCLE: readonly Scenario[] = [
  {
    name: 'an endless loop times out; partial results are kept',
    covers: 'F22 3.3 F42',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; console.log('started', Game.time); if (Game.time === 100) { while (true) {} }`) },
  },
  {
    name: 'an endless loop in a function of another module',
    covers: 'F22 3.3',
    ticks: 2,
    code: { main: loop(`require('spin').spin();`), spin: `module.exports.spin = function spin() {\n  for (;;) {}\n};` },
  },
  {
    name: 'a module that never finishes evaluating',
    covers: 'F22 3.3',
    ticks: 2,
    // Only the first tick requires it: whether the official driver then forgets the unfinished module
    // (its timeout is usually catchable in the isolate) or reports a circular reference varies from run to run.
    code: { main: loop(`console.log('loop', Game.time); if (Game.time === 100) require('slow');`), slow: `while (true) {}` },
  },
  {
    name: 'a timeout keeps globals for the next tick',
    covers: 'F22 F14',
    ticks: 3,
    code: { main: loop(`global.k = (global.k || 0) + 1; console.log('k', k); if (Game.time === 101) while (true) {}`) },
  },
  {
    name: 'globals persist while the code does not change',
    covers: 'F14',
    ticks: 3,
    code: { main: COUNTER },
  },
  {
    name: 'a new code upload resets globals',
    covers: 'F13 F17',
    ticks: 3,
    steps: { 2: { code: { main: COUNTER + '\n// v2' } } },
    code: { main: COUNTER },
  },
  {
    name: 'the same code uploaded again resets globals',
    covers: 'F13',
    ticks: 3,
    steps: { 2: { reupload: true } },
    code: { main: COUNTER },
  },
  {
    name: 'an upload that removes the loop',
    covers: 'F13 F17 F20',
    ticks: 3,
    steps: { 1: { code: { main: `global.m = (global.m || 0) + 1; console.log('no loop', m);` } } },
    code: { main: COUNTER },
  },
  {
    name: 'per-tick objects are new, Game prototypes are not',
    covers: 'F14',
    ticks: 2,
    code: { main: loop(`console.log(Game === global.lastGame, RawMemory === global.lastRaw, console === global.lastConsole, typeof global.lastGame);
      global.lastGame = Game; global.lastRaw = RawMemory; global.lastConsole = console;`) },
  },
];
