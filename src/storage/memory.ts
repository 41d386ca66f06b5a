import { EventEmitter } from 'node:events';
import { hashModules, parseUserId, type CodeHash, type Modules, type UserId } from '../shared/ids.js';
import type { ConsoleCommand } from '../shared/protocol.js';
import {
  consoleChannel,
  consoleErrorPayload,
  consoleMessagesPayload,
  cpuChannel,
  cpuPayload,
  isNpcUser,
  normaliseNotify,
  notificationDate,
  notifyMessageDate,
} from './payloads.js';
import type { CodeRecord, CommitReport, KernelNotice, LoadRequest, LoadResult, StoragePort, TickCommit, UserRecord } from './port.js';

interface StoredUser extends UserRecord {
  active: boolean;
  lastUsedCpu: number;
}

export interface SeedUser {
  readonly id: string;
  readonly username?: string;
  readonly cpu?: number;
  readonly cpuAvailable?: number;
  readonly active?: boolean;
  readonly modules?: Modules;
  readonly memory?: string;
}

export interface Notification {
  readonly userId: UserId;
  readonly type: 'error' | 'msg' | 'watchdog';
  readonly message: string;
  readonly date: number;
  count: number;
}

/**
 * The embedded default store: everything in process memory, with the same semantics as the Redis +
 * MongoDB adapters (idempotent per player and tick, official payloads on its pub/sub).
 */
export class MemoryStorage implements StoragePort {
  readonly #users = new Map<UserId, StoredUser>();
  readonly #codes = new Map<UserId, { hash: CodeHash; timestamp: number; modules: Modules }>();
  readonly #memory = new Map<UserId, string>();
  readonly #segments = new Map<UserId, Map<number, string>>();
  readonly #publicSegments = new Map<UserId, readonly number[]>();
  readonly #interShard = new Map<string, string>();
  readonly #commands = new Map<UserId, ConsoleCommand[]>();
  readonly #lastTick = new Map<UserId, number>();
  readonly #pubsub = new EventEmitter();
  readonly roomIntents = new Map<string, Map<UserId, string>>();
  readonly globalIntents: { userId: UserId; intents: unknown }[] = [];
  readonly activeRooms = new Set<string>();
  readonly notifications: Notification[] = [];
  readonly visuals = new Map<string, string>();
  readonly shardName: string;
  #commandSeq = 0;
  #clock: () => number;

  constructor(options: { shardName?: string; clock?: () => number } = {}) {
    this.shardName = options.shardName ?? 'shard0';
    this.#clock = options.clock ?? Date.now;
    this.#pubsub.setMaxListeners(0);
  }

  // ---- seeding and inspection (the host's side of the store) ----

  /** Creates or replaces a user. New users start like the official server's: `cpu: 100, cpuAvailable: 0`. */
  addUser(seed: SeedUser): UserId {
    const id = parseUserId(seed.id);
    this.#users.set(id, {
      id,
      username: seed.username ?? `user${seed.id}`,
      cpu: seed.cpu ?? 100,
      cpuAvailable: seed.cpuAvailable ?? 0,
      active: seed.active ?? true,
      lastUsedCpu: 0,
      lastUsedDirtyTime: 0,
      skipTicksPenalty: 0,
      activeSegments: [],
      defaultPublicSegment: null,
      activeForeignSegment: null,
    });
    if (seed.modules) this.setCode(id, seed.modules);
    if (seed.memory !== undefined) this.#memory.set(id, seed.memory);
    return id;
  }

  /** Uploads code, like `POST /api/user/code` (timestamp = now, strictly increasing per user). */
  setCode(userId: UserId, modules: Modules, timestamp?: number): void {
    const previous = this.#codes.get(userId)?.timestamp ?? 0;
    const ts = timestamp ?? Math.max(this.#clock(), previous + 1);
    this.#codes.set(userId, { hash: hashModules(modules), timestamp: ts, modules });
  }

  setMemory(userId: UserId, memory: string): void {
    this.#memory.set(userId, memory);
  }

  updateUser(userId: UserId, fields: Partial<Omit<StoredUser, 'id'>>): void {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`unknown user ${userId}`);
    this.#users.set(userId, { ...user, ...fields });
  }

  /** Queues a console expression, like `POST /api/user/console` (F21). */
  addConsoleCommand(userId: UserId, expression: string, hidden = false): string {
    const id = `c${++this.#commandSeq}`;
    const list = this.#commands.get(userId) ?? [];
    list.push({ id, expression, hidden });
    this.#commands.set(userId, list);
    return id;
  }

  setRemoteInterShard(shard: string, userId: UserId, data: string): void {
    this.#interShard.set(`${shard}:${userId}`, data);
  }

  getUser(userId: UserId): Readonly<StoredUser> | undefined {
    return this.#users.get(userId);
  }
  getMemory(userId: UserId): string | undefined {
    return this.#memory.get(userId);
  }
  getSegment(userId: UserId, id: number): string | undefined {
    return this.#segments.get(userId)?.get(id);
  }
  getPublicSegments(userId: UserId): readonly number[] | undefined {
    return this.#publicSegments.get(userId);
  }
  getInterShard(userId: UserId, shard = this.shardName): string | undefined {
    return this.#interShard.get(`${shard}:${userId}`);
  }
  pendingCommands(userId: UserId): readonly ConsoleCommand[] {
    return this.#commands.get(userId) ?? [];
  }
  lastCommittedTick(userId: UserId): number | undefined {
    return this.#lastTick.get(userId);
  }

  /** Subscribes to a pub/sub channel (`user:<id>/console`, `user:<id>/cpu`); returns an unsubscribe function. */
  subscribe(channel: string, listener: (message: string) => void): () => void {
    this.#pubsub.on(channel, listener);
    return () => this.#pubsub.off(channel, listener);
  }

  // ---- StoragePort ----

  async activeUsers(): Promise<UserId[]> {
    return [...this.#users.values()]
      .filter((u) => u.active && u.cpu > 0)
      .sort((a, b) => b.lastUsedDirtyTime - a.lastUsedDirtyTime)
      .map((u) => u.id);
  }

  async loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>> {
    const out = new Map<UserId, LoadResult>();
    for (const { userId, knownCodeTimestamp } of requests) {
      const user = this.#users.get(userId);
      if (!user) {
        out.set(userId, { ok: false, error: `unknown user ${userId}`, publish: false });
        continue;
      }
      const code = this.#codes.get(userId);
      const segments: Record<string, string> = {};
      const stored = this.#segments.get(userId);
      for (const id of user.activeSegments) segments[id] = stored?.get(id) ?? '';
      const remote: Record<string, string> = {};
      for (const [key, data] of this.#interShard) {
        const [shard, owner] = key.split(':');
        if (owner === userId && shard !== undefined && shard !== this.shardName) remote[shard] = data;
      }
      const foreign = this.#foreignSegment(user);
      out.set(userId, {
        ok: true,
        context: {
          user,
          code: code
            ? knownCodeTimestamp === code.timestamp
              ? { hash: code.hash, timestamp: code.timestamp }
              : { hash: code.hash, timestamp: code.timestamp, modules: code.modules }
            : null,
          memory: this.#memory.get(userId) ?? '',
          segments,
          ...(foreign ? { foreignSegment: foreign } : {}),
          interShard: { local: this.#interShard.get(`${this.shardName}:${userId}`) ?? '', remote },
          consoleCommands: [...(this.#commands.get(userId) ?? [])],
        },
      });
    }
    return out;
  }

  async loadCode(userId: UserId): Promise<CodeRecord | null> {
    const code = this.#codes.get(userId);
    return code ? { hash: code.hash, timestamp: code.timestamp, modules: code.modules } : null;
  }

  async commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    const committed: UserId[] = [];
    const duplicates: UserId[] = [];
    const stale: UserId[] = [];
    for (const c of commits) {
      const last = this.#lastTick.get(c.userId);
      if (last !== undefined && c.gameTime < last) {
        stale.push(c.userId);
        continue;
      }
      if (last === c.gameTime) {
        duplicates.push(c.userId);
        continue;
      }
      this.#apply(c);
      this.#lastTick.set(c.userId, c.gameTime);
      committed.push(c.userId);
    }
    return { committed, duplicates, stale, failed: [] };
  }

  async notify(notice: KernelNotice): Promise<void> {
    const interval = Math.max(1, notice.groupIntervalMs);
    this.#notify(notice.userId, notice.type, notice.message, Math.ceil(this.#clock() / interval) * interval);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#pubsub.removeAllListeners();
  }

  #foreignSegment(user: UserRecord): { username: string; id: number; data: string } | undefined {
    // F36 with a deliberate fix: segment id 0 is readable (the official check `user_id && id` is falsy for 0).
    const target = user.activeForeignSegment;
    if (!target?.user_id || target.id === undefined) return undefined;
    const owner = target.user_id as UserId;
    if (!(this.#publicSegments.get(owner) ?? []).includes(target.id)) return undefined;
    return { username: target.username, id: target.id, data: this.#segments.get(owner)?.get(target.id) ?? '' };
  }

  #apply(c: TickCommit): void {
    const user = this.#users.get(c.userId);
    if (user) {
      const { activeForeignSegment, ...rest } = c.user;
      let next: StoredUser = { ...user, ...(rest as Partial<StoredUser>) };
      if (activeForeignSegment === null) next = { ...next, activeForeignSegment: null };
      else if (activeForeignSegment !== undefined) {
        const target = [...this.#users.values()].find((u) => u.username === activeForeignSegment.username);
        const id = activeForeignSegment.id ?? target?.defaultPublicSegment ?? undefined;
        next = {
          ...next,
          activeForeignSegment: {
            username: activeForeignSegment.username,
            ...(id !== undefined && id !== null ? { id } : {}),
            ...(target ? { user_id: target.id } : {}),
          },
        };
      }
      this.#users.set(c.userId, next);
    }
    if (c.memory !== undefined) this.#memory.set(c.userId, c.memory);
    if (c.segments) {
      const stored = this.#segments.get(c.userId) ?? new Map<number, string>();
      for (const [id, data] of Object.entries(c.segments)) stored.set(Number(id), data);
      this.#segments.set(c.userId, stored);
    }
    if (c.publicSegments) this.#publicSegments.set(c.userId, [...c.publicSegments]);
    if (c.interShard !== undefined) this.#interShard.set(`${this.shardName}:${c.userId}`, c.interShard);
    if (c.consumedCommands.length > 0) {
      const consumed = new Set(c.consumedCommands);
      this.#commands.set(c.userId, (this.#commands.get(c.userId) ?? []).filter((cmd) => !consumed.has(cmd.id)));
    }
    if (c.intents) this.#applyIntents(c.userId, c.intents);
    for (const [room, data] of Object.entries(c.visuals ?? {})) this.visuals.set(`roomVisual:${c.userId},${room},${c.gameTime}`, data);
    if (isNpcUser(c.userId)) return;
    if (c.console) this.#pubsub.emit(consoleChannel(c.userId), consoleMessagesPayload(c.userId, c.console.log, c.console.results));
    for (const error of c.errors) {
      this.#notify(c.userId, 'error', error, notificationDate(this.#clock(), user?.errorsIntervalMinutes));
      this.#pubsub.emit(consoleChannel(c.userId), consoleErrorPayload(c.userId, error));
    }
    if (c.cpuStat) this.#pubsub.emit(cpuChannel(c.userId), cpuPayload(c.cpuStat.cpu, c.cpuStat.memory));
  }

  /** F45: `notify` -> notifications, `global` -> user intents, any other key is a room. */
  #applyIntents(userId: UserId, intents: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(intents)) {
      if (key === 'notify') {
        for (const item of Array.isArray(value) ? value : []) {
          const notify = normaliseNotify(item);
          if (notify) this.#notify(userId, 'msg', notify.message, notifyMessageDate(this.#clock(), notify.groupInterval));
        }
      } else if (key === 'global') {
        this.globalIntents.push({ userId, intents: value });
      } else {
        const room = this.roomIntents.get(key) ?? new Map<UserId, string>();
        room.set(userId, JSON.stringify(value));
        this.roomIntents.set(key, room);
        this.activeRooms.add(key);
      }
    }
  }

  #notify(userId: UserId, type: Notification['type'], message: string, date: number): void {
    const existing = this.notifications.find((n) => n.userId === userId && n.type === type && n.message === message && n.date === date);
    if (existing) existing.count++;
    else this.notifications.push({ userId, type, message, date, count: 1 });
  }
}
