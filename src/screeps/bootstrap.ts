/**
 * The kernel's `hostBootstrap` for the official game API: a prelude with what the driver's `user-vm.js`
 * puts into each of its isolates (constants, world size, the static terrain, the mods' custom
 * prototypes), then the game bundle, whose entry registers the kernel host hooks. The driver's native
 * PathFinder reaches each isolate as the kernel's `nativeModules` (`_nativeMod`, as in the driver).
 * Evaluated once per isolate; the kernel compiles it once per worker and reuses V8's code cache.
 */
import type { HostBootstrap } from '../index.js';
import { gameBundleSource } from './bundle.js';
import { pathFinderAddonPath, type OfficialDriver } from './official.js';

export async function gameBootstrap(driver: OfficialDriver, terrain: readonly { room: string; terrain: string }[]): Promise<HostBootstrap> {
  const terrainByRoom: Record<string, string> = {};
  for (const { room, terrain: text } of terrain) terrainByRoom[room] = text;
  // Functions of the mods' prototypes were turned into source text by `registerCustomObjectPrototype`.
  const prelude = [
    `globalThis._constants = ${JSON.stringify(driver.constants)};`,
    `globalThis._worldSize = ${JSON.stringify(driver.getWorldSize())};`,
    `globalThis._screepsTerrain = ${JSON.stringify(terrainByRoom)};`,
    `globalThis._customObjectPrototypes = ${JSON.stringify(driver.customObjectPrototypes)};`,
  ].join('\n');
  const bundle = await gameBundleSource();
  return { source: `${prelude}\n${bundle}\n`, filename: '<screeps-game>', nativeModules: { _nativeMod: pathFinderAddonPath() } };
}
