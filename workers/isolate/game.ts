import type { IntentRegistry, MmoCpuOutput, Pristine, TickPayload, TickState } from './types.js';

/** What `makeGame` needs from the isolate's kernel (captured before any player code ran). */
export interface GameDeps {
  shard: string;
  mmoCpuApi: boolean;
  /** Isolate CPU time in ms (reads the captured isolate handle: cheap, F23). */
  nowCpu: () => number;
  heapStatistics: () => Record<string, number>;
  halt: () => void;
  /** Where MMO CPU requests (pixels, shard limits, unlocks) are recorded for the host. */
  mmo: MmoCpuOutput;
}

/**
 * The kernel's part of `Game` (F11, F14, F15, F23, F26, F27, F44): `time`, `cpuLimit`, `cpu`, `shard`
 * and `notify`, a fresh object each tick. The functions are built once per isolate over the isolate's
 * long-lived tick state and the current intent registry. A host game layer (the `hostBootstrap`
 * option) adds the rest of the API.
 */
export function makeGame(state: TickState, intents: () => IntentRegistry, deps: Omit<GameDeps, 'mmo'>, pristine: Pristine): () => Record<string, unknown> {
  const Error_ = pristine.Error;
  const { nowCpu } = deps;
  // F23: isolate CPU since the player's code started, plus 0.2 per intent registration.
  const getUsed = (): number => nowCpu() - state.startCpu + intents().cpu;
  // F26: disposes the isolate from the host; nothing of the tick is saved.
  const halt = (): never => {
    deps.halt();
    throw new Error_('No one should ever see this message.');
  };
  // F27: V8 heap statistics plus `externally_allocated_size`.
  const getHeapStatistics = (): Record<string, number> => deps.heapStatistics();
  // F44: at most 20 notifications per tick; OK (0) or ERR_FULL (-8).
  const notify = function notify(message: unknown, groupInterval?: unknown): number {
    return intents().push('notify', { message: pristine.String(message), groupInterval }, 20) ? 0 : -8;
  };
  return () => {
    const payload = state.payload;
    const cpu: Record<string, unknown> = {
      limit: payload.cpu.limit,
      tickLimit: payload.cpu.tickLimit,
      bucket: payload.cpu.bucket,
      getUsed,
      halt,
      getHeapStatistics,
    };
    if (deps.mmoCpuApi) addMmoCpu(cpu, payload, { ...deps, mmo: state.mmo }, pristine);
    return {
      time: payload.gameTime,
      cpuLimit: payload.cpu.tickLimit,
      cpu,
      // F15: injected by the official driver's own playerSandbox listener.
      shard: { name: deps.shard, type: 'normal', ptr: false },
      notify,
    };
  };
}

/**
 * MMO-only `Game.cpu` members (spec 2.1, behind the `mmoCpuApi` option): the private server has none.
 * Each call only records a request for the host (`output.mmoCpu`); the host applies it after the tick.
 */
export function addMmoCpu(cpu: Record<string, unknown>, payload: TickPayload, deps: GameDeps, pristine: Pristine): void {
  const OK = 0;
  const ERR_BUSY = -4;
  const ERR_NOT_ENOUGH_RESOURCES = -6;
  const ERR_FULL = -8;
  const ERR_INVALID_ARGS = -10;
  const PIXEL_CPU_COST = 10000;
  const state = payload.mmoCpu ?? {};
  const current: Record<string, number> = pristine.create(null) as Record<string, number>;
  const given = state.shardLimits ?? { [deps.shard]: payload.cpu.limit };
  for (const name of pristine.keys(given)) current[name] = given[name] as number;
  const { mmo } = deps;
  cpu.shardLimits = current;
  cpu.unlocked = state.unlocked === true;
  // Documented as absent when CPU is not unlocked or unlocked by a subscription.
  if (state.unlocked === true && state.subscription !== true && typeof state.unlockedTime === 'number') cpu.unlockedTime = state.unlockedTime;
  // OK, or ERR_NOT_ENOUGH_RESOURCES when the bucket lacks 10000 CPU (pixels already asked for this tick count).
  cpu.generatePixel = (): number => {
    const pixels = mmo.pixels ?? 0;
    if (payload.cpu.bucket - PIXEL_CPU_COST * (pixels + 1) < 0) return ERR_NOT_ENOUGH_RESOURCES;
    mmo.pixels = pixels + 1;
    return OK;
  };
  // OK, ERR_BUSY (once per 12 hours, as told by the host), or ERR_INVALID_ARGS (unknown shard, a value
  // that is not a non-negative integer, or a total different from the current one).
  cpu.setShardLimits = (limits: unknown): number => {
    if (limits === null || typeof limits !== 'object') return ERR_INVALID_ARGS;
    let total = 0;
    let newTotal = 0;
    for (const name of pristine.keys(current)) total += current[name] as number;
    const next: Record<string, number> = {};
    for (const name of pristine.keys(limits)) {
      const value = (limits as Record<string, unknown>)[name];
      if (current[name] === undefined || typeof value !== 'number' || !pristine.Number.isInteger(value) || value < 0) return ERR_INVALID_ARGS;
      next[name] = value;
      newTotal += value;
    }
    for (const name of pristine.keys(current)) if (next[name] === undefined) newTotal += current[name] as number;
    if (newTotal !== total) return ERR_INVALID_ARGS;
    if (state.shardLimitsBusy === true || mmo.shardLimits !== undefined) return ERR_BUSY;
    mmo.shardLimits = next;
    return OK;
  };
  // OK, ERR_NOT_ENOUGH_RESOURCES (no `cpuUnlock` left), or ERR_FULL (unlocked by a subscription).
  cpu.unlock = (): number => {
    if (state.subscription === true) return ERR_FULL;
    const unlocks = mmo.unlocks ?? 0;
    if ((state.cpuUnlocks ?? 0) - unlocks < 1) return ERR_NOT_ENOUGH_RESOURCES;
    mmo.unlocks = unlocks + 1;
    return OK;
  };
}
