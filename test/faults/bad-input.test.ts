import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRuntime, parseUserId, type PlayerContext, type Runtime, type TickReport, type UserId } from '../../src/index.js';
import { BadStorage } from '../helpers/bad-storage.js';

const GOOD = `module.exports.loop = function () { Memory.t = Game.time; };`;
const SEEDED = '{"kept":true}';
const NOT_RUN = 'this tick was not run and nothing was changed';

/** Each row: a corruption of what the store returns, and what the player must be told. */
const ROWS: { id: string; corrupt: (c: PlayerContext) => unknown; outcome: string; error: string }[] = [
  { id: 'memoryNumber', corrupt: (c) => ({ ...c, memory: 42 }), outcome: 'internalError', error: 'a Memory that is not a string' },
  { id: 'memoryObject', corrupt: (c) => ({ ...c, memory: { a: 1 } }), outcome: 'internalError', error: 'a Memory that is not a string' },
  { id: 'memoryOversize', corrupt: (c) => ({ ...c, memory: JSON.stringify({ x: 'x'.repeat(3e6) }) }), outcome: 'internalError', error: 'over the 2 MB limit' },
  { id: 'segmentOversize', corrupt: (c) => ({ ...c, segments: { 0: 'y'.repeat(200_000) } }), outcome: 'internalError', error: 'over the 100 KB limit' },
  { id: 'segmentIdOutOfRange', corrupt: (c) => ({ ...c, segments: { 200: 'y' } }), outcome: 'internalError', error: 'invalid id "200"' },
  { id: 'segmentIdNotNumber', corrupt: (c) => ({ ...c, segments: { abc: 'y' } }), outcome: 'internalError', error: 'invalid id "abc"' },
  { id: 'segmentNotString', corrupt: (c) => ({ ...c, segments: { 0: 5 } }), outcome: 'internalError', error: 'segment #0 that is not a string' },
  { id: 'segmentsNotObject', corrupt: (c) => ({ ...c, segments: 'nope' }), outcome: 'internalError', error: 'segments that are not an object' },
  { id: 'interShardNotString', corrupt: (c) => ({ ...c, interShard: { local: 7, remote: {} } }), outcome: 'internalError', error: 'invalid InterShardMemory' },
  { id: 'commandsMalformed', corrupt: (c) => ({ ...c, consoleCommands: [{ id: 1, expression: 5 }] }), outcome: 'internalError', error: 'invalid console commands' },
  { id: 'cpuNotNumber', corrupt: (c) => ({ ...c, user: { ...c.user, cpu: 'lots' } }), outcome: 'internalError', error: 'invalid CPU fields' },
  { id: 'modulesNotObject', corrupt: (c) => ({ ...c, code: { ...c.code, hash: 'bad1', modules: 'nope' } }), outcome: 'noCode', error: 'its modules are not an object' },
  { id: 'modulesNull', corrupt: (c) => ({ ...c, code: { ...c.code, hash: 'bad2', modules: null } }), outcome: 'noCode', error: 'its modules are not an object' },
  { id: 'moduleNotString', corrupt: (c) => ({ ...c, code: { ...c.code, hash: 'bad3', modules: { main: 42 } } }), outcome: 'noCode', error: 'module "main" is neither a string nor {binary: base64}' },
  { id: 'binaryNotBase64String', corrupt: (c) => ({ ...c, code: { ...c.code, hash: 'bad4', modules: { main: GOOD, lib: { binary: 5 } } } }), outcome: 'noCode', error: 'module "lib" is neither' },
];

describe('bad input from storage: a clear error for that player, nothing lost for others', () => {
  let runtime: Runtime;
  let storage: BadStorage;
  const reports: TickReport[] = [];
  const good: UserId[] = [];
  const ghost = parseUserId('ghost');

  before(async () => {
    storage = new BadStorage();
    for (const row of ROWS) {
      const id = storage.addUser({ id: row.id, cpu: 100, cpuAvailable: 10_000, modules: { main: GOOD }, memory: SEEDED });
      storage.corrupt(id, row.corrupt);
    }
    for (let i = 0; i < 4; i++) good.push(storage.addUser({ id: `good${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: GOOD } }));
    storage.addGhost(ghost);
    runtime = await createRuntime({ storage, poolSize: 2, logger: 'silent' });
    for (let t = 1; t <= 2; t++) reports.push(await runtime.runTick(t));
  });
  after(async () => {
    await runtime.close();
  });

  for (const row of ROWS) {
    it(`${row.id}: ${row.outcome} with "${row.error}", stored data unchanged`, () => {
      for (const report of reports) {
        const r = report.results.find((x) => x.userId === row.id);
        assert.ok(r);
        assert.equal(r.outcome, row.outcome);
        assert.equal(r.committed, false);
        assert.equal(r.errors.length, 1);
        assert.ok(r.errors[0]!.includes(row.error) && r.errors[0]!.includes(NOT_RUN), r.errors[0]);
      }
      const published = storage.notifications.filter((n) => n.userId === row.id && n.type === 'error');
      assert.equal(published.length, 1, 'the error reached the player (as a notification)');
      assert.equal(published[0]!.count, 2);
      assert.equal(storage.getMemory(parseUserId(row.id)), SEEDED);
    });
  }

  it('an active user id the store has no record of is reported, not run and not published', () => {
    for (const report of reports) {
      const r = report.results.find((x) => x.userId === ghost);
      assert.equal(r?.outcome, 'internalError');
      assert.equal(r?.committed, false);
    }
    assert.equal(storage.notifications.filter((n) => n.userId === ghost).length, 0);
  });

  it('every other player ran and committed both ticks', () => {
    for (const report of reports) {
      for (const id of good) assert.deepEqual(report.results.filter((x) => x.userId === id).map((x) => [x.outcome, x.committed]), [['ok', true]]);
      assert.equal(report.uncommitted, ROWS.length + 1);
    }
    for (const id of good) assert.equal(storage.getMemory(id), '{"t":2}');
  });
});
