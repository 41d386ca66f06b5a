import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSinkLogger, Monitor, parseUserId, type OutcomeKind, type PlayerTickTelemetry } from '../../src/index.js';
import { roomsOf } from '../../src/coordinator/index.js';

function event(userId: string, outcome: OutcomeKind, extra: Partial<PlayerTickTelemetry> = {}): PlayerTickTelemetry {
  return {
    userId: parseUserId(userId),
    gameTime: 1,
    worker: { slot: 0, threadId: 1 },
    outcome,
    cpu: { limit: 100, tickLimit: 100, bucket: 0, billedMs: 1, reportedMs: 1 },
    heap: null,
    coldStart: null,
    queueDepth: 0,
    stages: { loadMs: 0, runMs: 1, persistMs: 0 },
    committed: true,
    errorCount: 1,
    ...extra,
  };
}

function capture(burst: number, refillPerMinute: number) {
  let now = 0;
  const lines: Record<string, unknown>[] = [];
  const monitor = new Monitor(createSinkLogger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), { burst, refillPerMinute, clock: () => now });
  return { monitor, lines, advance: (ms: number) => (now += ms) };
}

describe('Monitor', () => {
  it('warns for timeouts and script errors and logs system errors as errors', () => {
    const { monitor, lines } = capture(10, 0);
    monitor.onTelemetry(event('a', 'timedOut'));
    monitor.onTelemetry(event('b', 'scriptError'));
    monitor.onTelemetry(event('c', 'workerFailed'));
    monitor.onTelemetry(event('d', 'ok'));
    monitor.onTelemetry(event('e', 'ok', { committed: false }));
    assert.deepEqual(
      lines.map((l) => [l.userId, l.level, l.msg]),
      [
        ['a', 40, 'player script timed out'],
        ['b', 40, 'player script error'],
        ['c', 50, 'system error: the worker running the player failed'],
        ['e', 50, 'system error: the player tick was not committed (storage)'],
      ],
    );
  });

  it('rate-limits each player with a token bucket and reports what it suppressed', () => {
    const { monitor, lines, advance } = capture(3, 1);
    for (let i = 0; i < 50; i++) monitor.onTelemetry(event('flood', 'scriptError'));
    monitor.onTelemetry(event('quiet', 'scriptError'));
    assert.equal(lines.filter((l) => l.userId === 'flood').length, 3);
    assert.equal(lines.filter((l) => l.userId === 'quiet').length, 1);
    advance(60_000);
    monitor.onTelemetry(event('flood', 'scriptError'));
    const last = lines.at(-1)!;
    assert.equal(last.userId, 'flood');
    assert.equal(last.suppressed, 47);
  });

  it('logs on a child logger per room when the tick named rooms, else per player', () => {
    const { monitor, lines } = capture(10, 0);
    monitor.onTelemetry(event('r', 'scriptError', { rooms: ['W1N1', 'W2N2'] }));
    monitor.onTelemetry(event('p', 'scriptError'));
    assert.equal(lines[0]?.room, 'W1N1');
    assert.equal(lines[0]?.rooms, 2);
    assert.equal(lines[1]?.room, undefined);
  });

  it('names the player once per line, on the room line and on the player line', () => {
    const raw: string[] = [];
    const monitor = new Monitor(createSinkLogger('info', (l) => raw.push(l)), { burst: 10, refillPerMinute: 0 });
    monitor.onTelemetry(event('r', 'scriptError', { rooms: ['W1N1'] }));
    monitor.onTelemetry(event('p', 'scriptError'));
    assert.equal(raw.length, 2);
    for (const line of raw) assert.equal(line.match(/"userId":/g)?.length, 1, line);
  });

  it('takes only well-formed room names from intent keys (player-controlled)', () => {
    assert.deepEqual(roomsOf({ W1N1: {}, notify: [], global: {}, 'Memory={"secret":1}': {}, E10S3: {}, sim: {} }), ['E10S3', 'W1N1', 'sim']);
    assert.equal(roomsOf(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`W${i}N1`, {}]))).length, 16);
  });
});
