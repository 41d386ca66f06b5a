import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUserId, TelemetryBus, type PlayerTickTelemetry } from '../../src/index.js';

const event: PlayerTickTelemetry = {
  userId: parseUserId('a'),
  gameTime: 1,
  worker: null,
  outcome: 'noCode',
  cpu: { limit: 0, tickLimit: 0, bucket: 0, billedMs: 0, reportedMs: 0 },
  heap: null,
  coldStart: null,
  queueDepth: 0,
  stages: { loadMs: 0, runMs: 0, persistMs: 0 },
  committed: true,
  errorCount: 0,
};

describe('TelemetryBus', () => {
  it('delivers player:tick once to listeners of the new name and of its former name runtime:telemetry', () => {
    const bus = new TelemetryBus();
    const seen: string[] = [];
    bus.on('player:tick', (e) => seen.push(`new ${e.userId}`));
    const offOld = bus.on('runtime:telemetry', (e) => seen.push(`old ${e.userId}`));
    bus.emit('player:tick', event);
    assert.deepEqual(seen, ['new a', 'old a']);
    assert.equal(bus.listenerCount('runtime:telemetry'), 2, 'both names count the same listeners');
    offOld();
    bus.emit('player:tick', event);
    assert.deepEqual(seen, ['new a', 'old a', 'new a'], 'unsubscribing through the former name works');
  });

  it('reports a throwing listener on listener:error without stopping the others', () => {
    const bus = new TelemetryBus();
    const errors: string[] = [];
    let reached = false;
    bus.on('listener:error', ({ event: name }) => errors.push(name));
    bus.on('runtime:telemetry', () => {
      throw new Error('listener bug');
    });
    bus.on('player:tick', () => (reached = true));
    bus.emit('player:tick', event);
    assert.deepEqual(errors, ['runtime:telemetry']);
    assert.equal(reached, true);
  });
});
