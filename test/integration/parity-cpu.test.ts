import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logs, loop, sharedRuntime, tickOnce, ticks } from '../helpers/parity.js';

describe('player runtime parity: Game.cpu (F11, F23, F26, F27, spec 2.1)', () => {
  const runtime = sharedRuntime();
  const mmo = sharedRuntime({ mmoCpuApi: true });

  it('exposes limit, tickLimit, bucket and the deprecated Game.cpuLimit from the request (F11)', async () => {
    const r = await tickOnce(runtime(), loop(`console.log(Game.cpu.limit, Game.cpu.tickLimit, Game.cpu.bucket, Game.cpuLimit);`), {
      cpu: { limit: 20, tickLimit: 120, bucket: 9000 },
    });
    assert.deepEqual(logs(r), ['20 120 9000 120']);
  });

  it('counts 0.2 CPU per intent registration in Game.cpu.getUsed() (F23)', async () => {
    // Game.notify is the kernel's own intent: 20 accepted notifications add 4 ms to getUsed(), far more
    // than the calls themselves cost, so the assertion fails if intent CPU were left out.
    const r = await tickOnce(
      runtime(),
      loop(`const a = Game.cpu.getUsed();
        for (let i = 0; i < 25; i++) Game.notify('n' + i);
        const b = Game.cpu.getUsed();
        console.log(a >= 0, b - a >= 20 * 0.2, typeof b);`),
    );
    assert.deepEqual(logs(r), ['true true number']);
    // F44: the 21st notification is refused with ERR_FULL and not charged.
    assert.equal(r.output?.intentsCount, 20);
    assert.ok((r.output?.getUsedMs ?? 0) >= 4);
  });

  it('halts on Game.cpu.halt(): "CPU halted", nothing of the tick is kept, the next tick is fresh (F26)', async () => {
    const rs = await ticks(runtime(), loop(`globalThis.n = (globalThis.n || 0) + 1; Memory.n = n; console.log('n=' + n); if (Game.time === 1) Game.cpu.halt();`), [{}, {}]);
    assert.equal(rs[0]!.outcome, 'halted');
    assert.deepEqual(rs[0]!.errors, ['CPU halted']);
    assert.equal(rs[0]!.output, undefined);
    assert.equal(rs[1]!.sandbox.coldStart, 'halted');
    assert.deepEqual(logs(rs[1]!), ['n=1']);
  });

  it('returns the V8 heap statistics with externally_allocated_size from getHeapStatistics() (F27)', async () => {
    const r = await tickOnce(runtime(), loop(`const s = Game.cpu.getHeapStatistics(); console.log(Object.keys(s).sort().join(','), s.heap_size_limit > 0, s.used_heap_size > 0);`));
    assert.deepEqual(logs(r), [
      'does_zap_garbage,externally_allocated_size,heap_size_limit,malloced_memory,peak_malloced_memory,total_available_size,total_heap_size,total_heap_size_executable,total_physical_size,used_heap_size true true',
    ]);
  });

  it('has no MMO-only Game.cpu members unless mmoCpuApi is on (F37)', async () => {
    const r = await tickOnce(runtime(), loop(`console.log(['generatePixel', 'setShardLimits', 'unlock', 'unlocked', 'unlockedTime', 'shardLimits'].map((k) => typeof Game.cpu[k]).join());`));
    assert.deepEqual(logs(r), ['undefined,undefined,undefined,undefined,undefined,undefined']);
  });

  it('generates a pixel for 10000 bucket CPU, else ERR_NOT_ENOUGH_RESOURCES (mmoCpuApi)', async () => {
    const rich = await tickOnce(mmo(), loop(`console.log(Game.cpu.generatePixel(), Game.cpu.generatePixel());`), { cpu: { bucket: 10000 } });
    assert.deepEqual(logs(rich), ['0 -6']);
    assert.deepEqual(rich.output?.mmoCpu, { pixels: 1 });
    const poor = await tickOnce(mmo(), loop(`console.log(Game.cpu.generatePixel());`), { cpu: { bucket: 9999 } });
    assert.deepEqual(logs(poor), ['-6']);
    assert.equal(poor.output?.mmoCpu, undefined);
  });

  it('sets shard limits once: OK, ERR_BUSY, ERR_INVALID_ARGS (mmoCpuApi)', async () => {
    const mmoCpu = { shardLimits: { shard0: 20, shard1: 80 } };
    const r = await tickOnce(
      mmo(),
      loop(`console.log(JSON.stringify(Game.cpu.shardLimits));
        console.log(Game.cpu.setShardLimits({ shard0: 50 }), Game.cpu.setShardLimits({ shard9: 0 }), Game.cpu.setShardLimits('x'), Game.cpu.setShardLimits({ shard0: 1.5, shard1: 98.5 }));
        console.log(Game.cpu.setShardLimits({ shard0: 30, shard1: 70 }), Game.cpu.setShardLimits({ shard0: 20, shard1: 80 }));`),
      { mmoCpu },
    );
    assert.deepEqual(logs(r), ['{"shard0":20,"shard1":80}', '-10 -10 -10 -10', '0 -4']);
    assert.deepEqual(r.output?.mmoCpu, { shardLimits: { shard0: 30, shard1: 70 } });
    const busy = await tickOnce(mmo(), loop(`console.log(Game.cpu.setShardLimits({ shard0: 30, shard1: 70 }));`), { mmoCpu: { ...mmoCpu, shardLimitsBusy: true } });
    assert.deepEqual(logs(busy), ['-4']);
  });

  it('unlocks full CPU with a cpuUnlock: OK, ERR_NOT_ENOUGH_RESOURCES, ERR_FULL; shows unlocked and unlockedTime (mmoCpuApi)', async () => {
    const r = await tickOnce(mmo(), loop(`console.log(Game.cpu.unlocked, Game.cpu.unlockedTime, Game.cpu.unlock(), Game.cpu.unlock());`), {
      mmoCpu: { cpuUnlocks: 1, unlocked: true, unlockedTime: 1_800_000_000_000 },
    });
    assert.deepEqual(logs(r), ['true 1800000000000 0 -6']);
    assert.deepEqual(r.output?.mmoCpu, { unlocks: 1 });
    const subscribed = await tickOnce(mmo(), loop(`console.log(Game.cpu.unlocked, 'unlockedTime' in Game.cpu, Game.cpu.unlock());`), {
      mmoCpu: { cpuUnlocks: 5, unlocked: true, unlockedTime: 1, subscription: true },
    });
    assert.deepEqual(logs(subscribed), ['true false -8']);
    const none = await tickOnce(mmo(), loop(`console.log(Game.cpu.unlocked, Game.cpu.unlock());`));
    assert.deepEqual(logs(none), ['false -6']);
  });
});
