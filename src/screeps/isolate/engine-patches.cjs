/*
 * A webpack loader for the game bundle (../bundle.ts): changes of cost, never of behaviour, to the
 * engine's in-isolate code, each an exact text replacement that must match exactly once (a build with
 * another engine version fails here instead of bundling unpatched or half-patched code). What each one
 * changes and why it cannot be seen is written next to it; docs/screeps-server.md lists them, and the
 * per-tick game differential runs the patched bundle against the official runtime.
 */
'use strict';

/*
 * Used by the second patch: assigns fresh copies of the constants to the globals, as
 * `_.extend(globals, jsonParse(jsonStringify(C)))` does, with one function compiled once per isolate
 * whose statements are `g["NAME"] = <value as a literal>;` in the keys' order. A literal makes new
 * objects every time (V8 copies its boilerplate), with the values and key orders JSON.parse gives for
 * the same text; the function is sloppy-mode code, like lodash, so a global the player made read-only
 * is skipped silently as before; a setter the player put on the global runs as before. `C` is read
 * once: nothing writes to it after the engine loads. A text with a "__proto__" key (which a literal
 * would read as the prototype) takes the original path. Appended to game.js outside its closure, so it
 * receives what it uses from there (lodash, and the JSON functions game.js took when it loaded).
 */
const ASSIGN_CONSTANTS = `
let __kernelConstantsAssigner = null;
function __kernelAssignConstants(globals, C, _, jsonParse, jsonStringify) {
  if (__kernelConstantsAssigner === null) {
    const text = jsonStringify(C);
    if (text.includes('"__proto__"')) {
      __kernelConstantsAssigner = (g) => _.extend(g, jsonParse(text));
    } else {
      const copy = jsonParse(text);
      const statements = Object.keys(copy).map((key) => 'g[' + jsonStringify(key) + '] = ' + jsonStringify(copy[key]) + ';');
      __kernelConstantsAssigner = (0, eval)('(function (g) {' + statements.join('') + '})');
    }
  }
  __kernelConstantsAssigner(globals);
}
`;

/*
 * Used by the third patch: the accessible rooms' list parsed once per text, per isolate. The text is the
 * same tick after tick (the rooms of the world), and the list never leaves map.js, which only reads it
 * (`_.contains`). While a player has replaced `JSON.parse`, every call goes to the replacement as before.
 * Appended to map.js outside `makeMap`, so it is evaluated when the engine loads, before any player code.
 */
const PARSE_ACCESSIBLE_ROOMS = `
const __kernelJsonParse = JSON.parse;
let __kernelRoomsText = null;
let __kernelRoomsList = null;
function __kernelAccessibleRooms(text) {
  if (JSON.parse !== __kernelJsonParse || typeof text !== 'string') return JSON.parse(text);
  if (text !== __kernelRoomsText) {
    __kernelRoomsList = __kernelJsonParse(text);
    __kernelRoomsText = text;
  }
  return __kernelRoomsList;
}
`;

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
  {
    // game.js `game.init`: every tick, fresh copies of all constants (23 KB of JSON) as globals, by
    // stringify, parse and lodash's assign of about 700 keys (about 190 µs of JSON alone in an isolate);
    // the same assignments from one compiled function of literals (ASSIGN_CONSTANTS above). Measured at 30
    // simplebots: isolate CPU 0.87 / 0.91 -> 0.79 / 0.80 ms per player-tick.
    file: /@screeps[\\/]engine[\\/]src[\\/]game[\\/]game\.js$/,
    from: '_.extend(globals, jsonParse(jsonStringify(C)));',
    to: '__kernelAssignConstants(globals, C, _, jsonParse, jsonStringify);',
    append: ASSIGN_CONSTANTS,
  },
  {
    // map.js `makeMap`: every tick, JSON.parse of the accessible rooms' list (a text of about 1 KB
    // with the launcher's world), for the engine's own checks of a room name; parsed again only when the
    // text changes (PARSE_ACCESSIBLE_ROOMS above). Measured at 30 simplebots: about 2 % of the kernel
    // workers' samples before.
    file: /@screeps[\\/]engine[\\/]src[\\/]game[\\/]map\.js$/,
    from: 'const accessibleRooms = JSON.parse(runtimeData.accessibleRooms);',
    to: 'const accessibleRooms = __kernelAccessibleRooms(runtimeData.accessibleRooms);',
    append: PARSE_ACCESSIBLE_ROOMS,
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
    if (patch.append) out += patch.append;
  }
  return out;
};

module.exports.PATCHES = PATCHES;
