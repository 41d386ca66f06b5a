import { after, before } from 'node:test';
import type { ExecuteRequest, Modules, Runtime, RunResult, RuntimeOptions } from '../../src/index.js';
import { testRuntime } from './runtime.js';

/** One runtime (one worker) shared by the tests of a `describe`; returns its getter. */
export function sharedRuntime(options: RuntimeOptions = {}): () => Runtime {
  let runtime: Runtime | undefined;
  before(async () => {
    ({ runtime } = await testRuntime({ poolSize: 1, ...options }));
  });
  after(async () => {
    await runtime?.close();
  });
  return () => {
    if (runtime === undefined) throw new Error('the shared runtime is not started');
    return runtime;
  };
}

let next = 0;

/** Runs one tick of `modules` (a string is the `main` module) for a fresh player through `execute()`. */
export async function tickOnce(runtime: Runtime, modules: string | Modules, extra: Partial<ExecuteRequest> = {}): Promise<RunResult> {
  const [result] = await runtime.execute([
    {
      userId: `parity${++next}`,
      gameTime: 1,
      code: { modules: typeof modules === 'string' ? { main: modules } : modules },
      ...extra,
    },
  ]);
  if (result === undefined) throw new Error('execute() returned no result');
  return result;
}

/** Runs consecutive ticks for one player (same isolate), each with its own request fields. */
export async function ticks(runtime: Runtime, modules: string | Modules, requests: readonly Partial<ExecuteRequest>[]): Promise<RunResult[]> {
  const userId = `parity${++next}`;
  const out: RunResult[] = [];
  for (let i = 0; i < requests.length; i++) {
    const [result] = await runtime.execute([
      { userId, gameTime: i + 1, code: { modules: typeof modules === 'string' ? { main: modules } : modules }, ...requests[i] },
    ]);
    if (result === undefined) throw new Error('execute() returned no result');
    out.push(result);
  }
  return out;
}

/** `main` whose loop runs `body`. */
export const loop = (body: string): string => `module.exports.loop = function () {\n${body}\n};`;

/** The `console.log` messages of a result. */
export const logs = (r: RunResult): string[] => (r.output?.console.log ?? []).map((l) => l.message);
