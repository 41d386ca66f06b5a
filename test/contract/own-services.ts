/**
 * Private Redis and FerretDB instances on free loopback ports, for tests that stop and restart servers
 * (the shared services on the default ports are never touched). Data survives a restart: Redis with an
 * append-only file, FerretDB in its SQLite directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const ROOT = new URL('../../../', import.meta.url).pathname;

function onPath(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function serverBinaries(): { redis: string; ferretdb: string } | string {
  const redis = process.env.REDIS_SERVER_BIN ?? onPath('redis-server');
  const local = join(ROOT, '.services', 'bin', 'ferretdb');
  const ferretdb = process.env.FERRETDB_BIN ?? (existsSync(local) ? local : onPath('ferretdb'));
  if (!redis) return 'redis-server not found (install it with scripts/services.sh start, or set REDIS_SERVER_BIN)';
  if (!ferretdb) return 'ferretdb not found (build it with scripts/services.sh start, or set FERRETDB_BIN)';
  return { redis, ferretdb };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves once the port accepts a TCP connection; rejects after `attempts` tries. */
async function listening(port: number, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await delay(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

export class OwnServer {
  readonly port: number;
  readonly #command: () => [string, string[]];
  #child: ChildProcess | null = null;

  private constructor(port: number, command: () => [string, string[]]) {
    this.port = port;
    this.#command = command;
  }

  static async redis(binary: string, dir: string): Promise<OwnServer> {
    const port = await freePort();
    return new OwnServer(port, () => [binary, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']]);
  }

  static async ferretdb(binary: string, dir: string): Promise<OwnServer> {
    const port = await freePort();
    return new OwnServer(port, () => [
      binary,
      ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dir}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error'],
    ]);
  }

  async start(): Promise<void> {
    const [binary, args] = this.#command();
    const child = spawn(binary, args, { stdio: 'ignore', env: { ...process.env, DO_NOT_TRACK: '1' } });
    this.#child = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${binary} exited with ${code} before listening`)));
    });
    await Promise.race([listening(this.port), failed]);
  }

  /** True while the server process is alive (it may be paused by SIGSTOP). */
  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stops the server and waits for its process to end: SIGTERM (a clean shutdown) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    // A paused process only acts on SIGTERM once it runs again.
    child.kill('SIGCONT');
    await exited;
    this.#child = null;
  }

  /** Pauses (SIGSTOP) or resumes (SIGCONT) the server process: a real stall, connections stay open. */
  pause(paused: boolean): void {
    if (!this.#child || !this.running) throw new Error('the server is not running');
    this.#child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }
}

/** A private Redis + FerretDB pair with their data directories; disposing stops both and removes the data. */
export async function ownServices(binaries: { redis: string; ferretdb: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-fault-'));
  const redis = await OwnServer.redis(binaries.redis, dir);
  const mongo = await OwnServer.ferretdb(binaries.ferretdb, dir);
  await Promise.all([redis.start(), mongo.start()]);
  return {
    redis,
    mongo,
    urls: { redisUrl: `redis://127.0.0.1:${redis.port}`, mongoUrl: `mongodb://127.0.0.1:${mongo.port}/fault` },
    async [Symbol.asyncDispose]() {
      await Promise.all([redis.stop(), mongo.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
