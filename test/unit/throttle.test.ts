import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFailure, OutcomeKind, parseUserId, ThrottleRegistry, type UserId } from '../../src/index.js';

const alice = parseUserId('alice');

function registry(afterFailures = 5, ticks = 3) {
  const events: string[] = [];
  const throttle = new ThrottleRegistry(
    { afterFailures, ticks },
    {
      throttled: (userId: UserId, failures: number, until: number, reason: string) => events.push(`throttled ${userId} ${failures} until ${until} ${reason}`),
      released: (userId: UserId, gameTime: number) => events.push(`released ${userId} at ${gameTime}`),
    },
  );
  return { throttle, events };
}

describe('ThrottleRegistry', () => {
  it('delays a player after 5 consecutive failures for the configured number of ticks', () => {
    const { throttle, events } = registry(5, 3);
    for (let t = 1; t <= 4; t++) throttle.record(alice, t % 2 ? 'scriptError' : 'timedOut', t);
    assert.equal(throttle.delay(alice, 5), 0);
    throttle.record(alice, 'timedOut', 5);
    assert.deepEqual(events, ['throttled alice 5 until 9 failures']);
    assert.deepEqual([6, 7, 8, 9].map((t) => throttle.delay(alice, t)), [3, 2, 1, 0]);
  });

  it('is cleared only by a real ok tick: skips, noCode, halts and anything else leave it in place', () => {
    const { throttle, events } = registry(5, 3);
    for (let t = 1; t <= 5; t++) throttle.record(alice, 'scriptError', t);
    // The C# port cleared the throttle on any non-failing telemetry (its "dequeue" heartbeat). Every
    // outcome that is not `ok` must leave it in place here.
    for (const kind of Object.values(OutcomeKind)) if (kind !== 'ok' && !isFailure(kind)) throttle.record(alice, kind, 6);
    assert.equal(throttle.delay(alice, 6), 3);
    // A failure while throttled (a tick that was in flight) extends the delay; it never clears it.
    for (const kind of Object.values(OutcomeKind)) if (isFailure(kind)) throttle.record(alice, kind, 6);
    assert.equal(throttle.delay(alice, 6), 4);
    assert.equal(throttle.state(alice)?.reason, 'failures');
    assert.equal(events.filter((e) => e.startsWith('released')).length, 0);
    throttle.record(alice, 'ok', 10);
    assert.equal(throttle.delay(alice, 10), 0);
    assert.equal(throttle.state(alice), undefined);
    assert.deepEqual(events.at(-1), 'released alice at 10');
  });

  it('throttles again at once when the first tick after the delay fails too', () => {
    const { throttle } = registry(5, 2);
    for (let t = 1; t <= 5; t++) throttle.record(alice, 'scriptError', t);
    assert.equal(throttle.delay(alice, 8), 0);
    throttle.record(alice, 'timedOut', 8);
    assert.equal(throttle.delay(alice, 9), 2);
  });

  it('does not count skipped or noCode ticks as failures', () => {
    const { throttle } = registry(2, 3);
    throttle.record(alice, 'scriptError', 1);
    throttle.record(alice, 'skipped', 2);
    throttle.record(alice, 'noCode', 3);
    assert.equal(throttle.delay(alice, 4), 0);
    assert.equal(throttle.state(alice)?.failures, 1);
  });

  it('records a quarantine without delaying twice (the stored penalty does the skipping)', () => {
    const { throttle, events } = registry(5, 3);
    throttle.record(alice, 'workerFailed', 1);
    throttle.quarantined(alice, 1, 20);
    assert.equal(throttle.size, 1);
    assert.equal(throttle.delay(alice, 5), 0);
    assert.deepEqual(events, ['throttled alice 1 until 22 quarantine']);
    throttle.record(alice, 'ok', 22);
    assert.equal(throttle.size, 0);
  });

  it('is off with afterFailures 0', () => {
    const { throttle } = registry(0, 3);
    for (let t = 1; t <= 50; t++) throttle.record(alice, 'scriptError', t);
    assert.equal(throttle.delay(alice, 51), 0);
  });
});
