import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';
import { readJournal, type JournalEntry } from '../helpers/journal-storage.js';

/** The checker: what was persisted against what each player's ticks produced. */
function checkJournal(entries: readonly JournalEntry[], players: number, lastTick: number): { lost: string[]; appliedTwice: string[] } {
  const seen = new Set<string>();
  const appliedTwice: string[] = [];
  for (const e of entries) {
    const key = `${e.userId}@${e.gameTime}`;
    if (seen.has(key)) appliedTwice.push(key);
    seen.add(key);
  }
  const lost: string[] = [];
  for (let p = 0; p < players; p++) for (let t = 1; t <= lastTick; t++) if (!seen.has(`p${p}@${t}`)) lost.push(`p${p}@${t}`);
  return { lost, appliedTwice };
}

describe('faults injected mid-tick (in-memory store)', () => {
  it('a worker thread terminated mid-tick: its batch re-runs on the replacement, nothing lost or applied twice', async () => {
    const child = await runFixture('worker-killed', [], 60_000);
    assert.equal(child.killed, false, `deadline hit; stderr: ${child.stderr}`);
    assert.equal(child.code, 0, child.stderr);
    const v = lastJson<{
      ticks: { gameTime: number; outcomes: Record<string, string>; uncommitted: number }[];
      events: string[];
      abandoned: number;
      othersMemory: Record<string, string>;
      othersLastTick: number[];
      blockerLastTick: number;
    }>(child.stdout);
    assert.deepEqual(v.events, ['hung:blocker', 'exited:hung'], 'the watchdog replaced the worker and its thread ended');
    const [, second, third] = v.ticks;
    assert.equal(second?.outcomes.blocker, 'workerFailed');
    assert.equal(third?.outcomes.blocker, 'skipped');
    for (const tick of v.ticks) {
      assert.equal(tick.uncommitted, 0);
      for (const [id, outcome] of Object.entries(tick.outcomes)) if (id !== 'blocker') assert.equal(outcome, 'ok', `${id} at ${tick.gameTime}`);
    }
    // Each counter ran against persisted state: n = 3 means every tick applied exactly once.
    for (const [id, memory] of Object.entries(v.othersMemory)) assert.equal(memory, '{"n":3,"t":3}', id);
    assert.deepEqual(v.othersLastTick, Array(10).fill(3));
  });

  it('a worker hung under two execute() calls at once: both calls get every result, the hang escalates once, after both settled', async () => {
    const child = await runFixture('execute-hang', [], 60_000);
    assert.equal(child.killed, false, `deadline hit; stderr: ${child.stderr}`);
    assert.equal(child.code, 0, child.stderr);
    const v = lastJson<{ events: string[]; outcomes: Record<string, string>; memory: Record<string, string | null>; abandoned: number }>(child.stdout);
    assert.deepEqual(v.outcomes, { a0: 'ok', blocker: 'workerFailed', a1: 'ok', b0: 'ok', b1: 'ok' });
    for (const id of ['a0', 'a1', 'b0', 'b1']) assert.equal(v.memory[id], '{"n":1}', `${id} has its output`);
    assert.equal(v.abandoned, 1);
    assert.deepEqual(v.events.filter((e) => e.startsWith('hung:')), ['hung:blocker']);
    const fatal = v.events.indexOf('fatal');
    assert.equal(v.events.filter((e) => e === 'fatal').length, 1, v.events.join(' '));
    // Escalated once every call had all its results, and no sooner than the first call settled.
    const results = v.events.filter((e) => /^[AB]:/.test(e));
    assert.equal(results.length, 5);
    for (const r of results) assert.ok(v.events.indexOf(r) < fatal, `${r} before the escalation: ${v.events.join(' ')}`);
    const settled = ['A settled', 'B settled'].map((e) => v.events.indexOf(e)).sort((x, y) => x - y);
    assert.ok(settled[0]! < fatal, `one call settled before the escalation: ${v.events.join(' ')}`);
  });

  it('the runner killed mid-tick and restarted on the persisted state: 0 ticks lost, 0 applied twice, the uncommitted reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-crash-'));
    const journal = join(dir, 'journal.jsonl');
    try {
      const first = await runFixture('runner-crash', ['first', journal, '6', '3'], 60_000);
      assert.equal(first.killed, false);
      assert.equal(first.signal, 'SIGKILL', 'the runner died mid-tick');
      const beforeRestart = readJournal(journal);
      const committedAtCrash = new Set(beforeRestart.filter((e) => e.gameTime === 3).map((e) => e.userId));
      assert.ok(committedAtCrash.size > 0 && committedAtCrash.size < 24, `part of tick 3 was committed (${committedAtCrash.size})`);

      const second = await runFixture('runner-crash', ['restart', journal, '6'], 60_000);
      assert.equal(second.killed, false);
      assert.equal(second.code, 0, second.stderr);
      const v = lastJson<{ resumeAt: number; notCommitted: string[]; reruns: Record<string, string>; duplicates: number; memory: Record<string, string> }>(second.stdout);
      assert.equal(v.resumeAt, 3);
      const expectedMissing = Array.from({ length: 24 }, (_, i) => `p${i}`).filter((id) => !committedAtCrash.has(id));
      assert.deepEqual([...v.notCommitted].sort(), expectedMissing.sort(), 'every player not committed is reported');
      assert.equal(v.duplicates, committedAtCrash.size, 'the re-run of committed players was refused as a replay');
      for (const outcome of Object.values(v.reruns)) assert.equal(outcome, 'ok:true');

      const { lost, appliedTwice } = checkJournal(readJournal(journal), 24, 6);
      assert.deepEqual(lost, [], '0 ticks lost');
      assert.deepEqual(appliedTwice, [], '0 ticks applied twice');
      for (const [id, memory] of Object.entries(v.memory)) assert.equal(memory, '{"n":6,"t":6}', id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
