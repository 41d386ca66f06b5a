/**
 * Conversions between screepsmod-mongo's documents and the port's records, with the checks that turn
 * bad data into a clear per-player error instead of an exception.
 */
import type { Modules, ModuleSource, UserId } from '../../shared/ids.js';
import type { UserRecord } from '../port.js';
import type { Doc } from './mongo.js';

/** Module names are stored with `.`, `/` and `\` escaped (spec 5.1; B:lib/utils.js:62-86). */
export function escapeModuleName(name: string): string {
  return name.replace(/\\/g, '$BACKSLASH$').replace(/\./g, '$DOT$').replace(/\//g, '$SLASH$');
}

export function unescapeModuleName(name: string): string {
  return name.replace(/\$DOT\$/g, '.').replace(/\$SLASH\$/g, '/').replace(/\$BACKSLASH\$/g, '\\');
}

export function encodeModules(modules: Modules): Record<string, ModuleSource> {
  const out: Record<string, ModuleSource> = {};
  for (const [name, source] of Object.entries(modules)) out[escapeModuleName(name)] = source;
  return out;
}

/** Decodes a `users.code` document's modules; a string error names what is wrong. */
export function decodeModules(doc: Doc): Modules | string {
  const raw = doc.modules;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'malformed code document: modules is not an object';
  const out: Record<string, ModuleSource> = {};
  for (const [name, source] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof source === 'string') out[unescapeModuleName(name)] = source;
    else if (source !== null && typeof source === 'object' && typeof (source as { binary?: unknown }).binary === 'string') {
      out[unescapeModuleName(name)] = { binary: (source as { binary: string }).binary };
    } else return `malformed code document: module ${JSON.stringify(unescapeModuleName(name))} is neither a string nor {binary}`;
  }
  if (!('main' in out)) return "code has no 'main' module";
  return out;
}

/** A code document's timestamp, or an error. */
export function codeTimestamp(doc: Doc): number | string {
  const ts = doc.timestamp;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  if (ts instanceof Date) return ts.getTime();
  return 'malformed code document: timestamp is not a number';
}

const num = (value: unknown, fallback: number): number | undefined =>
  value === undefined || value === null ? fallback : typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** A `users` document as the port's record, or an error naming the bad field. */
export function decodeUser(id: UserId, doc: Doc): UserRecord | string {
  const cpu = num(doc.cpu, 0);
  if (cpu === undefined) return 'malformed user document: cpu is not a number';
  const cpuAvailable = num(doc.cpuAvailable, 0);
  if (cpuAvailable === undefined) return 'malformed user document: cpuAvailable is not a number';
  const activeSegments = doc.activeSegments ?? [];
  if (!Array.isArray(activeSegments) || !activeSegments.every((s) => Number.isInteger(s))) {
    return 'malformed user document: activeSegments is not a list of integers';
  }
  const foreign = doc.activeForeignSegment;
  const notifyPrefs = doc.notifyPrefs as { errorsInterval?: unknown } | undefined;
  const errorsInterval = typeof notifyPrefs?.errorsInterval === 'number' ? notifyPrefs.errorsInterval : undefined;
  return {
    id,
    username: typeof doc.username === 'string' ? doc.username : '',
    cpu,
    cpuAvailable,
    lastUsedDirtyTime: num(doc.lastUsedDirtyTime, 0) ?? 0,
    skipTicksPenalty: num(doc.skipTicksPenalty, 0) ?? 0,
    activeSegments: activeSegments as number[],
    defaultPublicSegment: typeof doc.defaultPublicSegment === 'number' ? doc.defaultPublicSegment : null,
    activeForeignSegment:
      foreign !== null && typeof foreign === 'object' && typeof (foreign as { username?: unknown }).username === 'string'
        ? {
            username: (foreign as { username: string }).username,
            ...(typeof (foreign as { id?: unknown }).id === 'number' ? { id: (foreign as { id: number }).id } : {}),
            ...((foreign as { user_id?: unknown }).user_id != null ? { user_id: String((foreign as { user_id: unknown }).user_id) } : {}),
          }
        : null,
    ...(errorsInterval !== undefined ? { errorsIntervalMinutes: errorsInterval } : {}),
  };
}

/** `publicMemorySegments:<id>` holds "1,2,3" (F34). */
export function parsePublicSegments(value: string | null): number[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n));
}
