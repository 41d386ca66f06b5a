import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserId, Watchdog, watchdogMessage } from '../../src/index.js';

const bob = parseUserId('bob');

function watchdog(threshold = 3) {
  let now = 1_000_000;
  const restarts: number[] = [];
  const notices: { message: string; group: number }[] = [];
  const dog = new Watchdog(
    { threshold, notifyGroupMs: 15 * 60_000, notifyCooldownMs: 10 * 60_000, clock: () => now },
    { restart: (_u, _f, gameTime) => restarts.push(gameTime), notify: (_u, message, group) => notices.push({ message, group }) },
  );
  return { dog, restarts, notices, advance: (ms: number) => (now += ms) };
}

describe('Watchdog', () => {
  it('requests one cold restart after 3 consecutive failures, consumed by the next run request', () => {
    const { dog, restarts } = watchdog();
    dog.record(bob, 'scriptError', 1);
    dog.record(bob, 'timedOut', 2);
    assert.equal(dog.takeColdStart(bob), undefined);
    dog.record(bob, 'memoryExceeded', 3);
    assert.deepEqual(restarts, [3]);
    assert.equal(dog.takeColdStart(bob), 'watchdog');
    assert.equal(dog.takeColdStart(bob), undefined);
  });

  it('counts only consecutive failures: an ok tick resets the count, a skip does not', () => {
    const { dog, restarts } = watchdog();
    dog.record(bob, 'scriptError', 1);
    dog.record(bob, 'scriptError', 2);
    dog.record(bob, 'ok', 3);
    dog.record(bob, 'scriptError', 4);
    dog.record(bob, 'skipped', 5);
    dog.record(bob, 'scriptError', 6);
    assert.equal(dog.failures(bob), 2);
    assert.deepEqual(restarts, []);
    dog.record(bob, 'workerFailed', 7);
    assert.deepEqual(restarts, [7]);
  });

  it('notifies at most once per cooldown, with the configured group interval', () => {
    const { dog, notices, advance } = watchdog(1);
    dog.record(bob, 'scriptError', 1);
    advance(5 * 60_000);
    dog.record(bob, 'scriptError', 2);
    assert.equal(notices.length, 1);
    advance(5 * 60_000);
    dog.record(bob, 'scriptError', 3);
    assert.equal(notices.length, 2);
    assert.deepEqual(notices[0], { message: watchdogMessage(1), group: 15 * 60_000 });
  });

  it('is off with threshold 0', () => {
    const { dog, restarts } = watchdog(0);
    for (let t = 1; t < 10; t++) dog.record(bob, 'scriptError', t);
    assert.deepEqual(restarts, []);
  });
});
