import { PROVIDER, type Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** RawMemory segments, public and foreign segments, interShardSegment (F32-F37). */
export const SEGMENTS: readonly Scenario[] = [
  {
    name: 'segments: activate, write, read back next tick',
    covers: 'F32 F33',
    ticks: 4,
    code: { main: loop(`RawMemory.setActiveSegments([1, 2]);
      console.log(JSON.stringify(Object.keys(RawMemory.segments)), JSON.stringify(RawMemory.segments[1]));
      RawMemory.segments[1] = 'one@' + Game.time; if (Game.time === 101) RawMemory.segments[3] = 'three';`) },
  },
  {
    name: 'segments: setActiveSegments errors',
    covers: 'F33',
    ticks: 2,
    code: { main: loop(`for (const v of ['1', [1,2,3,4,5,6,7,8,9,10,11], [100], ['x'], [-1]]) { try { RawMemory.setActiveSegments(v); console.log('ok'); } catch (e) { console.log(e.message); } }
      RawMemory.setActiveSegments(['4', 5.9]);`) },
  },
  {
    name: 'segments: one over 100 KB',
    covers: 'F32 3.5',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; console.log('t', Game.time); if (Game.time === 100) { RawMemory.segments[4] = 'y'.repeat(100 * 1024 + 1); RawMemory.segments[5] = 'ok'; }`) },
  },
  {
    name: 'segments: more than 10 written in a tick',
    covers: 'F32 3.5',
    ticks: 2,
    code: { main: loop(`Memory.t = Game.time; if (Game.time === 100) for (let i = 0; i < 11; i++) RawMemory.segments[i] = 's' + i;`) },
  },
  {
    name: 'segments: invalid id and non-string value',
    covers: 'F32 3.5',
    ticks: 3,
    code: { main: loop(`Memory.t = Game.time; if (Game.time === 100) RawMemory.segments.abc = 'x'; if (Game.time === 101) RawMemory.segments[2] = 42;`) },
  },
  {
    name: 'segments: public list and default public segment',
    covers: 'F34 F35',
    ticks: 3,
    code: { main: loop(`if (Game.time === 100) { RawMemory.setPublicSegments([3, '4']); RawMemory.setDefaultPublicSegment(3); }
      if (Game.time === 101) RawMemory.setDefaultPublicSegment(null);
      for (const v of ['x', 100]) { try { RawMemory.setDefaultPublicSegment(v); } catch (e) { console.log(e.message); } }
      try { RawMemory.setPublicSegments('3'); } catch (e) { console.log(e.message); }`) },
  },
  {
    name: 'segments: setPublicSegments([]) after a list',
    covers: 'F34',
    ticks: 2,
    code: { main: loop(`RawMemory.setPublicSegments(Game.time === 100 ? [1] : []);`) },
  },
  {
    name: 'foreign segment: default public segment of another player',
    covers: 'F36',
    ticks: 3,
    code: { main: loop(`if (Game.time === 100) RawMemory.setActiveForeignSegment('${PROVIDER.username}');
      const f = RawMemory.foreignSegment; console.log(f ? JSON.stringify([f.username, f.id, f.data]) : String(f));`) },
  },
  {
    name: 'foreign segment: explicit public id, then a private one, then cleared',
    covers: 'F36',
    ticks: 4,
    code: { main: loop(`const f = RawMemory.foreignSegment; console.log(f ? JSON.stringify([f.username, f.id, f.data]) : String(f));
      if (Game.time === 100) RawMemory.setActiveForeignSegment('${PROVIDER.username}', 5);
      if (Game.time === 101) RawMemory.setActiveForeignSegment('${PROVIDER.username}', 7);
      if (Game.time === 102) RawMemory.setActiveForeignSegment(null);`) },
  },
  {
    name: 'foreign segment: id 0',
    covers: 'F36',
    ticks: 2,
    code: { main: loop(`const f = RawMemory.foreignSegment; console.log(f ? JSON.stringify([f.id, f.data]) : String(f));
      if (Game.time === 100) RawMemory.setActiveForeignSegment('${PROVIDER.username}', 0);`) },
  },
  {
    name: 'foreign segment: unknown player and invalid id',
    covers: 'F36',
    ticks: 2,
    code: { main: loop(`console.log(String(RawMemory.foreignSegment));
      try { RawMemory.setActiveForeignSegment('${PROVIDER.username}', 'x'); } catch (e) { console.log(e.message); }
      if (Game.time === 100) RawMemory.setActiveForeignSegment('nobody', 1);`) },
  },
  {
    name: 'RawMemory shape and interShardSegment',
    covers: 'F30 F37',
    ticks: 2,
    code: { main: loop(`console.log(Object.getPrototypeOf(RawMemory) === null, JSON.stringify(RawMemory.interShardSegment), typeof RawMemory.get, typeof RawMemory.setActiveForeignSegment);
      RawMemory.interShardSegment = 'shard data ' + Game.time;`) },
  },
  {
    name: 'InterShardMemory global',
    covers: '2.3',
    ticks: 2,
    code: { main: loop(`console.log(typeof InterShardMemory); InterShardMemory.setLocal('x');`) },
  },
];
