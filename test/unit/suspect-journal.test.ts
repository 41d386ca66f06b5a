import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SuspectJournal } from '../../src/coordinator/suspect-journal.js';
import { parseUserId } from '../../src/shared/ids.js';

const dir = mkdtempSync(join(tmpdir(), 'journal-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const a = parseUserId('a');
const b = parseUserId('b');

describe('SuspectJournal', () => {
  it('is on disk when add returns, and a new journal on the file inherits it', () => {
    const path = join(dir, 'inherit.json');
    const first = new SuspectJournal(path);
    first.add(a, 7, 'overran');
    assert.deepEqual((JSON.parse(readFileSync(path, 'utf8')) as { userId: string }[]).map((s) => s.userId), ['a']);
    const second = new SuspectJournal(path);
    assert.deepEqual([...second.inherited.keys()], [a]);
    assert.equal(second.get(a)?.gameTime, 7);
  });

  it('upgrades overran to hung, never back, and forgets a removed player on disk too', () => {
    const path = join(dir, 'upgrade.json');
    const journal = new SuspectJournal(path);
    journal.add(a, 1, 'overran');
    journal.add(a, 1, 'hung');
    journal.add(a, 1, 'overran');
    assert.equal(journal.get(a)?.reason, 'hung');
    journal.add(b, 1, 'overran');
    journal.remove(a);
    assert.deepEqual(new SuspectJournal(path).list().map((s) => s.userId), [b]);
  });

  it('starts empty on a missing or unreadable file, and skips entries that are not players', () => {
    assert.deepEqual(new SuspectJournal(join(dir, 'missing.json')).list(), []);
    const torn = join(dir, 'torn.json');
    writeFileSync(torn, '[{"userId":"a"');
    assert.deepEqual(new SuspectJournal(torn).list(), []);
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, JSON.stringify([{ userId: 5 }, null, { userId: 'b', reason: 'hung', gameTime: 3, at: 1 }]));
    assert.deepEqual(new SuspectJournal(odd).list(), [{ userId: b, gameTime: 3, reason: 'hung', at: 1 }]);
  });

  it('without a path keeps suspects in memory only', () => {
    const journal = new SuspectJournal(undefined);
    journal.add(a, null, 'hung');
    assert.equal(journal.has(a), true);
    assert.equal(journal.inherited.size, 0);
  });
});
