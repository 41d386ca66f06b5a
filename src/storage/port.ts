/**
 * The storage port: what the coordinator needs from a store. The in-memory adapter is the embedded
 * default; the Redis + MongoDB adapters (screepsmod-mongo's layout, spec section 5) implement the same
 * contract, checked by one contract suite.
 */
import type { CodeHash, Modules, UserId } from '../shared/ids.js';
import type { ConsoleCommand, ConsoleLine, ForeignSegment, IntentsList } from '../shared/protocol.js';

/** The scheduling and CPU fields of `users` (spec 5.1). */
export interface UserRecord {
  readonly id: UserId;
  readonly username: string;
  /** CPU per tick (`users.cpu`), ms. */
  readonly cpu: number;
  /** The bucket (`users.cpuAvailable`), ms; may be negative (F6). */
  readonly cpuAvailable: number;
  readonly lastUsedDirtyTime: number;
  /** Ticks still to skip after a hard reset (the official `skipTicksPenalty`, F6). */
  readonly skipTicksPenalty: number;
  readonly activeSegments: readonly number[];
  readonly defaultPublicSegment: number | null;
  readonly activeForeignSegment: { readonly username: string; readonly id?: number; readonly user_id?: string } | null;
  /** `notifyPrefs.errorsInterval`, minutes (F47, default 30). */
  readonly errorsIntervalMinutes?: number;
}

export interface CodeRecord {
  readonly hash: CodeHash;
  readonly timestamp: number;
  /** Absent when the caller said it already knows this timestamp's code. */
  readonly modules?: Modules;
}

/** Everything loaded for one player's tick. */
export interface PlayerContext {
  readonly user: UserRecord;
  readonly code: CodeRecord | null;
  readonly memory: string;
  readonly segments: Readonly<Record<string, string>>;
  readonly foreignSegment?: ForeignSegment;
  readonly interShard: { readonly local: string; readonly remote: Readonly<Record<string, string>> };
  readonly consoleCommands: readonly ConsoleCommand[];
}

/** A player could not be loaded: unknown user, bad data. `message` is shown to the player when it has a console. */
export interface LoadFailure {
  readonly error: string;
  /** True when the user exists and should see the error on its console. */
  readonly publish: boolean;
}

export type LoadResult = { readonly ok: true; readonly context: PlayerContext } | ({ readonly ok: false } & LoadFailure);

export interface LoadRequest {
  readonly userId: UserId;
  /** The code timestamp the caller already holds modules for; the store may then omit them. */
  readonly knownCodeTimestamp?: number;
}

/** Fields of `users` a tick may set (F25, F33, F35, F36, F6). */
export interface UserUpdate {
  lastUsedCpu?: number;
  lastUsedDirtyTime?: number;
  cpuAvailable?: number;
  skipTicksPenalty?: number;
  activeSegments?: readonly number[];
  defaultPublicSegment?: number | null;
  /** `null` unsets it; the store resolves `username` to `user_id` (F36). */
  activeForeignSegment?: { readonly username: string; readonly id?: number } | null;
}

/** One player's effects of one tick, applied atomically and idempotently per (player, tick). */
export interface TickCommit {
  readonly userId: UserId;
  readonly gameTime: number;
  readonly user: UserUpdate;
  readonly memory?: string;
  readonly segments?: Readonly<Record<string, string>>;
  /** `[]` clears the public segment list. */
  readonly publicSegments?: readonly number[];
  readonly interShard?: string;
  readonly intents?: IntentsList;
  /** Published on `user:<id>/console` (F46); null publishes nothing (a skipped tick). */
  readonly console: { readonly log: readonly ConsoleLine[]; readonly results: readonly string[] } | null;
  /** Published as console errors and recorded as error notifications (F47). */
  readonly errors: readonly string[];
  /** Published on `user:<id>/cpu` (F48). */
  readonly cpuStat?: { readonly cpu: number | 'error'; readonly memory: number };
  /** Console commands to delete: only those that ran (a fix over F9, which deletes them at load). */
  readonly consumedCommands: readonly string[];
  readonly visuals?: Readonly<Record<string, string>>;
}

export interface CommitReport {
  readonly committed: readonly UserId[];
  /** Already applied for this tick: a replay, nothing changed. */
  readonly duplicates: readonly UserId[];
  /** Refused: the store already holds a later tick for this player. */
  readonly stale: readonly UserId[];
  /** Not committed because the store failed; nothing of these players' ticks was written. */
  readonly failed: readonly { readonly userId: UserId; readonly error: string }[];
}

export interface StoragePort extends AsyncDisposable {
  /** Users to run this tick: active, `cpu > 0`, by `lastUsedDirtyTime` descending (F1). */
  activeUsers(): Promise<UserId[]>;
  /** Loads a batch of players at once (one round trip per store, not per player). */
  loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>>;
  /** Loads one player's active code with its modules. */
  loadCode(userId: UserId): Promise<CodeRecord | null>;
  /** Applies a batch of tick results; never throws for a store fault (it reports `failed` instead). */
  commit(commits: readonly TickCommit[]): Promise<CommitReport>;
  /**
   * Optional: records a kernel notification for a player in `users.notifications`, grouped like F47
   * (`date = ceil(now / groupIntervalMs) * groupIntervalMs`, `count` incremented within a group). Used by
   * the watchdog; a store without it only gets the log line.
   */
  notify?(notice: KernelNotice): Promise<void>;
}

/** A notification raised by the kernel itself (not by the player's `Game.notify`). */
export interface KernelNotice {
  readonly userId: UserId;
  readonly type: 'watchdog';
  readonly message: string;
  readonly groupIntervalMs: number;
}
