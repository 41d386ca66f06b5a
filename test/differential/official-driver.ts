/**
 * The official runtime as a test oracle: builds the driver's in-isolate runtime (its npm package ships
 * `webpack.config.js` but not the build: `ensureOfficialRuntimeBundle`), then runs scenarios in a child
 * process (`official-child.ts`).
 * Reusable by any suite that wants to compare with `@screeps/driver` 5.3.0.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureOfficialRuntimeBundle } from '../../src/screeps/bundle.js';
import type { Scenario, TickObservation } from './scenario.js';

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
    ensureOfficialRuntimeBundle();
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
