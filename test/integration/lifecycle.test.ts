import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelError, parseUserId, type RunResult } from '../../src/index.js';
import { collectTelemetry, COUNTER, nextEvent, testRuntime } from '../helpers/runtime.js';

describe('isolate lifecycle', () => {
  it('reuses a warm isolate across ticks: a global survives between ticks', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const id = storage.addUser({ id: 'warm', modules: { main: COUNTER } });
    const seen: (string | null)[] = [];
    for (let t = 1; t <= 3; t++) {
      const report = await runtime.runTick(t);
      const r = report.results.find((x) => x.userId === id)!;
      assert.equal(r.outcome, 'ok');
      assert.deepEqual(r.console, [`count=${t}`]);
      seen.push(r.coldStart);
    }
    assert.deepEqual(seen, ['firstRun', null, null]);
  });

  it('resets the isolate when the code changes (global reset)', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const id = storage.addUser({ id: 'changer', modules: { main: COUNTER } });
    await runtime.runTick(1);
    await runtime.runTick(2);
    storage.setCode(id, { main: COUNTER + '\n// v2' });
    const r = (await runtime.runTick(3)).results[0]!;
    assert.equal(r.coldStart, 'codeChanged');
    assert.deepEqual(r.console, ['count=1']);
  });

  it('reports every disposal as sandbox:recycled, so created minus recycled is the live isolate count', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 1 });
    await using _ = runtime;
    const changer = storage.addUser({ id: 'changer', modules: { main: COUNTER } });
    storage.addUser({ id: 'halter', modules: { main: 'module.exports.loop = function () { if (Game.time % 2 === 0) Game.cpu.halt(); };' } });
    const reasons: string[] = [];
    let live = 0;
    let reported = -1;
    runtime.on('sandbox:created', () => live++);
    runtime.on('sandbox:recycled', (e) => {
      live--;
      reasons.push(e.reason);
    });
    runtime.on('worker:stats', (e) => (reported = e.isolates));
    for (let t = 1; t <= 4; t++) {
      // A code change replaces the changer's isolate at ticks 2 and 4 (the old one is disposed before the run).
      if (t % 2 === 0) storage.setCode(changer, { main: `${COUNTER}\n// v${t}` });
      await runtime.runTick(t);
    }
    assert.deepEqual(reasons.sort(), ['codeChanged', 'codeChanged', 'halted', 'halted']);
    assert.equal(reported, 1);
    assert.equal(live, reported);
  });

  it('disposes an idle isolate after its TTL and starts the next tick cold', async () => {
    const { runtime, storage } = await testRuntime({ idleIsolateTtlMs: 1000, idleSweepIntervalMs: 200 });
    await using _ = runtime;
    storage.addUser({ id: 'idle', modules: { main: COUNTER } });
    await runtime.runTick(1);
    // Nothing runs this player for longer than its TTL; the worker's sweep (every 200 ms) disposes the
    // isolate and reports it with the next batch, whose tick then starts cold.
    const recycled = nextEvent(runtime, 'sandbox:recycled', (e) => e.reason === 'idleEvicted');
    let r;
    for (let t = 2; t < 12; t++) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      r = (await runtime.runTick(t)).results[0]!;
      if (r.coldStart !== null) break;
    }
    assert.ok(r);
    assert.equal(r.coldStart, 'idleEvicted');
    assert.deepEqual(r.console, ['count=1']);
    await recycled;
  });

  it('keeps each player on the same worker across ticks and spreads players over the pool', async () => {
    const { runtime, storage } = await testRuntime({ poolSize: 2 });
    await using _ = runtime;
    for (let i = 0; i < 20; i++) storage.addUser({ id: `p${i}`, modules: { main: COUNTER } });
    const threads = new Map<string, Set<number>>();
    for (let t = 1; t <= 3; t++) {
      const { events, stop } = collectTelemetry(runtime);
      await runtime.runTick(t);
      stop();
      assert.equal(events.length, 20);
      for (const e of events) {
        assert.ok(e.worker);
        const set = threads.get(e.userId) ?? new Set();
        set.add(e.worker.threadId);
        threads.set(e.userId, set);
      }
    }
    for (const set of threads.values()) assert.equal(set.size, 1);
    const used = new Set([...threads.values()].map((s) => [...s][0]));
    assert.equal(used.size, 2);
  });

  it('reports a timeout and runs the same isolate normally on the next tick', async () => {
    const { runtime, storage } = await testRuntime({ cpuMaxPerTick: 50 });
    await using _ = runtime;
    storage.addUser({
      id: 'spinner',
      cpu: 50,
      cpuAvailable: 10_000,
      modules: { main: `globalThis.n = (globalThis.n || 0) + 1; module.exports.loop = function () { Memory.ticks = (Memory.ticks || 0) + 1; if (Game.time === 1) for (;;) {} console.log('alive ' + Memory.ticks); };` },
    });
    const first = (await runtime.runTick(1)).results[0]!;
    assert.equal(first.outcome, 'timedOut');
    // The player's frame at the moment of the timeout (its column is wherever the interrupt hit).
    assert.match(first.errors[0]!, /^Script execution timed out\.\n {4}at module\.exports\.loop \(main:1:\d+\)$/);
    assert.equal(first.errors.length, 1);
    // F42: what the tick did before the timeout is still saved.
    assert.equal(first.memoryChanged, true);
    const second = (await runtime.runTick(2)).results[0]!;
    assert.equal(second.outcome, 'ok');
    assert.equal(second.coldStart, null);
    assert.deepEqual(second.console, ['alive 2']);
  });

  it('reports a memory-limit disposal, then restarts with the official message', async () => {
    const { runtime, storage } = await testRuntime({ memoryLimitMb: 16, cpuMaxPerTick: 5000 });
    await using _ = runtime;
    const id = storage.addUser({
      id: 'hog',
      cpu: 5000,
      cpuAvailable: 10_000,
      modules: { main: `const keep = []; module.exports.loop = function () { if (Game.time === 1) for (;;) keep.push({ a: Math.random(), b: [1, 2, 3] }); console.log('fresh ' + keep.length); };` },
    });
    const first = (await runtime.runTick(1)).results[0]!;
    assert.equal(first.outcome, 'memoryExceeded');
    assert.deepEqual(first.errors, ['Error: Isolate was disposed during execution due to memory limit']);
    const second = (await runtime.runTick(2)).results[0]!;
    assert.equal(second.userId, id);
    assert.equal(second.outcome, 'ok');
    assert.equal(second.coldStart, 'disposed');
    assert.deepEqual(second.errors, ['Script execution has been terminated: your isolate disposed unexpectedly, restarting virtual machine']);
    assert.deepEqual(second.console, ['fresh 0']);
  });

  it('halts on Game.cpu.halt(): nothing of the tick is saved and the next tick is fresh (F26)', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const id = storage.addUser({
      id: 'halter',
      modules: { main: `module.exports.loop = function () { globalThis.c = (globalThis.c || 0) + 1; Memory.c = c; console.log('c=' + c); if (Game.time === 2) Game.cpu.halt(); };` },
    });
    await runtime.runTick(1);
    assert.equal(storage.getMemory(id), '{"c":1}');
    const halted = (await runtime.runTick(2)).results[0]!;
    assert.equal(halted.outcome, 'halted');
    assert.deepEqual(halted.errors, ['CPU halted']);
    assert.equal(storage.getMemory(id), '{"c":1}');
    const next = (await runtime.runTick(3)).results[0]!;
    assert.equal(next.coldStart, 'halted');
    assert.deepEqual(next.console, ['c=1']);
  });

  it('saves Memory and console output of a tick whose loop threw (F42)', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    const id = storage.addUser({ id: 'thrower', modules: { main: `module.exports.loop = function () { Memory.x = Game.time; console.log('before'); throw new Error('boom <b>'); };` } });
    const r = (await runtime.runTick(7)).results[0]!;
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(r.console, ['before']);
    assert.match(r.errors[0]!, /^Error: boom &lt;b>\n    at module\.exports\.loop \(main:1:\d+\)/);
    assert.doesNotMatch(r.errors[0]!, /runtime/);
    assert.equal(storage.getMemory(id), '{"x":7}');
  });

  it('runs players without storage through execute()', async () => {
    const { runtime } = await testRuntime();
    await using _ = runtime;
    const [result] = await runtime.execute([
      { userId: 'solo', gameTime: 42, code: { modules: { main: `module.exports.loop = () => { Memory.t = Game.time; console.log('hi'); };` } }, memory: '{"a":1}' },
    ]);
    assert.equal(result?.outcome, 'ok');
    assert.equal(result?.output?.memory, '{"a":1,"t":42}');
    assert.deepEqual(result?.output?.console.log, [{ message: 'hi', escape: true }]);
    assert.equal(result?.userId, parseUserId('solo'));
  });

  it("hands each execute() result to onResult as soon as its worker task is back, before the call resolves", async () => {
    // One worker, one player per task: the quick player's task comes back while the slow one still spins
    // for 400 ms of its 500 ms tick (the margin keeps this true on a loaded machine).
    const { runtime } = await testRuntime({ poolSize: 1, batchSize: 1 });
    await using _ = runtime;
    const spin = (ms: number) => `module.exports.loop = () => { const t = Date.now(); while (Date.now() - t < ${ms}); };`;
    const seen: { userId: string; at: number }[] = [];
    const results = await runtime.execute(
      [
        { userId: 'quick', gameTime: 1, code: { modules: { main: spin(0) } } },
        { userId: 'slow', gameTime: 1, code: { modules: { main: spin(400) } } },
      ],
      { onResult: (r) => seen.push({ userId: r.userId, at: performance.now() }) },
    );
    const resolvedAt = performance.now();
    assert.deepEqual(seen.map((s) => s.userId), ['quick', 'slow']);
    assert.ok(resolvedAt - seen[0]!.at > 200, `quick delivered ${Math.round(resolvedAt - seen[0]!.at)} ms before the call resolved`);
    assert.ok(resolvedAt >= seen[1]!.at);
    assert.deepEqual(results.map((r) => [r.userId, r.outcome]), [['quick', 'ok'], ['slow', 'ok']]);
  });

  it('runs execute() calls side by side (a priority call ahead of queued players), one call per player, never beside runTick', async () => {
    // One worker, one player per task, one task sent at a time: the first call's slow player holds the
    // worker for 300 ms of its 500 ms tick while its second player waits in the main thread's queue.
    const { runtime } = await testRuntime({ poolSize: 1, batchSize: 1, batchesInFlightPerWorker: 1 });
    await using _ = runtime;
    const spin = (ms: number) => `module.exports.loop = () => { const t = Date.now(); while (Date.now() - t < ${ms}); };`;
    const order: string[] = [];
    const onResult = (r: RunResult) => order.push(r.userId);
    const first = runtime.execute(
      [
        { userId: 'slow', gameTime: 1, code: { modules: { main: spin(300) } } },
        { userId: 'queued', gameTime: 1, code: { modules: { main: spin(0) } } },
      ],
      { onResult },
    );
    const urgent = runtime.execute([{ userId: 'urgent', gameTime: 1, code: { modules: { main: spin(0) } } }], { onResult, priority: true });
    const invalid = (message: RegExp) => (e: unknown) => e instanceof KernelError && e.code === 'KERNEL_INVALID_REQUEST' && message.test(e.message);
    await assert.rejects(runtime.execute([{ userId: 'slow', gameTime: 1, code: { modules: { main: spin(0) } } }]), invalid(/player slow is already running in another execute\(\) call/));
    await assert.rejects(runtime.execute([{ userId: 'x', gameTime: 1, code: { modules: {} } }], { priority: 'yes' as never }), invalid(/priority must be a boolean/));
    await assert.rejects(runtime.runTick(1), (e: unknown) => e instanceof KernelError && e.code === 'KERNEL_TICK_IN_PROGRESS');
    const [firstResults, urgentResults] = await Promise.all([first, urgent]);
    assert.deepEqual(order, ['slow', 'urgent', 'queued']);
    assert.deepEqual(firstResults.map((r) => [r.userId, r.outcome]), [['slow', 'ok'], ['queued', 'ok']]);
    assert.deepEqual(urgentResults.map((r) => [r.userId, r.outcome]), [['urgent', 'ok']]);
    // Both settled: the player may run again, and so may a tick.
    assert.equal((await runtime.execute([{ userId: 'slow', gameTime: 2, code: { modules: { main: spin(0) } } }]))[0]?.outcome, 'ok');
    await runtime.runTick(3);
  });

  it('closes after the execute() calls in flight have settled', async () => {
    const { runtime } = await testRuntime({ poolSize: 1 });
    const spin = `module.exports.loop = () => { const t = Date.now(); while (Date.now() - t < 200); };`;
    const calls = [runtime.execute([{ userId: 'a', gameTime: 1, code: { modules: { main: spin } } }]), runtime.execute([{ userId: 'b', gameTime: 1, code: { modules: { main: spin } } }])];
    await runtime.close();
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((r) => [r[0]?.userId, r[0]?.outcome]), [['a', 'ok'], ['b', 'ok']]);
    await assert.rejects(runtime.execute([{ userId: 'c', gameTime: 1, code: { modules: { main: spin } } }]), (e: unknown) => e instanceof KernelError && e.code === 'KERNEL_RUNTIME_CLOSED');
  });

  it('reports a throwing onResult as listener:error and still returns every result', async () => {
    const { runtime } = await testRuntime();
    await using _ = runtime;
    const errors: string[] = [];
    runtime.on('listener:error', (e) => errors.push(`${e.event}: ${String(e.error)}`));
    const results = await runtime.execute([{ userId: 'p', gameTime: 1, code: { modules: { main: COUNTER } } }], {
      onResult: () => {
        throw new Error('host bug');
      },
    });
    assert.equal(results[0]?.outcome, 'ok');
    assert.deepEqual(errors, ['execute:onResult: Error: host bug']);
  });

  it('keeps running ticks when a telemetry listener throws', async () => {
    const { runtime, storage } = await testRuntime();
    await using _ = runtime;
    storage.addUser({ id: 'p', modules: { main: COUNTER } });
    const errors: unknown[] = [];
    runtime.on('listener:error', ({ error }) => errors.push(error));
    runtime.on('player:tick', () => {
      throw new Error('listener bug');
    });
    const report = await runtime.runTick(1);
    assert.equal(report.results[0]?.outcome, 'ok');
    assert.equal(errors.length, 1);
  });
});
