import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../runtime.js';
import { createSinkLogger } from '../telemetry/index.js';
import type { UserId } from '../shared/ids.js';
import { OutcomeKind } from '../shared/outcome.js';
import { openDemoStore, type StorageKind } from './demo-storage.js';
import { CODE_CHANGE_V2, kindFor, SAMPLES, type SampleKind } from './sample-players.js';
import { ProgressBar, renderTable } from './table.js';

export interface DemoOptions {
  readonly players: number;
  readonly ticks: number;
  readonly poolSize?: number;
  readonly quiet?: boolean;
  /** Serve `/metrics`, `/runtime/isolates` and `/healthz` on this loopback port while the demo runs. */
  readonly metricsPort?: number;
  /** @default 'memory' */
  readonly storage?: StorageKind;
  /** Where the runtime's warnings go (JSON lines), so the terminal shows only the bar and the tables.
   * @default a file in the system's temporary directory, named at the end */
  readonly logFile?: string;
}

interface KindStats {
  players: number;
  ticks: number;
  outcomes: Partial<Record<OutcomeKind, number>>;
  billedMs: number;
  resets: number;
  errors: number;
  /** Warning and error lines the runtime logged for players of this kind. */
  logLines: number;
}

/**
 * The main job: a few hundred players from the bundled sample scripts on the in-memory store, run for N
 * ticks, then a table per player kind and per outcome.
 */
export async function runDemo(options: DemoOptions): Promise<Record<SampleKind, KindStats>> {
  await using store = await openDemoStore(options.storage ?? 'memory');
  const { storage } = store;
  const kindOf = new Map<UserId, SampleKind>();
  const kinds = Array.from({ length: options.players }, (_, i) => kindFor(i, options.players));
  // New players start like the official server's: cpu 100, an empty bucket (tickLimit 100 ms).
  const ids = await store.addUsers(kinds.map((kind, i) => ({ id: `player${i}`, username: `${kind}${i}`, modules: { main: SAMPLES[kind] } })));
  ids.forEach((id, i) => kindOf.set(id, kinds[i]!));
  const stats = {} as Record<SampleKind, KindStats>;
  for (const kind of kindOf.values()) stats[kind] ??= { players: 0, ticks: 0, outcomes: {}, billedMs: 0, resets: 0, errors: 0, logLines: 0 };
  for (const kind of kindOf.values()) stats[kind].players++;

  // Per-player warnings go to a log file and are counted per player kind, never printed between the
  // progress bar's updates.
  const logFile = options.logFile ?? join(tmpdir(), `screeps-kernel-demo-${process.pid}.log`);
  const logFd = openSync(logFile, 'w');
  let otherLogLines = 0;
  using _closeLog = { [Symbol.dispose]: () => closeSync(logFd) };
  const logger = createSinkLogger('warn', (line) => {
    writeSync(logFd, line);
    const { userId } = JSON.parse(line) as { userId?: UserId };
    const kind = userId === undefined ? undefined : kindOf.get(userId);
    if (kind === undefined) otherLogLines++;
    else stats[kind].logLines++;
  });

  await using runtime = await createRuntime({
    storage,
    logger,
    // The demo survives a hung worker by replacing it, so it always reaches its final table.
    onHungWorker: 'replace',
    ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
    ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
  });
  const endpoint = runtime.metricsEndpoint;
  if (endpoint !== null && !options.quiet) process.stdout.write(`metrics: http://${endpoint.host}:${endpoint.port}/metrics\n`);
  const bar = new ProgressBar(options.ticks, 'ticks');
  const started = performance.now();
  let playerTicks = 0;
  for (let tick = 1; tick <= options.ticks; tick++) {
    if (tick === Math.floor(options.ticks / 2) + 1) {
      for (const [id, kind] of kindOf) if (kind === 'codeChange') await store.setCode(id, { main: CODE_CHANGE_V2 });
    }
    const report = await runtime.runTick(tick);
    for (const r of report.results) {
      const s = stats[kindOf.get(r.userId)!];
      s.ticks++;
      s.outcomes[r.outcome] = (s.outcomes[r.outcome] ?? 0) + 1;
      s.billedMs += r.billedMs;
      if (r.coldStart !== null && r.coldStart !== 'firstRun') s.resets++;
      s.errors += r.errors.length;
    }
    playerTicks += report.results.length;
    if (!options.quiet) bar.update(tick, `${report.durationMs.toFixed(0)} ms/tick`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (!options.quiet) {
    // Every outcome that happened gets a column (and `ok` always), so no kind can be missed.
    const outcomes = Object.values(OutcomeKind).filter((o) => o === 'ok' || Object.values(stats).some((st) => (st.outcomes[o] ?? 0) > 0));
    const rows = (Object.entries(stats) as [SampleKind, KindStats][]).map(([kind, s]) => [
      kind,
      s.players,
      s.ticks,
      ...outcomes.map((o) => s.outcomes[o] ?? 0),
      s.billedMs,
      s.resets,
      s.errors,
      s.logLines,
    ]);
    const logLines = Object.values(stats).reduce((n, st) => n + st.logLines, otherLogLines);
    process.stdout.write(
      `\n${renderTable(['player kind', 'players', 'ticks', ...outcomes, 'billed CPU ms', 'resets', 'errors', 'log lines'], rows)}\n\n` +
        `${playerTicks} player-ticks in ${seconds.toFixed(1)} s (${(playerTicks / seconds).toFixed(0)} player-ticks/s) ` +
        `on ${runtime.options.poolSize} worker thread(s)\n` +
        `${logLines} warning line(s) (at most ${runtime.options.logBurstPerPlayer} per player in a burst) in ${logFile}\n`,
    );
  }
  return stats;
}
