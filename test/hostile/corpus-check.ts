/**
 * What every hostile corpus case must show (shared by the test and by `npm run hostile:doc`): the
 * guarantees every row shares, then the row's own expectations. Throws an assertion error when one fails.
 */
import assert from 'node:assert/strict';
import { callTimeoutMs } from '../../src/shared/protocol.js';
import { lastJson, runFixture } from '../helpers/child.js';
import type { CorpusCase } from './corpus.js';
import type { CorpusRow } from './corpus-table.js';

export interface Verdict {
  ticks: {
    hostile: string;
    hostileErrors: string[];
    hostileConsoleChars: number;
    hostileConsoleLast: string | null;
    hostileRunMs: number;
    hostileTickLimit: number;
    hostileUsedTime: number;
    bystander: string;
    bystanderBilledMs: number;
    durationMs: number;
  }[];
  hangLimitMs: number;
  abandoned: number;
  escaped: boolean;
  hostPolluted: boolean;
  hostLeak: string[];
  hostileMemory: string;
  bystanderMemory: string;
}

const DEFAULT_TOLERANCE_MS = 1000;
/** A bystander's trivial tick bills well under this; the hostile player's spin alone is >= 100 ms. */
const BYSTANDER_BILL_CEILING_MS = 50;
/** Console output cap of the runtime (maxConsoleKbPerTick default) plus the truncation line. */
const CONSOLE_CAP_CHARS = 256 * 1024 + 200;

/** Checks the guarantees every row shares, then the row's own expectations; returns the table row. */
export function check(row: CorpusCase, v: Verdict): CorpusRow {
  const [first, second] = v.ticks;
  assert.ok(first && second);
  assert.equal(v.escaped, false, 'an escape attempt reached the host file system');
  assert.equal(v.hostPolluted, false, 'Object.prototype of the host changed');
  assert.deepEqual(v.hostLeak, [], 'host paths or internals reached the player');
  for (const t of v.ticks) {
    assert.equal(t.bystander, 'ok', JSON.stringify(t));
    assert.ok(t.bystanderBilledMs < BYSTANDER_BILL_CEILING_MS, `bystander billed ${t.bystanderBilledMs} ms`);
    assert.ok(t.hostileConsoleChars <= CONSOLE_CAP_CHARS, `console not capped: ${t.hostileConsoleChars}`);
  }
  assert.equal(v.bystanderMemory, '{"t":2,"clean":true}');
  assert.ok(row.expect.includes(first.hostile as never), `outcome ${first.hostile}: ${JSON.stringify(first.hostileErrors).slice(0, 500)}`);
  const tolerance = row.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  let limitMs: number;
  let measuredMs: number;
  if (row.limit === 'hang') {
    limitMs = v.hangLimitMs;
    measuredMs = first.durationMs;
    assert.equal(v.abandoned, 1);
    assert.equal(second.hostile, 'skipped', 'the culprit is quarantined');
  } else {
    // The tick's one deadline; what collecting results after a timeout adds shows as overshoot.
    limitMs = callTimeoutMs(first.hostileTickLimit);
    measuredMs = Math.max(first.hostileRunMs, second.hostileRunMs);
    assert.equal(v.abandoned, 0, 'no worker hung');
  }
  assert.ok(measuredMs <= limitMs + tolerance, `ran ${measuredMs.toFixed(1)} ms, limit ${limitMs} + ${tolerance} ms`);
  for (const part of row.memory ?? []) assert.ok(v.hostileMemory.includes(part), `Memory lacks ${part}: ${v.hostileMemory.slice(0, 300)}`);
  if (row.minUsedTime !== undefined) assert.ok(first.hostileUsedTime >= row.minUsedTime, `billed ${first.hostileUsedTime} ms`);
  if (row.error !== undefined) {
    const all = v.ticks.flatMap((t) => t.hostileErrors);
    assert.ok(all.some((e) => e.includes(row.error!)), `no error with "${row.error}": ${JSON.stringify(all).slice(0, 500)}`);
  }
  const hitLimit = first.hostile === 'timedOut' || first.hostile === 'workerFailed' || first.hostile === 'memoryExceeded';
  return {
    name: row.name,
    category: row.category,
    outcomes: `${first.hostile} / ${second.hostile}`,
    limitMs,
    measuredMs,
    overshootMs: hitLimit ? measuredMs - limitMs : null,
    toleranceMs: tolerance,
    bystanderBilledMs: Math.max(...v.ticks.map((t) => t.bystanderBilledMs)),
    detail: (first.hostileErrors[0] ?? first.hostileConsoleLast ?? '').split('\n')[0]!.slice(0, 90),
  };
}

/** Runs one case in its own process (next to a bystander) and checks it; returns its table row. */
export async function runCase(row: CorpusCase): Promise<CorpusRow> {
  const child = await runFixture('hostile-corpus-case', [row.name], row.limit === 'hang' ? 120_000 : 60_000);
  assert.equal(child.killed, false, `deadline hit; stderr: ${child.stderr.slice(0, 2000)}`);
  if (row.limit !== 'hang') assert.equal(child.code, 0, child.stderr.slice(0, 2000));
  return check(row, lastJson<Verdict>(child.stdout));
}
