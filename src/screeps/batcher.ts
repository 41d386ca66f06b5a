/**
 * Gathers what the engine's runner hands to `makeRuntime` one player at a time
 * (`KERNEL_RUNNER_CONCURRENCY` of them concurrently) into batches: one batch in flight at a time, and the
 * items that arrive while it runs make up the next one. The kernel driver uses two: one loads the players' runtimeData together
 * (`WorldLoader.load`), one runs them together (`runtime.execute()`).
 */
import type { ExecuteRequest, RunResult, Runtime } from '../index.js';

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** Runs a batch: resolves with the results in order, and may `settle` an item earlier (by its index). */
export type RunBatch<Item, Result> = (items: readonly Item[], settle: (index: number, result: Result) => void) => Promise<readonly Result[]>;

export class Batcher<Item, Result> {
  readonly #run: RunBatch<Item, Result>;
  readonly #key: (item: Item) => string;
  #pending: Pending<Item, Result>[] = [];
  #running = false;
  #scheduled = false;

  /** `run` answers a batch; `key` names the player: a player appears once per batch. */
  constructor(run: RunBatch<Item, Result>, key: (item: Item) => string) {
    this.#run = run;
    this.#key = key;
  }

  run(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    // One macrotask later: the runner's other threads that fetched a player in the same turn join.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#running) return;
    // A second item of the same player waits for the next batch.
    const seen = new Set<string>();
    const batch: Pending<Item, Result>[] = [];
    const rest: Pending<Item, Result>[] = [];
    for (const p of this.#pending) {
      const key = this.#key(p.item);
      if (seen.has(key)) rest.push(p);
      else {
        seen.add(key);
        batch.push(p);
      }
    }
    this.#pending = rest;
    this.#running = true;
    try {
      // An item settled early keeps that result (a promise resolves once).
      const results = await this.#run(
        batch.map((p) => p.item),
        (index, result) => batch[index]?.resolve(result),
      );
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}

/**
 * The players' ticks, run together through `runtime.execute()`. Each player's promise resolves as soon
 * as its own result is back (`onResult`), so the runner saves it while the rest of the batch runs. A
 * player this batcher has not run before (a new player, or every player of the runner's first tick)
 * does not wait for the batch in flight: its tick is an `execute()` call of its own, at once, with
 * `priority`, so its worker takes it before the players of the batches it has not started yet.
 */
export class ExecuteBatcher extends Batcher<ExecuteRequest, RunResult> {
  readonly #runtime: Runtime;
  readonly #ran = new Set<string>();
  /** Players whose own first call is running: a second request of theirs waits for it (one call per player at a time). */
  readonly #first = new Map<string, Promise<unknown>>();

  constructor(runtime: Runtime) {
    super(
      async (requests, settle) => {
        const index = new Map(requests.map((r, i) => [r.userId, i]));
        const results = await runtime.execute(requests, { onResult: (result) => settle(index.get(result.userId)!, result) });
        const byUser = new Map<string, RunResult>(results.map((r) => [r.userId, r]));
        return requests.map((r) => byUser.get(r.userId)!);
      },
      (request) => request.userId,
    );
    this.#runtime = runtime;
  }

  override run(request: ExecuteRequest): Promise<RunResult> {
    const id = request.userId;
    const first = this.#first.get(id);
    if (first !== undefined) return first.then(() => undefined, () => undefined).then(() => this.run(request));
    if (this.#ran.has(id)) return super.run(request);
    this.#ran.add(id);
    const run = this.#runtime.execute([request], { priority: true }).then((results) => results[0]!);
    this.#first.set(id, run);
    const forget = (): void => {
      this.#first.delete(id);
    };
    void run.then(forget, forget);
    return run;
  }
}
