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
const game = requireWithConstantsCopier(() => require('@screeps/engine/src/game/game'), runtimeDriver.constants);
const WorldMapGrid = require('@screeps/driver/lib/runtime/mapgrid');

/*
 * Every tick the engine's `game.init` gives the player fresh copies of all constants as globals with
 * `jsonParse(jsonStringify(C))`, two functions game.js takes from `JSON` when it loads (about 190 µs per
 * player-tick in an isolate for the 23 KB of constants, measured). Nothing writes to `C` after it loads,
 * so game.js is loaded with a `JSON` whose `stringify(C)` returns the text made once and whose `parse` of
 * that very text evaluates it as an object literal, compiled once: V8 copies the literal's boilerplate,
 * which gives the same values, key orders and new objects (fast-mode, as JSON.parse makes them) every
 * tick in about 10 µs. Every other call goes to the real functions, unchanged; the global `JSON` is the
 * real one again once game.js has loaded. (A `"__proto__"` key would mean something else in a literal:
 * such a text is parsed as before.)
 */
function requireWithConstantsCopier(load, constants) {
  const realJSON = global.JSON;
  const stringify = realJSON.stringify;
  const parse = realJSON.parse;
  const apply = Reflect.apply;
  let text = null;
  let literal = null;
  const copier = Object.create(realJSON, {
    stringify: {
      value: function (value) {
        if (value === constants && arguments.length === 1) return text === null ? (text = stringify(constants)) : text;
        return apply(stringify, realJSON, arguments);
      },
    },
    parse: {
      value: function (source) {
        if (source === text && text !== null && arguments.length === 1) {
          if (literal === null) literal = text.includes('"__proto__"') ? () => parse(text) : (0, eval)('(function () { return ' + text + '; })');
          return literal();
        }
        return apply(parse, realJSON, arguments);
      },
    },
  });
  global.JSON = copier;
  try {
    return load();
  } finally {
    global.JSON = realJSON;
  }
}

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
