import type { Scenario } from '../scenario.js';
import { MEMORY } from './memory.js';

/** Every scenario of the differential corpus. */
export const CORPUS: readonly Scenario[] = [...MEMORY];
