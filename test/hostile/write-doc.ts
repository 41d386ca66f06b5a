/**
 * `npm run hostile:doc [-- file [case ...]]`: runs the hostile corpus (each case in its own process, two
 * at a time) and writes the measured table to `docs/hostile-corpus.md` (or `file`; naming cases runs
 * only those, for a quick look). Generating the page is this
 * explicit step; the test (`npm run test:hostile`) only prints the table. Exits 1 when a case failed
 * (the page still says how many passed).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCase } from './corpus-check.js';
import { CORPUS, type CorpusCase } from './corpus.js';
import { corpusMarkdown, type CorpusRow } from './corpus-table.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../../docs/hostile-corpus.md', import.meta.url));
const CONCURRENCY = 2;

const rows: CorpusRow[] = [];
const failed: string[] = [];
const only = process.argv.slice(3);
const queue: CorpusCase[] = CORPUS.filter((c) => only.length === 0 || only.includes(c.name));

async function worker(): Promise<void> {
  for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
    try {
      rows.push(await runCase(row));
      console.log(`ok   ${row.name}`);
    } catch (error) {
      failed.push(row.name);
      console.log(`FAIL ${row.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
rows.sort((a, b) => CORPUS.findIndex((c) => c.name === a.name) - CORPUS.findIndex((c) => c.name === b.name));
const total = rows.length + failed.length;
writeFileSync(out, corpusMarkdown(rows, total));
console.log(`${rows.length} of ${total} cases passed; wrote ${out}`);
if (failed.length > 0) process.exitCode = 1;
