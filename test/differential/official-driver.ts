/**
 * The official runtime as a test oracle: builds the driver's in-isolate runtime (its npm package ships
 * `webpack.config.js` but not the build), then runs scenarios in a child process (`official-child.ts`).
 * Reusable by any suite that wants to compare with `@screeps/driver` 5.3.0.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, TickObservation } from './scenario.js';

const require = createRequire(import.meta.url);
const DRIVER_DIR = dirname(require.resolve('@screeps/driver/package.json'));
const BUILD_DIR = join(DRIVER_DIR, 'build');
/** Records which V8 produced the snapshot: a snapshot only loads in the V8 that made it. */
const STAMP = join(BUILD_DIR, 'runtime.build-stamp.json');

/**
 * Builds `build/runtime.bundle.js` and `build/runtime.snapshot.bin` inside the installed driver, the way
 * the `screeps` package's postinstall does (`webpack` with the driver's own config, whose shell plugin
 * then runs `make-runtime-snapshot`), unless a build from this V8 is already there. webpack 3 hashes with
 * MD4, which OpenSSL 3 only has in its legacy provider, hence `--openssl-legacy-provider`.
 */
export function ensureOfficialRuntime(): void {
  const stamp = JSON.stringify({ v8: process.versions.v8 });
  const built = existsSync(join(BUILD_DIR, 'runtime.bundle.js')) && existsSync(join(BUILD_DIR, 'runtime.snapshot.bin'));
  if (built && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) return;
  const webpack = require.resolve('webpack/bin/webpack.js');
  const result = spawnSync(process.execPath, [webpack, '--config', 'webpack.config.js'], {
    cwd: DRIVER_DIR,
    encoding: 'utf8',
    env: {
      ...process.env,
      // The shell plugin runs `node --no-node-snapshot make-runtime-snapshot`: this Node must be that `node`.
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      NODE_OPTIONS: '--openssl-legacy-provider',
    },
  });
  if (result.status !== 0 || !existsSync(join(BUILD_DIR, 'runtime.snapshot.bin'))) {
    throw new Error(`building the official runtime failed (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  writeFileSync(STAMP, stamp);
}

/** A child process running the official driver; scenarios run one at a time. */
export class OfficialDriver implements AsyncDisposable {
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  #pending: { resolve: (o: TickObservation[]) => void; reject: (e: Error) => void } | null = null;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk.toString()));
    child.stdout?.resume();
    child.on('message', (message: { type: string; observations?: TickObservation[]; error?: string }) => {
      const pending = this.#pending;
      this.#pending = null;
      if (message.type === 'result') pending?.resolve(message.observations!);
      else if (message.type === 'error') pending?.reject(new Error(message.error));
    });
    child.on('exit', (code) => {
      this.#pending?.reject(new Error(`official driver process exited (${code}): ${this.#stderr.join('')}`));
      this.#pending = null;
    });
  }

  static async start(): Promise<OfficialDriver> {
    ensureOfficialRuntime();
    const entry = join(dirname(fileURLToPath(import.meta.url)), 'official-child.js');
    const child = fork(entry, [], {
      execArgv: ['--no-node-snapshot'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The engine finds its driver through DRIVER_MODULE, as under the launcher.
      env: { ...process.env, DRIVER_MODULE: '@screeps/driver' },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      const stderr: string[] = [];
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`official driver process exited during start (${code}):\n${stderr.join('')}`)));
    });
    return new OfficialDriver(child);
  }

  run(scenario: Scenario, userId: string): Promise<TickObservation[]> {
    if (this.#pending) throw new Error('one scenario at a time');
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.send({ type: 'run', scenario, userId });
    });
  }

  /** What the driver wrote to its stderr (its `console.error` of rejected ticks), for failure reports. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ type: 'exit' });
    await exited;
  }
}
