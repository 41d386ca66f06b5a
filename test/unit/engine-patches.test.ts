import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { ENGINE_PATCHES } from '../../src/screeps/bundle.js';

const require = createRequire(import.meta.url);
interface Patch {
  readonly file: RegExp;
  readonly from: string;
  readonly to: string;
  readonly append?: string;
}
const enginePatches = require(ENGINE_PATCHES) as ((this: { resourcePath: string }, source: string) => string) & { PATCHES: readonly Patch[] };

/** A list from the helper's context, as a list of this realm (its arrays have another prototype). */
const list = (value: unknown): unknown[] => Array.from(value as unknown[]);

const MAP_JS = require.resolve('@screeps/engine/src/game/map.js');

/** The patched map.js's helper, evaluated alone in a fresh context (its own JSON, as in an isolate). */
function accessibleRoomsHelper(): { parse: (text: unknown) => unknown; context: { JSON: JSON } } {
  const patch = enginePatches.PATCHES.find((p) => p.file.test(MAP_JS));
  assert.ok(patch?.append, 'a map.js patch with its helper');
  const context = runInNewContext(`${patch.append}; ({ parse: __kernelAccessibleRooms, context: globalThis })`) as { parse: (text: unknown) => unknown; context: { JSON: JSON } };
  return context;
}

describe('engine patches', () => {
  it('patch the installed engine: every replacement matches its file exactly once', () => {
    for (const patch of enginePatches.PATCHES) {
      const file = [MAP_JS, require.resolve('@screeps/engine/src/game/game.js')].find((f) => patch.file.test(f));
      assert.ok(file, `a file for "${patch.from}"`);
      const out = enginePatches.call({ resourcePath: file }, readFileSync(file, 'utf8'));
      assert.ok(out.includes(patch.to) && !out.includes(patch.from), `"${patch.from}" replaced in ${file}`);
    }
  });

  describe('accessible rooms parsed once per text (map.js)', () => {
    it('gives the list JSON.parse gives, and the same list again for the same text', () => {
      const { parse } = accessibleRoomsHelper();
      const text = JSON.stringify(['W1N1', 'W2N1']);
      const first = parse(text);
      assert.deepEqual(list(first), ['W1N1', 'W2N1']);
      assert.equal(parse(`${text}`), first);
    });

    it('parses a different text again', () => {
      const { parse } = accessibleRoomsHelper();
      parse('["W1N1"]');
      assert.deepEqual(list(parse('["W5N5"]')), ['W5N5']);
      assert.deepEqual(list(parse('["W1N1"]')), ['W1N1']);
    });

    it('calls a JSON.parse the player installed, every time, as the unpatched engine does', () => {
      const { parse, context } = accessibleRoomsHelper();
      const builtin = context.JSON.parse;
      const seen: unknown[] = [];
      context.JSON.parse = (text: string) => {
        seen.push(text);
        return ['mine'];
      };
      try {
        assert.deepEqual(list(parse('["W1N1"]')), ['mine']);
        assert.deepEqual(list(parse('["W1N1"]')), ['mine']);
        assert.deepEqual(seen, ['["W1N1"]', '["W1N1"]']);
      } finally {
        context.JSON.parse = builtin;
      }
    });

    it('throws as JSON.parse does on a text that is not JSON, and keeps nothing of it', () => {
      const { parse } = accessibleRoomsHelper();
      assert.throws(() => parse('not json'), { name: 'SyntaxError' });
      assert.deepEqual(list(parse('["W1N1"]')), ['W1N1']);
    });
  });
});
