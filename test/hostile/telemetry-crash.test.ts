import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IsolateInfo } from '../../src/index.js';
import { lastJson, runFixture } from '../helpers/child.js';

interface Verdict {
  events: { userId: string; gameTime: number; outcome: string; skipReason: string | null; worker: boolean; coldStart: string | null }[];
  throttled: { userId: string; reason: string; until: number }[];
  hangs: string | null;
  throttledGauge: string | null;
  workerFailed: string | null;
  bomb: IsolateInfo | null;
}

describe('telemetry when a worker is killed mid-tick', () => {
  it('still emits exactly one event per player tick: workerFailed for the culprit, quarantine fed to the throttle registry', async () => {
    const child = await runFixture('telemetry-crash', [], 120_000);
    assert.equal(child.killed, false, `deadline hit; stdout: ${child.stdout}\nstderr: ${child.stderr}`);
    const v = lastJson<Verdict>(child.stdout);
    for (const t of [1, 2]) {
      const ofTick = v.events.filter((e) => e.gameTime === t);
      assert.equal(ofTick.length, 7, `tick ${t}`);
      assert.equal(new Set(ofTick.map((e) => e.userId)).size, 7, `tick ${t}`);
    }
    const bomb = v.events.filter((e) => e.userId === 'bomb');
    assert.deepEqual(
      bomb.map((e) => [e.gameTime, e.outcome, e.skipReason, e.worker]),
      [
        [1, 'workerFailed', null, true],
        [2, 'skipped', 'penalty', false],
      ],
    );
    // The players that shared the hung worker ran again on its replacement, as a global reset.
    for (const e of v.events.filter((x) => x.userId !== 'bomb')) assert.equal(e.outcome, 'ok', `${e.userId}@${e.gameTime}`);
    assert.deepEqual(v.throttled.map((e) => [e.userId, e.reason, e.until]), [['bomb', 'quarantine', 7]]);
    assert.equal(v.hangs, '1');
    assert.equal(v.throttledGauge, '1');
    assert.equal(v.workerFailed, '1');
    assert.equal(v.bomb?.lastOutcome, 'skipped');
    assert.equal(v.bomb?.skipReason, 'penalty');
    assert.equal(v.bomb?.alive, false);
  });
});
