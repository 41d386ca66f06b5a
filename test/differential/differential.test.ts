import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { account, describe as describeDifference, newAccounting } from './compare.js';
import { CORPUS } from './corpus/index.js';
import { DELIBERATE } from './deliberate.js';
import { KernelSide } from './kernel-side.js';
import { OfficialDriver } from './official-driver.js';
import type { TickObservation } from './scenario.js';

/** Deliberate differences that show only on some Node lines (not stale elsewhere). */
/**
 * Entries the corpus may legitimately not show in a run: on another Node line only, or depending on the
 * machine's load (the official timeouts count wall time, so on a busy machine the official side times out
 * too and the two sides agree).
 */
const ONLY_ON: Record<string, string> = { syntaxErrorPosition: 'Node 24', oneTimeoutPerCall: 'an idle machine' };

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

describe('differential: the kernel against the official driver (@screeps/driver 5.3.0) on the player corpus', () => {
  let official: OfficialDriver;
  let kernel: KernelSide;
  before(async () => {
    [official, kernel] = await Promise.all([OfficialDriver.start(), KernelSide.start()]);
  });
  after(async () => {
    await official?.[Symbol.asyncDispose]();
    await kernel?.[Symbol.asyncDispose]();
  });

  it('names a README deliberate-differences row for every entry of the table', () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf('## Deliberate differences from the official driver');
    assert.ok(start >= 0, 'README has a deliberate-differences section');
    const section = text.slice(start, text.indexOf('\n## ', start + 3));
    const rows = section.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|')[1]!.trim());
    for (const entry of DELIBERATE) assert.ok(rows.includes(entry.readme), `${entry.id}: no README row "${entry.readme}"`);
    assert.equal(new Set(DELIBERATE.map((e) => e.id)).size, DELIBERATE.length, 'ids are unique');
  });

  it('has at least 40 scenarios with distinct names, each of several ticks', () => {
    assert.ok(CORPUS.length >= 40, `${CORPUS.length} scenarios`);
    for (const s of CORPUS) assert.ok(s.ticks >= 2, `${s.name}: ${s.ticks} tick(s)`);
    assert.equal(new Set(CORPUS.map((s) => s.name)).size, CORPUS.length);
  });

  it('shows no difference outside the deliberate ones, tick by tick', async (t) => {
    const acc = newAccounting();
    const observed = new Map<string, { official: TickObservation[]; kernel: TickObservation[] }>();
    let n = 0;
    for (const scenario of CORPUS) {
      const userId = `u${++n}`;
      const [o, k] = await Promise.all([official.run(scenario, userId), kernel.run(scenario, userId)]);
      observed.set(scenario.name, { official: o, kernel: k });
      account(acc, scenario, o, k, DELIBERATE);
    }
    // DIFFERENTIAL_DUMP=<file>: every observation of both sides, for reading what the suite compared.
    if (process.env.DIFFERENTIAL_DUMP) writeFileSync(process.env.DIFFERENTIAL_DUMP, JSON.stringify(Object.fromEntries(observed), null, 1));
    const deliberate = acc.all.length - acc.unexplained.length;
    t.diagnostic(`compared ticks: ${acc.ticks}; differences: ${acc.all.length} (deliberate ${deliberate}, unexplained ${acc.unexplained.length})`);
    for (const [id, count] of acc.explainedBy) t.diagnostic(`  deliberate ${id}: ${count}`);
    const report = acc.unexplained.map((d) => {
      const sides = observed.get(d.scenario)!;
      return describeDifference(d, sides.official[d.tick], sides.kernel[d.tick]);
    });
    assert.equal(acc.unexplained.length, 0, `differences not in the deliberate table:\n${report.join('\n')}`);
    assert.ok(acc.ticks >= CORPUS.length, 'every scenario ran');
    // An entry that explains nothing is stale (the difference is gone, or the corpus no longer shows it).
    const unused = DELIBERATE.filter((e) => !acc.explainedBy.has(e.id) && !(e.id in ONLY_ON)).map((e) => e.id);
    assert.deepEqual(unused, [], 'every deliberate difference is shown by the corpus');
  });
});
