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
