/**
 * The driver's `playerSandbox` event (fired by `make.js` between building `Game` and the main loop) for
 * players on the kernel. Listeners run on the host, but the player's isolate lives on a worker thread:
 * their `run(code)` and `set(name, value)` calls are recorded here and replayed in the isolate at the same
 * point of the tick (the kernel's `playerSandbox` host hook). `get` returns undefined and `getIsolate`,
 * `getContext`, `getGlobal` are not available (documented in docs/screeps-server.md).
 */
import type { EventEmitter } from 'node:events';

export type SandboxOp = { readonly run: string } | { readonly set: string; readonly value: unknown };

export function recordPlayerSandbox(config: EventEmitter, userId: string): SandboxOp[] {
  const ops: SandboxOp[] = [];
  const sandbox = {
    run(code: unknown): undefined {
      ops.push({ run: String(code) });
      return undefined;
    },
    set(name: unknown, value: unknown): undefined {
      ops.push({ set: String(name), value });
      return undefined;
    },
    get: (): undefined => undefined,
    getIsolate: (): undefined => undefined,
    getContext: (): undefined => undefined,
    getGlobal: (): undefined => undefined,
  };
  config.emit('playerSandbox', sandbox, userId);
  return ops;
}
