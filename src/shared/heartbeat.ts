/**
 * Heartbeat cells shared between the main thread and the workers. A worker marks which player it is
 * running and since when; the main thread's hang detector reads them. This works even when the worker
 * thread is stuck inside V8 and can no longer answer messages.
 *
 * Cell layout (32 bytes): int32[0] running flag, int32[1] batch id, int32[2] player index in the batch,
 * int32[3] unused, float64[2] start time (Date.now() ms), float64[3] unused.
 */
export const HEARTBEAT_CELL_BYTES = 32;

export function createHeartbeatBuffer(cells: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cells * HEARTBEAT_CELL_BYTES);
}

export class HeartbeatCell {
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  constructor(buffer: SharedArrayBuffer, index: number) {
    this.#ints = new Int32Array(buffer, index * HEARTBEAT_CELL_BYTES, 4);
    this.#floats = new Float64Array(buffer, index * HEARTBEAT_CELL_BYTES + 16, 2);
  }
  begin(batchId: number, playerIndex: number, now: number): void {
    this.#floats[0] = now;
    Atomics.store(this.#ints, 1, batchId);
    Atomics.store(this.#ints, 2, playerIndex);
    Atomics.store(this.#ints, 0, 1);
  }
  end(): void {
    Atomics.store(this.#ints, 0, 0);
  }
  /** The player run in progress, or null when the worker is between players. */
  read(): { batchId: number; playerIndex: number; startedAt: number } | null {
    if (Atomics.load(this.#ints, 0) !== 1) return null;
    return { batchId: Atomics.load(this.#ints, 1), playerIndex: Atomics.load(this.#ints, 2), startedAt: this.#floats[0] ?? 0 };
  }
}
