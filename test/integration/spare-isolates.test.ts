import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { createHeartbeatBuffer } from '../../src/shared/heartbeat.js';
import { hashModules, parseUserId, type Modules } from '../../src/shared/ids.js';
import type { BatchResult, RunRequest, RunResult } from '../../src/shared/protocol.js';
import { WorkerSandboxes } from '../../workers/sandbox/worker-sandboxes.js';

const config = {
  memoryLimitMb: 64,
  wasmMemoryLimitMb: 64,
  idleIsolateTtlMs: 3_600_000,
  idleSweepIntervalMs: 3_600_000,
  scriptCacheEntries: 16,
  spareIsolates: 2,
  consoleCommandTimeoutMs: 250,
  maxConsoleKbPerTick: 64,
  shardName: 'shard0',
  mmoCpuApi: false,
  hostBootstrap: undefined,
  heartbeat: createHeartbeatBuffer(1),
};

function request(id: string, gameTime: number, main: string): RunRequest {
  const modules: Modules = { main };
  return {
    userId: parseUserId(id),
    username: id,
    gameTime,
    code: { hash: hashModules(modules), timestamp: 1, modules },
    cpu: { limit: 100, tickLimit: 500, bucket: 10_000 },
    memory: '',
    segments: {},
    interShard: { local: '', remote: {} },
    consoleCommands: [],
  };
}

/** The batch's run results (every request here carries its modules, so none may ask for code). */
function ran(batch: BatchResult): RunResult[] {
  return batch.results.map((reply) => {
    assert.ok(!('needsCode' in reply), 'the worker asked for code it was sent');
    return reply;
  });
}

/** Lets the worker's idle-time refill run until it has made `count` spares (or fails the test). */
async function spares(sandboxes: WorkerSandboxes, count: number): Promise<void> {
  for (let i = 0; i < 1000 && sandboxes.spareCount < count; i++) await turn();
  assert.equal(sandboxes.spareCount, count);
}

const GLOBALS = `module.exports.loop = function () { console.log(String(global.mine), typeof gc); global.mine = Game.time; };`;

describe('spare isolates (spareIsolates)', () => {
  it('prepares isolates while idle, gives each new player its own, and refills after the batch', async () => {
    const host = new WorkerSandboxes(config);
    try {
      await spares(host, 2);
      const first = host.runBatch({ batchId: 1, heartbeat: 0, gameTime: 1, players: [request('a', 1, GLOBALS), request('b', 1, GLOBALS)] });
      assert.deepEqual(ran(first).map((r) => [r.outcome, r.sandbox.coldStart, r.output?.console.log.map((l) => l.message)]), [
        ['ok', 'firstRun', ['undefined undefined']],
        ['ok', 'firstRun', ['undefined undefined']],
      ]);
      assert.equal(host.spareCount, 0);
      await spares(host, 2);
      // Each player kept its own isolate (its global survives), and a third player still starts clean.
      const second = host.runBatch({ batchId: 2, heartbeat: 0, gameTime: 2, players: [request('a', 2, GLOBALS), request('c', 2, GLOBALS)] });
      assert.deepEqual(ran(second).map((r) => r.output?.console.log.map((l) => l.message)), [['1 undefined'], ['undefined undefined']]);
      assert.equal(second.worker.isolates, 3);
    } finally {
      host.close();
    }
  });

  it("refreshes the code caches after a player's third ok tick and replaces the spares made before", async () => {
    const host = new WorkerSandboxes(config);
    try {
      await spares(host, 2);
      for (let time = 1; time <= 2; time++) host.runBatch({ batchId: time, heartbeat: 0, gameTime: time, players: [request('a', time, GLOBALS)] });
      await spares(host, 2);
      assert.equal(host.refreshedCodeCaches, 0);
      const third = host.runBatch({ batchId: 3, heartbeat: 0, gameTime: 3, players: [request('a', 3, GLOBALS)] });
      assert.deepEqual(ran(third).map((r) => r.outcome), ['ok']);
      // The runtime and the player's one module (no host layer here); the old spares are gone.
      assert.equal(host.refreshedCodeCaches, 2);
      assert.equal(host.spareCount, 0);
      await spares(host, 2);
      // A new player on the new spares and caches starts clean; the first player's isolate is its own.
      const fourth = host.runBatch({ batchId: 4, heartbeat: 0, gameTime: 4, players: [request('b', 4, GLOBALS), request('a', 4, GLOBALS)] });
      assert.deepEqual(ran(fourth).map((r) => [r.outcome, r.output?.console.log.map((l) => l.message)]), [
        ['ok', ['undefined undefined']],
        ['ok', ['3 undefined']],
      ]);
      host.runBatch({ batchId: 5, heartbeat: 0, gameTime: 5, players: [request('a', 5, GLOBALS)] });
      assert.equal(host.refreshedCodeCaches, 2, 'once per script and worker');
    } finally {
      host.close();
    }
  });

  it('halts a player whose isolate was a spare without touching the other spares', async () => {
    const host = new WorkerSandboxes(config);
    try {
      await spares(host, 2);
      const r = ran(host.runBatch({ batchId: 1, heartbeat: 0, gameTime: 1, players: [request('h', 1, 'module.exports.loop = function () { Game.cpu.halt(); };')] }))[0]!;
      assert.equal(r.outcome, 'halted');
      assert.equal(host.spareCount, 1);
      const next = ran(host.runBatch({ batchId: 2, heartbeat: 0, gameTime: 2, players: [request('n', 2, GLOBALS)] }))[0]!;
      assert.equal(next.outcome, 'ok');
    } finally {
      host.close();
    }
  });

  it('makes none with spareIsolates: 0', async () => {
    const host = new WorkerSandboxes({ ...config, spareIsolates: 0 });
    try {
      for (let i = 0; i < 20; i++) await turn();
      assert.equal(host.spareCount, 0);
      assert.equal(ran(host.runBatch({ batchId: 1, heartbeat: 0, gameTime: 1, players: [request('z', 1, GLOBALS)] }))[0]!.outcome, 'ok');
    } finally {
      host.close();
    }
  });
});
