import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError, queueKeys, resolveQueueOptions } from '../../src/index.js';

describe('resolveQueueOptions', () => {
  it('fills the documented defaults, frozen (official queue name and 5 s reset interval, F3)', () => {
    const o = resolveQueueOptions();
    assert.deepEqual({ ...o }, { name: 'usersIvm', leaseMs: 2000, stealDelayMs: 500, resetIntervalMs: 5000, fetchPerWorker: 8, drainTimeoutMs: 30_000 });
    assert.ok(Object.isFrozen(o));
  });

  const bad: [string, unknown, RegExp][] = [
    ['leaseMs', 50, /Invalid option leaseMs: 50 \(expected an integer from 100 to 600000\)/],
    ['fetchPerWorker', 0, /Invalid option fetchPerWorker: 0/],
    ['name', 'users Ivm', /Invalid option name: "users Ivm"/],
    ['leaseMS', 1000, /Invalid option leaseMS: 1000 \(expected a known queue option name\)/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name} = ${JSON.stringify(value)} naming the option and the value`, () => {
      assert.throws(() => resolveQueueOptions({ [name]: value }), (e: unknown) => e instanceof InvalidOptionError && message.test(e.message));
    });
  }
});

describe('queueKeys', () => {
  it("uses screepsmod-mongo's names for the official queue", () => {
    assert.deepEqual(queueKeys('usersIvm'), {
      pending: 'usersIvmPending',
      processing: 'usersIvmProcessing',
      addChannel: 'queue_usersIvm_add',
      doneChannel: 'queue_usersIvm_done',
      drainedChannel: 'queueDone:usersIvm',
    });
  });
});
