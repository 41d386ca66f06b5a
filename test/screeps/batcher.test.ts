import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ExecuteRequest, RunResult, Runtime } from '../../src/index.js';
import { ExecuteBatcher } from '../../src/screeps/batcher.js';
import { recordPlayerSandbox } from '../../src/screeps/player-sandbox.js';

/** Records each execute() call; the test releases the calls one at a time (a handshake, not a sleep). */
function fakeRuntime() {
  const calls: string[][] = [];
  const releases: (() => void)[] = [];
  const runtime = {
    execute(requests: readonly ExecuteRequest[]): Promise<RunResult[]> {
      calls.push(requests.map((r) => r.userId));
      return new Promise((resolve) => releases.push(() => resolve(requests.map((r) => ({ userId: r.userId }) as unknown as RunResult))));
    },
  } as unknown as Runtime;
  return { runtime, calls, release: () => releases.shift()!() };
}

const request = (userId: string): ExecuteRequest => ({ userId, gameTime: 1, code: { modules: {} } });
const turn = () => new Promise((r) => setImmediate(r));
/** Waits until the fake runtime has seen `n` execute() calls (it never gets them when the batcher is wrong: the test then times out). */
async function calls_(calls: string[][], n: number): Promise<void> {
  while (calls.length < n) await turn();
}

describe('ExecuteBatcher (the runner hands over players one by one)', () => {
  it('runs the players handed over in the same turn as one batch, and those arriving meanwhile as the next', async () => {
    const { runtime, calls, release } = fakeRuntime();
    const batcher = new ExecuteBatcher(runtime);
    const first = [batcher.run(request('a')), batcher.run(request('b'))];
    await turn();
    assert.deepEqual(calls, [['a', 'b']]);
    const later = [batcher.run(request('c')), batcher.run(request('d'))];
    await turn();
    assert.deepEqual(calls, [['a', 'b']], 'one execute() at a time');
    release();
    assert.deepEqual((await Promise.all(first)).map((r) => r.userId), ['a', 'b']);
    await calls_(calls, 2);
    assert.deepEqual(calls, [['a', 'b'], ['c', 'd']]);
    release();
    assert.deepEqual((await Promise.all(later)).map((r) => r.userId), ['c', 'd']);
  });

  it('puts a second request of the same player into the next batch', { timeout: 10_000 }, async () => {
    const { runtime, calls, release } = fakeRuntime();
    const batcher = new ExecuteBatcher(runtime);
    const runs = [batcher.run(request('a')), batcher.run(request('a'))];
    await calls_(calls, 1);
    release();
    await calls_(calls, 2);
    release();
    await Promise.all(runs);
    assert.deepEqual(calls, [['a'], ['a']]);
  });
});

describe('ExecuteBatcher: early results and new players first', () => {
  it("resolves a player's run when execute() hands over its result, before the batch ends, and runs players it has not run before first", async () => {
    const calls: string[][] = [];
    let finish: () => void = () => undefined;
    const runtime = {
      execute(requests: readonly ExecuteRequest[], options?: { onResult?: (r: RunResult) => void }): Promise<RunResult[]> {
        calls.push(requests.map((r) => r.userId));
        const results = requests.map((r) => ({ userId: r.userId }) as unknown as RunResult);
        options?.onResult?.(results[0]!);
        return new Promise((resolve) => (finish = () => resolve(results)));
      },
    } as unknown as Runtime;
    const batcher = new ExecuteBatcher(runtime);
    let firstDone = false;
    const a = batcher.run(request('a')).then((r) => ((firstDone = true), r));
    const b = batcher.run(request('b'));
    while (calls.length < 1) await turn();
    await turn();
    assert.ok(firstDone, "a's result resolved while the batch still runs");
    finish();
    assert.deepEqual((await Promise.all([a, b])).map((r) => r.userId), ['a', 'b']);
    // Next batch: 'c' is new, 'a' ran before: 'c' goes first; results still reach their own callers.
    const later = [batcher.run(request('a')), batcher.run(request('c'))];
    while (calls.length < 2) await turn();
    finish();
    assert.deepEqual(calls[1], ['c', 'a']);
    assert.deepEqual((await Promise.all(later)).map((r) => r.userId), ['a', 'c']);
  });
});

describe("recordPlayerSandbox (the driver's playerSandbox event for players on worker threads)", () => {
  it("records the listeners' run and set calls in order, with the player's id, for replay in the isolate", () => {
    const config = new EventEmitter();
    const seen: string[] = [];
    config.on('playerSandbox', (sandbox: { run(c: string): unknown; set(n: string, v: unknown): unknown; get(n: string): unknown }, userId: string) => {
      seen.push(userId);
      sandbox.run('Game.shard = {}');
      sandbox.set('seed', { n: 1 });
      assert.equal(sandbox.get('anything'), undefined);
    });
    assert.deepEqual(recordPlayerSandbox(config, 'u1'), [{ run: 'Game.shard = {}' }, { set: 'seed', value: { n: 1 } }]);
    assert.deepEqual(seen, ['u1']);
  });
});
