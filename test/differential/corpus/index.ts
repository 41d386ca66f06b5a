import type { Scenario } from '../scenario.js';
import { BOTS } from './bots.js';
import { CONSOLE } from './console.js';
import { EDGES, PROBES } from './edges.js';
import { ERRORS } from './errors.js';
import { GAME } from './game.js';
import { LIFECYCLE } from './lifecycle.js';
import { MEMORY } from './memory.js';
import { MODULES } from './modules.js';
import { SEGMENTS } from './segments.js';

/** Every scenario of the differential corpus. */
export const CORPUS: readonly Scenario[] = [...MEMORY, ...SEGMENTS, ...CONSOLE, ...GAME, ...MODULES, ...ERRORS, ...LIFECYCLE, ...EDGES, ...PROBES, ...BOTS];
