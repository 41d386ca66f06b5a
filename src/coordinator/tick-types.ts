/**
 * The coordinator's ports (scheduler, guards, hooks), its report types and the state of one run.
 */
import type { UserId } from '../shared/ids.js';
import type { ColdStartReason, OutcomeKind, SkipReason } from '../shared/outcome.js';
import type { RunRequest } from '../shared/protocol.js';
import type { ResultConsumer } from '../shared/result-consumer.js';
import type { TickCommit, UserRecord } from '../storage/port.js';
import type { PlayerTickTelemetry, TickSummary } from '../telemetry/events.js';
import type { CpuSettings } from './cpu.js';

/** What the coordinator needs from the scheduler (wired in `runtime.ts`). */
export interface TickScheduler {
  slotOf(userId: UserId): number;
  /** Resolves once every request of the call has had its result handed to `consumer`. */
  submit(slot: number, requests: readonly RunRequest[], consumer: ResultConsumer): Promise<void>;
}

/**
 * Per-player decisions taken outside the coordinator (throttle registry, watchdog; wired in `runtime.ts`).
 * Both are fed only by `player:tick` events.
 */
export interface TickGuards {
  /** Ticks the player is still delayed by the throttle at `gameTime` (0: it runs). */
  throttleDelay(userId: UserId, gameTime: number): number;
  /** A cold start to force on the player's run request; consumed by the call. */
  takeColdStart(userId: UserId): ColdStartReason | undefined;
}

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

export interface Pending {
  readonly user: UserRecord;
  readonly request: RunRequest;
  readonly loadMs: number;
}

/** One call of `runPlayers`: what it has sent, reported and still waits for. */
export interface TickRun {
  readonly gameTime: number;
  readonly coldStart: ReadonlyMap<UserId, ColdStartReason>;
  readonly reports: PlayerTickReport[];
  /** Players sent to a worker whose result has not come back yet. */
  readonly pending: Map<UserId, Pending>;
  readonly submitted: Promise<void>[];
  /** Commits started as batches and skips came in; complete once every submitted call settled. */
  readonly commits: Promise<void>[];
  readonly consumer: ResultConsumer;
}

/** A player that does not run this tick but whose skip is committed (the player is told why). */
export interface Skip {
  readonly commit: TickCommit;
  readonly reason: SkipReason;
  readonly limits: UserRecord;
  readonly quarantined?: true;
}

/** What the gate decided for one loaded chunk. */
export interface Gated {
  readonly bySlot: Map<number, RunRequest[]>;
  readonly skips: Skip[];
  /** Errors committed for players already reported as not run (bad or unloadable data). */
  readonly published: TickCommit[];
}

/** A player tick reported without running (the telemetry event and the report row come from it). */
export interface NotRun {
  readonly userId: UserId;
  readonly outcome: OutcomeKind;
  readonly errors: readonly string[];
  /** The player's record when it was loaded (its CPU limit and bucket go into the event). */
  readonly user: UserRecord | null;
  readonly committed: boolean;
  readonly loadMs: number;
  readonly persistMs?: number;
  readonly skipReason?: SkipReason;
}
