import type { UserId } from '../shared/ids.js';
import type { OutcomeKind, SkipReason } from '../shared/outcome.js';
import type { IntentsList, RunRequest, RunResult } from '../shared/protocol.js';
import type { UserRecord } from '../storage/port.js';
import type { PlayerTickTelemetry } from '../telemetry/events.js';

/** A room name as the engine writes it (`W12N3`, `E0S0`) or the simulation room. */
const ROOM_NAME = /^(?:[WE]\d{1,4}[NS]\d{1,4}|sim)$/;
/** Rooms named per event at most: the list is for log context, not an export of the player's intents. */
const MAX_ROOMS = 16;

/**
 * The rooms a tick registered intents for (F45: every key but `notify` and `global` is a room). The keys
 * are player-controlled, so only well-formed room names pass: nothing else of the intents reaches logs.
 */
export function roomsOf(intents: IntentsList | undefined): string[] {
  if (intents === undefined) return [];
  const rooms: string[] = [];
  for (const key of Object.keys(intents)) {
    if (rooms.length >= MAX_ROOMS) break;
    if (ROOM_NAME.test(key)) rooms.push(key);
  }
  return rooms.sort();
}

/** Per-stage timings of one player tick and the queue depth when it was reported. */
export interface StageTimings {
  readonly loadMs: number;
  readonly persistMs: number;
  readonly queueDepth: number;
}

/** A player tick that ran (or was sent to) a worker. */
export interface RanTick {
  readonly request: RunRequest;
  readonly result: RunResult;
  readonly worker: { readonly slot: number; readonly threadId: number };
  readonly timings: StageTimings;
  readonly committed: boolean;
}

/** The event of a player tick that ran (or was sent to) a worker. */
export function ranEvent({ request, result, worker, timings, committed }: RanTick): PlayerTickTelemetry {
  const rooms = roomsOf(result.output?.intents);
  return {
    userId: result.userId,
    gameTime: request.gameTime,
    worker,
    outcome: result.outcome,
    cpu: { ...request.cpu, billedMs: result.cpu.billedMs, reportedMs: result.cpu.reportedMs },
    heap: result.heap
      ? { usedBytes: result.heap.usedHeapSize, totalBytes: result.heap.totalHeapSize, limitBytes: result.heap.heapSizeLimit, externalBytes: result.heap.externallyAllocatedSize }
      : null,
    coldStart: result.sandbox.coldStart,
    queueDepth: timings.queueDepth,
    stages: { loadMs: timings.loadMs, runMs: result.cpu.wallMs, persistMs: timings.persistMs },
    committed,
    errorCount: result.errors.length,
    code: { hash: request.code.hash, timestamp: request.code.timestamp },
    createMs: result.sandbox.createMs,
    ...(rooms.length > 0 ? { rooms } : {}),
  };
}

/** A player tick that never reached a worker (not loaded, no code, skipped). */
export interface NotRunTick {
  readonly gameTime: number;
  readonly userId: UserId;
  readonly outcome: OutcomeKind;
  readonly skipReason?: SkipReason | undefined;
  /** The player's record when it was loaded: its CPU limit and bucket go into the event. */
  readonly user: UserRecord | null;
  readonly timings: StageTimings;
  readonly committed: boolean;
  readonly errorCount: number;
}

/** The event of a player tick that never reached a worker. */
export function notRunEvent({ gameTime, userId, outcome, skipReason, user, timings, committed, errorCount }: NotRunTick): PlayerTickTelemetry {
  return {
    userId,
    gameTime,
    worker: null,
    outcome,
    ...(skipReason !== undefined ? { skipReason } : {}),
    cpu: { limit: user?.cpu ?? 0, tickLimit: 0, bucket: Math.max(0, user?.cpuAvailable ?? 0), billedMs: 0, reportedMs: 0 },
    heap: null,
    coldStart: null,
    queueDepth: timings.queueDepth,
    stages: { loadMs: timings.loadMs, runMs: 0, persistMs: timings.persistMs },
    committed,
    errorCount,
  };
}
