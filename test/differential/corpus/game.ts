import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** Game.cpu, Game.time, Game.shard, Game.notify, halt, heap statistics (F11, F15, F23, F26, F27, F44). */
export const GAME: readonly Scenario[] = [
  {
    name: 'Game.cpu figures, Game.time and Game.shard',
    covers: 'F11 F15 F23',
    ticks: 2,
    code: { main: loop(`const c = Game.cpu;
      console.log(c.limit, c.tickLimit, c.bucket, Game.cpuLimit, Game.time, typeof c.getUsed(), c.getUsed() >= 0, c.getUsed() < 50);
      console.log(Game.shard.type, Game.shard.ptr, typeof Game.shard.name, Game.shard.name.length > 0);
      console.log(typeof Game.cpu.halt, typeof Game.cpu.getHeapStatistics, typeof Game.cpu.generatePixel, typeof Game.cpu.setShardLimits, typeof Game.cpu.unlock, 'shardLimits' in Game.cpu);`) },
  },
  {
    name: 'Game.cpu.getHeapStatistics',
    covers: 'F27',
    ticks: 2,
    code: { main: loop(`const h = Game.cpu.getHeapStatistics();
      console.log(JSON.stringify(Object.keys(h).sort()));
      console.log(h.heap_size_limit > 200 * 1024 * 1024, h.heap_size_limit < 400 * 1024 * 1024, h.used_heap_size > 0, h.used_heap_size < h.heap_size_limit);`) },
  },
  {
    name: 'Game.cpu.halt discards the tick and resets globals',
    covers: 'F26',
    ticks: 3,
    code: { main: loop(`global.runs = (global.runs || 0) + 1; Memory.t = Game.time; console.log('runs', runs, 'memory', RawMemory.get());
      if (Game.time === 101) Game.cpu.halt();`) },
  },
  {
    name: 'Game.notify: 20 per tick, then ERR_FULL',
    covers: 'F44',
    ticks: 2,
    code: { main: loop(`const codes = []; for (let i = 0; i < 22; i++) codes.push(Game.notify('note ' + i, i));
      console.log(codes.join(',')); Game.notify('x'.repeat(600)); `) },
  },
  {
    name: 'Game.notify with odd arguments',
    covers: 'F44',
    ticks: 2,
    code: { main: loop(`console.log(Game.notify(42), Game.notify('neg', -5), Game.notify('big', 5000), Game.notify({o: 1}, '3'));`) },
  },
  {
    name: 'getUsed grows with work and with intents',
    covers: 'F23',
    ticks: 2,
    code: { main: loop(`const a = Game.cpu.getUsed(); let x = 0; for (let i = 0; i < 1e6; i++) x += i; const b = Game.cpu.getUsed();
      Game.notify('a'); const c = Game.cpu.getUsed();
      console.log(b > a, c - b > 0.199, x > 0);`) },
  },
];
