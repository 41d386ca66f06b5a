/**
 * The suspect journal (issue 13): a run that overruns its limit is on disk while it runs, gone once it
 * came back, and quarantined before it runs again by a process restarted after a crash. Each case runs
 * in its own process (test/fixtures/suspect-journal.ts) with a hard deadline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';

const dir = mkdtempSync(join(tmpdir(), 'suspects-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface TickVerdict {
  inherited: string[];
  seenDuringTick: boolean;
  outcomes: Record<string, string>;
  journalAfter: string[];
  penalty: number | null;
  othersMemory: string[];
}

describe('suspect journal', () => {
  it('writes an overrunning player while it runs and forgets it once its result came back', async () => {
    const child = await runFixture('suspect-journal', ['watch', join(dir, 'watch.json')], 120_000);
    assert.equal(child.code, 0, child.stderr.slice(0, 2000));
    const v = lastJson<TickVerdict>(child.stdout);
    assert.deepEqual(v.inherited, []);
    assert.equal(v.seenDuringTick, true, 'the blocker was on the journal while it ran');
    assert.deepEqual(v.journalAfter, [], 'and removed once it came back');
    assert.equal(v.outcomes.blocker, 'timedOut');
    assert.equal(v.penalty, 0, 'an overrun that came back is not quarantined');
  });

  it('a process killed right after the overrun was detected: the restarted one skips the suspect with the penalty before it runs', async () => {
    const journal = join(dir, 'kill.json');
    const first = await runFixture('suspect-journal', ['kill', journal], 120_000);
    assert.equal(first.signal, 'SIGKILL', `killed itself once the journal named the blocker; stderr: ${first.stderr.slice(0, 2000)}`);
    const second = await runFixture('suspect-journal', ['restart', journal], 120_000);
    assert.equal(second.code, 0, second.stderr.slice(0, 2000));
    const v = lastJson<TickVerdict>(second.stdout);
    assert.deepEqual(v.inherited, ['blocker']);
    assert.equal(v.outcomes.blocker, 'skipped:penalty');
    assert.equal(v.penalty, 3, 'the quarantine is in the store');
    assert.deepEqual(v.journalAfter, [], 'the journal is cleared once the store has the quarantine');
    assert.deepEqual([v.outcomes.p0, v.outcomes.p1, v.outcomes.p2], ['ok', 'ok', 'ok']);
    assert.deepEqual(v.othersMemory, ['{"n":1}', '{"n":1}', '{"n":1}']);
  });

  it('a worker hung during execute(): the culprit is reported, and a later runTick does not quarantine it', async () => {
    const child = await runFixture('suspect-journal', ['execute', join(dir, 'execute.json')], 120_000);
    assert.equal(child.code, 0, child.stderr.slice(0, 2000));
    const v = lastJson<{ executeOutcome: string; seenDuringTick: boolean; afterExecute: string[]; ticks: Record<string, string>[]; penalty: number; abandoned: number }>(child.stdout);
    assert.equal(v.abandoned, 1, 'the worker was replaced');
    assert.equal(v.executeOutcome, 'workerFailed');
    assert.equal(v.seenDuringTick, true, 'the culprit was on the journal when the hang was reported');
    assert.deepEqual(v.afterExecute, [], 'reported to the host, so off the journal');
    assert.deepEqual(v.ticks.map((t) => t.blocker), ['ok', 'ok']);
    assert.equal(v.penalty, 0);
  });
});
