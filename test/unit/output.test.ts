import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOutput } from '../../workers/sandbox/output.js';

const base = { console: { log: [{ message: 'hi', escape: true }], results: [] }, intents: {}, intentsCount: 0, consumedCommands: [], getUsedMs: 1, errors: [] };

describe('tick output from an isolate is checked before the host uses it', () => {
  it('accepts a well-formed output and recomputes the billed intent count from the intents', () => {
    const checked = checkOutput({ ...base, intents: { notify: [1, 2, 3], a: { move: 1, say: 'x' } }, intentsCount: -1000 });
    assert.ok('output' in checked);
    assert.equal(checked.output.intentsCount, 4);
  });
  it('names the first malformed field and never echoes player data', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, console: 'forged' }, 'console'],
      [{ ...base, console: { log: [{ message: 1, escape: true }], results: [] } }, 'console'],
      [{ ...base, errors: 7 }, 'errors'],
      [{ ...base, intents: [] }, 'intents'],
      [{ ...base, consumedCommands: 'x' }, 'consumedCommands'],
      [{ ...base, getUsedMs: Number.NaN }, 'getUsedMs'],
      [{ ...base, memory: 'x'.repeat(2 * 1024 * 1024 + 1) }, 'memory'],
      [{ ...base, segments: { 100: 'x' } }, 'segments'],
      [{ ...base, segments: { '01': 'x' } }, 'segments'],
      [{ ...base, segments: { 1: 'x'.repeat(100 * 1024 + 1) } }, 'segments'],
      [{ ...base, segments: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [i, 'x'])) }, 'segments'],
      [{ ...base, activeSegments: [1, 200] }, 'activeSegments'],
      [{ ...base, publicSegments: ['1'] }, 'publicSegments'],
      [{ ...base, defaultPublicSegment: -1 }, 'defaultPublicSegment'],
      [{ ...base, activeForeignSegment: { username: 5 } }, 'activeForeignSegment'],
      [{ ...base, interShard: 'x'.repeat(100 * 1024 + 1) }, 'interShard'],
      [{ ...base, visuals: { W1N1: 5 } }, 'visuals'],
    ];
    for (const [value, field] of cases) assert.deepEqual(checkOutput(value), { malformed: field }, field);
    assert.deepEqual(checkOutput('forged'), { malformed: 'output' });
    assert.deepEqual(checkOutput(null), { malformed: 'output' });
  });
});
