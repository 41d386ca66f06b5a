import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError, resolveOptions } from '../../src/index.js';

describe('hostBootstrap.nativeModules (native modules instantiated in every isolate)', () => {
  it('keeps the global name -> path map, frozen', () => {
    const o = resolveOptions({ poolSize: 1, hostBootstrap: { source: 'void 0', nativeModules: { _nativeMod: '/x/native.node' } } });
    assert.deepEqual(o.hostBootstrap, { source: 'void 0', filename: '<host>', nativeModules: { _nativeMod: '/x/native.node' } });
    assert.ok(Object.isFrozen(o.hostBootstrap?.nativeModules));
  });

  for (const nativeModules of [null, 'native.node', { _nativeMod: '' }, { _nativeMod: 3 }]) {
    it(`rejects nativeModules = ${JSON.stringify(nativeModules)}`, () => {
      assert.throws(
        () => resolveOptions({ hostBootstrap: { source: 'void 0', nativeModules } } as never),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'hostBootstrap' && /nativeModules map global names to \.node paths/.test(e.message),
      );
    });
  }
});
