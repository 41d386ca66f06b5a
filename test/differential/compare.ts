/**
 * Field-by-field comparison of one tick's observations, and the accounting of differences against the
 * table of deliberate ones.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DeliberateDifference } from './deliberate.js';
import type { Scenario, TickObservation } from './scenario.js';

export const COMPARED_FIELDS = [
  'status', 'console', 'errors', 'frames', 'memory', 'segments', 'activeSegments', 'publicSegments', 'defaultPublicSegment',
  'activeForeignSegment', 'visuals', 'notify', 'notifications',
] as const satisfies readonly (keyof TickObservation)[];
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface Difference {
  readonly scenario: string;
  /** 0-based tick of the scenario. */
  readonly tick: number;
  readonly field: ComparedField;
  readonly official: unknown;
  readonly kernel: unknown;
}

export function differences(scenario: string, tick: number, official: TickObservation, kernel: TickObservation): Difference[] {
  const out: Difference[] = [];
  for (const field of COMPARED_FIELDS) {
    if (!isDeepStrictEqual(official[field], kernel[field])) out.push({ scenario, tick, field, official: official[field], kernel: kernel[field] });
  }
  return out;
}

export interface Accounting {
  ticks: number;
  /** Every field that differed, deliberate or not. */
  readonly all: Difference[];
  readonly unexplained: Difference[];
  /** Deliberate-difference id -> how many differences it explained. */
  readonly explainedBy: Map<string, number>;
}

export function newAccounting(): Accounting {
  return { ticks: 0, all: [], unexplained: [], explainedBy: new Map() };
}

/** Compares a scenario's ticks and files each difference as deliberate (first matching entry) or not. */
export function account(acc: Accounting, scenario: Scenario, official: readonly TickObservation[], kernel: readonly TickObservation[], table: readonly DeliberateDifference[]): void {
  const n = Math.max(official.length, kernel.length);
  for (let tick = 0; tick < n; tick++) {
    const o = official[tick];
    const k = kernel[tick];
    if (o === undefined || k === undefined) throw new Error(`${scenario.name}: tick ${tick} ran on one side only`);
    acc.ticks++;
    for (const d of differences(scenario.name, tick, o, k)) {
      acc.all.push(d);
      const entry = table.find((e) => e.fields.includes(d.field) && e.explains(d, o, k, scenario));
      if (entry === undefined) acc.unexplained.push(d);
      else acc.explainedBy.set(entry.id, (acc.explainedBy.get(entry.id) ?? 0) + 1);
    }
  }
}

export function describe(d: Difference, official: TickObservation | undefined, kernel: TickObservation | undefined): string {
  const lines = [
    `${d.scenario} tick ${d.tick}: ${d.field}`,
    `  official: ${JSON.stringify(d.official)}`,
    `  kernel:   ${JSON.stringify(d.kernel)}`,
  ];
  if (d.field === 'errors' || d.field === 'frames') {
    lines.push(`  official errors: ${JSON.stringify(official?.errorTexts)}`, `  kernel errors:   ${JSON.stringify(kernel?.errorTexts)}`);
  }
  return lines.join('\n');
}
