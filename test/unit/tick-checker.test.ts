import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTicks, type Attempt, type PersistedPlayer, type TelemetryLike } from '../helpers/tick-checker.js';

/** Two ticks of one player: tick 2 failed once (reported), then committed on the retry. */
function clean(): { attempts: Attempt[]; telemetry: TelemetryLike[]; persisted: PersistedPlayer[] } {
  const attempts: Attempt[] = [
    { gameTime: 1, results: [{ userId: 'a', committed: true, outcome: 'ok', run: '1:x' }] },
    { gameTime: 2, results: [{ userId: 'a', committed: false, outcome: 'ok', run: '2:y' }] },
    { gameTime: 2, results: [{ userId: 'a', committed: true, outcome: 'ok', run: '2:z' }] },
  ];
  const telemetry = attempts.flatMap((a) => a.results.map((r) => ({ userId: r.userId as TelemetryLike['userId'], gameTime: a.gameTime, committed: r.committed })));
  const persisted: PersistedPlayer[] = [
    { userId: 'a', log: ['1:x', '2:z'], n: 2, lastCommittedTick: 2, notices: [{ message: 'tick 1', count: 1 }, { message: 'tick 2', count: 1 }] },
  ];
  return { attempts, telemetry, persisted };
}

const check = (input: ReturnType<typeof clean>) => checkTicks({ players: ['a'], lastTick: 2, ...input });

describe('the storage fault checker', () => {
  it('passes a run where a failed commit was reported and retried once', () => {
    const result = check(clean());
    assert.deepEqual([result.lost, result.appliedTwice, result.unreported], [[], [], []]);
    assert.equal(result.reportedNotCommitted, 1);
    assert.equal(result.appliedLate, 0);
  });

  it('finds a lost tick, in Redis and in MongoDB', () => {
    const input = clean();
    input.persisted = [{ ...input.persisted[0]!, log: ['1:x'], n: 1, lastCommittedTick: 1, notices: [{ message: 'tick 1', count: 1 }] }];
    const { lost } = check(input);
    assert.ok(lost.includes('a@2') && lost.includes('a@2 (notification)') && lost.some((x) => x.includes('lastCommittedTick')), lost.join('; '));
  });

  it('finds a tick applied twice, in Memory, in the counter and in the notifications', () => {
    const input = clean();
    input.persisted = [{ ...input.persisted[0]!, log: ['1:x', '2:y', '2:z'], n: 4, notices: [{ message: 'tick 1', count: 1 }, { message: 'tick 2', count: 2 }] }];
    const { appliedTwice } = check(input);
    assert.equal(appliedTwice.length, 3, appliedTwice.join('; '));
  });

  it('finds a run stored although its report said not committed and nothing confirmed it', () => {
    const input = clean();
    input.attempts = input.attempts.slice(0, 2);
    input.telemetry = input.telemetry.slice(0, 2);
    input.persisted = [{ ...input.persisted[0]!, log: ['1:x', '2:y'] }];
    const result = check(input);
    assert.equal(result.appliedLate, 1);
    assert.ok(result.unreported.some((x) => x.includes('never confirmed')), result.unreported.join('; '));
  });

  it('finds a report of committed when another run was stored, a stored run no report names, and telemetry that disagrees', () => {
    const input = clean();
    input.attempts = [input.attempts[0]!, { gameTime: 2, results: [{ userId: 'a', committed: true, outcome: 'ok', run: '2:y' }] }];
    input.telemetry = [input.telemetry[0]!, { userId: 'a' as TelemetryLike['userId'], gameTime: 2, committed: false }];
    const { unreported } = check(input);
    assert.ok(unreported.some((x) => x.includes('but the stored run is 2:z')), unreported.join('; '));
    assert.ok(unreported.some((x) => x.includes('was in no tick report')), unreported.join('; '));
    assert.ok(unreported.some((x) => x.includes('telemetry events')), unreported.join('; '));
  });

  it('finds a tick summary whose uncommitted count disagrees with its results', () => {
    const input = clean();
    input.attempts = input.attempts.map((a) => ({ ...a, uncommitted: 0 }));
    const { unreported } = check(input);
    assert.deepEqual(unreported, ['attempt 1 at 2: summary says 0 not committed, the results 1']);
  });
});
