/*
 * In-isolate entry of the official game API on the kernel (bundled with webpack, see ../bundle.ts).
 * Plain CommonJS on purpose: webpack bundles it with the engine's `src/game/*`, lodash and the
 * driver's own in-isolate `runtime-driver.js` and `mapgrid.js`; nothing here re-implements the game.
 *
 * The host prelude (../bootstrap.ts) puts on the global, before this runs: `_constants`,
 * `_worldSize`, `_nativeMod` (the driver's PathFinder, placed by the kernel worker),
 * `_screepsTerrain` (room -> 2500-digit terrain string) and `_customObjectPrototypes`.
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
const terrainText = global._screepsTerrain;
const customObjectPrototypes = global._customObjectPrototypes || [];
for (const name of ['_constants', '_worldSize', '_nativeMod', '_screepsTerrain', '_customObjectPrototypes', '_init']) delete global[name];

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

// The static terrain, copied once per isolate (the driver's `_setStaticTerrainData` shape: room -> Uint8Array(2500)).
const staticTerrainData = Object.create(null);
for (const room of Object.keys(terrainText)) {
  const text = terrainText[room];
  const bytes = new Uint8Array(2500);
  for (let i = 0; i < 2500; i++) bytes[i] = text.charCodeAt(i) - 48;
  staticTerrainData[room] = bytes;
}
let mapGrid = null;
const noop = function () {};

hooks.tick = function (kernelGame, data, intents) {
  if (mapGrid === null) mapGrid = new WorldMapGrid(JSON.parse(data.accessibleRooms), staticTerrainData);
  data.mapGrid = mapGrid;
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
  pendingSandboxOps = data.__sandboxOps || null;
  delete data.__sandboxOps;
  tick(kernelGame, data, intents, info);
};
