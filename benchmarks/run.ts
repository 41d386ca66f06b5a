/**
 * The benchmark harness: `npm run bench` (default set) or `npm run bench -- --quick` (CI smoke run).
 * Runs every scenario in its own child process, shows a progress bar, prints the results and the target
 * table, and writes benchmarks/results/: a JSON record per run (git-ignored), SUMMARY.md and chart.svg.
 * It exits non-zero only when the harness itself breaks (a scenario process fails), never on a target.
 * Options: --quick, --only <substring of a job id, or several separated by commas>, --node-flags '<extra V8/Node flags for every scenario process>'.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chart } from './chart.js';
import { environment, skipped, type ScenarioResult } from './measure.js';
import { compare, plan, type Job } from './plan.js';
import { officialVersions, realWorldBends, realWorldRows } from './real-world-report.js';
import { comparisonRows, markdown, progressLine, resultRows, textTable, type RunRecord } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const RESULTS = path.join(ROOT, 'benchmarks', 'results');
const RUNNER = path.join(HERE, 'scenario-runner.js');
/** A scenario process that runs longer than this is a broken harness, not a slow machine. */
const SCENARIO_DEADLINE_MS = 15 * 60_000;

function runJob(job: Job, nodeFlags: readonly string[]): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', ...nodeFlags, RUNNER, job.scenario, JSON.stringify(job.params)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice('RESULT '.length)) as ScenarioResult);
      else reject(new Error(`${job.id}: exit ${code ?? signal}\n${err.slice(-2000)}`));
    });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const flagText = args.includes('--node-flags') ? (args[args.indexOf('--node-flags') + 1] ?? '') : '';
  const nodeFlags = flagText.split(/\s+/).filter((f) => f !== '');
  const env = environment(ROOT);
  const jobs = plan(quick, env.cores).filter((j) => only === undefined || only.split(',').some((o) => j.id.includes(o)));
  const command = `npm run bench${quick || only || flagText ? ' --' : ''}${quick ? ' --quick' : ''}${only ? ` --only '${only}'` : ''}${flagText ? ` --node-flags '${flagText}'` : ''}`;
  const results: { id: string; result: ScenarioResult }[] = [];
  const failures: string[] = [];
  const tty = process.stderr.isTTY;
  for (const [i, job] of jobs.entries()) {
    process.stderr.write(tty ? `\r\x1b[K${progressLine(i, jobs.length, job)}` : `${progressLine(i, jobs.length, job)}\n`);
    if (job.skip !== undefined) {
      results.push({ id: job.id, result: skipped(job.scenario, job.params, job.skip) });
      continue;
    }
    try {
      results.push({ id: job.id, result: await runJob(job, nodeFlags) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message);
      // Kept in the summary: a scenario whose process died is a finding, not a gap in the table.
      results.push({ id: job.id, result: skipped(job.scenario, job.params, `FAILED: ${message.split('\n').slice(0, 2).join(' ').slice(0, 300)}`) });
    }
  }
  process.stderr.write(tty ? `\r\x1b[K${progressLine(jobs.length, jobs.length, null)}\n` : `${progressLine(jobs.length, jobs.length, null)}\n`);
  const byId = new Map(results.map((r) => [r.id, r.result]));
  const record: RunRecord = { command, quick, environment: env, results, comparisons: compare(byId, quick, env.cores), officialPackages: officialVersions(ROOT) };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = env.date.replace(/[:.]/g, '-');
  const suffix = quick ? '.quick' : only || flagText ? '.partial' : '';
  writeFileSync(path.join(RESULTS, `${stamp}${suffix}.json`), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, `latest${suffix}.json`), `${JSON.stringify(record, null, 2)}\n`);
  // Only a full run replaces the committed summary and chart.
  const chartFile = `chart${suffix}.svg`;
  writeFileSync(path.join(RESULTS, chartFile), chart(record));
  writeFileSync(path.join(RESULTS, `SUMMARY${suffix}.md`), markdown(record, chartFile, ROOT));
  process.stdout.write(`\n${textTable(resultRows(record))}\n\n${textTable(comparisonRows(record))}\n\n`);
  const realWorld = realWorldRows(record);
  if (realWorld.length > 1) process.stdout.write(`${textTable(realWorld)}\n${realWorldBends(record).join('\n')}\nOfficial server: ${record.officialPackages}\n\n`);
  process.stdout.write(`Environment: ${env.cores} × ${env.cpuModel}, Node ${env.node}, isolated-vm ${env.isolatedVm}, piscina ${env.piscina}, commit ${env.gitCommit}, load ${env.loadAverage.join('/')}\n`);
  process.stdout.write(`Written: benchmarks/results/SUMMARY${suffix}.md, ${chartFile}, latest${suffix}.json\n`);
  for (const f of failures) process.stderr.write(`\nSCENARIO FAILED: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
