import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** Edges of the primitives, and the deliberate differences a player can run into. */
export const EDGES: readonly Scenario[] = [
  {
    name: 'Memory with a __proto__ key',
    covers: 'F28',
    ticks: 2,
    steps: { 0: { memory: '{"__proto__":{"polluted":1},"a":1}' } },
    code: { main: loop(`console.log(Object.getPrototypeOf(Memory) === null, typeof Memory.hasOwnProperty, JSON.stringify(Object.keys(Memory)), String(Memory.polluted));
      Memory.t = Game.time;`) },
  },
  {
    name: 'RawMemory properties cannot be replaced',
    covers: 'F30 F32',
    ticks: 2,
    code: { main: loop(`RawMemory.segments = { 1: 'replaced' }; RawMemory.get = () => 'mine'; RawMemory.extra = 1;
      console.log(Object.keys(RawMemory.segments).length, RawMemory.get(), RawMemory.extra, JSON.stringify(Object.keys(RawMemory)));
      RawMemory.setActiveSegments([1]); RawMemory.segments[1] = 'kept ' + Game.time;`) },
  },
  {
    name: 'ten active segments and one more written',
    covers: 'F32 F33',
    ticks: 3,
    code: { main: loop(`RawMemory.setActiveSegments([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); Memory.t = Game.time;
      console.log(Object.keys(RawMemory.segments).length); if (Game.time === 101) RawMemory.segments[10] = 'eleventh';`) },
  },
  {
    name: 'a segment id written as a padded string',
    covers: 'F32',
    ticks: 2,
    code: { main: loop(`RawMemory.setActiveSegments(['03']); console.log(JSON.stringify(RawMemory.segments)); RawMemory.segments['03'] = 'padded ' + Game.time;`) },
  },
  {
    name: 'a console flood of several megabytes',
    covers: 'F38',
    ticks: 2,
    code: { main: loop(`const line = 'z'.repeat(64 * 1024); for (let i = 0; i < 40; i++) console.log(i, line); console.log('end of flood');`) },
  },
  {
    name: 'the gc global',
    covers: 'F12',
    ticks: 2,
    code: { main: loop(`console.log(typeof gc, 'gc' in global);`) },
  },
  {
    name: 'main and loop each busy for most of the tick limit',
    covers: 'F22',
    ticks: 2,
    code: { main: `function busy(ms) { const end = Game.cpu.getUsed() + ms; while (Game.cpu.getUsed() < end) {} }
if (!global.started) { global.started = true; busy(260); }
module.exports.loop = function () { busy(260); console.log('finished', Game.time); };` },
  },
];

/** More probes of Memory, console and commands. */
export const PROBES: readonly Scenario[] = [
  {
    name: 'Memory read, RawMemory.set, Memory read again',
    covers: 'F28 F29 F30',
    ticks: 3,
    code: { main: loop(`const before = Memory; before.x = Game.time; RawMemory.set('{"set":' + Game.time + '}');
      console.log(Memory === before, JSON.stringify(Memory), RawMemory.get(), '_parsed' in RawMemory);
      if (Game.time === 101) { RawMemory._parsed = { assigned: true }; }`) },
  },
  {
    name: 'memhack cleared with RawMemory._parsed = null',
    covers: 'F29',
    ticks: 2,
    code: { main: loop(`Memory.changed = Game.time; RawMemory._parsed = null; console.log(RawMemory.get());`) },
  },
  {
    name: 'console.log of values whose toString misbehaves',
    covers: 'F38',
    ticks: 2,
    code: { main: loop(`console.log({ toString: () => 5 }, { toString: 'not a function' }.toString === 'not a function');
      try { console.log({ toString() { throw new Error('bad toString'); } }); } catch (e) { console.log('caught', e.message); }
      console.log(Object.assign(Object.create(null), { a: 1 }).toString === undefined);
      try { console.log(Object.assign(Object.create(null), { a: 1 })); } catch (e) { console.log('caught', e.name); }`) },
  },
  {
    name: 'console commands using require, Memory and objects',
    covers: 'F21',
    ticks: 2,
    steps: { 0: { commands: [{ expression: 'require("util").answer' }, { expression: '({a: 1})' }, { expression: '[1, 2]' }, { expression: 'Memory.fromCommand = "yes"' }, { expression: 'undefined' }, { expression: 'null' }] } },
    code: { main: loop(`console.log('loop', Game.time, String(Memory.fromCommand));`), util: `module.exports.answer = 42;` },
  },
  {
    name: 'console command in a tick where main has no loop',
    covers: 'F21 F20',
    ticks: 2,
    steps: { 0: { commands: [{ expression: 'typeof module.exports.loop + " " + typeof exports' }] } },
    code: { main: `console.log('main only', Game.time);` },
  },
];
