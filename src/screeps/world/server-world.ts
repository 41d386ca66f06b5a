/**
 * An official Screeps private server world, headless, as `@screeps/launcher` `lib/start.js` runs it:
 * storage (LokiJS) on a loopback port with the launcher's initial world (`init_dist/db.json`, 121 rooms
 * and 4 simplebots placed by the CLI), the engine's `main.js`, processors and `runner.js`, each with
 * `DRIVER_MODULE`; only the runner's driver changes between the official server and the kernel.
 * Used by the end-to-end test and by `screeps-kernel server-demo`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureOfficialRuntimeBundle } from '../bundle.js';
import { serverPaths } from '../official.js';
import type { PlaceBot } from './admin-process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** `DRIVER_MODULE` for the kernel: this package's `./driver` export (compiled). */
export const KERNEL_DRIVER_MODULE = resolve(HERE, '../driver.cjs');
const SEEDED_RANDOM_MOD = resolve(HERE, '../../../../src/screeps/world/seeded-random-mod.cjs');
const STOP_AT_MOD = resolve(HERE, '../../../../src/screeps/world/stop-at-mod.cjs');

export interface WorldOptions {
  /**
   * Loopback TCP port of the storage process; by default a Unix socket in the world's directory (the
   * storage's small RPC messages over loopback TCP wait on delayed ACKs: several times slower, measured).
   */
  readonly storagePort?: number;
  /** Which driver the runner uses. */
  readonly runner: 'kernel' | 'official';
  /** Bots placed beside the world's 4 pre-placed simplebots: username and room. */
  readonly extraBots?: readonly { readonly username: string; readonly room: string }[];
  /** Seed `Math.random` per player and tick through the `playerSandbox` event (a server mod). @default true */
  readonly seededRandom?: boolean;
  /** @default 2 */
  readonly processors?: number;
  /** Extra environment of the runner (e.g. `KERNEL_POOL_SIZE`, `RUNNER_THREADS`). */
  readonly runnerEnv?: Readonly<Record<string, string>>;
}

export interface PlayerSnapshot {
  readonly id: string;
  readonly username: string;
  readonly lastUsedCpu: number | undefined;
  readonly objects: readonly { type: string; name?: string; room: string; x: number; y: number; store?: Record<string, number>; hits?: number; level?: number; progress?: number; spawning: string | null }[];
  readonly memory: string | null;
  /** The sources of the rooms the player's controllers are in. */
  readonly sources: readonly { room: string; x: number; y: number; energy: number; energyCapacity: number }[];
  readonly errors: readonly string[];
}

export interface WorldSnapshot {
  readonly gameTime: number;
  readonly players: readonly PlayerSnapshot[];
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string[];
}

export class ServerWorld implements AsyncDisposable {
  readonly dir: string;
  readonly #procs: Proc[] = [];
  #admin: ChildProcess | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Starts storage, places the extra bots, then starts main, the processors and the runner. */
  static async start(options: WorldOptions): Promise<ServerWorld> {
    const world = new ServerWorld(mkdtempSync(join(tmpdir(), 'screeps-world-')));
    try {
      await world.#start(options);
      return world;
    } catch (e) {
      await world.close();
      throw e;
    }
  }

  async #start(options: WorldOptions): Promise<void> {
    if (options.runner === 'official') ensureOfficialRuntimeBundle();
    const paths = serverPaths();
    const dbPath = join(this.dir, 'db.json');
    copyFileSync(paths.launcherDb, dbPath);
    const modFile = join(this.dir, 'mods.json');
    writeFileSync(modFile, JSON.stringify({ mods: options.seededRandom === false ? [STOP_AT_MOD] : [STOP_AT_MOD, SEEDED_RANDOM_MOD], bots: { simplebot: paths.simplebot } }));
    const address = options.storagePort === undefined ? { STORAGE_PORT: join(this.dir, 'storage.sock') } : { STORAGE_PORT: String(options.storagePort), STORAGE_HOST: '127.0.0.1' };
    const base: NodeJS.ProcessEnv = { ...process.env, ...address, DB_PATH: dbPath, MODFILE: modFile };
    const storage = this.#fork('storage', paths.storage, base);
    await new Promise<void>((ready, fail) => {
      storage.child.on('message', (m: unknown) => m === 'storageLaunched' && ready());
      storage.child.once('exit', (code) => fail(new Error(`storage exited (${code}): ${storage.log.join('').slice(-2000)}`)));
    });
    const admin = this.#fork('admin', resolve(HERE, 'admin-process.js'), base);
    this.#admin = admin.child;
    await new Promise<void>((ready, fail) => {
      admin.child.on('message', (m: { ready?: true; id?: number; result?: unknown; error?: string }) => {
        if (m.ready) return ready();
        const waiter = this.#waiting.get(m.id!);
        this.#waiting.delete(m.id!);
        if (m.error !== undefined) waiter?.reject(new Error(m.error));
        else waiter?.resolve(m.result);
      });
      admin.child.once('exit', (code) => fail(new Error(`storage admin exited (${code}): ${admin.log.join('').slice(-2000)}`)));
    });
    await this.#request('tickRate', { ms: 1 });
    await this.#request('prepare');
    for (const bot of options.extraBots ?? []) await this.#request('placeBot', { botDir: paths.simplebot, username: bot.username, room: bot.room } satisfies PlaceBot);
    const official = paths.officialDriver;
    this.#spawn('main', paths.main, { ...base, DRIVER_MODULE: official });
    for (let i = 0; i < (options.processors ?? 2); i++) this.#spawn(`processor${i}`, paths.processor, { ...base, DRIVER_MODULE: official });
    const runnerDriver = options.runner === 'kernel' ? KERNEL_DRIVER_MODULE : official;
    const runner = this.#spawn('runner', paths.runner, { ...base, DRIVER_MODULE: runnerDriver, ...options.runnerEnv });
    // The runner is ready once it is connected (the kernel driver starts the kernel before it connects).
    const ready = options.runner === 'kernel' ? /Players run on screeps-runtime-kernel/ : /Connecting to storage/;
    while (!ready.test(runner.log.join(''))) {
      if (runner.child.exitCode !== null) throw new Error(`runner exited (${runner.child.exitCode}): ${runner.log.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The official runner creates its queue right after connecting; one more moment for it.
    await new Promise((r) => setTimeout(r, 500));
    await this.#request('resume');
  }

  #fork(name: string, script: string, env: NodeJS.ProcessEnv): Proc {
    const child = fork(script, [], { env, execArgv: ['--no-node-snapshot'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: this.dir });
    return this.#track(name, child);
  }

  #spawn(name: string, script: string, env: NodeJS.ProcessEnv): Proc {
    const child = spawn(process.execPath, ['--no-node-snapshot', script], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    return this.#track(name, child);
  }

  #track(name: string, child: ChildProcess): Proc {
    const proc: Proc = { name, child, log: [] };
    const keep = (chunk: Buffer) => {
      proc.log.push(chunk.toString());
      if (proc.log.length > 2000) proc.log.splice(0, 1000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#procs.push(proc);
    return proc;
  }

  #request(op: string, args?: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve_, reject) => {
      this.#waiting.set(id, { resolve: resolve_, reject });
      this.#admin!.send({ id, op, args });
    });
  }

  /** Rooms with a controller nobody owns, by name. */
  async freeRooms(): Promise<string[]> {
    return (await this.#request('freeRooms')) as string[];
  }

  /** Places a simplebot as the backend CLI's `bots.spawn` does (while the world runs, as the CLI would). */
  async placeBot(username: string, room: string): Promise<string> {
    return (await this.#request('placeBot', { botDir: serverPaths().simplebot, username, room } satisfies PlaceBot)) as string;
  }

  /** CPU time (user + system, ms) the process has used so far, from /proc (Linux); null elsewhere or when gone. */
  cpuMs(name: string): number | null {
    const pid = this.#procs.find((p) => p.name === name)?.child.pid;
    if (pid === undefined) return null;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return null;
    }
  }

  async gameTime(): Promise<number> {
    return (await this.#request('gameTime')) as number;
  }

  /** Waits until the world's game time has advanced `ticks` past `from`; `progress` is told each new time seen. */
  async waitTicks(from: number, ticks: number, progress?: (time: number) => void, pollMs = 100): Promise<number> {
    let time = await this.gameTime();
    while (time < from + ticks) {
      const dead = this.#procs.find((p) => p.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}): ${dead.log.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, pollMs));
      time = await this.gameTime();
      progress?.(time);
    }
    return time;
  }

  /**
   * Runs the world until its game time is `time` and pauses main there (the runner and processors go
   * idle), so two worlds can be compared at the same tick. `progress` is told the time as it advances.
   */
  async runUntil(time: number, progress?: (time: number) => void): Promise<void> {
    let stopped = false;
    const stop = this.#request('stopAt', { time }).then(() => {
      stopped = true;
    });
    const watch = (async () => {
      while (!stopped) {
        const dead = this.#procs.find((p) => p.child.exitCode !== null);
        if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}): ${dead.log.join('').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
        if (!stopped) progress?.(await this.gameTime());
      }
    })();
    await Promise.all([stop, watch]);
    // main may be inside its last tick's final stages (custom stage, loop timer): let the pause take hold.
    const paused = await this.gameTime();
    if (paused !== time) throw new Error(`the world paused at ${paused}, not ${time}`);
  }

  async snapshot(): Promise<WorldSnapshot> {
    return (await this.#request('snapshot')) as WorldSnapshot;
  }

  /** The output of one of the processes (`storage`, `main`, `processor0`, `runner`, ...). */
  log(name: string): string {
    return this.#procs.find((p) => p.name === name)?.log.join('') ?? '';
  }

  /** Stops the engine processes first (so nothing writes while storage goes), then storage; removes the directory. */
  async close(): Promise<void> {
    const order = [...this.#procs].sort((a, b) => (a.name === 'storage' ? 1 : 0) - (b.name === 'storage' ? 1 : 0));
    for (const p of order) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
      p.child.kill('SIGKILL');
      await exited;
    }
    for (const w of this.#waiting.values()) w.reject(new Error('world closed'));
    this.#waiting.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
