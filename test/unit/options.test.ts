import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { InvalidOptionError, resolveOptions } from '../../src/index.js';

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveOptions();
    assert.equal(o.poolSize, availableParallelism());
    assert.equal(o.memoryLimitMb, 256);
    assert.equal(o.idleIsolateTtlMs, 180_000);
    assert.equal(o.cpuMaxPerTick, 500);
    assert.equal(o.cpuBucketSize, 10_000);
    assert.equal(o.onHungWorker, 'exit');
  });

  it('fills the telemetry defaults: watchdog 3, throttle after 5, endpoint off and on loopback', () => {
    const o = resolveOptions();
    assert.deepEqual(
      [o.watchdogThreshold, o.watchdogNotifyGroupMinutes, o.watchdogNotifyCooldownMinutes, o.throttleAfterFailures, o.throttleTicks],
      [3, 15, 10, 5, 5],
    );
    assert.deepEqual([o.perPlayerMetrics, o.metricsPort, o.metricsHost], [false, 0, '127.0.0.1']);
    assert.throws(() => resolveOptions({ perPlayerMetrics: 'yes' as unknown as boolean }), /Invalid option perPlayerMetrics: "yes" \(expected true or false\)/);
    assert.throws(() => resolveOptions({ metricsPort: 70000 }), /Invalid option metricsPort: 70000 \(expected an integer from 0 to 65535\)/);
  });

  it('returns a frozen object', () => {
    const o = resolveOptions({ poolSize: 1 });
    assert.ok(Object.isFrozen(o));
    assert.throws(() => {
      (o as { poolSize: number }).poolSize = 3;
    }, TypeError);
  });

  const bad: [string, unknown, RegExp][] = [
    ['poolSize', 0, /Invalid option poolSize: 0 \(expected an integer from 1 to 256\)/],
    ['poolSize', 1.5, /Invalid option poolSize: 1.5/],
    ['memoryLimitMb', 5000, /Invalid option memoryLimitMb: 5000 \(expected an integer from 8 to 4096\)/],
    ['memoryLimitMb', '256', /Invalid option memoryLimitMb: "256"/],
    ['onHungWorker', 'restart', /Invalid option onHungWorker: "restart" \(expected one of 'exit', 'replace'\)/],
    ['shardName', 'bad name!', /Invalid option shardName: "bad name!"/],
    ['suspectJournal', 5, /Invalid option suspectJournal: 5/],
    ['logger', 'loud', /Invalid option logger: "loud"/],
    ['storage', {}, /Invalid option storage/],
    ['poolSzie', 2, /Invalid option poolSzie: 2 \(expected a known option name\)/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name} = ${JSON.stringify(value)} naming the option and the value`, () => {
      assert.throws(
        () => resolveOptions({ [name]: value } as never),
        (e: unknown) => e instanceof InvalidOptionError && e.code === 'KERNEL_INVALID_OPTION' && message.test(e.message) && e.option === name,
      );
    });
  }
});
