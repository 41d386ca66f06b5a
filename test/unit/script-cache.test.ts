import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ivm from 'isolated-vm';
import { ScriptCache } from '../../workers/sandbox/script-cache.js';

const SOURCE = 'function f(a) { return a * 2; } f(21);';

function compileIn(cache: ScriptCache): number {
  const isolate = new ivm.Isolate({ memoryLimit: 16 });
  try {
    const context = isolate.createContextSync();
    return cache.compile(isolate, 'k', SOURCE, { filename: 'f.js' }).runSync(context) as number;
  } finally {
    isolate.dispose();
  }
}

describe('compiled code cache', () => {
  it('reuses cachedData for the same key in a new isolate', () => {
    const cache = new ScriptCache(4);
    assert.equal(compileIn(cache), 42);
    assert.equal(compileIn(cache), 42);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: 1, misses: 1, size: 1 });
  });

  it('with 0 entries neither produces nor consumes cachedData (the benchmark cold path)', () => {
    const cache = new ScriptCache(0);
    assert.equal(compileIn(cache), 42);
    assert.equal(compileIn(cache), 42);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: 0, misses: 2, size: 0 });
  });
});
