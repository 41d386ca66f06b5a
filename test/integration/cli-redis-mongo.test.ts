/**
 * The `runner` and `main-loop` commands on the Redis + MongoDB store: players seeded into Redis + MongoDB
 * run a few ticks through the users queue, and their Memory, tick fence and console reach the stores.
 * Needs REDIS_URL and MONGO_URL (skipped with the reason without them; failed with REQUIRE_SERVICES=1).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsersQueue } from '../../src/queue/index.js';
import { RedisMongoStorage } from '../../src/storage/redis-mongo/index.js';
import { servicesMissing, uniqueNamespace } from '../contract/fixture.js';
import { uniqueName } from '../helpers/redis.js';
import { skipUnlessServices } from '../helpers/services.js';


const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PLAYER = 'module.exports.loop = function () { Memory.runs = (Memory.runs || 0) + 1; Memory.last = Game.time; console.log("tick " + Game.time); };';
const PLAYERS = 6;
const TICKS = 3;

/** Hang guard for a child process step (not a timing assertion). */
function within<T>(promise: Promise<T>, what: string, deadlineMs = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${deadlineMs} ms`)), deadlineMs);
    }),
  ]);
}

function cli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

describe('CLI on redis+mongo', { skip: skipUnlessServices('CLI on redis+mongo', servicesMissing()) }, () => {
  it('runs seeded players through a runner and the main loop and persists their ticks', async () => {
    const { redisKeyPrefix, mongoDatabase } = uniqueNamespace();
    const redisUrl = process.env.REDIS_URL!;
    const mongo = new URL(process.env.MONGO_URL!);
    mongo.pathname = `/${mongoDatabase}`;
    const storage = await RedisMongoStorage.connect({ redisUrl, mongoUrl: mongo.href, redisKeyPrefix });
    const name = uniqueName('tcrm');
    const queue = new UsersQueue(redisUrl, name);
    await queue.connect();
    let runner: ReturnType<typeof cli> | undefined;
    try {
      const ids = await storage.admin.addUsers(
        Array.from({ length: PLAYERS }, (_, i) => ({ id: `cli${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: PLAYER }, memory: '{}' })),
      );
      const env = { ...process.env, REDIS_KEY_PREFIX: redisKeyPrefix, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--no-node-snapshot/g, '').trim() };
      const common = ['--redis', redisUrl, '--queue', name, '--storage', 'redis+mongo', '--mongo', mongo.href];
      runner = cli(['runner', ...common, '--pool', '1', '--runner-id', 'cli-rm'], env);
      const r = runner;
      await within(
        new Promise<void>((resolve, reject) => {
          r.child.stderr!.on('data', () => r.err().includes('"msg":"runner ready"') && resolve());
          void r.exited.then(() => reject(new Error(`runner exited early: ${r.err()}`)));
        }),
        'runner ready',
      );
      const loop = cli(['main-loop', ...common, '--ticks', String(TICKS), '--min-tick-ms', '0', '--reset-interval-ms', '600000'], env);
      assert.equal(await within(loop.exited, 'main loop end'), 0, loop.err());
      const reports = loop
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { gameTime: number; players: number; completed: boolean });
      assert.deepEqual(
        reports.map((t) => [t.gameTime, t.players, t.completed]),
        Array.from({ length: TICKS }, (_, i) => [i + 1, PLAYERS, true]),
      );
      runner.child.kill('SIGTERM');
      assert.equal(await within(runner.exited, 'runner exit after SIGTERM'), 0, runner.err());

      for (const id of ids) {
        assert.deepEqual(JSON.parse((await storage.admin.getMemory(id)) ?? 'null'), { runs: TICKS, last: TICKS }, `Memory of ${id}`);
      }
      const dump = await storage.admin.dump();
      assert.deepEqual(dump.redis[`${redisKeyPrefix}kernel:committedTick`], Object.fromEntries(ids.map((id) => [id, String(TICKS)])));
      const user = await storage.admin.getUser(ids[0]!);
      assert.ok(user !== undefined && user.lastCommittedTick !== undefined && user.lastCommittedTick >= 1, 'the users document was written by a tick');
    } finally {
      if (runner && runner.child.exitCode === null) runner.child.kill('SIGKILL');
      await queue.resetAll();
      await queue.close();
      await storage.admin.wipe();
      await storage[Symbol.asyncDispose]();
    }
  });

  it('says what is missing when redis+mongo has no MongoDB URL, and refuses --sample-players with it', async () => {
    const env = { ...process.env, MONGO_URL: '', NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--no-node-snapshot/g, '').trim() };
    const noMongo = cli(['main-loop', '--redis', process.env.REDIS_URL!, '--storage', 'redis+mongo', '--ticks', '1'], env);
    assert.equal(await within(noMongo.exited, 'exit'), 1);
    assert.match(noMongo.err(), /--storage redis\+mongo needs MongoDB \(--mongo URL or MONGO_URL\)/);
    const sample = cli(['runner', '--redis', process.env.REDIS_URL!, '--storage', 'redis+mongo', '--sample-players', '5'], { ...env, MONGO_URL: process.env.MONGO_URL });
    assert.equal(await within(sample.exited, 'exit'), 1);
    assert.match(sample.err(), /--sample-players works only with --storage memory/);
  });
});
