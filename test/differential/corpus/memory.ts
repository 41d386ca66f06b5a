import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** Memory, RawMemory.get/set and the memhack (F28-F31). */
export const MEMORY: readonly Scenario[] = [
  {
    name: 'memory counter persists across ticks',
    covers: 'F28 F29',
    ticks: 3,
    code: { main: loop(`Memory.n = (Memory.n || 0) + 1; console.log('n', Memory.n, Game.time);`) },
  },
  {
    name: 'memory top level has a null prototype, nested objects do not',
    covers: 'F28',
    ticks: 2,
    code: { main: loop(`Memory.nested = Memory.nested || {a: [1]};
      console.log(typeof Memory.hasOwnProperty, Object.getPrototypeOf(Memory) === null, typeof Memory.nested.hasOwnProperty, Array.isArray(Memory.nested.a));
      const d = Object.getOwnPropertyDescriptor(global, 'Memory'); console.log(d.writable, d.enumerable, d.configurable, typeof d.get);`) },
  },
  {
    name: 'memory that is not JSON parses to null',
    covers: 'F28',
    ticks: 2,
    steps: { 0: { memory: '{not json' } },
    code: { main: loop(`console.log(Memory === null, RawMemory.get()); if (Memory === null) RawMemory.set('{"fixed":true}');`) },
  },
  {
    name: 'untouched memory keeps the raw string byte for byte',
    covers: 'F29',
    ticks: 2,
    steps: { 0: { memory: '{ "spaced" :  1 ,"b":[ 1,2 ] }' } },
    code: { main: loop(`console.log(RawMemory.get().length);`) },
  },
  {
    name: 'RawMemory.set without touching Memory stores the raw value',
    covers: 'F29 F30',
    ticks: 2,
    code: { main: loop(`console.log('raw', RawMemory.get()); RawMemory.set('raw' + Game.time);`) },
  },
  {
    name: 'RawMemory.set after Memory discards the parsed object',
    covers: 'F29 F30',
    ticks: 2,
    code: { main: loop(`Memory.lost = true; RawMemory.set(JSON.stringify({kept: Game.time})); console.log(RawMemory.get(), '_parsed' in RawMemory);`) },
  },
  {
    name: 'RawMemory.set errors',
    covers: 'F30',
    ticks: 2,
    code: { main: loop(`for (const v of [5, null, {}]) { try { RawMemory.set(v); } catch (e) { console.log(e.message); } }
      try { RawMemory.set('x'.repeat(2 * 1024 * 1024 + 1)); } catch (e) { console.log(e.message); }`) },
  },
  {
    name: 'memhack: RawMemory._parsed assigned from a cached object',
    covers: 'F29 (memhack)',
    ticks: 4,
    code: { main: `let cached, lastTime;
module.exports.loop = function () {
  if (cached && lastTime === Game.time - 1) { delete global.Memory; global.Memory = cached; RawMemory._parsed = cached; }
  else { Memory; cached = RawMemory._parsed; }
  lastTime = Game.time;
  Memory.ticks = (Memory.ticks || 0) + 1;
  console.log('ticks', Memory.ticks, 'cached', Memory === cached);
};` },
  },
  {
    name: 'Memory cannot be reassigned in sloppy mode',
    covers: 'F28',
    ticks: 2,
    code: { main: loop(`Memory.a = 1; Memory = {b: 2}; console.log(JSON.stringify(Memory));`) },
  },
  {
    name: 'Memory over 2 MB on save',
    covers: 'F31',
    ticks: 2,
    code: { main: loop(`console.log('length', RawMemory.get().length); if (Game.time === 100) Memory.big = 'x'.repeat(2 * 1024 * 1024); else Memory.small = 1;`) },
  },
  {
    name: 'Memory that cannot be serialised',
    covers: 'F29',
    ticks: 2,
    code: { main: loop(`console.log('raw', RawMemory.get()); Memory.t = Game.time; if (Game.time === 100) Memory.self = Memory;`) },
  },
  {
    name: 'Memory editor: hidden console commands',
    covers: 'F21 2.5',
    ticks: 3,
    steps: { 1: { commands: [{ expression: 'Memory["edited"]={"by":"editor"}', hidden: true }] }, 2: { commands: [{ expression: 'delete Memory["edited"]', hidden: true }] } },
    code: { main: loop(`console.log(JSON.stringify(Memory.edited)); Memory.t = Game.time;`) },
  },
];
