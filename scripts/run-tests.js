#!/usr/bin/env node
// Runs the compiled test files with node's test runner. `--no-node-snapshot` is passed to every test
// process through NODE_OPTIONS (isolated-vm needs it on the main process; worker threads inherit it).
// Optional arguments filter test files by substring: `npm test -- hostile`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = collect(testDir).filter((f) => filters.length === 0 || filters.some((x) => relative(testDir, f).includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}
const nodeOptions = [process.env.NODE_OPTIONS ?? '', '--no-node-snapshot'].join(' ').trim();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(result.status ?? 1);
