import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';

interface Verdict {
  ticks: { bomb: string; bombErrors: string[]; others: string[] }[];
  hung: string[];
  abandoned: number;
  penalty: number;
  penaltyMessage: string;
  othersMemory: string[];
}

describe('catastrophic error in a worker', () => {
  it('replaces the hung worker, quarantines the culprit and keeps serving every other player', async () => {
    const child = await runFixture('catastrophic', [], 120_000);
    assert.equal(child.killed, false, `deadline hit; stdout: ${child.stdout}\nstderr: ${child.stderr}`);
    const verdict = lastJson<Verdict>(child.stdout);
    assert.deepEqual(verdict.hung, ['bomb']);
    assert.equal(verdict.abandoned, 1);
    const [first, second, third] = verdict.ticks;
    assert.equal(first?.bomb, 'workerFailed');
    assert.deepEqual(first?.bombErrors, ['Script execution timed out ungracefully, restarting virtual machine']);
    // The other players pinned to the hung worker ran again on its replacement: no tick lost.
    for (const tick of verdict.ticks) assert.deepEqual(tick.others, Array(10).fill('ok'));
    assert.equal(second?.bomb, 'skipped');
    assert.deepEqual(second?.bombErrors, [verdict.penaltyMessage]);
    assert.equal(third?.bomb, 'skipped');
    assert.equal(verdict.penalty, 3);
    assert.deepEqual(verdict.othersMemory, Array(10).fill('{"t":3}'));
  });
});
