/**
 * The official Node driver's function names (spec 5.2) as thin shims over the runtime and a StoragePort,
 * so a host written against `@screeps/driver` keeps calling the same names.
 *
 * Semantics (and where they differ from the driver):
 * - Every save shim merges its part into one draft TickCommit per player and game tick; drafts are
 *   committed together on the next macrotask (setImmediate), so the calls the official runner makes for
 *   one player in one turn (console, error, then Memory / segments / intents in parallel, F50) become one
 *   idempotent commit. Each shim's promise settles when that commit is done: it resolves when the tick was
 *   committed (or was already, a duplicate) and rejects when the store failed or refused a stale tick.
 *   A call for a player and tick whose draft was already committed is a replay and changes nothing.
 * - `saveUserMemory` rejects Memory over 2 MiB with the driver's verbatim message and keeps the old Memory (F31).
 * - `saveUserMemorySegments({id: data})` writes only the given segments (no-op without keys, like the driver).
 * - `saveUserMemoryInterShardSegment(userId, data)` writes this shard's inter-shard segment (the driver has none).
 * - `saveUserIntents(userId, intents)`: `notify` → notifications, `global` → `users.intents`, any other key a room (F45).
 * - `sendConsoleMessages(userId, {log, results})` publishes every tick, even empty; users '2' and '3' publish nothing (F46, F49).
 * - `sendConsoleError(userId, error)`: falsy errors do nothing; otherwise a notification and a publish (F46, F47).
 * - `makeRuntime(userId)` loads the player and runs one tick with `runtime.execute` (no persistence, like the
 *   driver's), resolving with the driver's runResult shape or rejecting with `{error}`.
 */
import type { ExecuteRequest } from '../execute-request.js';
import type { Runtime } from '../runtime.js';
import { parseUserId, type UserId } from '../shared/ids.js';
import { LIMITS } from '../shared/limits.js';
import type { ConsoleLine, IntentsList } from '../shared/protocol.js';
import type { StoragePort, TickCommit } from '../storage/port.js';

type Draft = { -readonly [K in keyof TickCommit]: TickCommit[K] } & { waiters: { resolve: () => void; reject: (e: Error) => void }[] };


export interface DriverCompatOptions {
  readonly storage: StoragePort;
  /** Needed by `makeRuntime` only. */
  readonly runtime?: Runtime;
  /** The current game tick, stamped on every save (the idempotency key). */
  readonly gameTime: () => number;
}

export function createDriverCompat(options: DriverCompatOptions) {
  const drafts = new Map<string, Draft>();
  let scheduled = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    const batch = [...drafts.values()];
    drafts.clear();
    const report = await options.storage.commit(batch.map(({ waiters: _, ...commit }) => commit));
    const failed = new Map(report.failed.map((f) => [f.userId, f.error]));
    const stale = new Set(report.stale);
    for (const d of batch) {
      const error = failed.get(d.userId) ?? (stale.has(d.userId) ? `tick ${d.gameTime} is older than the stored tick` : undefined);
      for (const w of d.waiters) error === undefined ? w.resolve() : w.reject(new Error(error));
    }
  };

  const draft = (userId: string, edit: (d: Draft) => void): Promise<void> => {
    const id = parseUserId(userId);
    const gameTime = options.gameTime();
    const key = `${gameTime}:${id}`;
    let d = drafts.get(key);
    if (!d) {
      d = { userId: id, gameTime, user: {}, console: null, errors: [], consumedCommands: [], waiters: [] };
      drafts.set(key, d);
    }
    edit(d);
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void flush());
    }
    const target = d;
    return new Promise<void>((resolve, reject) => target.waiters.push({ resolve, reject }));
  };

  return {
    saveUserMemory(userId: string, memory: { data: string }): Promise<void> {
      if (memory.data.length > LIMITS.memoryChars) return Promise.reject(new Error('Script execution has been terminated: memory allocation limit reached'));
      return draft(userId, (d) => (d.memory = memory.data));
    },
    saveUserMemorySegments(userId: string, segments: Readonly<Record<string, string>>): Promise<void> {
      if (Object.keys(segments).length === 0) return Promise.resolve();
      return draft(userId, (d) => (d.segments = { ...d.segments, ...segments }));
    },
    saveUserMemoryInterShardSegment(userId: string, data: string): Promise<void> {
      return draft(userId, (d) => (d.interShard = data));
    },
    saveUserIntents(userId: string, intents: IntentsList): Promise<void> {
      return draft(userId, (d) => (d.intents = { ...d.intents, ...intents }));
    },
    sendConsoleMessages(userId: string, messages: { log: readonly ConsoleLine[]; results: readonly string[] }): Promise<void> {
      return draft(userId, (d) => {
        d.console = { log: [...(d.console?.log ?? []), ...messages.log], results: [...(d.console?.results ?? []), ...messages.results] };
      });
    },
    sendConsoleError(userId: string, error: unknown): Promise<void> {
      if (!error) return Promise.resolve();
      return draft(userId, (d) => (d.errors = [...d.errors, String(error)]));
    },
    async makeRuntime(userId: string) {
      if (!options.runtime) throw new Error('makeRuntime needs the runtime option');
      const id: UserId = parseUserId(userId);
      const loaded = (await options.storage.loadContexts([{ userId: id }])).get(id);
      if (!loaded?.ok) throw { error: loaded?.error ?? `unknown user ${id}` };
      const { context } = loaded;
      const code = context.code?.modules ? context.code : await options.storage.loadCode(id);
      if (!code?.modules) throw { error: 'no code' };
      const cpu = context.user.cpu;
      const bucket = Math.max(0, context.user.cpuAvailable);
      const request: ExecuteRequest = {
        userId: id,
        username: context.user.username,
        gameTime: options.gameTime(),
        code: { modules: code.modules, timestamp: code.timestamp },
        cpu: { limit: cpu, bucket, tickLimit: Math.min(options.runtime.options.cpuMaxPerTick, bucket + cpu) },
        memory: context.memory,
        segments: context.segments,
        ...(context.foreignSegment ? { foreignSegment: context.foreignSegment } : {}),
        interShard: context.interShard,
        consoleCommands: context.consoleCommands,
      };
      const [result] = await options.runtime.execute([request]);
      const out = result?.output;
      return {
        type: result?.outcome === 'ok' ? 'ok' : 'error',
        error: result?.errors[0],
        usedTime: result?.cpu.billedMs ?? 0,
        intents: out?.intents ?? {},
        memory: { data: out?.memory ?? context.memory, userId: id },
        console: out?.console ?? { log: [], results: [] },
        memorySegments: out?.segments,
        activeSegments: out?.activeSegments,
        activeForeignSegment: out?.activeForeignSegment,
        defaultPublicSegment: out?.defaultPublicSegment,
        publicSegments: out?.publicSegments?.join(','),
        visual: out?.visuals,
        username: context.user.username,
      };
    },
  };
}

export type DriverCompat = ReturnType<typeof createDriverCompat>;
