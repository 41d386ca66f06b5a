/**
 * Per-tick game differential: an official private-server world (storage with the launcher's world, engine
 * main, two processors, the runner) in which every player-tick runs through both the kernel driver's path
 * (its own runtimeData loader) and the official `makeRuntime` (the driver's `data.js`), whose loads are
 * compared too, with
 * `Math.random` seeded identically on both through the `playerSandbox` server mod; the world evolves on
 * the official results (test/screeps/game-diff/tee-driver.cts). Players: the launcher's four simplebots,
 * one more simplebot and probebot (test/screeps/bots/probebot). Every field the runner saves is compared
 * tick by tick; a difference fails unless the deliberate table (game-diff/compare.ts) explains it.
 * `SCREEPS_GAME_DIFF_TICKS` sets the ticks (default 300); `SCREEPS_GAME_DIFF_DUMP=<file>` writes the records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServerWorld } from '../../src/screeps/world/server-world.js';
import { compareRecord, DELIBERATE, describeDifference, FIELDS } from './game-diff/compare.js';
import type { TickRecord } from './game-diff/record.js';

const TICKS = Number(process.env.SCREEPS_GAME_DIFF_TICKS ?? 300);
const HERE = dirname(fileURLToPath(import.meta.url));
const TEE_DRIVER = resolve(HERE, 'game-diff/tee-driver.cjs');
/** Bot sources stay in the source tree (the compiler does not copy plain .js). */
const PROBEBOT_DIR = resolve(HERE, '../../../test/screeps/bots/probebot');
const README = resolve(HERE, '../../../README.md');
const PLAYERS = ['AliceBot', 'EmmaBot', 'JackBot', 'MichaelBot', 'SimpleBot5', 'ProbeBot'];

function modulesOf(dir: string): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const file of readdirSync(dir)) if (file.endsWith('.js')) modules[basename(file, '.js')] = readFileSync(join(dir, file), 'utf8');
  return modules;
}

async function record(): Promise<{ records: TickRecord[]; start: number; runnerLog: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'game-diff-'));
  const out = join(dir, 'ticks.jsonl');
  try {
    await using world = await ServerWorld.start({
      runner: 'official',
      extraBots: [{ username: 'SimpleBot5', room: 'W7N3' }, { username: 'ProbeBot', room: 'W3N5' }],
      runnerEnv: {
        DRIVER_MODULE: TEE_DRIVER,
        GAME_DIFF_OUT: out,
        GAME_DIFF_CODE: JSON.stringify({ ProbeBot: modulesOf(PROBEBOT_DIR) }),
        KERNEL_POOL_SIZE: '1',
        // One player at a time: both runs of a player-tick share one data.js result.
        RUNNER_THREADS: '1',
      },
    });
    const start = await world.gameTime();
    await world.runUntil(start + TICKS);
    const text = readFileSync(out, 'utf8');
    return { records: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TickRecord), start, runnerLog: world.log('runner') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('per-tick game differential: the kernel driver against the official makeRuntime', () => {
  it('names a README deliberate-differences row for every entry of its table', () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf('## Deliberate differences from the official driver');
    const section = text.slice(start, text.indexOf('\n## ', start + 3));
    const rows = section.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|')[1]!.trim());
    for (const entry of DELIBERATE) assert.ok(rows.includes(entry.readme), `${entry.id}: no README row "${entry.readme}"`);
  });

  it(`gives the same intents, Memory, segments and console as the official runtime on every player-tick of ${TICKS} ticks`, { timeout: 10 * 60_000 }, async (t) => {
    const { records, start, runnerLog } = await record();
    // SCREEPS_GAME_DIFF_DUMP=<file>: every record of both runtimes, for reading what the test compared.
    if (process.env.SCREEPS_GAME_DIFF_DUMP) writeFileSync(process.env.SCREEPS_GAME_DIFF_DUMP, JSON.stringify(records, null, 1));
    assert.match(runnerLog, /Players run on screeps-runtime-kernel/);
    assert.doesNotMatch(runnerLog, /Error in runner loop|Unhandled rejection|concurrent makeRuntime/);

    // Every player ran once per tick through both runtimes, on the ticks the world played.
    const byPlayer = new Map<string, number[]>();
    for (const r of records) byPlayer.set(r.username ?? r.userId, [...(byPlayer.get(r.username ?? r.userId) ?? []), r.time ?? -1]);
    assert.deepEqual([...byPlayer.keys()].sort(), [...PLAYERS].sort());
    for (const [player, times] of byPlayer) {
      assert.equal(new Set(times).size, times.length, `${player}: one run per tick`);
      // Every tick from the one the world showed once started up to the pause (a tick may have begun before).
      for (let time = start; time < start + TICKS; time++) assert.ok(times.includes(time), `${player}: tick ${time} compared`);
      assert.ok(times.every((time) => time < start + TICKS), `${player}: no tick after the pause`);
    }

    // The kernel driver loaded the same runtimeData as data.js, field by field and in the same key orders.
    const loads = records.filter((r) => r.loadedEqual !== null);
    assert.equal(loads.length, 0, `loads that differ from data.js:\n${loads.slice(0, 5).map((r) => `${r.username} @${r.time}: ${r.loadedEqual}`).join('\n')}`);

    const differences = records.flatMap(compareRecord);
    const unexplained = differences.filter((d) => d.explainedBy === null);
    t.diagnostic(`player-ticks compared: ${records.length}; fields per tick: ${FIELDS.length}; differences: ${differences.length} (unexplained ${unexplained.length})`);
    for (const entry of DELIBERATE) t.diagnostic(`  deliberate ${entry.id}: ${differences.filter((d) => d.explainedBy === entry.id).length}`);
    assert.equal(unexplained.length, 0, `differences not in the deliberate table:\n${unexplained.slice(0, 20).map(describeDifference).join('\n')}`);

    // The comparison saw a game being played, not empty ticks.
    const official = records.map((r) => r.official);
    assert.ok(official.every((o) => o.outcome === 'done'), 'every official run completed');
    assert.ok(official.some((o) => JSON.stringify(o.intents).includes('"harvest"')), 'harvest intents were compared');
    assert.ok(official.some((o) => JSON.stringify(o.intents).includes('"createCreep"')), 'spawn intents were compared');
    const probe = records.filter((r) => r.username === 'ProbeBot');
    assert.ok(probe.some((r) => JSON.stringify(r.official.console?.log ?? []).includes(' random 0.')), 'probebot console output was compared');
    assert.ok(probe.some((r) => r.kernel.memorySegments?.['3'] !== undefined), 'probebot segments were compared');
    assert.ok(probe.some((r) => r.official.visual !== null), 'probebot visuals were compared');
    // A player's setter on Object.prototype never sees what is assigned to runtimeData (the shared terrain).
    const setters = probe.map((r) => JSON.stringify(r.kernel.console?.log ?? []));
    assert.ok(setters.length > 1 && setters.every((log) => log.includes('runtimeData setters run: none')), 'probebot runtimeData setters were checked');
  });
});
