import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ThreadCpuClock } from '../../workers/sandbox/thread-cpu.js';

describe('thread CPU clock', () => {
  it('uses the exact per-thread clock from the bundled addon', () => {
    const clock = new ThreadCpuClock();
    assert.equal(clock.kind, 'thread');
    clock.close();
  });

  it('counts CPU spent by this thread, sub-millisecond, and not time spent waiting', async () => {
    const clock = new ThreadCpuClock();
    const t0 = clock.now();
    let x = 0;
    for (let i = 0; i < 200_000; i++) x += Math.sqrt(i);
    const busy = clock.now() - t0;
    assert.ok(x > 0);
    assert.ok(busy > 0, 'a short busy loop must register: the clock is not tick-granular');
    const t1 = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idle = clock.now() - t1;
    assert.ok(idle < 50e6 / 2, `waiting 50 ms must not count as CPU (counted ${(idle / 1e6).toFixed(2)} ms)`);
    clock.close();
  });

  it('loads in a worker thread and measures that thread only', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(new URL('../../workers/sandbox/thread-cpu.js', import.meta.url).href)}).then(({ ThreadCpuClock }) => {
        const c = new ThreadCpuClock();
        parentPort.postMessage({ kind: c.kind, ns: c.now() });
      });`;
    const main = new ThreadCpuClock().now();
    const result = await new Promise<{ kind: string; ns: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m: { kind: string; ns: number }) => {
        void w.terminate();
        resolve(m);
      });
      w.once('error', reject);
    });
    assert.equal(result.kind, 'thread');
    // A fresh thread has used far less CPU than this test process's main thread has.
    assert.ok(result.ns < main, `worker ${result.ns} ns vs main ${main} ns`);
  });
});
