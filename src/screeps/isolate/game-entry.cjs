/*
 * In-isolate entry of the official game API on the kernel (bundled with webpack, see ../bundle.ts).
 * Plain CommonJS on purpose: webpack bundles it with the engine's `src/game/*`, lodash and the
 * driver's own in-isolate `runtime-driver.js` and `mapgrid.js`; nothing here re-implements the game.
 *
 * The host prelude (../bootstrap.ts) puts on the global, before this runs: `_constants`,
 * `_worldSize`, `_nativeMod` (the driver's PathFinder, placed by the kernel worker),
 * `_screepsTerrain` (a SharedArrayBuffer of 2500 bytes per room, the same memory in every isolate,
 * placed by the kernel worker), `_screepsTerrainRooms` (its rooms in order) and `_customObjectPrototypes`.
 * This file registers the kernel host hooks (`__kernelHost.tick`, `__kernelHost.playerSandbox`) and
 * deletes every one of those globals, so player code never sees them.
 */
'use strict';
const runtimeDriver = require('@screeps/driver/lib/runtime/runtime-driver');
// `utils.getRuntimeDriver()` in the engine reads `constants` when its modules load.
runtimeDriver.constants = global._constants;
const game = require('@screeps/engine/src/game/game');
const WorldMapGrid = require('@screeps/driver/lib/runtime/mapgrid');

const hooks = global.__kernelHost;
const terrainBuffer = global._screepsTerrain;
const terrainRooms = global._screepsTerrainRooms;
const customObjectPrototypes = global._customObjectPrototypes || [];
const warmupData = global._warmupRuntimeData;
for (const name of ['_constants', '_worldSize', '_nativeMod', '_screepsTerrain', '_screepsTerrainRooms', '_customObjectPrototypes', '_warmupRuntimeData', '_init']) delete global[name];
// Taken before any player code runs (a player may replace the global's later).
const setPrototypeOf = Object.setPrototypeOf;

// The mods' custom prototypes travel as source text, like the driver's `runtime.js` turns them into functions.
for (const cop of customObjectPrototypes) {
  const opts = cop.opts || (cop.opts = {});
  const properties = opts.properties || {};
  for (const key of Object.keys(properties)) properties[key] = (0, eval)('(' + properties[key] + ')');
  if (opts.prototypeExtender) {
    const text = opts.prototypeExtender.startsWith('prototypeExtender') ? 'function ' + opts.prototypeExtender : opts.prototypeExtender;
    opts.prototypeExtender = (0, eval)('(' + text + ')');
  }
}

// The static terrain as the driver's `_setStaticTerrainData` builds it: room -> Uint8Array(2500), views
// of the memory every player's isolate shares. Only the engine's closures and the map grid hold them:
// a player who reached one could change the terrain every other player sees.
const staticTerrainData = Object.create(null);
terrainRooms.forEach((room, index) => {
  staticTerrainData[room] = new Uint8Array(terrainBuffer, index * 2500, 2500);
});
// The map grid (exits of every accessible room, for `Game.map.describeExits` and `findRoute`), built
// as the driver's runtime.js builds it: once per isolate, from the accessible rooms of its first tick.
// Built on first use rather than on that tick, so a bot that calls neither never pays for it (a world
// of a thousand rooms takes milliseconds). The descriptor has no prototype: a player's accessor on
// Object.prototype (`value`, `set`, ...) must not take part in defining it.
let mapGrid = null;
let mapGridRooms = null;
const parseJson = JSON.parse;
const defineProperty = Object.defineProperty;
const mapGridProperty = {
  __proto__: null,
  configurable: true,
  enumerable: true,
  get() {
    if (mapGrid === null) mapGrid = new WorldMapGrid(parseJson(mapGridRooms), staticTerrainData);
    return mapGrid;
  },
};
const noop = function () {};

hooks.tick = function (kernelGame, data, intents) {
  if (mapGridRooms === null) mapGridRooms = data.accessibleRooms;
  defineProperty(data, 'mapGrid', mapGridProperty);
  data.staticTerrainData = staticTerrainData;
  data.customObjectPrototypes = customObjectPrototypes;
  // The engine's intent list API with the official return values, over the kernel's registry (which bills).
  const engineIntents = {
    get list() { return intents.list; },
    get cpu() { return intents.cpu; },
    set(id, name, value) { intents.set(id, name, value); },
    push(name, value, maxLen) { return intents.push(name, value, maxLen); },
    pushByName(id, name, value, maxLen) { return intents.pushByName(id, name, value, maxLen); },
    remove(id, name) {
      const entry = intents.list[id];
      const had = !!(entry && entry[name]);
      intents.remove(id, name);
      return had;
    },
  };
  // The kernel owns Memory, RawMemory, console and require: `game.init` assigns its own, so the
  // kernel's are put back right after it (only `Game`, `_` and the game's classes stay from it).
  const requireBefore = global.require;
  const memoryBefore = Object.getOwnPropertyDescriptor(global, 'Memory');
  const cpu = kernelGame.cpu;
  game.init(global, Object.create(null), data, engineIntents, global.RawMemory, global.console, [], data.cpu, cpu.getUsed, noop, undefined, cpu.getHeapStatistics, cpu.halt);
  if (requireBefore !== undefined) global.require = requireBefore;
  else delete global.require;
  if (memoryBefore !== undefined) Object.defineProperty(global, 'Memory', memoryBefore);
};

// The host's `playerSandbox` listeners, recorded on the host side, replayed here in the player's context.
hooks.playerSandbox = function (sandbox) {
  const ops = pendingSandboxOps;
  pendingSandboxOps = null;
  if (ops === null) return;
  for (const op of ops) {
    if (op.run !== undefined) sandbox.run(op.run);
    else sandbox.set(op.set, op.value);
  }
};
let pendingSandboxOps = null;
const tick = hooks.tick;
hooks.tick = function (kernelGame, data, intents, info) {
  // As the driver's runtime.js `_start` does: no accessor a player put on Object.prototype sees what is
  // read from or assigned to runtimeData (the shared terrain among it).
  setPrototypeOf(data, null);
  pendingSandboxOps = data.__sandboxOps || null;
  delete data.__sandboxOps;
  tick(kernelGame, data, intents, info);
};

// Warm-up: the engine builds one `Game` from a synthetic room of a user that does not exist
// (`_warmupRuntimeData`, ../bootstrap.ts) while the isolate is set up, before any player has it, so
// the first-tick work of the engine (its classes, lodash's context, compiling and the inline caches of
// building `Game`) is not in a new player's first tick. What it leaves on the global is what a first
// tick leaves there: the game's classes, `_` and the constants, in the places a first tick puts them
// (the kernel's per-tick globals are put first, in the kernel's order, as its tick does); everything
// of the synthetic user stays in the engine's closures. The map grid is left unbuilt: it is made from
// the player's own first tick, as in the driver. A failure leaves the isolate as it was set up.
if (warmupData) {
  const placeholders = ['RawMemory', 'console', 'InterShardMemory', 'Memory', 'Game'];
  const before = placeholders.map((name) => Object.getOwnPropertyDescriptor(global, name));
  try {
    for (const name of placeholders) global[name] = undefined;
    const cpu = { getUsed: () => 0, getHeapStatistics: () => ({}), halt: noop };
    const registry = { list: Object.create(null), cpu: 0, set: noop, push: () => 0, pushByName: () => 0, remove: noop };
    setPrototypeOf(warmupData, null);
    tick({ cpu }, warmupData, registry, { userId: warmupData.user._id, username: warmupData.user.username, time: warmupData.time });
  } catch (e) {
    // Nothing is lost: the first tick does this work instead.
  }
  mapGrid = null;
  mapGridRooms = null;
  // The per-tick globals hold the synthetic tick's objects until the kernel's first tick replaces them,
  // before any player code runs; those a fresh isolate does not have are emptied.
  placeholders.forEach((name, i) => {
    if (before[i] === undefined) global[name] = undefined;
    else Object.defineProperty(global, name, before[i]);
  });
}
