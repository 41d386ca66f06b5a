/**
 * The kernel's `hostBootstrap` for the official game API: a prelude with what the driver's `user-vm.js`
 * puts into each of its isolates (constants, world size, the static terrain's room names, the mods'
 * custom prototypes), then the game bundle, whose entry registers the kernel host hooks. The terrain
 * itself is a SharedArrayBuffer every isolate shares (the kernel's `sharedBuffers`). The driver's native
 * PathFinder reaches each isolate as the kernel's `nativeModules` (`_nativeMod`, as in the driver).
 * Evaluated once per isolate; the kernel compiles it once per worker and reuses V8's code cache.
 */
import type { HostBootstrap } from '../index.js';
import { gameBundleSource } from './bundle.js';
import { pathFinderAddonPath, type OfficialDriver } from './official.js';

export async function gameBootstrap(driver: OfficialDriver, terrain: readonly { room: string; terrain: string }[]): Promise<HostBootstrap> {
  // The static terrain, 2500 bytes per room in one SharedArrayBuffer that every isolate shares (as the
  // driver's make.js and user-vm.js do): a world of 1,500 rooms is 3.7 MB, once per process.
  const buffer = new SharedArrayBuffer(terrain.length * 2500);
  const bytes = new Uint8Array(buffer);
  const rooms: string[] = [];
  terrain.forEach(({ room, terrain: text }, index) => {
    for (let i = 0; i < 2500; i++) bytes[index * 2500 + i] = text.charCodeAt(i) - 48;
    rooms.push(room);
  });
  // Functions of the mods' prototypes were turned into source text by `registerCustomObjectPrototype`.
  const prelude = [
    `globalThis._constants = ${JSON.stringify(driver.constants)};`,
    `globalThis._worldSize = ${JSON.stringify(driver.getWorldSize())};`,
    `globalThis._screepsTerrainRooms = ${JSON.stringify(rooms)};`,
    `globalThis._customObjectPrototypes = ${JSON.stringify(driver.customObjectPrototypes)};`,
    ...(rooms.length > 0 ? [`globalThis._warmupRuntimeData = ${JSON.stringify(warmupRuntimeData(rooms[0]!))};`] : []),
  ].join('\n');
  const bundle = await gameBundleSource();
  return {
    source: asciiOnly(`${prelude}\n${bundle}\n`),
    filename: '<screeps-game>',
    nativeModules: { _nativeMod: pathFinderAddonPath() },
    sharedBuffers: { _screepsTerrain: buffer },
  };
}

/**
 * The source with every non-ASCII character written as a `\uXXXX` escape, which means the same in
 * comments, string and regular-expression literals, template literals' cooked strings and identifiers
 * (only `String.raw` would see a difference; esbuild's default `charset: ascii` does the same). The
 * bundle has a few arrows and accents in comments; one of them is enough to make V8 keep the whole
 * 0.9 MB source two bytes per character, in every isolate.
 */
export function asciiOnly(source: string): string {
  const escaped = source.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // `replace` keeps its subject's two-byte form; through latin1 the string is stored one byte per character,
  // and isolated-vm copies it into each isolate as it is stored.
  return Buffer.from(escaped, 'latin1').toString('latin1');
}

/** The user of the warm-up tick: not a valid user id of either store (those are hex or numeric). */
export const WARMUP_USER = '__kernel_warmup__';

/**
 * The runtimeData of the warm-up tick each isolate runs while it is set up (`game-entry.cjs`): a room
 * like a new player's (controller, spawn, two creeps, two sources, a mineral) owned by a user that does
 * not exist, at game time 0. Only the engine's `Game` is built from it; no player code runs.
 */
export function warmupRuntimeData(room: string): Record<string, unknown> {
  const user = { _id: WARMUP_USER, username: WARMUP_USER, cpu: 100, cpuAvailable: 10000, gcl: 0, active: true, badge: {} };
  const object = (id: string, fields: Record<string, unknown>): [string, Record<string, unknown>] => [id, { _id: id, room, ...fields }];
  const creep = (id: string, name: string, x: number): [string, Record<string, unknown>] =>
    object(id, {
      type: 'creep', name, x, y: 25, user: WARMUP_USER, hits: 400, hitsMax: 400, spawning: false, fatigue: 0, notifyWhenAttacked: true, ageTime: 1500,
      body: ['move', 'move', 'work', 'carry'].map((type) => ({ type, hits: 100 })),
      store: { energy: 50 }, storeCapacity: 50,
      actionLog: { attacked: null, healed: null, attack: null, rangedAttack: null, rangedMassAttack: null, rangedHeal: null, harvest: null, heal: null, repair: null, build: null, say: null, upgradeController: null, reserveController: null },
    });
  const mine = Object.fromEntries([
    object('w0controller', { type: 'controller', x: 40, y: 30, level: 1, user: WARMUP_USER, progress: 0, downgradeTime: 20000, safeMode: 20000 }),
    object('w0spawn', { type: 'spawn', name: 'Spawn1', x: 25, y: 25, user: WARMUP_USER, store: { energy: 300 }, storeCapacityResource: { energy: 300 }, hits: 5000, hitsMax: 5000, spawning: null, notifyWhenAttacked: false, off: false }),
    creep('w0creep1', 'w1', 20),
    creep('w0creep2', 'w2', 30),
  ]);
  const others = Object.fromEntries([
    object('w0source1', { type: 'source', x: 15, y: 24, energy: 3000, energyCapacity: 3000, ticksToRegeneration: 300, nextRegenerationTime: 300, invaderHarvested: 0 }),
    object('w0source2', { type: 'source', x: 35, y: 20, energy: 3000, energyCapacity: 3000, ticksToRegeneration: 300, nextRegenerationTime: 300, invaderHarvested: 0 }),
    object('w0mineral', { type: 'mineral', mineralType: 'U', mineralAmount: 70000, density: 2, x: 18, y: 35 }),
  ]);
  return {
    user,
    userObjects: mine,
    userCodeTimestamp: 0,
    consoleCommands: [],
    time: 0,
    rooms: { [room]: { _id: room, status: 'normal', sourceKeepers: false, bus: false, active: true } },
    roomObjects: { ...others, ...mine },
    flags: [],
    accessibleRooms: JSON.stringify([room]),
    roomStatusData: { novice: {}, respawn: {}, closed: {} },
    transactions: { outgoing: [], incoming: [] },
    cpu: 100,
    cpuBucket: 10000,
    roomEventLog: { [room]: '[]' },
    userPowerCreeps: {},
    users: { [WARMUP_USER]: user },
    market: { orders: { all: {} }, history: { all: [] }, myOrders: [] },
  };
}
