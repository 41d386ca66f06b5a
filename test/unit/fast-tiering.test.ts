import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions } from '../../src/index.js';

describe('fastTiering option', () => {
  it('is on by default and can be turned off', () => {
    assert.equal(resolveOptions().fastTiering, true);
    assert.equal(resolveOptions({ fastTiering: false }).fastTiering, false);
  });

  it('rejects a non-boolean, naming the option and the value', () => {
    assert.throws(() => resolveOptions({ fastTiering: 'yes' as never }), /Invalid option fastTiering: "yes"/);
  });
});

describe('maxSemiSpaceMb option', () => {
  it('is 0 (V8 decides) by default and takes whole megabytes up to 64', () => {
    assert.equal(resolveOptions().maxSemiSpaceMb, 0);
    assert.equal(resolveOptions({ maxSemiSpaceMb: 1 }).maxSemiSpaceMb, 1);
    assert.equal(resolveOptions({ maxSemiSpaceMb: 64 }).maxSemiSpaceMb, 64);
  });

  for (const bad of [-1, 65, 1.5, '1']) {
    it(`rejects ${JSON.stringify(bad)}, naming the option`, () => {
      assert.throws(() => resolveOptions({ maxSemiSpaceMb: bad as never }), /Invalid option maxSemiSpaceMb/);
    });
  }
});
