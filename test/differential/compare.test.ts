import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, newAccounting } from './compare.js';
import { DELIBERATE } from './deliberate.js';
import type { Scenario, TickObservation } from './scenario.js';
import { playerFrames } from './scenario.js';

const base: TickObservation = {
  status: 'ok',
  console: { log: ['hello'], results: [] },
  errors: [],
  frames: [],
  errorTexts: [],
  memory: '{"n":1}',
  segments: {},
  activeSegments: [],
  publicSegments: null,
  defaultPublicSegment: null,
  activeForeignSegment: null,
  visuals: {},
  notify: [],
  notifications: [],
};
const scenario: Scenario = { name: 'some scenario', covers: '-', ticks: 1, code: { main: 'x' } };

describe('differential comparison', () => {
  it('counts equal ticks and finds no difference', () => {
    const acc = newAccounting();
    account(acc, scenario, [base, base], [base, { ...base }], DELIBERATE);
    assert.equal(acc.ticks, 2);
    assert.equal(acc.all.length, 0);
  });

  it('reports a changed console line, Memory or status as unexplained', () => {
    const acc = newAccounting();
    account(acc, scenario, [base], [{ ...base, console: { log: ['hello!'], results: [] }, memory: '{}', status: 'error' }], DELIBERATE);
    assert.deepEqual(acc.unexplained.map((d) => d.field).sort(), ['console', 'memory', 'status']);
  });

  it('explains a deliberate difference only where its entry applies', () => {
    // Empty active segments the official runner re-saves are deliberate; a different value is not.
    const resaved = newAccounting();
    account(resaved, scenario, [{ ...base, segments: { 1: 'a', 2: '' } }], [{ ...base, segments: { 1: 'a' } }], DELIBERATE);
    assert.equal(resaved.unexplained.length, 0);
    assert.equal(resaved.explainedBy.get('segmentsResaved'), 1);
    const changed = newAccounting();
    account(changed, scenario, [{ ...base, segments: { 1: 'a' } }], [{ ...base, segments: { 1: 'b' } }], DELIBERATE);
    assert.equal(changed.unexplained.length, 1);
    // A thrown non-Error is deliberate only in the scenarios that throw one.
    const thrown = newAccounting();
    account(thrown, scenario, [base], [{ ...base, errors: ['x'], errorTexts: ['x'], frames: [[]] }], DELIBERATE);
    assert.equal(thrown.unexplained.length, 2);
  });

  it('keeps player frames and leaves out the runtime and the column where a timeout caught the code', () => {
    assert.deepEqual(playerFrames('Error: x\n    at f (main:2:5)\n    at __mainLoop:1:52\n    at exports.evalCode (&lt;runtime>:1:2)\n'), ['at f (main:2:5)']);
    assert.deepEqual(playerFrames('Script execution timed out.\n    at spin (spin:2:3)\n    at module.exports.loop (main:2:9)'), ['at spin (spin:2:*)', 'at module.exports.loop (main:2:9)']);
  });
});
