/**
 * Checks what a store returned for one player before the tick uses it (R33, R34). Stores are written by
 * other programs (the official backend, migrations, hand edits), so a bad document must cost only its
 * own player one tick, with a clear error, instead of throwing in the middle of everyone's tick.
 * Messages name the field and the problem, never the stored content.
 */
import { LIMITS } from '../shared/limits.js';
import type { OutcomeKind } from '../shared/outcome.js';
import type { PlayerContext } from '../storage/port.js';


export interface InvalidInput {
  readonly outcome: Extract<OutcomeKind, 'noCode' | 'internalError'>;
  /** Published on the player's console; nothing else of the tick is written. */
  readonly error: string;
}

const notRun = 'this tick was not run and nothing was changed';

/**
 * Why a code document cannot run (F16-F18: an object of module name -> source or `{binary}`), or null.
 * A bundle without `main` is well-formed: it runs and the player sees `Unknown module 'main'` (F20).
 */
export function invalidModules(modules: unknown): string | null {
  if (modules === null || typeof modules !== 'object' || Array.isArray(modules)) return 'its modules are not an object';
  const record = modules as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    const source = record[name];
    if (typeof source === 'string') continue;
    const binary = source !== null && typeof source === 'object' ? (source as { binary?: unknown }).binary : undefined;
    if (typeof binary !== 'string') return `module "${name}" is neither a string nor {binary: base64}`;
  }
  return null;
}

export function invalidContext(context: PlayerContext): InvalidInput | null {
  const { user, code } = context;
  const bad = (what: string): InvalidInput => ({ outcome: 'internalError', error: `Storage returned ${what} for this player; ${notRun}` });
  if (!Number.isFinite(user.cpu) || user.cpu < 0 || !Number.isFinite(user.cpuAvailable || 0) || !Number.isFinite(user.skipTicksPenalty || 0)) {
    return bad('invalid CPU fields (cpu, cpuAvailable or skipTicksPenalty)');
  }
  if (code !== null && code.modules !== undefined) {
    const problem = invalidModules(code.modules);
    if (problem !== null) return { outcome: 'noCode', error: `Your code could not be loaded: ${problem}; ${notRun}` };
  }
  if (typeof context.memory !== 'string') return bad('a Memory that is not a string');
  if (context.memory.length > LIMITS.memoryChars) return bad(`a Memory of ${context.memory.length} characters, over the 2 MB limit`);
  const segments: unknown = context.segments;
  if (segments === null || typeof segments !== 'object' || Array.isArray(segments)) return bad('segments that are not an object');
  for (const id of Object.keys(segments)) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 0 || n > LIMITS.maxSegmentId || String(n) !== id) return bad(`a memory segment with the invalid id "${id.slice(0, 20)}"`);
    const data = (segments as Record<string, unknown>)[id];
    if (typeof data !== 'string') return bad(`memory segment #${id} that is not a string`);
    if (data.length > LIMITS.segmentChars) return bad(`memory segment #${id} of ${data.length} characters, over the 100 KB limit`);
  }
  const shard: unknown = context.interShard;
  const remote = (shard as { remote?: unknown } | null)?.remote;
  if (typeof (shard as { local?: unknown } | null)?.local !== 'string' || remote === null || typeof remote !== 'object' || !Object.values(remote).every((v) => typeof v === 'string')) {
    return bad('an invalid InterShardMemory');
  }
  const commands: unknown = context.consoleCommands;
  if (!Array.isArray(commands) || !commands.every((c: unknown) => isCommand(c))) return bad('invalid console commands');
  return null;
}

function isCommand(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Record<string, unknown>;
  return typeof c.id === 'string' && typeof c.expression === 'string' && typeof c.hidden === 'boolean';
}
