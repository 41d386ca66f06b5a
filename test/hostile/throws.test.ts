import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastJson, runFixture } from '../helpers/child.js';

interface Verdict {
  ticks: { hostile: string; hostileErrors: string[]; bystander: string; wallMs: number }[];
  abandoned: number;
  bystanderMemory: string;
}

const CASES = [
  'throwProxy',
  'throwMessageGetter',
  'throwStackGetter',
  'throwErrorWithLoopingMessage',
  'throwProxiedError',
  'loopGetterOnExports',
  'memoryGetter',
  'consoleToString',
  'promiseContinuation',
  'intentsProxy',
];

describe('hostile throws and results (each in its own process)', () => {
  for (const name of CASES) {
    it(`${name} ends with a timeout outcome, no hung worker, and the bystander unaffected`, async () => {
      const child = await runFixture('hostile-case', [name], 30_000);
      assert.equal(child.killed, false, `deadline hit; stderr: ${child.stderr}`);
      assert.equal(child.code, 0, child.stderr);
      const verdict = lastJson<Verdict>(child.stdout);
      assert.equal(verdict.abandoned, 0);
      for (const tick of verdict.ticks) {
        assert.equal(tick.hostile, 'timedOut', JSON.stringify(tick));
        assert.ok(tick.hostileErrors.includes('Script execution timed out.'));
        assert.equal(tick.bystander, 'ok');
      }
      assert.equal(verdict.bystanderMemory, '{"t":2}');
    });
  }
});
