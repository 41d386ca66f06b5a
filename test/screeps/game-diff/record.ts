/**
 * What the game differential records per player-tick: the fields of each runtime's `makeRuntime` result
 * that the engine's runner saves (`saveResult`: console, error, Memory, segments, intents) and the
 * segment and visual settings `make.js` stores, for the official run and the kernel run of the same
 * runtimeData. CPU figures are left out: they are measurements, not results.
 */
export type Run = { readonly resolved: Readonly<Record<string, unknown>> } | { readonly rejected: unknown };

export interface SideRecord {
  /** `done` / `error` (the runner's `type`), or `rejected` (makeRuntime rejected: nothing of the tick is saved). */
  readonly outcome: string;
  readonly error: string | null;
  /** The intents as the runner saves them (after the engine's `storeIntents`). */
  readonly intents: unknown;
  readonly memory: string | null;
  readonly memorySegments: Readonly<Record<string, string>> | null;
  readonly console: { readonly log: readonly unknown[]; readonly results: readonly unknown[] } | null;
  readonly activeSegments: unknown;
  readonly defaultPublicSegment: unknown;
  readonly activeForeignSegment: unknown;
  readonly publicSegments: unknown;
  readonly visual: unknown;
}

export interface TickRecord {
  readonly userId: string;
  readonly username: string | null;
  readonly time: number | null;
  /** The segments runtimeData loaded (the player's active segments at the start of the tick). */
  readonly loadedSegments: Readonly<Record<string, string>> | null;
  readonly official: SideRecord;
  readonly kernel: SideRecord;
  /** null when the kernel driver's load of the player-tick equals data.js's (JSON text), else the first difference. */
  readonly loadedEqual?: string | null;
}

const orNull = (value: unknown): unknown => (value === undefined ? null : value);

function sideOf(run: Run): SideRecord {
  if ('rejected' in run) {
    const r = run.rejected as { error?: unknown } | null;
    const error = r !== null && typeof r === 'object' && 'error' in r ? r.error : r;
    return {
      outcome: 'rejected', error: String(error), intents: null, memory: null, memorySegments: null, console: null,
      activeSegments: null, defaultPublicSegment: null, activeForeignSegment: null, publicSegments: null, visual: null,
    };
  }
  const r = run.resolved;
  const consoleOut = r.console as { log: unknown[]; results: unknown[] } | undefined;
  return {
    outcome: String(r.type),
    error: r.error === undefined ? null : String(r.error),
    intents: orNull(r.intents),
    memory: (r.memory as { data?: string } | undefined)?.data ?? null,
    memorySegments: (r.memorySegments as Record<string, string> | undefined) ?? null,
    console: consoleOut ? { log: consoleOut.log, results: consoleOut.results } : null,
    activeSegments: orNull(r.activeSegments),
    defaultPublicSegment: orNull(r.defaultPublicSegment),
    activeForeignSegment: orNull(r.activeForeignSegment),
    publicSegments: orNull(r.publicSegments),
    visual: orNull(r.visual),
  };
}

export function recordOf(userId: string, runtimeData: Readonly<Record<string, unknown>> | null, official: Run, kernel: Run): TickRecord {
  const user = runtimeData?.user as { username?: string } | undefined;
  return {
    userId,
    username: user?.username ?? null,
    time: typeof runtimeData?.time === 'number' ? runtimeData.time : null,
    loadedSegments: (runtimeData?.memorySegments as Record<string, string> | undefined) ?? null,
    official: sideOf(official),
    kernel: sideOf(kernel),
  };
}
