import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** Memory and the memhack (F28-F31). */
export const MEMORY: readonly Scenario[] = [
  {
    name: 'memory counter persists across ticks',
    covers: 'F28 F29',
    ticks: 3,
    code: { main: loop(`Memory.n = (Memory.n || 0) + 1; console.log('n', Memory.n, Game.time);`) },
  },
];
