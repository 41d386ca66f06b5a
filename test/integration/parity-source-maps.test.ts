import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedRuntime, tickOnce } from '../helpers/parity.js';
import { sourceMap, type Segment } from '../helpers/source-map.js';

// A "bundle" whose lines 2-5 come from src/main.ts (lines 10-12 and 20) and src/util.ts. Each segment
// starts at generated column 0, so any column V8 reports on that line maps to the segment's position.
const BUNDLE = [
  '"use strict";',
  'function boom() {',
  '  throw new Error("mapped <x>");',
  '}',
  'module.exports.loop = function () { boom(); };',
].join('\n');
const LINES: Segment[][] = [[], [[0, 0, 9, 0]], [[0, 1, 2, 4]], [[0, 0, 11, 0]], [[0, 0, 19, 2]]];
const MAP = sourceMap(['src/main.ts', 'src/<util>.ts'], LINES);
const MAPPED = 'Error: mapped &lt;x>\n    at boom (src/&lt;util>.ts:3:5)\n    at module.exports.loop (src/main.ts:20:3)';

describe('source-mapped player stacks', () => {
  const runtime = sharedRuntime();

  it('maps frames through an inline base64 sourceMappingURL to the original file, line and column', async () => {
    const inline = `${BUNDLE}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(MAP).toString('base64')}`;
    const r = await tickOnce(runtime(), { main: inline });
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(r.errors, [MAPPED]);
  });

  it('maps the frames of a timed-out tick, which show where the player was when the timeout fired', async () => {
    // Line 3 of the bundle spins; it maps to src/<util>.ts line 3, and the loop's call to src/main.ts:20.
    const spinning = BUNDLE.replace('throw new Error("mapped <x>");', 'for (;;) {}');
    const r = await tickOnce(runtime(), { main: spinning, 'main.js.map': MAP }, { cpu: { tickLimit: 20 } });
    assert.equal(r.outcome, 'timedOut');
    assert.deepEqual(r.errors, ['Script execution timed out.\n    at boom (src/&lt;util>.ts:3:5)\n    at module.exports.loop (src/main.ts:20:3)']);
  });

  it('maps frames through a sibling module named <name>.js.map', async () => {
    const r = await tickOnce(runtime(), { main: BUNDLE, 'main.js.map': MAP });
    assert.deepEqual(r.errors, [MAPPED]);
  });

  it('maps frames through a sibling module named <name>.map', async () => {
    const r = await tickOnce(runtime(), { main: BUNDLE, 'main.map': MAP });
    assert.deepEqual(r.errors, [MAPPED]);
  });

  it('maps frames through the module a relative sourceMappingURL names', async () => {
    const r = await tickOnce(runtime(), { main: `${BUNDLE}\n//# sourceMappingURL=./bundle-map`, 'bundle-map': MAP });
    assert.deepEqual(r.errors, [MAPPED]);
  });

  it('leaves stacks of modules without a map, or with a malformed one, as they are', async () => {
    const plain = await tickOnce(runtime(), { main: BUNDLE });
    assert.deepEqual(plain.errors, ['Error: mapped &lt;x>\n    at boom (main:3:9)\n    at module.exports.loop (main:5:37)']);
    const broken = await tickOnce(runtime(), { main: BUNDLE, 'main.map': '{"version":3,"mappings":"!!"' });
    assert.deepEqual(broken.errors, plain.errors);
  });
});
