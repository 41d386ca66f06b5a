/*
 * A webpack loader for the game bundle (../bundle.ts): changes of cost, never of behaviour, to the
 * engine's in-isolate code, each an exact text replacement that must match exactly once (a build with
 * another engine version fails here instead of bundling unpatched or half-patched code). What each one
 * changes and why it cannot be seen is written next to it; docs/screeps-server.md lists them, and the
 * per-tick game differential runs the patched bundle against the official runtime.
 */
'use strict';

const PATCHES = [
  {
    // game.js `populateRegister`: every tick, for every room the player sees, one 2500-slot array per
    // kind of object (16 of them, 320 KB per room-tick) as the room's spatial index. The arrays never
    // leave the engine (its private `register` and `privateStore`) and are only ever read and written at
    // an index `x * 50 + y`; an empty array gives the same answer for every index (a missing slot reads
    // as a hole, up the same prototype chain) without allocating 2500 slots. Measured at 30 simplebots:
    // runner CPU 2.26 / 2.35 -> 1.88 / 1.79 ms per player-tick, V8's GC threads 0.55 -> 0.34.
    file: /@screeps[\\/]engine[\\/]src[\\/]game[\\/]game\.js$/,
    from: 'reg.spatial[i] = new Array(2500);',
    to: 'reg.spatial[i] = [];',
  },
];

module.exports = function enginePatches(source) {
  const file = this.resourcePath;
  let out = source;
  for (const patch of PATCHES) {
    if (!patch.file.test(file)) continue;
    const at = out.indexOf(patch.from);
    if (at === -1 || out.indexOf(patch.from, at + 1) !== -1) {
      throw new Error(`engine-patches: "${patch.from}" is not in ${file} exactly once (another engine version?)`);
    }
    out = out.slice(0, at) + patch.to + out.slice(at + patch.from.length);
  }
  return out;
};

module.exports.PATCHES = PATCHES;
