/**
 * The official game API as one script for the isolates: the engine's `src/game/*`, lodash and the
 * driver's in-isolate `runtime-driver.js` / `mapgrid.js`, bundled by the webpack the driver ships with
 * (the driver bundles the same modules for its own isolates). Built once per package version into
 * `build/screeps/` of this package (git-ignored) and reused: a build takes about half a second.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverDir, driverWebpack, officialVersions, resolveFromHere } from './official.js';

/** The package root, from `dist/src/screeps/` (compiled) where this module runs. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GAME_ENTRY = join(PACKAGE_ROOT, 'src/screeps/isolate/game-entry.cjs');

let cached: Promise<string> | undefined;

/** The bundle's source text (built on first use, then read from `build/screeps/`). */
export function gameBundleSource(buildDir = process.env.SCREEPS_KERNEL_BUILD_DIR ?? join(PACKAGE_ROOT, 'build/screeps')): Promise<string> {
  cached ??= build(buildDir).catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function build(buildDir: string): Promise<string> {
  const key = createHash('sha256').update(officialVersions()).update(readFileSync(GAME_ENTRY)).digest('hex').slice(0, 16);
  const file = join(buildDir, `game-${key}.js`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(buildDir, { recursive: true });
  const webpack = driverWebpack();
  const part = `game-${key}.${process.pid}.tmp.js`;
  await runWebpack(webpack, {
    context: PACKAGE_ROOT,
    entry: GAME_ENTRY,
    output: { path: buildDir, filename: part },
    resolve: { alias: { '~runtime-driver': resolveFromHere('@screeps/driver/lib/runtime/runtime-driver.js') } },
    // The engine's utils fall back to `require('@screeps/core')` outside an isolate; never reached here.
    plugins: [new webpack.IgnorePlugin(/@screeps\/core/)],
  });
  // Renamed into place: runner processes starting together never read a half-written bundle.
  renameSync(join(buildDir, part), file);
  return readFileSync(file, 'utf8');
}

/**
 * The official driver's own isolate bundle (`build/runtime.bundle.js` in the driver's folder), which its
 * npm package does not ship built: made here as the driver's `npm run build` makes it (without the V8
 * snapshot step; the driver falls back to the bundle). Only needed to run the official runner beside the
 * kernel (tests, `server-demo --runner official`).
 */
export async function ensureOfficialRuntimeBundle(): Promise<void> {
  const dir = driverDir();
  const file = join(dir, 'build/runtime.bundle.js');
  if (existsSync(file)) return;
  const webpack = driverWebpack();
  const part = `runtime.bundle.${process.pid}.tmp.js`;
  await runWebpack(webpack, {
    context: dir,
    entry: join(dir, 'lib/runtime/runtime.js'),
    output: { path: join(dir, 'build'), filename: part },
    resolve: { alias: { '~runtime-driver': join(dir, 'lib/runtime/runtime-driver.js') } },
    plugins: [new webpack.IgnorePlugin(/@screeps\/core/)],
  });
  renameSync(join(dir, 'build', part), file);
}

function runWebpack(webpack: any, config: object): Promise<void> {
  return new Promise<void>((done, fail) => {
    webpack(config, (error: Error | null, stats: { hasErrors(): boolean; toString(o: object): string }) => {
      if (error) fail(error);
      else if (stats.hasErrors()) fail(new Error(`webpack failed:\n${stats.toString({ all: false, errors: true })}`));
      else done();
    });
  });
}
