import type { ConsoleLine, PlayerOutput } from '../../src/shared/protocol.js';
import { LIMITS } from '../../src/shared/limits.js';
import { countIntents } from '../isolate/intents.js';

/** What the isolate code's `finish` returns: the tick's output plus the player's error lines. */
export type TickOutput = PlayerOutput & { errors?: string[] };


/**
 * Checks the tick output parsed from the isolate before the host uses it. The isolate code
 * builds it with pristine built-ins, but its `JSON.stringify` still honours a `toJSON` a player put on
 * `Object.prototype` or `Array.prototype`, so the shape and the limits (F30-F33, F39, spec 2.3) can be
 * forged. A forged output must cost only its author's tick: a wrong type here used to throw in the
 * worker and fail the whole batch (every player pinned to that worker lost the tick). The intent count
 * that is billed (F24) is recomputed here from the intents themselves, never taken from the isolate.
 * Returns the output, or the name of the first bad field (never player data) when it is malformed.
 */
export function checkOutput(value: unknown): { readonly output: TickOutput } | { readonly malformed: string } {
  if (!isRecord(value)) return { malformed: 'output' };
  const console = value.console;
  if (!isRecord(console) || !isArrayOf(console.log, isConsoleLine) || !isArrayOf(console.results, isString)) return { malformed: 'console' };
  if (value.errors !== undefined && !isArrayOf(value.errors, isString)) return { malformed: 'errors' };
  if (!isRecord(value.intents)) return { malformed: 'intents' };
  if (!isArrayOf(value.consumedCommands, isString)) return { malformed: 'consumedCommands' };
  if (typeof value.getUsedMs !== 'number' || !Number.isFinite(value.getUsedMs)) return { malformed: 'getUsedMs' };
  if (value.memory !== undefined && !(isString(value.memory) && value.memory.length <= LIMITS.memoryChars)) return { malformed: 'memory' };
  if (value.segments !== undefined) {
    const segments = value.segments;
    if (!isRecord(segments)) return { malformed: 'segments' };
    const ids = Object.keys(segments);
    if (ids.length > LIMITS.activeSegments) return { malformed: 'segments' };
    for (const id of ids) {
      const data = segments[id];
      if (!isSegmentId(Number(id)) || String(Number(id)) !== id || !isString(data) || data.length > LIMITS.segmentChars) return { malformed: 'segments' };
    }
  }
  if (value.activeSegments !== undefined && !(isArrayOf(value.activeSegments, isSegmentId) && value.activeSegments.length <= LIMITS.activeSegments)) {
    return { malformed: 'activeSegments' };
  }
  if (value.publicSegments !== undefined && !isArrayOf(value.publicSegments, isSegmentId)) return { malformed: 'publicSegments' };
  if (value.defaultPublicSegment !== undefined && value.defaultPublicSegment !== null && !isSegmentId(value.defaultPublicSegment)) {
    return { malformed: 'defaultPublicSegment' };
  }
  const foreign = value.activeForeignSegment;
  if (foreign !== undefined && foreign !== null && !(isRecord(foreign) && isString(foreign.username) && (foreign.id === undefined || isSegmentId(foreign.id)))) {
    return { malformed: 'activeForeignSegment' };
  }
  if (value.interShard !== undefined && !(isString(value.interShard) && value.interShard.length <= LIMITS.interShardChars)) return { malformed: 'interShard' };
  if (value.visuals !== undefined) {
    const visuals = value.visuals;
    if (!isRecord(visuals) || !Object.values(visuals).every((v) => isString(v) && v.length <= LIMITS.visualChars)) return { malformed: 'visuals' };
  }
  const output = { ...value, intentsCount: countIntents(value.intents, Array.isArray) } as unknown as TickOutput;
  return { output };
}

/** The error shown to the player whose output was malformed. */
export function malformedMessage(field: string): string {
  return `Error: the tick's output was malformed (field "${field}"; were built-ins such as toJSON overridden?), nothing of this tick was saved`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isArrayOf<T>(value: unknown, item: (v: unknown) => v is T): value is T[] {
  return Array.isArray(value) && value.every((v) => item(v));
}
function isConsoleLine(value: unknown): value is ConsoleLine {
  return isRecord(value) && isString(value.message) && typeof value.escape === 'boolean';
}
function isSegmentId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= LIMITS.maxSegmentId;
}
