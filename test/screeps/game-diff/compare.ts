/**
 * Compares the two runs of each recorded player-tick field by field. A difference fails the test unless
 * an entry of DELIBERATE explains it; each entry names its row of the README's "Deliberate differences
 * from the official driver" table and recognises only the values that row describes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SideRecord, TickRecord } from './record.js';

export type Field = keyof SideRecord;
export const FIELDS: readonly Field[] = [
  'outcome', 'error', 'intents', 'memory', 'memorySegments', 'console', 'activeSegments', 'defaultPublicSegment',
  'activeForeignSegment', 'publicSegments', 'visual',
];

export interface GameDeliberate {
  readonly id: string;
  /** The first cell of the README row, verbatim. */
  readonly readme: string;
  readonly field: Field;
  explains(record: TickRecord): boolean;
}

export const DELIBERATE: readonly GameDeliberate[] = [
  {
    // The official runtime returns every loaded (active) segment for saving each tick; the kernel returns
    // only the segments written. Explained only when every extra official segment is the loaded value.
    id: 'segmentsResaved',
    readme: 'every active segment re-saved every tick',
    field: 'memorySegments',
    explains: ({ official, kernel, loadedSegments }) => {
      const o = official.memorySegments ?? {};
      const k = kernel.memorySegments ?? {};
      return Object.keys(k).every((id) => o[id] === k[id]) &&
        Object.entries(o).every(([id, value]) => k[id] === value || (!(id in k) && loadedSegments?.[id] === value));
    },
  },
];

export interface Difference {
  readonly userId: string;
  readonly username: string | null;
  readonly time: number | null;
  readonly field: Field;
  readonly official: unknown;
  readonly kernel: unknown;
  readonly explainedBy: string | null;
}

export function compareRecord(record: TickRecord): Difference[] {
  const out: Difference[] = [];
  for (const field of FIELDS) {
    const official = record.official[field];
    const kernel = record.kernel[field];
    if (isDeepStrictEqual(official, kernel)) continue;
    const entry = DELIBERATE.find((e) => e.field === field && e.explains(record));
    out.push({ userId: record.userId, username: record.username, time: record.time, field, official, kernel, explainedBy: entry?.id ?? null });
  }
  return out;
}

const clip = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
};

export function describeDifference(d: Difference): string {
  return `${d.username ?? d.userId} tick ${d.time} ${d.field}:\n  official ${clip(d.official)}\n  kernel   ${clip(d.kernel)}`;
}
