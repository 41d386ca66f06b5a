import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const ROOT = new URL('../../../', import.meta.url);
const DOC = new URL('docs/architecture.md', ROOT);

describe('docs/architecture.md', () => {
  it('names only paths of the repository that exist', () => {
    const text = readFileSync(DOC, 'utf8');
    const paths = [...new Set([...text.matchAll(/`((?:src|workers|test|benchmarks|docs|scripts)\/[^`\s*]*)`/g)].map((m) => m[1]!))];
    assert.ok(paths.length >= 10, `found only ${paths.length} paths; did the page change its format?`);
    assert.deepEqual(paths.filter((p) => !existsSync(new URL(p, ROOT))), []);
  });
});
