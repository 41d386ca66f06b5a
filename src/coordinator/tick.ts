import type { CodeHash, Modules, UserId } from '../shared/ids.js';
import { LruMap } from '../shared/lru.js';
import { modulesSize } from '../shared/ids.js';
import type { OutcomeKind, SkipReason } from '../shared/outcome.js';
import type { RunRequest, RunResult } from '../shared/protocol.js';
import type { LoadResult, PlayerContext, StoragePort, TickCommit, UserRecord } from '../storage/port.js';
import type { PlayerTickTelemetry, TickSummary } from '../telemetry/events.js';
import { cpuGate, type CpuSettings } from './cpu.js';
import { commitFor } from './results.js';
import { invalidContext, invalidModules } from './validate.js';

/** What the coordinator needs from the scheduler (wired in `kernel.ts`). */
export interface TickScheduler {
  slotOf(userId: UserId): number;
  threadId(slot: number): number;
  submit(slot: number, requests: readonly RunRequest[]): void;
  drain(): Promise<void>;
}

export interface TickSettings extends CpuSettings {
  readonly loadChunk: number;
  readonly quarantineTicks: number;
  readonly codeCacheBytes: number;
}

export interface TickHooks {
  telemetry(event: PlayerTickTelemetry): void;
  quarantined(userId: UserId, ticks: number, reason: string): void;
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
  readonly #codes: LruMap<CodeHash, Modules>;
  readonly #knownCode = new Map<UserId, { hash: CodeHash; timestamp: number }>();
  readonly #quarantine = new Set<UserId>();
  #pending = new Map<UserId, Pending>();

  constructor(storage: StoragePort, scheduler: TickScheduler, settings: TickSettings, hooks: TickHooks) {
    this.#storage = storage;
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

  async runTick(gameTime: number, onStart: (players: number) => void): Promise<TickReport> {
    const started = performance.now();
    const userIds = await this.#storage.activeUsers();
    onStart(userIds.length);
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
      const skippedReports: { userId: UserId; reason: SkipReason; errors: string[]; limits: UserRecord }[] = [];
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
        const full: RunRequest = { ...request, cpu: gate.limits };
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
    for (const result of results) {
      const pending = this.#pending.get(result.userId);
      if (pending === undefined) continue;
      this.#pending.delete(result.userId);
      let { commit, usedTime } = commitFor(pending.user, pending.request, result, this.#settings);
      if (this.#quarantine.delete(result.userId) && this.#settings.quarantineTicks > 0) {
        commit = { ...commit, user: { ...commit.user, skipTicksPenalty: this.#settings.quarantineTicks } };
        this.#hooks.quarantined(result.userId, this.#settings.quarantineTicks, result.errors[0] ?? result.outcome);
      }
      commits.push(commit);
      meta.push({ pending, result, usedTime });
    }
    const t0 = performance.now();
    const report = await this.#commit(commits);
    const persistMs = performance.now() - t0;
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
      this.#hooks.telemetry({
        userId: result.userId,
        gameTime: request.gameTime,
        worker: { slot, threadId },
        outcome: result.outcome,
        cpu: { ...request.cpu, billedMs: result.cpu.billedMs, reportedMs: result.cpu.reportedMs },
        heap: result.heap
          ? { usedBytes: result.heap.usedHeapSize, limitBytes: result.heap.heapSizeLimit, externalBytes: result.heap.externallyAllocatedSize }
          : null,
        coldStart: result.sandbox.coldStart,
        queueDepth: this.#pending.size,
        stages: { loadMs: pending.loadMs, runMs: result.cpu.wallMs, persistMs },
        committed,
        errorCount: result.errors.length,
      });
    }
  }

  async #commitSkipped(
    gameTime: number,
    commits: TickCommit[],
    skipped: { userId: UserId; reason: SkipReason; errors: string[]; limits: UserRecord }[],
    loadMs: number,
    reports: PlayerTickReport[],
  ): Promise<void> {
    const t0 = performance.now();
    const done = await this.#commit(commits);
    const persistMs = performance.now() - t0;
    for (const s of skipped) {
      const committed = done.has(s.userId);
      reports.push({ ...this.#report(gameTime, s.userId, 'skipped', s.errors, s.limits, committed, loadMs, persistMs), skipReason: s.reason });
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
  ): PlayerTickReport {
    this.#hooks.telemetry({
      userId,
      gameTime,
      worker: null,
      outcome,
      cpu: { limit: user?.cpu ?? 0, tickLimit: 0, bucket: Math.max(0, user?.cpuAvailable ?? 0), billedMs: 0, reportedMs: 0 },
      heap: null,
      coldStart: null,
      queueDepth: this.#pending.size,
      stages: { loadMs, runMs: 0, persistMs },
      committed,
      errorCount: errors.length,
    });
    return { userId, outcome, errors, console: [], billedMs: 0, usedTime: 0, coldStart: null, memoryChanged: false, committed, heapUsedBytes: null };
  }
}
