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

  it('refreshes a key once from an isolate that ran it: the new cachedData holds the functions it compiled', () => {
    // `g` is compiled lazily, on its first call: the cachedData made at compile time does not hold it.
    const source = `var x = 0; globalThis.g = function () { ${'x = x + 1; '.repeat(400)}return x; };`;
    const origin = { filename: 'g.js' };
    const cache = new ScriptCache(4);
    const a = new ivm.Isolate({ memoryLimit: 16 });
    const b = new ivm.Isolate({ memoryLimit: 16 });
    try {
      const contextA = a.createContextSync();
      cache.compile(a, 'g', source, origin).runSync(contextA);
      const before = cache.bytes('g')!;
      assert.equal(contextA.evalSync('g()'), 400);
      assert.equal(cache.refresh(a, 'g', source, origin), true);
      assert.ok(cache.bytes('g')! > before + 400, `${before} -> ${cache.bytes('g')} bytes`);
      assert.equal(cache.refresh(a, 'g', source, origin), false, 'once per key');
      // Another isolate made from it: accepted, and the same program.
      const script = cache.compile(b, 'g', source, origin) as ivm.Script & { cachedDataRejected?: boolean };
      assert.notEqual(script.cachedDataRejected, true);
      const contextB = b.createContextSync();
      script.runSync(contextB);
      assert.equal(contextB.evalSync('g() + g()'), 1200);
      assert.deepEqual({ hits: cache.hits, refreshed: cache.refreshed, size: cache.size }, { hits: 1, refreshed: 1, size: 1 });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('keeps an entry as it was when the isolate cannot compile it again (disposed, syntax error)', () => {
    const cache = new ScriptCache(4);
    assert.equal(compileIn(cache), 42);
    const bytes = cache.bytes('k');
    const gone = new ivm.Isolate({ memoryLimit: 16 });
    gone.dispose();
    assert.equal(cache.refresh(gone, 'k', SOURCE, { filename: 'f.js' }), false);
    const fresh = new ivm.Isolate({ memoryLimit: 16 });
    try {
      assert.equal(cache.refresh(fresh, 'bad', 'function (', { filename: 'bad.js' }), false);
    } finally {
      fresh.dispose();
    }
    assert.deepEqual({ bytes: cache.bytes('k'), refreshed: cache.refreshed, size: cache.size }, { bytes, refreshed: 0, size: 1 });
  });

  it('with 0 entries neither produces nor consumes cachedData (the benchmark cold path)', () => {
    const cache = new ScriptCache(0);
    assert.equal(compileIn(cache), 42);
    assert.equal(compileIn(cache), 42);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: 0, misses: 2, size: 0 });
  });
});
