import type { CodeHash, Modules, UserId } from '../shared/ids.js';
import { LruMap } from '../shared/lru.js';
import { modulesSize } from '../shared/ids.js';
import type { ColdStartReason, OutcomeKind, SkipReason } from '../shared/outcome.js';
import type { RunRequest, RunResult } from '../shared/protocol.js';
import type { LoadResult, PlayerContext, StoragePort, TickCommit, UserRecord } from '../storage/port.js';
import type { PlayerTickTelemetry, TickSummary } from '../telemetry/events.js';
import { cpuGate, PENALTY_MESSAGE, type CpuSettings } from './cpu.js';
import { commitFor } from './results.js';
import { notRunEvent, ranEvent } from './telemetry.js';
import { invalidContext, invalidModules } from './validate.js';

/** What the coordinator needs from the scheduler (wired in `kernel.ts`). */
export interface TickScheduler {
  slotOf(userId: UserId): number;
  threadId(slot: number): number;
  submit(slot: number, requests: readonly RunRequest[]): void;
  drain(): Promise<void>;
}

/**
 * Per-player decisions taken outside the coordinator (throttle registry, watchdog; wired in `kernel.ts`).
 * Both are fed only by `runtime:telemetry` events.
 */
export interface TickGuards {
  /** Ticks the player is still delayed by the throttle at `gameTime` (0: it runs). */
  throttleDelay(userId: UserId, gameTime: number): number;
  /** A cold start to force on the player's run request; consumed by the call. */
  takeColdStart(userId: UserId): ColdStartReason | undefined;
}

/** What a throttled player sees on its console instead of running. */
export function throttledMessage(ticks: number): string {
  return `Script execution has been delayed: your script kept failing; it runs again in ${ticks} tick${ticks === 1 ? '' : 's'}.`;
}

const NO_GUARDS: TickGuards = { throttleDelay: () => 0, takeColdStart: () => undefined };

export interface TickSettings extends CpuSettings {
  readonly loadChunk: number;
  readonly quarantineTicks: number;
  readonly codeCacheBytes: number;
}

export interface TickHooks {
  telemetry(event: PlayerTickTelemetry): void;
  quarantined(userId: UserId, ticks: number, reason: string, gameTime: number): void;
  /** A player's quarantine is durably in the store (its suspect entry may go). */
  quarantineCommitted?(userId: UserId): void;
  log(level: 'warn' | 'error', message: string, fields: Record<string, unknown>): void;
}

/** What one tick did for one player, as `runTick` returns it. */
export interface PlayerTickReport {
  readonly userId: UserId;
  readonly outcome: OutcomeKind;
  readonly skipReason?: SkipReason;
  readonly errors: readonly string[];
  readonly console: readonly string[];
  readonly billedMs: number;
  readonly usedTime: number;
  readonly coldStart: string | null;
  readonly memoryChanged: boolean;
  readonly committed: boolean;
  readonly heapUsedBytes: number | null;
}

export interface TickReport extends TickSummary {
  readonly players: number;
  readonly results: readonly PlayerTickReport[];
}

interface Pending {
  readonly user: UserRecord;
  readonly request: RunRequest;
  readonly loadMs: number;
}

/**
 * One game tick for every active player: load (batched) -> CPU gate -> run on the pinned worker ->
 * persist (batched, as batches finish) -> publish -> telemetry. Loading the next chunk overlaps with
 * running the previous one.
 */
export class TickCoordinator {
  readonly #storage: StoragePort;
  readonly #scheduler: TickScheduler;
  readonly #settings: TickSettings;
  readonly #hooks: TickHooks;
  readonly #guards: TickGuards;
  readonly #codes: LruMap<CodeHash, Modules>;
  readonly #knownCode = new Map<UserId, { hash: CodeHash; timestamp: number }>();
  readonly #quarantine = new Set<UserId>();
  /** Suspects to skip with the penalty before they run again (a process ended while running them). */
  readonly #quarantineFirst = new Set<UserId>();
  #pending = new Map<UserId, Pending>();
  #coldStart: ReadonlyMap<UserId, ColdStartReason> = new Map();

  constructor(storage: StoragePort, scheduler: TickScheduler, settings: TickSettings, hooks: TickHooks, guards: TickGuards = NO_GUARDS) {
    this.#storage = storage;
    this.#guards = guards;
    this.#scheduler = scheduler;
    this.#settings = settings;
    this.#hooks = hooks;
    this.#codes = new LruMap(settings.codeCacheBytes, modulesSize);
  }

  /** Modules of a request's code hash, if this process still holds them. */
  cachedModules(request: RunRequest): Modules | undefined {
    return this.#codes.get(request.code.hash);
  }

  async loadModules(request: RunRequest): Promise<Modules | undefined> {
    const code = await this.#storage.loadCode(request.userId);
    if (code?.modules === undefined || code.hash !== request.code.hash || invalidModules(code.modules) !== null) return undefined;
    this.#codes.set(code.hash, code.modules);
    return code.modules;
  }

  /** The culprit of a hung or crashed worker: skipped with the official penalty message for N ticks. */
  quarantine(userId: UserId): void {
    this.#quarantine.add(userId);
  }

  /**
   * A player that must not run again before its quarantine is in the store: its next tick is skipped
   * with the official penalty (`skipTicksPenalty = quarantineTicks`) without running it.
   */
  quarantineBeforeRun(userId: UserId): void {
    if (this.#settings.quarantineTicks > 0) this.#quarantineFirst.add(userId);
    else this.#hooks.quarantineCommitted?.(userId);
  }

  async runTick(gameTime: number, onStart: (players: number) => void): Promise<TickReport> {
    return this.runPlayers(gameTime, await this.#storage.activeUsers(), onStart);
  }

  /**
   * The same path as `runTick` for a given list of players (a runner's share of a tick taken from the
   * Redis queue). `coldStart` forces a fresh isolate for the players listed (e.g. a player that last
   * ran in another runner process, whose globals here would be stale).
   */
  async runPlayers(
    gameTime: number,
    userIds: readonly UserId[],
    onStart: (players: number) => void,
    coldStart: ReadonlyMap<UserId, ColdStartReason> = new Map(),
  ): Promise<TickReport> {
    const started = performance.now();
    onStart(userIds.length);
    this.#coldStart = coldStart;
    const reports: PlayerTickReport[] = [];
    const commits: Promise<void>[] = [];
    this.#pending = new Map();
    const resultsByBatch = (slot: number, threadId: number, results: readonly RunResult[]): void => {
      commits.push(this.#persist(slot, threadId, results, reports));
    };
    this.#onResults = resultsByBatch;
    for (let at = 0; at < userIds.length; at += this.#settings.loadChunk) {
      const chunk = userIds.slice(at, at + this.#settings.loadChunk);
      const t0 = performance.now();
      let loaded: Map<UserId, LoadResult>;
      try {
        loaded = await this.#storage.loadContexts(
          chunk.map((userId) => {
            const known = this.#knownCode.get(userId);
            return known && this.#codes.has(known.hash) ? { userId, knownCodeTimestamp: known.timestamp } : { userId };
          }),
        );
      } catch (error) {
        this.#hooks.log('error', 'loading players failed; they do not run this tick', { gameTime, players: chunk.length, error: String(error) });
        for (const userId of chunk) reports.push(this.#report(gameTime, userId, 'internalError', [], null, false, performance.now() - t0));
        continue;
      }
      const loadMs = performance.now() - t0;
      const skipped: TickCommit[] = [];
      const skippedReports: { userId: UserId; reason: SkipReason; errors: string[]; limits: UserRecord; quarantined?: true }[] = [];
      const bySlot = new Map<number, RunRequest[]>();
      for (const userId of chunk) {
        const result = loaded.get(userId) ?? { ok: false as const, error: `no data for user ${userId}`, publish: false };
        if (!result.ok) {
          this.#hooks.log('warn', 'player not loaded', { userId, gameTime, error: result.error });
          const commit: TickCommit = { userId, gameTime, user: {}, console: null, errors: result.publish ? [result.error] : [], consumedCommands: [] };
          if (result.publish) skipped.push(commit);
          reports.push(this.#report(gameTime, userId, 'internalError', commit.errors, null, false, loadMs));
          continue;
        }
        const { context } = result;
        const invalid = invalidContext(context);
        if (invalid !== null) {
          // A bad document from the store costs only its own player this tick (R33).
          this.#hooks.log('warn', 'player data from storage is invalid', { userId, gameTime, error: invalid.error });
          skipped.push({ userId, gameTime, user: {}, console: null, errors: [invalid.error], consumedCommands: [] });
          reports.push(this.#report(gameTime, userId, invalid.outcome, [invalid.error], context.user, false, loadMs));
          continue;
        }
        if (this.#quarantineFirst.has(userId)) {
          const user = { lastUsedCpu: 0, lastUsedDirtyTime: 0, skipTicksPenalty: this.#settings.quarantineTicks };
          skipped.push({ userId, gameTime, user, console: null, errors: [PENALTY_MESSAGE], consumedCommands: [] });
          skippedReports.push({ userId, reason: 'penalty', errors: [PENALTY_MESSAGE], limits: context.user, quarantined: true });
          continue;
        }
        const request = this.#prepare(gameTime, context);
        if (request === null) {
          reports.push(this.#report(gameTime, userId, 'noCode', [], context.user, true, loadMs));
          continue;
        }
        const gate = cpuGate(context.user, this.#settings);
        if (!gate.run) {
          skipped.push({ userId, gameTime, user: gate.update, console: null, errors: [gate.error], consumedCommands: [] });
          skippedReports.push({ userId, reason: gate.reason, errors: [gate.error], limits: context.user });
          continue;
        }
        const delay = this.#guards.throttleDelay(userId, gameTime);
        if (delay > 0) {
          // Like the official penalty skip (F6): nothing runs, nothing is billed, the player is told why.
          const error = throttledMessage(delay);
          skipped.push({ userId, gameTime, user: { lastUsedCpu: 0, lastUsedDirtyTime: 0 }, console: null, errors: [error], consumedCommands: [] });
          skippedReports.push({ userId, reason: 'throttled', errors: [error], limits: context.user });
          continue;
        }
        // Taken only now, when the player really runs: a skipped tick must not swallow a pending restart.
        const guarded = this.#guards.takeColdStart(userId);
        const coldStart = this.#coldStart.get(userId) ?? guarded;
        const full: RunRequest = { ...request, cpu: gate.limits, ...(coldStart !== undefined ? { coldStart } : {}) };
        this.#pending.set(userId, { user: context.user, request: full, loadMs });
        const slot = this.#scheduler.slotOf(userId);
        const list = bySlot.get(slot) ?? [];
        list.push(full);
        bySlot.set(slot, list);
      }
      for (const [slot, requests] of bySlot) this.#scheduler.submit(slot, requests);
      if (skipped.length > 0) {
        commits.push(
          this.#commitSkipped(gameTime, skipped, skippedReports, loadMs, reports),
        );
      }
    }
    await this.#scheduler.drain();
    await Promise.all(commits);
    this.#onResults = null;
    // Every player tick ends with exactly one event: a player whose result never came back (a kernel
    // bug in result handling) is reported as an internal error rather than silently missing.
    for (const [userId, pending] of this.#pending) {
      this.#hooks.log('error', 'no result for a player that was sent to a worker', { userId, gameTime });
      reports.push(this.#report(gameTime, userId, 'internalError', [], pending.user, false, pending.loadMs));
    }
    this.#pending = new Map();
    this.#coldStart = new Map();
    const outcomes: Partial<Record<OutcomeKind, number>> = {};
    let billedCpuMs = 0;
    let coldStarts = 0;
    let uncommitted = 0;
    for (const r of reports) {
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      billedCpuMs += r.billedMs;
      if (r.coldStart !== null) coldStarts++;
      if (!r.committed) uncommitted++;
    }
    return { gameTime, players: userIds.length, durationMs: performance.now() - started, outcomes, billedCpuMs, coldStarts, uncommitted, results: reports };
  }

  #onResults: ((slot: number, threadId: number, results: readonly RunResult[]) => void) | null = null;

  /** Called by the scheduler as each batch of results arrives. */
  onResults(slot: number, threadId: number, results: readonly RunResult[]): void {
    this.#onResults?.(slot, threadId, results);
  }

  #prepare(gameTime: number, context: PlayerContext): RunRequest | null {
    const { user, code } = context;
    if (code === null) return null;
    if (code.modules !== undefined) this.#codes.set(code.hash, code.modules);
    this.#knownCode.set(user.id, { hash: code.hash, timestamp: code.timestamp });
    return {
      userId: user.id,
      username: user.username,
      gameTime,
      code: { hash: code.hash, timestamp: code.timestamp },
      cpu: { limit: user.cpu, tickLimit: user.cpu, bucket: 0 },
      memory: context.memory,
      segments: context.segments,
      ...(context.foreignSegment ? { foreignSegment: context.foreignSegment } : {}),
      interShard: context.interShard,
      consoleCommands: context.consoleCommands,
    };
  }

  async #persist(slot: number, threadId: number, results: readonly RunResult[], reports: PlayerTickReport[]): Promise<void> {
    const commits: TickCommit[] = [];
    const meta: { pending: Pending; result: RunResult; usedTime: number }[] = [];
    const quarantined: UserId[] = [];
    for (const original of results) {
      let result = original;
      const pending = this.#pending.get(result.userId);
      if (pending === undefined) continue;
      this.#pending.delete(result.userId);
      if (result.diagnostic !== undefined) this.#hooks.log('error', 'kernel fault while running a player', { userId: result.userId, diagnostic: result.diagnostic });
      let built: ReturnType<typeof commitFor>;
      try {
        built = commitFor(pending.user, pending.request, result, this.#settings);
      } catch (error) {
        this.#hooks.log('error', 'could not build the commit of a tick result', { userId: result.userId, error: String(error) });
        const { output: _dropped, ...rest } = result;
        result = { ...rest, outcome: 'internalError', errors: [] };
        built = { commit: { userId: result.userId, gameTime: pending.request.gameTime, user: {}, console: null, errors: [], consumedCommands: [] }, usedTime: 0 };
      }
      let { commit } = built;
      const { usedTime } = built;
      if (this.#quarantine.delete(result.userId) && this.#settings.quarantineTicks > 0) {
        commit = { ...commit, user: { ...commit.user, skipTicksPenalty: this.#settings.quarantineTicks } };
        quarantined.push(result.userId);
        this.#hooks.quarantined(result.userId, this.#settings.quarantineTicks, result.outcome, pending.request.gameTime);
      }
      commits.push(commit);
      meta.push({ pending, result, usedTime });
    }
    const t0 = performance.now();
    const report = await this.#commit(commits);
    const persistMs = performance.now() - t0;
    for (const userId of quarantined) {
      // Not in the store: skipped before it runs next time, until the store has the penalty.
      if (report.has(userId)) this.#hooks.quarantineCommitted?.(userId);
      else this.#quarantineFirst.add(userId);
    }
    for (const { pending, result, usedTime } of meta) {
      const committed = report.has(result.userId);
      const { request } = pending;
      reports.push({
        userId: result.userId,
        outcome: result.outcome,
        errors: result.errors,
        console: result.output?.console.log.map((l) => l.message) ?? [],
        billedMs: result.cpu.billedMs,
        usedTime,
        coldStart: result.sandbox.coldStart,
        memoryChanged: result.output?.memory !== undefined,
        committed,
        heapUsedBytes: result.heap?.usedHeapSize ?? null,
      });
      this.#hooks.telemetry(ranEvent(request, result, { slot, threadId }, { loadMs: pending.loadMs, persistMs, queueDepth: this.#pending.size }, committed));
    }
  }

  async #commitSkipped(
    gameTime: number,
    commits: TickCommit[],
    skipped: { userId: UserId; reason: SkipReason; errors: string[]; limits: UserRecord; quarantined?: true }[],
    loadMs: number,
    reports: PlayerTickReport[],
  ): Promise<void> {
    const t0 = performance.now();
    const done = await this.#commit(commits);
    const persistMs = performance.now() - t0;
    for (const s of skipped) {
      const committed = done.has(s.userId);
      if (s.quarantined && committed && this.#quarantineFirst.delete(s.userId)) {
        this.#hooks.quarantined(s.userId, this.#settings.quarantineTicks, 'suspect', gameTime);
        this.#hooks.quarantineCommitted?.(s.userId);
      }
      reports.push({ ...this.#report(gameTime, s.userId, 'skipped', s.errors, s.limits, committed, loadMs, persistMs, s.reason), skipReason: s.reason });
    }
  }

  /** Commits and returns the players whose results are durably stored (or already were). */
  async #commit(commits: readonly TickCommit[]): Promise<Set<UserId>> {
    if (commits.length === 0) return new Set();
    try {
      const report = await this.#storage.commit(commits);
      for (const f of report.failed) this.#hooks.log('error', 'tick result not committed', { userId: f.userId, error: f.error });
      for (const userId of report.stale) this.#hooks.log('warn', 'late tick result refused', { userId });
      return new Set([...report.committed, ...report.duplicates]);
    } catch (error) {
      this.#hooks.log('error', 'storage commit failed; results not committed', { players: commits.length, error: String(error) });
      return new Set();
    }
  }

  #report(
    gameTime: number,
    userId: UserId,
    outcome: OutcomeKind,
    errors: readonly string[],
    user: UserRecord | null,
    committed: boolean,
    loadMs: number,
    persistMs = 0,
    skipReason?: SkipReason,
  ): PlayerTickReport {
    this.#hooks.telemetry(notRunEvent(gameTime, userId, outcome, skipReason, user, { loadMs, persistMs, queueDepth: this.#pending.size }, committed, errors.length));
    return { userId, outcome, errors, console: [], billedMs: 0, usedTime: 0, coldStart: null, memoryChanged: false, committed, heapUsedBytes: null };
  }
}
