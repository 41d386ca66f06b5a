/**
 * The comparison of the per-tick game differential (game-diff/compare.ts) on hand-made records: a field
 * that differs is reported, and the deliberate table explains only what its README row describes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRecord } from './game-diff/compare.js';
import type { SideRecord, TickRecord } from './game-diff/record.js';

const side: SideRecord = {
  outcome: 'done', error: null, intents: { W1N1: { c1: { harvest: { id: 's1' } } } }, memory: '{"a":1}', memorySegments: null,
  console: { log: [{ message: 'hi', escape: true }], results: [] }, activeSegments: [3], defaultPublicSegment: null,
  activeForeignSegment: null, publicSegments: null, visual: null,
};
const tick = (official: Partial<SideRecord>, kernel: Partial<SideRecord>, loadedSegments: Record<string, string> | null = null): TickRecord =>
  ({ userId: 'u1', username: 'P', time: 7, loadedSegments, official: { ...side, ...official }, kernel: { ...side, ...kernel } });

describe('game differential comparison', () => {
  it('finds nothing when both runs returned the same', () => {
    assert.deepEqual(compareRecord(tick({}, {})), []);
  });

  it('reports a differing intent, Memory, console line or outcome as unexplained', () => {
    const found = compareRecord(tick({}, {
      intents: { W1N1: { c1: { harvest: { id: 's2' } } } }, memory: '{"a":2}', console: { log: [{ message: 'ho', escape: true }], results: [] }, outcome: 'error',
    }));
    assert.deepEqual(found.map((d) => [d.field, d.explainedBy]), [['outcome', null], ['intents', null], ['memory', null], ['console', null]]);
  });

  it('explains an official re-save of a loaded segment the kernel did not write, and nothing else', () => {
    const loaded = { 3: 'old' };
    assert.equal(compareRecord(tick({ memorySegments: { 3: 'old' } }, { memorySegments: null }, loaded))[0]!.explainedBy, 'segmentsResaved');
    assert.equal(compareRecord(tick({ memorySegments: { 3: 'old', 4: 'x' } }, { memorySegments: { 4: 'x' } }, loaded))[0]!.explainedBy, 'segmentsResaved');
    // A segment whose saved value differs, or one the kernel saved and the official run did not.
    assert.equal(compareRecord(tick({ memorySegments: { 3: 'new' } }, { memorySegments: { 3: 'other' } }, loaded))[0]!.explainedBy, null);
    assert.equal(compareRecord(tick({ memorySegments: { 3: 'new' } }, { memorySegments: null }, loaded))[0]!.explainedBy, null);
    assert.equal(compareRecord(tick({ memorySegments: null }, { memorySegments: { 5: 'x' } }, loaded))[0]!.explainedBy, null);
  });
});
