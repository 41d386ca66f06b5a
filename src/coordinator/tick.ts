import type { CodeHash, Modules, UserId } from '../shared/ids.js';
import { LruMap } from '../shared/lru.js';
import { modulesSize } from '../shared/ids.js';
import type { ColdStartReason, OutcomeKind, SkipReason } from '../shared/outcome.js';
import type { RunRequest, RunResult } from '../shared/protocol.js';
import type { BatchOrigin } from '../shared/result-consumer.js';
import type { LoadResult, PlayerContext, StoragePort, TickCommit, UserRecord } from '../storage/port.js';
import { cpuGate, PENALTY_MESSAGE } from './cpu.js';
import { commitFor } from './results.js';
import { notRunEvent, ranEvent } from './telemetry.js';
import { invalidContext, invalidModules } from './validate.js';
import type { Gated, NotRun, Pending, Skip, TickGuards, TickHooks, TickReport, TickRun, TickScheduler, TickSettings } from './tick-types.js';

export type { PlayerTickReport, TickGuards, TickHooks, TickReport, TickScheduler, TickSettings } from './tick-types.js';

/** What a throttled player sees on its console instead of running. */
export function throttledMessage(ticks: number): string {
  return `Script execution has been delayed: your script kept failing; it runs again in ${ticks} tick${ticks === 1 ? '' : 's'}.`;
}

const NO_GUARDS: TickGuards = { throttleDelay: () => 0, takeColdStart: () => undefined };

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
   * ran in another runner process, whose globals here would be stale). Load, gate and submit run per
   * chunk, so loading the next chunk overlaps with running the previous one.
   */
  async runPlayers(
    gameTime: number,
    userIds: readonly UserId[],
    onStart: (players: number) => void,
    coldStart: ReadonlyMap<UserId, ColdStartReason> = new Map(),
  ): Promise<TickReport> {
    const started = performance.now();
    onStart(userIds.length);
    const run: TickRun = {
      gameTime,
      coldStart,
      reports: [],
      pending: new Map(),
      submitted: [],
      commits: [],
      consumer: {
        results: (results, origin) => run.commits.push(this.#persist(run, origin, results)),
        // The culprit of a hung worker: skipped with the official penalty message for N ticks.
        hung: (userId) => this.#quarantine.add(userId),
      },
    };
    for (let at = 0; at < userIds.length; at += this.#settings.loadChunk) {
      const chunk = userIds.slice(at, at + this.#settings.loadChunk);
      const loaded = await this.#load(run, chunk);
      if (loaded === null) continue;
      const { bySlot, skips, published } = this.#gate(run, chunk, loaded.contexts, loaded.loadMs);
      for (const [slot, requests] of bySlot) run.submitted.push(this.#scheduler.submit(slot, requests, run.consumer));
      if (skips.length + published.length > 0) run.commits.push(this.#commitSkipped(run, skips, published, loaded.loadMs));
    }
    await Promise.all(run.submitted);
    // Every result is delivered by now, so every commit has been started.
    await Promise.all(run.commits);
    return this.#summarise(run, userIds.length, performance.now() - started);
  }

  /** Loads a chunk of players; when the store fails, each of them is reported as not run. */
  async #load(run: TickRun, chunk: readonly UserId[]): Promise<{ contexts: Map<UserId, LoadResult>; loadMs: number } | null> {
    const t0 = performance.now();
    try {
      const contexts = await this.#storage.loadContexts(
        chunk.map((userId) => {
          const known = this.#knownCode.get(userId);
          return known && this.#codes.has(known.hash) ? { userId, knownCodeTimestamp: known.timestamp } : { userId };
        }),
      );
      return { contexts, loadMs: performance.now() - t0 };
    } catch (error) {
      this.#hooks.log('error', 'loading players failed; they do not run this tick', { gameTime: run.gameTime, players: chunk.length, error: String(error) });
      for (const userId of chunk) this.#notRun(run, { userId, outcome: 'internalError', errors: [], user: null, committed: false, loadMs: performance.now() - t0 });
      return null;
    }
  }

  /**
   * Decides for each loaded player: not runnable (reported now), skipped (committed with a message), or
   * run (its request grouped by slot). Order: load error, invalid data, suspect quarantine, no code,
   * CPU gate, throttle.
   */
  #gate(run: TickRun, chunk: readonly UserId[], loaded: Map<UserId, LoadResult>, loadMs: number): Gated {
    const { gameTime } = run;
    const skips: Skip[] = [];
    const published: TickCommit[] = [];
    const bySlot = new Map<number, RunRequest[]>();
    const skip = (userId: UserId, user: TickCommit['user'], error: string, reason: SkipReason, limits: UserRecord, quarantined?: true): void => {
      const commit: TickCommit = { userId, gameTime, user, console: null, errors: [error], consumedCommands: [] };
      skips.push(quarantined ? { commit, reason, limits, quarantined } : { commit, reason, limits });
    };
    for (const userId of chunk) {
      const result = loaded.get(userId) ?? { ok: false as const, error: `no data for user ${userId}`, publish: false };
      if (!result.ok) {
        this.#hooks.log('warn', 'player not loaded', { userId, gameTime, error: result.error });
        const errors = result.publish ? [result.error] : [];
        if (result.publish) published.push({ userId, gameTime, user: {}, console: null, errors, consumedCommands: [] });
        this.#notRun(run, { userId, outcome: 'internalError', errors, user: null, committed: false, loadMs });
        continue;
      }
      const { context } = result;
      const invalid = invalidContext(context);
      if (invalid !== null) {
        // A bad document from the store costs only its own player this tick (R33).
        this.#hooks.log('warn', 'player data from storage is invalid', { userId, gameTime, error: invalid.error });
        published.push({ userId, gameTime, user: {}, console: null, errors: [invalid.error], consumedCommands: [] });
        this.#notRun(run, { userId, outcome: invalid.outcome, errors: [invalid.error], user: context.user, committed: false, loadMs });
        continue;
      }
      if (this.#quarantineFirst.has(userId)) {
        skip(userId, { lastUsedCpu: 0, lastUsedDirtyTime: 0, skipTicksPenalty: this.#settings.quarantineTicks }, PENALTY_MESSAGE, 'penalty', context.user, true);
        continue;
      }
      const request = this.#prepare(gameTime, context);
      if (request === null) {
        this.#notRun(run, { userId, outcome: 'noCode', errors: [], user: context.user, committed: true, loadMs });
        continue;
      }
      const gate = cpuGate(context.user, this.#settings);
      if (!gate.run) {
        skip(userId, gate.update, gate.error, gate.reason, context.user);
        continue;
      }
      const delay = this.#guards.throttleDelay(userId, gameTime);
      if (delay > 0) {
        // Like the official penalty skip (F6): nothing runs, nothing is billed, the player is told why.
        skip(userId, { lastUsedCpu: 0, lastUsedDirtyTime: 0 }, throttledMessage(delay), 'throttled', context.user);
        continue;
      }
      // Taken only now, when the player really runs: a skipped tick must not swallow a pending restart.
      const guarded = this.#guards.takeColdStart(userId);
      const coldStart = run.coldStart.get(userId) ?? guarded;
      const full: RunRequest = { ...request, cpu: gate.limits, ...(coldStart !== undefined ? { coldStart } : {}) };
      run.pending.set(userId, { user: context.user, request: full, loadMs });
      const slot = this.#scheduler.slotOf(userId);
      const list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, [full]);
      else list.push(full);
    }
    return { bySlot, skips, published };
  }

  #summarise(run: TickRun, players: number, durationMs: number): TickReport {
    // Every player tick ends with exactly one event: a player whose result never came back (a kernel
    // bug in result handling) is reported as an internal error rather than silently missing.
    for (const [userId, pending] of run.pending) {
      this.#hooks.log('error', 'no result for a player that was sent to a worker', { userId, gameTime: run.gameTime });
      this.#notRun(run, { userId, outcome: 'internalError', errors: [], user: pending.user, committed: false, loadMs: pending.loadMs });
    }
    const outcomes: Partial<Record<OutcomeKind, number>> = {};
    let billedCpuMs = 0;
    let coldStarts = 0;
    let uncommitted = 0;
    for (const r of run.reports) {
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      billedCpuMs += r.billedMs;
      if (r.coldStart !== null) coldStarts++;
      if (!r.committed) uncommitted++;
    }
    return { gameTime: run.gameTime, players, durationMs, outcomes, billedCpuMs, coldStarts, uncommitted, results: run.reports };
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

  async #persist(run: TickRun, origin: BatchOrigin, results: readonly RunResult[]): Promise<void> {
    const commits: TickCommit[] = [];
    const meta: { pending: Pending; result: RunResult; usedTime: number }[] = [];
    const quarantined: UserId[] = [];
    for (const original of results) {
      let result = original;
      const pending = run.pending.get(result.userId);
      if (pending === undefined) continue;
      run.pending.delete(result.userId);
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
    const worker = { slot: origin.slot, threadId: origin.threadId };
    for (const { pending, result, usedTime } of meta) {
      const committed = report.has(result.userId);
      const { request } = pending;
      run.reports.push({
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
      this.#hooks.telemetry(ranEvent({ request, result, worker, timings: { loadMs: pending.loadMs, persistMs, queueDepth: run.pending.size }, committed }));
    }
  }

  async #commitSkipped(run: TickRun, skips: readonly Skip[], published: readonly TickCommit[], loadMs: number): Promise<void> {
    const t0 = performance.now();
    const done = await this.#commit([...published, ...skips.map((s) => s.commit)]);
    const persistMs = performance.now() - t0;
    for (const s of skips) {
      const { userId } = s.commit;
      const committed = done.has(userId);
      if (s.quarantined && committed && this.#quarantineFirst.delete(userId)) {
        this.#hooks.quarantined(userId, this.#settings.quarantineTicks, 'suspect', run.gameTime);
        this.#hooks.quarantineCommitted?.(userId);
      }
      this.#notRun(run, { userId, outcome: 'skipped', errors: s.commit.errors, user: s.limits, committed, loadMs, persistMs, skipReason: s.reason });
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

  /** Reports a player tick that did not reach a worker: its telemetry event and its report row. */
  #notRun(run: TickRun, p: NotRun): void {
    this.#hooks.telemetry(
      notRunEvent({
        gameTime: run.gameTime,
        userId: p.userId,
        outcome: p.outcome,
        skipReason: p.skipReason,
        user: p.user,
        timings: { loadMs: p.loadMs, persistMs: p.persistMs ?? 0, queueDepth: run.pending.size },
        committed: p.committed,
        errorCount: p.errors.length,
      }),
    );
    run.reports.push({
      userId: p.userId,
      outcome: p.outcome,
      ...(p.skipReason !== undefined ? { skipReason: p.skipReason } : {}),
      errors: p.errors,
      console: [],
      billedMs: 0,
      usedTime: 0,
      coldStart: null,
      memoryChanged: false,
      committed: p.committed,
      heapUsedBytes: null,
    });
  }
}
