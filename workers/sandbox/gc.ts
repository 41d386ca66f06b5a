import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Full garbage collection on demand, for memory V8 cannot see.
 *
 * isolated-vm copies every string of 1 KB or more that crosses between isolates into an *external*
 * string: the characters live outside the V8 heap and V8 is not told their size (isolated-vm only counts
 * them against its own memory limit). External strings are allocated in old space, so only a full
 * collection frees them, and V8 schedules full collections from heap growth it can see. Measured: a
 * player with a 50 KB Memory adds 50 KB of external strings to its isolate every tick (its Memory
 * argument) and as much to the worker (its output); with 5 such players, 1000 ticks left 51 MB in
 * each isolate, heading for the heap-limit recycle, and 257 MB in the worker, none of it collected.
 * The kernel therefore counts what crosses and collects when enough has accumulated.
 *
 * `--expose-gc` is process-wide and gives every context created afterwards a `gc` global: the
 * isolate code takes it and deletes it before any player code runs (F12), as for its other hidden
 * handles. Set before the worker creates its first isolate.
 */
export function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Collects once at least `thresholdBytes` were reported since the last collection. */
export class GcBudget {
  readonly #collect: () => void;
  readonly #threshold: number;
  #pending = 0;
  collections = 0;

  constructor(collect: () => void, thresholdBytes: number) {
    this.#collect = collect;
    this.#threshold = thresholdBytes;
  }

  /** Records `bytes` of external strings that became garbage (or will soon). */
  add(bytes: number): void {
    this.#pending += bytes;
  }

  /** Collects if the budget is spent; call where a pause is harmless (between batches). */
  maybeCollect(): boolean {
    if (this.#pending < this.#threshold) return false;
    this.#pending = 0;
    this.#collect();
    this.collections++;
    return true;
  }
}
