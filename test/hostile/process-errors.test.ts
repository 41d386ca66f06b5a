import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';

function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('host-process errors', () => {
  it('logs an unhandled rejection with context and still lets Node end the process', async () => {
    const child = await runFixture('process-errors', ['default'], 60_000);
    assert.equal(child.killed, false);
    assert.equal(child.code, 1);
    const line = logLines(child.stdout).find((l) => l.kind === 'unhandledRejection');
    assert.ok(line, child.stdout);
    assert.equal(line.msg, 'unhandledRejection in the host process');
    assert.equal((line.err as { message: string }).message, 'HOST-BUG');
    assert.equal(line.tickInProgress, false);
    // Reported once, not a second time as the uncaught exception the re-throw becomes.
    assert.equal(logLines(child.stdout).filter((l) => l.msg !== undefined && String(l.msg).includes('host process')).length, 1);
  });

  it('only logs when the host handles rejections itself, and removes its listeners on close', async () => {
    const child = await runFixture('process-errors', ['host'], 60_000);
    assert.equal(child.code, 0, child.stderr);
    const v = lastJson<{ seen: string[]; before: Record<string, number>; after: Record<string, number> }>(child.stdout);
    assert.deepEqual(v.seen, ['unhandledRejection']);
    assert.deepEqual(v.after, { rejection: v.before.rejection! + 1, monitor: v.before.monitor });
  });
});
