import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ExecuteRequest, RunResult, Runtime } from '../../src/index.js';
import { ExecuteBatcher } from '../../src/screeps/batcher.js';
import { recordPlayerSandbox } from '../../src/screeps/player-sandbox.js';

/** Records each execute() call and its priority; the test releases the calls in order (a handshake, not a sleep). */
function fakeRuntime() {
  const calls: string[][] = [];
  const priority: boolean[] = [];
  const releases: (() => void)[] = [];
  const runtime = {
    execute(requests: readonly ExecuteRequest[], options?: { priority?: boolean }): Promise<RunResult[]> {
      calls.push(requests.map((r) => r.userId));
      priority.push(options?.priority === true);
      return new Promise((resolve) => releases.push(() => resolve(requests.map((r) => ({ userId: r.userId }) as unknown as RunResult))));
    },
  } as unknown as Runtime;
  return { runtime, calls, priority, release: () => releases.shift()!() };
}

const request = (userId: string): ExecuteRequest => ({ userId, gameTime: 1, code: { modules: {} } });
const turn = () => new Promise((r) => setImmediate(r));
/** Waits until the fake runtime has seen `n` execute() calls (it never gets them when the batcher is wrong: the test then times out). */
async function calls_(calls: string[][], n: number): Promise<void> {
  while (calls.length < n) await turn();
}

/** A batcher whose players `ids` have each run once already (their first ticks are calls of their own). */
async function warmed(ids: readonly string[]) {
  const fake = fakeRuntime();
  const batcher = new ExecuteBatcher(fake.runtime);
  const firsts = ids.map((id) => batcher.run(request(id)));
  for (const _ of ids) fake.release();
  await Promise.all(firsts);
  fake.calls.length = 0;
  fake.priority.length = 0;
  return { ...fake, batcher };
}

describe('ExecuteBatcher (the runner hands over players one by one)', () => {
  it('runs the players handed over in the same turn as one batch, and those arriving meanwhile as the next', async () => {
    const { batcher, calls, release } = await warmed(['a', 'b', 'c', 'd']);
    const first = [batcher.run(request('a')), batcher.run(request('b'))];
    await turn();
    assert.deepEqual(calls, [['a', 'b']]);
    const later = [batcher.run(request('c')), batcher.run(request('d'))];
    await turn();
    assert.deepEqual(calls, [['a', 'b']], 'one batch at a time');
    release();
    assert.deepEqual((await Promise.all(first)).map((r) => r.userId), ['a', 'b']);
    await calls_(calls, 2);
    assert.deepEqual(calls, [['a', 'b'], ['c', 'd']]);
    release();
    assert.deepEqual((await Promise.all(later)).map((r) => r.userId), ['c', 'd']);
  });

  it('puts a second request of the same player into the next batch', { timeout: 10_000 }, async () => {
    const { batcher, calls, release } = await warmed(['a']);
    const runs = [batcher.run(request('a')), batcher.run(request('a'))];
    await calls_(calls, 1);
    release();
    await calls_(calls, 2);
    release();
    await Promise.all(runs);
    assert.deepEqual(calls, [['a'], ['a']]);
  });
});

describe('ExecuteBatcher: early results and new players', () => {
  it("resolves a player's run when execute() hands over its result, before the batch ends", async () => {
    const calls: string[][] = [];
    let finish: () => void = () => undefined;
    const runtime = {
      execute(requests: readonly ExecuteRequest[], options?: { onResult?: (r: RunResult) => void }): Promise<RunResult[]> {
        calls.push(requests.map((r) => r.userId));
        const results = requests.map((r) => ({ userId: r.userId }) as unknown as RunResult);
        if (requests.length > 1) options?.onResult?.(results[0]!);
        return new Promise((resolve) => (finish = () => resolve(results)));
      },
    } as unknown as Runtime;
    const batcher = new ExecuteBatcher(runtime);
    for (const id of ['a', 'b']) {
      const p = batcher.run(request(id));
      finish();
      await p;
    }
    let firstDone = false;
    const a = batcher.run(request('a')).then((r) => ((firstDone = true), r));
    const b = batcher.run(request('b'));
    while (calls.length < 3) await turn();
    await turn();
    assert.deepEqual(calls[2], ['a', 'b']);
    assert.ok(firstDone, "a's result resolved while the batch still runs");
    finish();
    assert.deepEqual((await Promise.all([a, b])).map((r) => r.userId), ['a', 'b']);
  });

  it('runs a player it has not run before at once, in a call of its own with priority, while a batch is in flight', async () => {
    const { batcher, calls, priority, release } = await warmed(['a', 'b']);
    const batch = [batcher.run(request('a')), batcher.run(request('b'))];
    await calls_(calls, 1);
    const newcomer = batcher.run(request('n'));
    assert.deepEqual(calls, [['a', 'b'], ['n']], 'the new player did not wait for the batch in flight');
    assert.deepEqual(priority, [false, true]);
    // Released in call order: the batch, then the new player's call; both resolve to their own callers.
    release();
    release();
    assert.deepEqual((await Promise.all(batch)).map((r) => r.userId), ['a', 'b']);
    assert.equal((await newcomer).userId, 'n');
    // From then on the player is batched like the others.
    const again = batcher.run(request('n'));
    await calls_(calls, 3);
    assert.deepEqual(calls[2], ['n']);
    assert.equal(priority[2], false);
    release();
    await again;
  });

  it("queues a second request of a new player behind its first call instead of running it beside it", { timeout: 10_000 }, async () => {
    const { runtime, calls, release } = fakeRuntime();
    const batcher = new ExecuteBatcher(runtime);
    const first = batcher.run(request('n'));
    const second = batcher.run(request('n'));
    await turn();
    await turn();
    assert.deepEqual(calls, [['n']], 'one call at a time for the player');
    release();
    await first;
    await calls_(calls, 2);
    release();
    await second;
    assert.deepEqual(calls, [['n'], ['n']]);
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
