import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** Errors of every kind, stack formatting, partial results after a throw (F40-F42). */
export const ERRORS: readonly Scenario[] = [
  {
    name: 'an Error thrown by the loop, with < in its message',
    covers: 'F40 F42',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; console.log('before'); function inner() { throw new Error('boom <x> & y'); } inner();`) },
  },
  {
    name: 'an Error thrown from another module',
    covers: 'F40',
    ticks: 2,
    code: { main: loop(`require('helper').fail();`), helper: `module.exports.fail = function fail() {\n  null.property;\n};` },
  },
  {
    name: 'a thrown string',
    covers: 'F41',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; throw 'just a string';`) },
  },
  {
    name: 'throw null and throw undefined',
    covers: 'F41',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; if (Game.time === 100) throw null; throw undefined;`) },
  },
  {
    name: 'a thrown object with a message but no stack',
    covers: 'F40 F41',
    ticks: 2,
    code: { main: loop(`throw { message: 'plain object <message>' };`) },
  },
  {
    name: 'a thrown number and a thrown Error subclass',
    covers: 'F40 F41',
    ticks: 2,
    code: { main: loop(`class GameError extends Error { constructor(m) { super(m); this.name = 'GameError'; } }
      if (Game.time === 100) throw 42; throw new GameError('subclass');`) },
  },
  {
    name: 'TypeError and RangeError from the engine',
    covers: 'F40',
    ticks: 2,
    code: { main: loop(`function deep(n) { return deep(n + 1) + 1; }
      try { deep(0); } catch (e) { console.log(e.name, e.message); }
      if (Game.time === 100) undefined.x; new Array(-1);`) },
  },
  {
    name: 'an error caught by the player is not reported',
    covers: 'F40',
    ticks: 2,
    code: { main: loop(`try { null.x; } catch (e) { console.log(e.name, e.message); } console.log('fine');`) },
  },
  {
    name: 'a thrown Error whose stack was replaced',
    covers: 'F40',
    ticks: 2,
    code: { main: loop(`const e = new Error('m'); e.stack = 'Custom stack <b>\\n  at somewhere'; throw e;`) },
  },
  {
    name: 'main that throws at its top level',
    covers: 'F40 F17',
    ticks: 2,
    code: { main: `global.evals = (global.evals || 0) + 1; console.log('evals', evals); throw new Error('top level');` },
  },
];
