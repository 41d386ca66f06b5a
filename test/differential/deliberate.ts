/**
 * The deliberate differences between the kernel and the official driver that the differential suite
 * may see. Each names the row of the README's "Deliberate differences from the official driver" table
 * it comes from (`readme`: the text of that row's first cell), and recognises the differences it explains
 * narrowly, so that any other difference fails the suite.
 */
import type { ComparedField, Difference } from './compare.js';
import type { TickObservation } from './scenario.js';

export interface DeliberateDifference {
  readonly id: string;
  /** The first cell of the README row, verbatim. */
  readonly readme: string;
  readonly fields: readonly ComparedField[];
  explains(d: Difference, official: TickObservation, kernel: TickObservation): boolean;
}

export const DELIBERATE: readonly DeliberateDifference[] = [];
