/**
 * The real-world family's own table: per player count, both sides and kernel / official for each figure,
 * where each side's curve bends, and the official packages' versions.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ScenarioResult } from './measure.js';
import { KERNEL_RUNNER_THREADS } from './real-world-plan.js';
import type { RunRecord } from './report.js';

const fmt = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

/** The figures of the table: label, figure name (or throughput), digits. */
const COLUMNS: readonly [string, (r: ScenarioResult) => number | null | undefined, number][] = [
  ['player-ticks/s', (r) => r.throughput, 0],
  ['server ticks/s', (r) => r.figures.serverTicksPerSec, 1],
  ['runner CPU ms/pt', (r) => r.figures.runnerCpuMsPerPlayerTick, 2],
  ['of it main thread', (r) => r.figures.runnerMainThreadMsPerPlayerTick, 2],
  ['other threads', (r) => r.figures.runnerOtherThreadsMsPerPlayerTick, 2],
  ['isolate CPU ms/pt (driver)', (r) => r.figures.isolateMsPerPlayerTick, 2],
  ['player code ms/pt', (r) => r.figures.playerCodeMsPerPlayerTick, 2],
  ['storage CPU ms/pt', (r) => r.figures.storageCpuMsPerPlayerTick, 2],
  ['processors ms/pt', (r) => r.figures.processorsCpuMsPerPlayerTick, 2],
  ['runner RSS MB', (r) => r.figures.runnerRssMb, 0],
  ['RSS/player MB', (r) => r.figures.runnerRssPerPlayerMb, 1],
  ['first tick ms', (r) => r.figures.firstTickMs, 1],
  ['errors', (r) => r.errors, 0],
  ['load avg', (r) => r.figures.loadAverage1, 1],
];

function runs(record: RunRecord): { id: string; side: string; players: number; r: ScenarioResult }[] {
  return record.results
    .filter(({ result }) => result.scenario === 'real-world')
    .map(({ id, result }) => ({ id, side: result.params.kind, players: result.params.players, r: result }));
}

export function realWorldRows(record: RunRecord): string[][] {
  const rows = [['job', ...COLUMNS.map((c) => c[0])]];
  const all = runs(record);
  for (const { id, side, players, r } of all) {
    if (r.skipped !== undefined) {
      rows.push([id, ...COLUMNS.map(() => '-')]);
      continue;
    }
    rows.push([id, ...COLUMNS.map(([, f, d]) => fmt(f(r), d))]);
    // After each kernel job with the default runner concurrency: kernel / official at that count.
    const official = all.find((o) => o.side === 'official' && o.players === players && o.r.skipped === undefined);
    if (side === 'kernel' && official !== undefined) {
      rows.push([`  kernel / official, N=${players}`, ...COLUMNS.map(([label, f]) => (label === 'errors' || label === 'load avg' ? '' : fmt((f(r) ?? Number.NaN) / (f(official.r) ?? Number.NaN), 2)))]);
    }
  }
  return rows;
}

/** Where each side's player-ticks/s stops growing with N (< 10 % more for the next count) and where a tick passes 1 s. */
export function realWorldBends(record: RunRecord): string[] {
  const lines: string[] = [];
  for (const side of ['official', 'kernel']) {
    const points = runs(record)
      .filter((x) => x.side === side && x.r.skipped === undefined && (side === 'official' || x.r.params.extra?.runnerThreads === KERNEL_RUNNER_THREADS))
      .sort((a, b) => a.players - b.players);
    if (points.length === 0) continue;
    if (points.length < 2) {
      lines.push(`${side}: ${fmt(points[0]!.r.throughput, 0)} player-ticks/s at N=${points[0]!.players} (one count: no curve).`);
      continue;
    }
    const flat = points.findIndex((p, i) => i + 1 < points.length && (points[i + 1]!.r.throughput ?? 0) < 1.1 * (p.r.throughput ?? 0));
    const behind = points.find((p) => (p.r.figures.serverTicksPerSec ?? Infinity) < 1);
    const curve = points.map((p) => `${p.players}: ${fmt(p.r.throughput, 0)}`).join(', ');
    lines.push(
      `${side}: player-ticks/s by N ${curve}; ${flat >= 0 ? `flat from N=${points[flat]!.players} (the next count adds < 10 %)` : 'still growing at the largest N'}; ${behind ? `falls behind a 1 s tick at N=${behind.players}` : `no tick over 1 s up to N=${points[points.length - 1]!.players}`}.`,
    );
  }
  return lines;
}

export function officialVersions(root: string): string {
  const v = (name: string): string => {
    try {
      return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return `@screeps/driver ${v('@screeps/driver')}, @screeps/engine ${v('@screeps/engine')}, @screeps/storage ${v('@screeps/storage')}, isolated-vm ${v('isolated-vm')} (both sides)`;
}
