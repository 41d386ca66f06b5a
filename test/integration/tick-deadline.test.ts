/**
 * Issue 13: one deadline per player per tick. The loop, console commands and collecting the results
 * (`finish`: Memory serialisation, segments) share `callTimeoutMs(tickLimit)`; `finish` runs player code
 * at most once per tick, even when it is stopped by the timeout. Counted, not timed: the player counts in
 * a global (which survives a timeout) how often its trap ran, and saves the count on the next tick.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ConsoleCommand } from '../../src/index.js';
import { WORKER_TIMER_SLACK_NS } from '../../workers/sandbox/thread-cpu.js';
import { loop, sharedRuntime, ticks, tickOnce } from '../helpers/parity.js';

const command = (id: string, expression: string): ConsoleCommand => ({ id, expression, hidden: false });
const SAVE_COUNT = `delete Object.prototype.toJSON; RawMemory.set(JSON.stringify({ calls: globalThis.calls }));`;

describe('one deadline per player per tick (issue 13)', () => {
  const runtime = sharedRuntime();

  it('a toJSON that loops during Memory serialisation runs once: the timed-out finish is not run again', async () => {
    const code = loop(`if (Game.time === 1) {
      Object.prototype.toJSON = function () { globalThis.calls = (globalThis.calls || 0) + 1; for (;;) {} };
      Memory.x = { a: 1 };
    } else { ${SAVE_COUNT} }`);
    const [first, second] = await ticks(runtime(), code, [{ cpu: { tickLimit: 50 } }, { cpu: { tickLimit: 50 } }]);
    assert.equal(first?.outcome, 'timedOut');
    assert.equal(first?.output, undefined, 'nothing of the stopped tick is saved');
    assert.equal(second?.outcome, 'ok');
    assert.equal(second?.output?.memory, '{"calls":1}');
  });

  it('the same with a console command queued (loop, command and finish in separate calls)', async () => {
    const code = loop(`if (Game.time === 1) {
      Object.prototype.toJSON = function () { globalThis.calls = (globalThis.calls || 0) + 1; for (;;) {} };
      Memory.x = { a: 1 };
    } else { ${SAVE_COUNT} }`);
    const [first, second] = await ticks(runtime(), code, [{ cpu: { tickLimit: 50 }, consoleCommands: [command('c', '1')] }, { cpu: { tickLimit: 50 } }]);
    assert.equal(first?.outcome, 'timedOut');
    assert.equal(second?.output?.memory, '{"calls":1}');
  });

  it('a Proxy as RawMemory._parsed whose traps loop is entered once per tick', async () => {
    const code = loop(`if (Game.time === 1) {
      const spin = () => { globalThis.calls = (globalThis.calls || 0) + 1; for (;;) {} };
      RawMemory._parsed = new Proxy({}, { ownKeys: spin, get: spin });
    } else { ${SAVE_COUNT} }`);
    const [first, second] = await ticks(runtime(), code, [{ cpu: { tickLimit: 50 } }, { cpu: { tickLimit: 50 } }]);
    assert.equal(first?.outcome, 'timedOut');
    assert.equal(second?.output?.memory, '{"calls":1}');
  });

  it('after a loop that timed out, the results the loop produced are still collected once (F22/F42)', async () => {
    const r = await tickOnce(runtime(), loop(`Memory.before = 1; console.log('logged'); for (;;) {}`), { cpu: { tickLimit: 30 } });
    assert.equal(r.outcome, 'timedOut');
    assert.equal(r.output?.memory, '{"before":1}');
    assert.deepEqual(r.output?.console.log.map((l) => l.message), ['logged']);
  });

  it('a console command gets only what the loop left of the deadline, not its own timeout', async () => {
    // tickLimit 100: deadline 105 ms; the loop spends 60 of it, so the command has about 45 ms (< 250).
    const r = await tickOnce(runtime(), loop(`const t = Date.now(); while (Date.now() - t < 60) {}`), { cpu: { tickLimit: 100 }, consoleCommands: [command('spin', 'for (;;) {}')] });
    assert.equal(r.outcome, 'ok');
    const match = /^Console command timed out after (\d+) ms$/.exec(r.errors[0] ?? '');
    assert.ok(match, JSON.stringify(r.errors));
    assert.ok(Number(match[1]) <= 50, `the command was given ${match[1]} ms`);
    assert.deepEqual(r.output?.consumedCommands, ['spin']);
  });
});

describe('timer slack of the worker threads (Linux)', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const runtime = sharedRuntime();

  it('every worker thread, and isolated-vm timer thread started from one, has 1 ms of timer slack', async () => {
    const r = await tickOnce(runtime(), loop(`for (;;) {}`), { cpu: { tickLimit: 20 } });
    assert.equal(r.outcome, 'timedOut');
    // A thread may end while it is listed (isolated-vm's timer thread once its queue is empty).
    const threads = readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        return [{ name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), slack: Number(readFileSync(`/proc/${tid}/timerslack_ns`, 'utf8')) }];
      } catch {
        return [];
      }
    });
    // The pool's worker (poolSize 1) and the timer thread it started, whatever their names.
    assert.ok(threads.filter((t) => t.slack === WORKER_TIMER_SLACK_NS).length >= 1, 'the worker thread has the slack');
    // Node 24 names its worker threads `WorkerThread` (Node 22 calls every thread `node`); threads they
    // start (isolated-vm's timer thread) inherit the name as they inherit the slack.
    const named = threads.filter((t) => t.name === 'WorkerThread');
    assert.deepEqual(named.map((t) => t.slack), named.map(() => WORKER_TIMER_SLACK_NS));
    assert.equal(WORKER_TIMER_SLACK_NS, 1_000_000);
    assert.notEqual(Number(readFileSync(`/proc/${process.pid}/timerslack_ns`, 'utf8')), WORKER_TIMER_SLACK_NS, 'the main thread is left alone');
  });
});
