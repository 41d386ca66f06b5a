import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/index.js';

const DOC = new URL('../../../docs/errors.md', import.meta.url);

describe('docs/errors.md', () => {
  it('lists every error code of ErrorCode, and no other', () => {
    const rows = readFileSync(DOC, 'utf8')
      .split('\n')
      .map((line) => /^\| `(KERNEL_[A-Z_]+)` \|/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined);
    assert.deepEqual([...rows].sort(), [...Object.values(ErrorCode)].sort());
    assert.equal(new Set(rows).size, rows.length, 'a code is listed twice');
  });
});
