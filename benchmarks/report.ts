/**
 * Renders one run: the console table, the markdown summary (committed) and the figures behind it.
 */
import type { Environment, ScenarioResult } from './measure.js';
import type { Comparison, Job } from './plan.js';
import { officialVersions, realWorldBends, realWorldRows } from './real-world-report.js';

export interface RunRecord {
  readonly command: string;
  readonly quick: boolean;
  readonly environment: Environment;
  readonly results: readonly { readonly id: string; readonly result: ScenarioResult }[];
  readonly comparisons: readonly Comparison[];
  /** Versions of the official server's packages the real-world family ran against. */
  readonly officialPackages?: string;
}

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || Number.isNaN(v) ? '-' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));

export function resultRows(record: RunRecord): string[][] {
  const rows = [['scenario', 'unit', 'n', 'median', 'p99', 'player-ticks/s', 'proc CPU ms', 'RSS MB', 'errors', 'note']];
  for (const { id, result: r } of record.results) {
    if (r.skipped !== undefined) {
      rows.push([id, '-', '0', '-', '-', '-', '-', '-', '-', `skipped: ${r.skipped}`]);
      continue;
    }
    const note = r.figures.rssPerIsolateMb !== undefined ? `RSS/isolate ${fmt(r.figures.rssPerIsolateMb, 2)} MB` : r.figures.createMsMedian !== undefined ? `create ${fmt(r.figures.createMsMedian, 2)} ms` : '';
    rows.push([id, r.unit, String(r.samples.length), fmt(r.median, 2), fmt(r.p99, 2), fmt(r.throughput, 0), fmt(r.cpuMs), fmt(r.rssMb, 0), String(r.errors), note]);
  }
  return rows;
}

export function comparisonRows(record: RunRecord): string[][] {
  const rows = [['comparison', 'value', 'target', 'met']];
  for (const c of record.comparisons) rows.push([c.name, fmt(c.value, c.value !== null && Math.abs(c.value) < 10 ? 3 : 1), c.target, c.met === null ? '-' : c.met ? 'yes' : 'NO']);
  return rows;
}

export function textTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, j) => {
    const line = r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function mdTable(rows: readonly string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `|${head!.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function realWorldSection(record: RunRecord, root: string): string {
  const rows = realWorldRows(record);
  if (rows.length === 1) return '';
  return `
## Real world: the official server's default world, simplebot players, official runner vs kernel driver

${officialVersions(root)}. pt = player-tick; CPU is process CPU from /proc (10 ms resolution); "isolate CPU
(driver)" is what each driver reports (kernel: the worker thread's billed CPU; official: \`usedDirtyTime\`,
rounded up to whole ms per player-tick); RSS/player is runner RSS / N; load avg is the machine's 1-minute
load when the job's measured ticks began.

${mdTable(rows)}

${realWorldBends(record).map((l) => `- ${l}`).join('\n')}
`;
}

export function markdown(record: RunRecord, chartFile: string, root = '.'): string {
  const e = record.environment;
  return `# Benchmark summary

Produced by \`${record.command}\` on ${e.date} (commit ${e.gitCommit}${e.gitDirty ? ', uncommitted changes' : ''}).

Environment: Node ${e.node} (V8 ${e.v8}), isolated-vm ${e.isolatedVm}, piscina ${e.piscina}, ${e.cores} × ${e.cpuModel},
${e.totalMemGb} GB, ${e.platform}; load average at start ${e.loadAverage.join(' / ')}.

Every scenario ran in its own process, warmed up, then repeated (n = repetitions; p99 is nearest-rank, so
with few repetitions it is the slowest one). Baselines ran in the same run, on the same player scripts.
Throughput is player-ticks per second from the median tick.

## Targets (kernel figure / baseline figure)

${mdTable(comparisonRows(record))}

## All scenarios

${mdTable(resultRows(record))}
${realWorldSection(record, root)}
![throughput](${chartFile})
`;
}

export function progressLine(done: number, total: number, job: Job | null, width = 30): string {
  const filled = Math.round((done / Math.max(1, total)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${job ? job.id : 'done'}`;
}
