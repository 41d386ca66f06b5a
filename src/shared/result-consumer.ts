/**
 * How results travel from the scheduler to whoever asked for them: each `submit()` names its consumer,
 * so two callers (a tick, an `execute()`) never share a mutable sink.
 */
import type { UserId } from './ids.js';
import type { RunResult, WorkerStats } from './protocol.js';

/** Where a batch of results came from. */
export interface BatchOrigin {
  readonly slot: number;
  readonly threadId: number;
  /** The worker's figures after the batch (`threadId` 0 when the results were made on the main thread). */
  readonly worker: WorkerStats;
}

/** Who receives the results of one `submit()` call. */
export interface ResultConsumer {
  /** A batch's results for this call's players; they arrive per batch so persistence starts early. */
  results(results: readonly RunResult[], origin: BatchOrigin): void;
  /** One of this call's players hung its worker; its `workerFailed` result follows. */
  hung?(userId: UserId): void;
}
