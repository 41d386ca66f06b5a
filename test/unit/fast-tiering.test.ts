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
