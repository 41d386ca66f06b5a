/**
 * Gathers the players the engine's runner hands to `makeRuntime` one at a time (`RUNNER_THREADS` of them
 * concurrently) into batches for `runtime.execute()`, which runs one call at a time: the requests that
 * arrive while a batch runs make up the next one.
 */
import type { ExecuteRequest, RunResult, Runtime } from '../index.js';

interface Pending {
  readonly request: ExecuteRequest;
  readonly resolve: (result: RunResult) => void;
  readonly reject: (error: unknown) => void;
}

export class ExecuteBatcher {
  readonly #runtime: Runtime;
  #pending: Pending[] = [];
  #running = false;
  #scheduled = false;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  run(request: ExecuteRequest): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
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
    // A player appears once per execute(); a second request of the same player waits for the next batch.
    const seen = new Set<string>();
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of this.#pending) {
      if (seen.has(p.request.userId)) rest.push(p);
      else {
        seen.add(p.request.userId);
        batch.push(p);
      }
    }
    this.#pending = rest;
    this.#running = true;
    try {
      const results = await this.#runtime.execute(batch.map((p) => p.request));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}
