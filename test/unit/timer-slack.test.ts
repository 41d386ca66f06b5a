import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

const linux = process.platform === 'linux';

/** The timer slack of thread `tid` of this process, in ns. */
function slackOf(tid: string): number {
  return Number(readFileSync(`/proc/${tid}/timerslack_ns`, 'utf8'));
}

describe('worker timer slack', { skip: !linux && 'Linux only' }, () => {
  it('is set on the calling thread only, and inherited by the threads it starts', async () => {
    const mainSlack = slackOf(String(process.pid));
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { readlinkSync, readFileSync } = require('node:fs');
      import(${JSON.stringify(new URL('../../workers/sandbox/thread-cpu.js', import.meta.url).href)}).then(({ setThreadTimerSlack }) => {
        const tid = readlinkSync('/proc/thread-self').split('/').pop();
        const ok = setThreadTimerSlack(1234567);
        const own = Number(readFileSync('/proc/' + tid + '/timerslack_ns', 'utf8'));
        // A thread started after the change (Node's own inner worker thread) inherits the slack.
        const { Worker } = require('node:worker_threads');
        const inner = new Worker("const { parentPort } = require('node:worker_threads'); const { readlinkSync, readFileSync } = require('node:fs'); const tid = readlinkSync('/proc/thread-self').split('/').pop(); parentPort.postMessage(Number(readFileSync('/proc/' + tid + '/timerslack_ns', 'utf8')));", { eval: true });
        inner.once('message', (child) => { void inner.terminate(); parentPort.postMessage({ ok, own, child }); });
      });`;
    const result = await new Promise<{ ok: boolean; own: number; child: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m: { ok: boolean; own: number; child: number }) => {
        void w.terminate();
        resolve(m);
      });
      w.once('error', reject);
    });
    assert.deepEqual(result, { ok: true, own: 1234567, child: 1234567 });
    assert.equal(slackOf(String(process.pid)), mainSlack, 'the main thread keeps its own slack');
  });
});
