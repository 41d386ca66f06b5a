import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billTick, cpuGate } from '../../src/coordinator/cpu.js';
import { BUCKET_EMPTY_MESSAGE, PENALTY_MESSAGE, parseUserId, type UserRecord } from '../../src/index.js';

const settings = { cpuMaxPerTick: 500, cpuBucketSize: 10_000 };
const user = (fields: Partial<UserRecord>): UserRecord => ({
  id: parseUserId('u1'),
  username: 'u1',
  cpu: 100,
  cpuAvailable: 0,
  lastUsedDirtyTime: 0,
  skipTicksPenalty: 0,
  activeSegments: [],
  defaultPublicSegment: null,
  activeForeignSegment: null,
  ...fields,
});

describe('CPU gate and bucket (F6, F11, F24)', () => {
  it('gives tickLimit = min(cpuMaxPerTick, bucket + cpu) and bucket = max(0, cpuAvailable)', () => {
    assert.deepEqual(cpuGate(user({ cpuAvailable: 50 }), settings), { run: true, limits: { limit: 100, tickLimit: 150, bucket: 50 } });
    assert.deepEqual(cpuGate(user({ cpuAvailable: 9000 }), settings), { run: true, limits: { limit: 100, tickLimit: 500, bucket: 9000 } });
    assert.deepEqual(cpuGate(user({ cpuAvailable: 0 }), settings), { run: true, limits: { limit: 100, tickLimit: 100, bucket: 0 } });
  });

  it('skips a negative bucket with the official message and recovers it by cpu, floored at -2 * cpu', () => {
    const gate = cpuGate(user({ cpuAvailable: -30 }), settings);
    assert.equal(gate.run, false);
    if (gate.run) return;
    assert.equal(gate.reason, 'bucketEmpty');
    assert.equal(gate.error, BUCKET_EMPTY_MESSAGE);
    assert.deepEqual(gate.update, { lastUsedCpu: 0, lastUsedDirtyTime: 0, cpuAvailable: 70 });
    const deep = cpuGate(user({ cpuAvailable: -500 }), settings);
    assert.equal(!deep.run && deep.update.cpuAvailable, -200);
  });

  it('skips a penalised player with the hard-reset message and counts the penalty down', () => {
    const gate = cpuGate(user({ skipTicksPenalty: 3, cpuAvailable: 5000 }), settings);
    assert.equal(gate.run, false);
    if (gate.run) return;
    assert.equal(gate.reason, 'penalty');
    assert.equal(gate.error, PENALTY_MESSAGE);
    assert.deepEqual(gate.update, { lastUsedCpu: 0, lastUsedDirtyTime: 0, skipTicksPenalty: 2 });
  });

  it('bills ceil(cpu + 0.2 per intent) and caps the bucket at cpuBucketSize', () => {
    assert.deepEqual(billTick(user({ cpuAvailable: 100 }), 12.1, 3, settings), {
      usedTime: 13,
      update: { lastUsedCpu: 13, lastUsedDirtyTime: 13, cpuAvailable: 187 },
    });
    assert.equal(billTick(user({ cpuAvailable: 9990 }), 1, 0, settings).update.cpuAvailable, 10_000);
    assert.equal(billTick(user({ cpuAvailable: 0 }), 450, 0, settings).update.cpuAvailable, -350);
  });
});
