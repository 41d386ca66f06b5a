import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from '../helpers/child.js';

// A worker thread that ended with isolated-vm handles alive aborted the process during Node's thread
// teardown (`Assertion environment != nullptr`, in the last collection's weak callbacks): about 1 run in
// 12 of this case before workers disposed their isolates on close (`ShutdownTask`). Twelve runs made the
// old code fail with a probability of about 0.65; the fixed code passes every run.
describe('closing the runtime', () => {
  it('ends every worker thread cleanly after isolates with large compiled modules (12 processes)', async () => {
    const failures: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await runFixture('hostile-corpus-case', ['code5mb'], 60_000);
      if (r.code !== 0 || r.signal !== null) failures.push(`run ${i}: code ${String(r.code)} signal ${String(r.signal)} ${r.stderr.slice(0, 300)}`);
    }
    assert.deepEqual(failures, []);
  });
});
