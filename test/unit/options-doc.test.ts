import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OPTIONS, QUEUE_OPTIONS, type OptionSpec } from '../../src/options.js';

const root = new URL('../../../', import.meta.url);
const DOCS = { runtime: readFileSync(new URL('README.md', root), 'utf8'), queue: readFileSync(new URL('docs/runners.md', root), 'utf8') };
const SOURCE = readFileSync(new URL('src/options.ts', root), 'utf8');

/** The default as the README and the JSDoc spell it. */
function shown(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
      return spec.docDefault ?? String(spec.default());
    case 'bool':
      return String(spec.default);
    case 'enum':
    case 'string':
      return `'${spec.default}'`;
  }
}

/** Table rows `| \`name\` | unit | default | ... |` of a page, default without its backquotes. */
function readmeRows(page: string): Map<string, { unit: string; default: string }> {
  const rows = new Map<string, { unit: string; default: string }>();
  for (const line of page.split('\n')) {
    const m = /^\| `(\w+)` \|([^|]*)\|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1]!, { unit: m[2]!.trim(), default: m[3]!.trim().replace(/^`(.*)`$/, '$1') });
  }
  return rows;
}

/** `@default` of each field's doc comment in src/options.ts. */
function jsdocDefaults(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of SOURCE.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)@default ([^\n*]+?)\s*\*\/\s*\n\s*(\w+)\?:/g)) out.set(m[3]!, m[2]!.trim());
  return out;
}

describe('the options tables and their documentation', () => {
  for (const [table, specs, page] of [['runtime', OPTIONS, 'README.md'], ['queue', QUEUE_OPTIONS, 'docs/runners.md']] as const) {
    it(`${page} and the JSDoc give each ${table} option the table's unit and default`, () => {
      const rows = readmeRows(DOCS[table]);
      const docs = jsdocDefaults();
      for (const [name, spec] of Object.entries(specs) as [string, OptionSpec][]) {
        const row = rows.get(name);
        assert.ok(row, `${page} has no row for ${name}`);
        assert.equal(row.unit, spec.unit, `${page} unit of ${name}`);
        assert.equal(row.default, shown(spec), `${page} default of ${name}`);
        assert.equal(docs.get(name), shown(spec), `JSDoc @default of ${name}`);
      }
    });
  }
});
