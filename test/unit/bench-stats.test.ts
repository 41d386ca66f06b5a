import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, quantile } from '../../benchmarks/measure.js';
import { compare, plan } from '../../benchmarks/plan.js';

describe('benchmark statistics and plan', () => {
  it('takes nearest-rank quantiles without reordering the samples', () => {
    const samples = [5, 1, 4, 2, 3];
    assert.equal(median(samples), 3);
    assert.equal(quantile(samples, 0.99), 5);
    assert.equal(quantile([10, 20], 0.5), 10);
    assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  });

  it('plans every baseline next to the kernel scenario it is compared with', () => {
    const ids = new Set(plan(true, 2).map((j) => j.id));
    for (const id of ['kernel trivial N=200 pool=2', 'floor trivial N=200 pool=2', 'per-task trivial N=200 pool=2', 'kernel trivial N=200 pool=1', 'kernel heavy N=8 pool=1', 'kernel heavy N=8 pool=2']) {
      assert.ok(ids.has(id), id);
    }
  });

  it('reports a ratio of throughputs against its target, and n/a when a side is missing', () => {
    const result = (throughput: number) => ({ scenario: 'x', params: { players: 1, poolSize: 1, kind: 'trivial', warmup: 0, repeat: 1 }, unit: 'ms/tick', samples: [1], median: 1, p99: 1, throughput, cpuMs: 1, rssMb: 1, figures: {}, errors: 0, wallMs: 1 });
    const rows = compare(new Map([['kernel trivial N=200 pool=2', result(700)], ['floor trivial N=200 pool=2', result(1000)]]), true, 2);
    const floor = rows.find((r) => r.name === 'kernel / floor, trivial')!;
    assert.equal(floor.value, 0.7);
    assert.equal(floor.met, true);
    assert.equal(rows.find((r) => r.name === 'kernel / floor, realistic')!.met, null);
  });
});
