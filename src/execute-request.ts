import { ErrorCode, KernelError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { hashModules, parseUserId, type Modules } from './shared/ids.js';
import type { ConsoleCommand, CpuLimits, ForeignSegment, MmoCpuState, RunRequest, RunResult } from './shared/protocol.js';

/** Options of `runtime.execute()`. */
export interface ExecuteOptions {
  /**
   * Called with each player's result as soon as it is back from its worker (batch by batch, before
   * `execute()` resolves with all of them): a host can save early players while later ones still run.
   * A throw is reported as `listener:error` and changes nothing else.
   */
  readonly onResult?: (result: RunResult) => void;
  /**
   * This call's players are queued on their workers ahead of players of other calls not yet sent (the
   * batches a worker already has still run first): for a player who should not wait behind a large
   * call in flight, such as a new player's first tick.
   */
  readonly priority?: boolean;
}

/** A storage-less request for `runtime.execute()` (the seed's `IRuntimeService.ExecuteAsync`). */
export interface ExecuteRequest {
  readonly userId: string;
  readonly username?: string;
  readonly gameTime: number;
  readonly code: { readonly modules: Modules; readonly timestamp?: number };
  /** @default { limit: 100, tickLimit: 500, bucket: 10000 } */
  readonly cpu?: Partial<CpuLimits>;
  readonly memory?: string;
  readonly segments?: Readonly<Record<string, string>>;
  readonly foreignSegment?: ForeignSegment;
  readonly interShard?: { readonly local: string; readonly remote: Readonly<Record<string, string>> };
  readonly consoleCommands?: readonly ConsoleCommand[];
  readonly hostData?: string;
  /** The player's MMO CPU account (read only with the `mmoCpuApi` option). */
  readonly mmoCpu?: MmoCpuState;
}

/** Checks an `execute()` request and fills its defaults from the runtime's options. */
export function normaliseRequest(r: ExecuteRequest, options: ResolvedOptions): RunRequest {
  const userId = parseUserId(r.userId);
  if (!Number.isInteger(r.gameTime) || r.gameTime < 0) throw new KernelError(ErrorCode.invalidRequest, `execute: gameTime of ${userId} must be a non-negative integer`);
  if (r.code === null || typeof r.code !== 'object' || r.code.modules === null || typeof r.code.modules !== 'object') {
    throw new KernelError(ErrorCode.invalidRequest, `execute: code.modules of ${userId} must be an object of module sources`);
  }
  const limit = r.cpu?.limit ?? 100;
  return {
    userId,
    username: r.username ?? userId,
    gameTime: r.gameTime,
    code: { hash: hashModules(r.code.modules), timestamp: r.code.timestamp ?? 0, modules: r.code.modules },
    cpu: { limit, tickLimit: Math.min(options.cpuMaxPerTick, r.cpu?.tickLimit ?? options.cpuMaxPerTick), bucket: r.cpu?.bucket ?? options.cpuBucketSize },
    memory: r.memory ?? '',
    segments: r.segments ?? {},
    ...(r.foreignSegment ? { foreignSegment: r.foreignSegment } : {}),
    interShard: r.interShard ?? { local: '', remote: {} },
    consoleCommands: r.consoleCommands ?? [],
    ...(r.hostData !== undefined ? { hostData: r.hostData } : {}),
    ...(r.mmoCpu !== undefined ? { mmoCpu: r.mmoCpu } : {}),
  };
}
