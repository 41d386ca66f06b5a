/**
 * The only entry of the official server's packages (`@screeps/driver`, `engine`, `common`) and of the
 * webpack the driver ships with. They are CommonJS without types: each handle is typed here by the
 * few members this folder uses. They are optional peer dependencies: nothing outside `src/screeps/`
 * loads this module.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/** Storage handles of `@screeps/common` (the LokiJS storage client the engine processes share). */
export interface CommonStorage {
  readonly db: Record<string, { findOne(q: object, p?: object): Promise<any>; find(q: object, p?: object): Promise<any[]>; findEx(q: object, o: object): Promise<any[]>; update(q: object, u: object, o?: object): Promise<unknown>; insert(doc: object): Promise<any>; removeWhere(q: object): Promise<unknown>; count(q: object): Promise<number> }>;
  readonly env: { keys: Record<string, string>; get(k: string): Promise<any>; mget(k: readonly string[]): Promise<any[]>; hmget(k: string, f: readonly unknown[]): Promise<any[]>; set(k: string, v: unknown): Promise<unknown>; setex(k: string, ttl: number, v: unknown): Promise<unknown>; hset(k: string, f: string, v: unknown): Promise<unknown>; hget(k: string, f: string): Promise<any> };
  readonly pubsub: { keys: Record<string, string>; publish(channel: string, data: string): Promise<unknown>; subscribe(channel: string, cb: (data: string) => void): void };
  _connect(): Promise<unknown>;
}

/** The members of `@screeps/driver` (lib/index.js) this folder calls. */
export interface OfficialDriver {
  readonly config: NodeJS.EventEmitter & { cpuMaxPerTick: number; cpuBucketSize: number; mainLoopResetInterval: number; customIntentTypes: Record<string, unknown> };
  readonly constants: Record<string, unknown>;
  readonly customObjectPrototypes: readonly unknown[];
  getAllTerrainData(): Promise<{ room: string; terrain: string }[]>;
  getWorldSize(): number;
  makeRuntime(userId: string): Promise<unknown>;
  connect(processType: string): Promise<unknown>;
  [name: string]: unknown;
}

export function officialDriver(): OfficialDriver {
  return require('@screeps/driver') as OfficialDriver;
}

export function commonStorage(): CommonStorage {
  return commonModule().storage;
}

/** What `data.js` returns (the fields read on the host side; the isolate gets all of it). */
export interface RuntimeData {
  readonly user: { _id: string; username: string; cpu: number; cpuAvailable: number; [field: string]: unknown };
  readonly userCode: Record<string, string | { binary: string }>;
  readonly userCodeTimestamp: number;
  readonly userMemory: { data: string };
  readonly memorySegments?: Record<string, string>;
  readonly foreignMemorySegment?: { username: string; id: number; data: string };
  readonly consoleCommands: { expression: string; hidden?: boolean }[];
  readonly time: number;
  readonly cpu: number;
  readonly cpuBucket: number;
  readonly [field: string]: unknown;
}

let engineUtils: { storeIntents(u: string, l: unknown, d: unknown, c: unknown): Record<string, unknown> } | null = null;

/** The engine's `utils.storeIntents(userId, intentsList, runtimeData, customIntentTypes)` (the runner's own intent filter). */
export function storeIntents(userId: string, list: unknown, data: RuntimeData, custom: unknown): Record<string, unknown> {
  engineUtils ??= require('@screeps/engine/dist/utils.js') as { storeIntents(u: string, l: unknown, d: unknown, c: unknown): Record<string, unknown> };
  return engineUtils.storeIntents(userId, list, data, custom);
}

/** Path of the driver's native PathFinder addon (an isolated-vm native module). */
export function pathFinderAddonPath(): string {
  return require.resolve('@screeps/driver/native/build/Release/native.node');
}

/** Loads the static terrain into the driver's native PathFinder of this process (shared by every thread and isolate). */
export function loadPathFinderTerrain(rooms: readonly { room: string; terrain: string }[]): void {
  const factory = require('@screeps/driver/lib/path-finder.js') as { init(mod: unknown, rooms: unknown): void };
  factory.init(require(pathFinderAddonPath()), rooms);
}

/** Versions that key the game bundle. */
export function officialVersions(): string {
  const v = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return `engine ${v('@screeps/engine')}, driver ${v('@screeps/driver')}, common ${v('@screeps/common')}`;
}

/** `require` as `@screeps/driver` resolves it (its own webpack 3). */
const fromDriver = (): NodeJS.Require => createRequire(require.resolve('@screeps/driver/package.json'));

/** webpack 3, as installed for `@screeps/driver` (its own bundling tool). */
export function driverWebpack(): any {
  return fromDriver()('webpack');
}

/** The command-line entry of that webpack (the driver's `npm run build`). */
export function driverWebpackCli(): string {
  return fromDriver().resolve('webpack/bin/webpack.js');
}

export function resolveFromHere(request: string): string {
  return require.resolve(request);
}

export const driverDir = (): string => dirname(require.resolve('@screeps/driver/package.json'));

type CommonModule = { storage: CommonStorage; configManager: { config: { common: { constants: Record<string, unknown> } } }; getGametime(): Promise<number> };
/** Loaded once: `require` resolves its path again on every call (seen per player-tick in the runner's profile). */
let common: CommonModule | null = null;

/** `@screeps/common` as a whole (storage client, config, game time), for the driver module and the world harness's admin process. */
export function commonModule(): CommonModule {
  common ??= require('@screeps/common') as CommonModule;
  return common;
}

/** Paths of the official server's parts, for starting its processes. */
export function serverPaths(): { storage: string; main: string; processor: string; runner: string; launcherDb: string; simplebot: string; officialDriver: string } {
  const launcher = dirname(require.resolve('@screeps/launcher/package.json'));
  return {
    storage: require.resolve('@screeps/storage/bin/start.js'),
    main: require.resolve('@screeps/engine/dist/main.js'),
    processor: require.resolve('@screeps/engine/dist/processor.js'),
    runner: require.resolve('@screeps/engine/dist/runner.js'),
    launcherDb: `${launcher}/init_dist/db.json`,
    simplebot: `${launcher}/init_dist/node_modules/@screeps/simplebot/src`,
    officialDriver: dirname(require.resolve('@screeps/driver/package.json')),
  };
}
