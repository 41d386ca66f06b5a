import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';

describe('--no-node-snapshot guard', () => {
  it('refuses to start without the flag, saying how to fix it', async () => {
    const child = await runFixture('no-snapshot', [], 30_000, []);
    const verdict = lastJson<{ started: boolean; name: string; code: string; message: string }>(child.stdout);
    assert.equal(verdict.started, false);
    assert.equal(verdict.name, 'MissingNoNodeSnapshotError');
    assert.equal(verdict.code, 'KERNEL_MISSING_NO_NODE_SNAPSHOT');
    assert.match(verdict.message, /node --no-node-snapshot/);
    assert.match(verdict.message, /NODE_OPTIONS=--no-node-snapshot/);
  });

  it('starts with the flag', async () => {
    const child = await runFixture('no-snapshot', [], 60_000);
    assert.deepEqual(lastJson(child.stdout), { started: true });
  });
});
