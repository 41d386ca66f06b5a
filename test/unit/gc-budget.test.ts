import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposeGc, GcBudget } from '../../workers/sandbox/gc.js';

describe('GcBudget', () => {
  it('collects once the reported bytes reach the threshold, then starts counting again', () => {
    let collected = 0;
    const budget = new GcBudget(() => collected++, 1000);
    budget.add(600);
    assert.equal(budget.maybeCollect(), false);
    budget.add(400);
    assert.equal(budget.maybeCollect(), true);
    assert.equal(budget.maybeCollect(), false);
    assert.equal(collected, 1);
    assert.equal(budget.collections, 1);
  });

  it('exposeGc returns a working full collection', () => {
    const gc = exposeGc();
    assert.equal(typeof gc, 'function');
    gc();
  });
});
