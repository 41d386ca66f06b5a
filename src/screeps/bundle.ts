/**
 * The official game API as one script for the isolates: the engine's `src/game/*`, lodash and the
 * driver's in-isolate `runtime-driver.js` / `mapgrid.js`, bundled by the webpack the driver ships with
 * (the driver bundles the same modules for its own isolates). Built once per package version into
 * `build/screeps/` of this package (git-ignored) and reused: a build takes about half a second.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverDir, driverWebpack, driverWebpackCli, officialVersions, resolveFromHere } from './official.js';

/** The package root, from `dist/src/screeps/` (compiled) where this module runs. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GAME_ENTRY = join(PACKAGE_ROOT, 'src/screeps/isolate/game-entry.cjs');
/** The webpack loader that applies the engine patches (changes of cost, not of behaviour). */
export const ENGINE_PATCHES = join(PACKAGE_ROOT, 'src/screeps/isolate/engine-patches.cjs');

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
  const key = createHash('sha256').update(officialVersions()).update(readFileSync(GAME_ENTRY)).update(readFileSync(ENGINE_PATCHES)).digest('hex').slice(0, 16);
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
    module: { rules: [{ test: /@screeps[\\/]engine[\\/]src[\\/]game[\\/]/, use: [{ loader: ENGINE_PATCHES }] }] },
    // The engine's utils fall back to `require('@screeps/core')` outside an isolate; never reached here.
    plugins: [new webpack.IgnorePlugin(/@screeps\/core/)],
  });
  // Renamed into place: runner processes starting together never read a half-written bundle.
  renameSync(join(buildDir, part), file);
  return readFileSync(file, 'utf8');
}

/**
 * The official driver's own isolate runtime (`build/runtime.bundle.js` and `build/runtime.snapshot.bin` in
 * the driver's folder), which its npm package does not ship built: made here as the `screeps` package's
 * postinstall makes it (`webpack` with the driver's own config, whose shell plugin then runs
 * `make-runtime-snapshot`), unless a build from this V8 is already there. A snapshot only loads in the V8
 * that made it (another one aborts the whole runner process), so the build is stamped with the V8 version
 * and redone after a change of Node line. webpack 3 hashes with MD4, which OpenSSL 3 only has in its
 * legacy provider, hence `--openssl-legacy-provider`. Only needed to run the official runner beside the
 * kernel (tests, benchmarks, `server-demo --runner official`).
 */
export function ensureOfficialRuntimeBundle(): void {
  const dir = driverDir();
  const buildDir = join(dir, 'build');
  const stampFile = join(buildDir, 'runtime.build-stamp.json');
  const stamp = JSON.stringify({ v8: process.versions.v8 });
  const built = existsSync(join(buildDir, 'runtime.bundle.js')) && existsSync(join(buildDir, 'runtime.snapshot.bin'));
  if (built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  rmSync(stampFile, { force: true });
  const result = spawnSync(process.execPath, [driverWebpackCli(), '--config', 'webpack.config.js'], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      // The shell plugin runs `node --no-node-snapshot make-runtime-snapshot`: this Node must be that `node`.
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      NODE_OPTIONS: '--openssl-legacy-provider',
    },
  });
  if (result.status !== 0 || !existsSync(join(buildDir, 'runtime.snapshot.bin'))) {
    throw new Error(`building the official runtime failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  writeFileSync(stampFile, stamp);
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
