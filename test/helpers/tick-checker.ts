/**
 * The checker of the storage fault tests: what was persisted against what each player's ticks produced
 * and what the runtime reported.
 *
 * Every player runs `TICK_RECORDER`: each run appends `<tick>:<random run id>` to `Memory.log`, counts
 * itself in `Memory.n`, logs its run id on the console (so the tick report names the run) and sends one
 * `Game.notify('tick <n>')` (a MongoDB-side effect carrying the tick). Memory in Redis then shows which
 * ticks were applied, how many times and by which run; `users.lastCommittedTick` and the notifications
 * show the same for MongoDB.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PlayerTickTelemetry, Runtime, TickReport, UserId } from '../../src/index.js';
import type { RedisMongoAdmin } from '../../src/storage/redis-mongo/index.js';

export const TICK_RECORDER = `module.exports.loop = function () {
  const run = Game.time + ':' + Math.random().toString(36).slice(2, 10);
  Memory.n = (Memory.n || 0) + 1;
  Memory.log = (Memory.log || []).concat([run]);
  console.log('run ' + run);
  Game.notify('tick ' + Game.time);
};`;

/**
 * The wall clock the fault tests give the store: notification dates are grouped in 30-minute windows, so a
 * retry that crossed a window boundary would count its notice again (see docs/faults.md).
 */
export const NOTICE_CLOCK = Date.UTC(2026, 0, 1, 12, 10);

/** One player's result in one attempt at a tick. `run` is the run id the player logged (null: it did not run). */
export interface AttemptResult {
  readonly userId: string;
  readonly committed: boolean;
  readonly outcome: string;
  readonly run: string | null;
}

/** One `runTick` / `runPlayers` call: its results, or the error it threw. */
export interface Attempt {
  readonly gameTime: number;
  readonly results: readonly AttemptResult[];
  /** The tick summary's count of players not committed (`tick:finished`'s `uncommitted`). */
  readonly uncommitted?: number;
  readonly error?: string;
}

/** What the stores hold for one player after the run. */
export interface PersistedPlayer {
  readonly userId: string;
  /** `Memory.log` in Redis (null: no Memory). */
  readonly log: readonly string[] | null;
  readonly n: number | null;
  /** `users.lastCommittedTick` in MongoDB. */
  readonly lastCommittedTick: number | undefined;
  /** `users.notifications` of the player: message and count. */
  readonly notices: readonly { readonly message: string; readonly count: number }[];
}

export async function readPersisted(admin: RedisMongoAdmin, ids: readonly UserId[]): Promise<PersistedPlayer[]> {
  return Promise.all(
    ids.map(async (userId) => {
      const raw = await admin.getMemory(userId);
      const memory = raw ? (JSON.parse(raw) as { n?: number; log?: string[] }) : null;
      return {
        userId,
        log: memory?.log ?? null,
        n: memory?.n ?? null,
        lastCommittedTick: (await admin.getUser(userId))?.lastCommittedTick,
        notices: (await admin.notifications(userId)).map((x) => ({ message: x.message, count: x.count })),
      };
    }),
  );
}

const tickOf = (run: string): number => Number(run.slice(0, run.indexOf(':')));

/**
 * Drives ticks `from`..`to` like a supervisor: each tick runs every active player once (`runTick`), then
 * the players the tick did not commit are run again at the same tick (`runPlayers`) until the store takes
 * them, so a commit that failed is retried and never skipped. `beforeTick` runs before each tick and
 * `beforeAttempt` before every retry (a test restarts a server there). Telemetry events are collected for the checker.
 */
export async function superviseTicks(
  runtime: Runtime,
  options: {
    from: number;
    to: number;
    beforeTick?: (gameTime: number) => Promise<void>;
    beforeAttempt?: (gameTime: number, attempt: number) => Promise<void>;
    maxAttempts?: number;
  },
): Promise<{ attempts: Attempt[]; telemetry: PlayerTickTelemetry[] }> {
  const telemetry: PlayerTickTelemetry[] = [];
  const stop = runtime.on('player:tick', (e) => telemetry.push(e));
  const attempts: Attempt[] = [];
  const maxAttempts = options.maxAttempts ?? 300;
  try {
    for (let t = options.from; t <= options.to; t++) {
      await options.beforeTick?.(t);
      let retry: UserId[] | null = null;
      for (let attempt = 1; retry === null || retry.length > 0; attempt++) {
        if (attempt > maxAttempts) throw new Error(`tick ${t}: still not committed after ${maxAttempts} attempts: ${retry?.join(', ')}`);
        if (attempt > 1) {
          await options.beforeAttempt?.(t, attempt);
          // A poll interval while a server comes back, not a timed assertion.
          await delay(50);
        }
        try {
          const report: TickReport = retry === null ? await runtime.runTick(t) : await runtime.runPlayers(t, retry);
          const results: AttemptResult[] = report.results.map((r) => ({
            userId: r.userId,
            committed: r.committed,
            outcome: r.outcome,
            run: r.console.find((line) => line.startsWith('run '))?.slice(4) ?? null,
          }));
          attempts.push({ gameTime: t, results, uncommitted: report.uncommitted });
          retry = results.filter((r) => !r.committed).map((r) => r.userId as UserId);
        } catch (error) {
          // The whole call failed (e.g. the list of active players could not be read): nothing ran.
          attempts.push({ gameTime: t, results: [], error: String(error) });
        }
      }
    }
  } finally {
    stop();
  }
  return { attempts, telemetry };
}

/** The fields of a telemetry event the checker compares. */
export type TelemetryLike = Pick<PlayerTickTelemetry, 'userId' | 'gameTime' | 'committed'>;

export interface TickCheck {
  /** `player@tick` whose result is not in the stores, or that a report claimed committed but is not. */
  readonly lost: string[];
  /** `player@tick` applied more than once (Memory log, counter or notification). */
  readonly appliedTwice: string[];
  /** Reports that do not match what was persisted: a run claimed committed that is not, a persisted run no attempt reported, telemetry or a tick summary that disagrees with the tick reports. */
  readonly unreported: string[];
  /** Player attempts reported as not committed (each also had a telemetry event with `committed: false`). */
  readonly reportedNotCommitted: number;
  /** Runs reported as not committed that the store applied after all (a later attempt found the tick applied). */
  readonly appliedLate: number;
}

/**
 * Checks ticks 1..`lastTick` of `players`: each tick persisted exactly once in Redis (Memory log and
 * counter) and in MongoDB (`lastCommittedTick`, one notification per tick, counted once); every attempt
 * reported committed is the run persisted for its tick or a replay of an earlier persisted run; every
 * persisted run was reported by some attempt; the telemetry matches the tick reports one for one and each
 * tick summary's `uncommitted` counts the players its results report as not committed.
 */
export function checkTicks(input: {
  players: readonly string[];
  lastTick: number;
  attempts: readonly Attempt[];
  telemetry: readonly TelemetryLike[];
  persisted: readonly PersistedPlayer[];
  /** The tick a runner process was killed in: runs it stored before dying have no tick report. */
  crashedAt?: number;
}): TickCheck {
  const lost: string[] = [];
  const appliedTwice: string[] = [];
  const unreported: string[] = [];
  const byPlayer = new Map(input.persisted.map((p) => [p.userId, p]));
  for (const id of input.players) {
    const p = byPlayer.get(id);
    const log = p?.log ?? [];
    const ticks = log.map(tickOf);
    for (let t = 1; t <= input.lastTick; t++) {
      const times = ticks.filter((x) => x === t).length;
      if (times === 0) lost.push(`${id}@${t}`);
      if (times > 1) appliedTwice.push(`${id}@${t}`);
      const notices = p?.notices.filter((n) => n.message === `tick ${t}`) ?? [];
      const counted = notices.reduce((sum, n) => sum + n.count, 0);
      if (counted === 0) lost.push(`${id}@${t} (notification)`);
      if (counted > 1) appliedTwice.push(`${id}@${t} (notification counted ${counted} times)`);
    }
    if (p?.n !== log.length) appliedTwice.push(`${id}: Memory.n = ${p?.n} for ${log.length} logged ticks`);
    if (p?.lastCommittedTick !== input.lastTick) lost.push(`${id}: users.lastCommittedTick = ${p?.lastCommittedTick}, not ${input.lastTick}`);
  }

  // Which attempt (by index) produced each persisted run, and which were reported committed.
  const persistedRun = new Map<string, string>();
  for (const p of input.persisted) for (const run of p.log ?? []) persistedRun.set(`${p.userId}@${tickOf(run)}`, run);
  const attemptOfRun = new Map<string, number>();
  input.attempts.forEach((a, i) => a.results.forEach((r) => r.run !== null && attemptOfRun.set(`${r.userId}:${r.run}`, i)));
  let reportedNotCommitted = 0;
  let appliedLate = 0;
  input.attempts.forEach((a, i) => {
    for (const r of a.results) {
      const key = `${r.userId}@${a.gameTime}`;
      const stored = persistedRun.get(key);
      // A run stored by the killed process (no report survives it) came before every reported attempt.
      const storedBy = stored === undefined ? undefined : (attemptOfRun.get(`${r.userId}:${stored}`) ?? (a.gameTime === input.crashedAt ? -1 : undefined));
      if (r.committed) {
        // Committed means: this run is the one stored, or the tick was already stored by an earlier run (a replay).
        if (stored === undefined) lost.push(`${key}: attempt ${i} reported committed, nothing stored`);
        else if (stored !== r.run && !(storedBy !== undefined && storedBy < i)) unreported.push(`${key}: attempt ${i} reported committed, but the stored run is ${stored}`);
      } else {
        reportedNotCommitted++;
        if (stored !== undefined && stored === r.run) appliedLate++;
      }
    }
  });
  for (const [key, run] of persistedRun) {
    const userId = key.slice(0, key.indexOf('@'));
    if (!attemptOfRun.has(`${userId}:${run}`) && tickOf(run) !== input.crashedAt) unreported.push(`${key}: stored run ${run} was in no tick report`);
  }
  // Each stored run reported as not committed must be confirmed by a later attempt at its tick that was reported committed.
  input.attempts.forEach((a, i) => {
    for (const r of a.results) {
      if (r.committed || r.run === null || persistedRun.get(`${r.userId}@${a.gameTime}`) !== r.run) continue;
      const confirmed = input.attempts.some((b, j) => j > i && b.gameTime === a.gameTime && b.results.some((x) => x.userId === r.userId && x.committed));
      if (!confirmed) unreported.push(`${r.userId}@${a.gameTime}: reported not committed, stored, and never confirmed`);
    }
  });

  input.attempts.forEach((a, i) => {
    const count = a.results.filter((r) => !r.committed).length;
    if (a.uncommitted !== undefined && a.uncommitted !== count) unreported.push(`attempt ${i} at ${a.gameTime}: summary says ${a.uncommitted} not committed, the results ${count}`);
  });
  // Telemetry: one event per player attempt, with the same `committed`.
  const count = (list: readonly string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };
  const fromReports = count(input.attempts.flatMap((a) => a.results.map((r) => `${r.userId}@${a.gameTime}:${r.committed}`)));
  const fromTelemetry = count(input.telemetry.map((e) => `${e.userId}@${e.gameTime}:${e.committed}`));
  for (const key of new Set([...fromReports.keys(), ...fromTelemetry.keys()])) {
    if (fromReports.get(key) !== fromTelemetry.get(key)) unreported.push(`${key}: ${fromReports.get(key) ?? 0} tick reports, ${fromTelemetry.get(key) ?? 0} telemetry events`);
  }
  return { lost, appliedTwice, unreported, reportedNotCommitted, appliedLate };
}
