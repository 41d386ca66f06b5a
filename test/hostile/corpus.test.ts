import { after, describe, it } from 'node:test';
import { runCase } from './corpus-check.js';
import { CORPUS } from './corpus.js';
import { corpusMarkdown, type CorpusRow } from './corpus-table.js';

const rows: CorpusRow[] = [];

// Two children at a time: each runs its own runtime, and the machine has 2 cores.
describe('hostile corpus (each case in its own process, next to a bystander)', { concurrency: 2 }, () => {
  for (const row of CORPUS) {
    const ends = row.limit === 'hang' ? 'ends after its worker is replaced' : 'ends within its limit';
    it(`${row.name} (${row.category}): ${row.expect.join('|')}, ${ends}, no host effect, bystander unaffected`, async () => {
      rows.push(await runCase(row));
    });
  }
});

// The table is printed for the log; `npm run hostile:doc` is what writes docs/hostile-corpus.md.
after(() => {
  rows.sort((a, b) => CORPUS.findIndex((c) => c.name === a.name) - CORPUS.findIndex((c) => c.name === b.name));
  console.log(`\n${corpusMarkdown(rows, CORPUS.length)}`);
});
