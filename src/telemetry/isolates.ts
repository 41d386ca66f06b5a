import type { UserId } from '../shared/ids.js';
import { LruMap } from '../shared/lru.js';
import { OUTCOME_POLICY, type ColdStartReason, type OutcomeKind, type SkipReason } from '../shared/outcome.js';
import type { PlayerTickTelemetry } from './events.js';

/** What the main thread knows about one player's isolate, from its telemetry events only. */
export interface IsolateInfo {
  readonly userId: UserId;
  /** Pool slot and worker thread of the last tick that reached a worker. */
  readonly worker: { readonly slot: number; readonly threadId: number } | null;
  readonly code: { readonly hash: string; readonly timestamp: number } | null;
  /** False after the worker reported the isolate recycled (or the player's tick disposed it). */
  readonly alive: boolean;
  readonly lastTick: number;
  readonly lastOutcome: OutcomeKind;
  readonly skipReason: SkipReason | null;
  readonly lastColdStart: ColdStartReason | null;
  readonly heap: { readonly usedBytes: number; readonly totalBytes: number; readonly limitBytes: number; readonly externalBytes: number } | null;
  /** Real thread CPU billed for the last tick that ran, and over the life of this table, ms. */
  readonly billedMs: number;
  readonly billedMsTotal: number;
  readonly reportedMs: number;
  readonly ticks: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };


/**
 * The per-player table behind `GET /runtime/isolates` and the optional per-player metrics. Bounded
 * (least recently updated players go first), so a server with churning players cannot grow it forever.
 */
export class IsolateTable {
  readonly #players: LruMap<UserId, Mutable<IsolateInfo>>;

  constructor(maxPlayers: number) {
    this.#players = new LruMap(maxPlayers);
  }

  onTelemetry(e: PlayerTickTelemetry): void {
    const prev = this.#players.get(e.userId);
    const ran = e.worker !== null;
    const next: Mutable<IsolateInfo> = {
      userId: e.userId,
      worker: e.worker ?? prev?.worker ?? null,
      code: e.code ?? prev?.code ?? null,
      alive: ran ? !OUTCOME_POLICY[e.outcome].dropsIsolate : (prev?.alive ?? false),
      lastTick: e.gameTime,
      lastOutcome: e.outcome,
      skipReason: e.skipReason ?? null,
      lastColdStart: ran ? e.coldStart : (prev?.lastColdStart ?? null),
      heap: e.heap ?? (ran ? null : (prev?.heap ?? null)),
      billedMs: e.cpu.billedMs,
      billedMsTotal: (prev?.billedMsTotal ?? 0) + e.cpu.billedMs,
      reportedMs: e.cpu.reportedMs,
      ticks: (prev?.ticks ?? 0) + 1,
    };
    this.#players.set(e.userId, next);
  }

  /** The worker disposed a player's isolate (idle sweep, heap near its limit, moved). */
  recycled(userId: UserId): void {
    const info = this.#players.get(userId);
    if (info !== undefined) info.alive = false;
  }

  list(): IsolateInfo[] {
    const out: IsolateInfo[] = [];
    for (const key of [...this.#players.keys()]) {
      const info = this.#players.get(key);
      if (info !== undefined) out.push({ ...info });
    }
    return out.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }
}
