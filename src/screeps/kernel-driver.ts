/**
 * `makeRuntime(userId)` of the official driver, on the kernel: the player's runtimeData comes from the
 * driver's own `data.js`, the tick runs in the player's warm kernel isolate (batched with the other
 * players the runner hands over meanwhile), and the result has the shape the engine's runner saves
 * (`runner.js` `saveResult`). The per-player bookkeeping the driver's `make.js` does after a run (CPU
 * bucket, `lastUsedCpu`, segments flags, visuals, the `user:<id>/cpu` message) is done here the same way.
 */
import { createRuntime, type ExecuteRequest, type RunResult, type Runtime } from '../index.js';
import { ExecuteBatcher } from './batcher.js';
import { gameBootstrap } from './bootstrap.js';
import { commonStorage, loadPathFinderTerrain, runtimeData, storeIntents, type OfficialDriver, type RuntimeData } from './official.js';
import { recordPlayerSandbox } from './player-sandbox.js';

/** What the engine's runner receives from `makeRuntime` (resolved) or as the rejection (`{error}` only). */
export interface RunnerResult {
  readonly type?: 'done' | 'error';
  readonly error?: unknown;
  readonly usedTime?: number;
  readonly usedCleanTime?: number;
  readonly usedDirtyTime?: number;
  readonly intents?: Record<string, unknown>;
  readonly memory?: { data: string };
  readonly console?: { log: readonly unknown[]; results: readonly string[] };
  readonly memorySegments?: Readonly<Record<string, string>>;
  readonly activeSegments?: readonly number[];
  readonly defaultPublicSegment?: number | null;
  readonly activeForeignSegment?: unknown;
  readonly publicSegments?: string;
  readonly visual?: Readonly<Record<string, string>>;
  readonly username?: string;
  /** The kernel's own figures for the tick (not read by the runner). */
  readonly kernel?: { readonly outcome: RunResult['outcome']; readonly billedMs: number };
}

/** Runtime options from the runner's environment: `KERNEL_POOL_SIZE` worker threads, `KERNEL_LOG_LEVEL`. */
function runtimeEnv(): { poolSize?: number; logger: 'fatal' | 'error' | 'warn' | 'info' | 'debug' } {
  const pool = Number(process.env.KERNEL_POOL_SIZE);
  const level = process.env.KERNEL_LOG_LEVEL;
  const logger = level === 'fatal' || level === 'error' || level === 'info' || level === 'debug' ? level : 'warn';
  return Number.isInteger(pool) && pool > 0 ? { poolSize: pool, logger } : { logger };
}

export class KernelPlayerRunner {
  readonly runtime: Runtime;
  readonly #driver: OfficialDriver;
  readonly #batcher: ExecuteBatcher;

  private constructor(driver: OfficialDriver, runtime: Runtime) {
    this.#driver = driver;
    this.runtime = runtime;
    this.#batcher = new ExecuteBatcher(runtime);
  }

  /** After `driver.connect('runner')`: loads the terrain (PathFinder and isolates) and starts the kernel's workers. */
  static async create(driver: OfficialDriver): Promise<KernelPlayerRunner> {
    const terrain = await driver.getAllTerrainData();
    loadPathFinderTerrain(terrain);
    const hostBootstrap = await gameBootstrap(driver, terrain);
    const runtime = await createRuntime({
      ...runtimeEnv(),
      hostBootstrap,
      cpuMaxPerTick: driver.config.cpuMaxPerTick,
      cpuBucketSize: driver.config.cpuBucketSize,
    });
    // The operator's sign that the setting took effect (and what the end-to-end test looks for).
    console.log(`Players run on screeps-runtime-kernel (${runtime.options.poolSize} worker threads)`);
    return new KernelPlayerRunner(driver, runtime);
  }

  async makeRuntime(userId: string): Promise<RunnerResult> {
    const { db, env, pubsub } = commonStorage();
    const config = this.#driver.config;
    const user = await db.users!.findOne({ _id: userId });
    if (user?.cpu) {
      // The driver's `make.js` checks, verbatim: a penalty after a hard reset, an empty bucket.
      if (user.skipTicksPenalty > 0) {
        void db.users!.update({ _id: userId }, { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0 }, $inc: { skipTicksPenalty: -1 } });
        throw { type: 'error', error: 'Your script is temporary blocked due to a hard reset inflicted to the runtime process.\nPlease try to change your code in order to prevent causing hard timeout resets.' };
      }
      if (user.cpuAvailable < 0) {
        const refill = user.cpuAvailable < -user.cpu * 2 ? -user.cpu * 2 : user.cpuAvailable + user.cpu;
        void db.users!.update({ _id: userId }, { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0, cpuAvailable: refill } });
        throw { type: 'error', error: 'Script execution has been terminated: CPU bucket is empty' };
      }
    }
    let data: RuntimeData;
    try {
      data = await runtimeData().get(userId);
    } catch (error) {
      // `data.js` rejects with `false` for a player without objects (it marks the user inactive).
      throw { error: error instanceof Error ? error.stack : error };
    }
    // data.js caches accessibleRooms per process with a race: a player fetched while the first fetch is
    // in flight gets none (the official run then fails). Read it here instead of failing the tick.
    if (data.accessibleRooms === undefined) data = { ...data, accessibleRooms: await env.get(env.keys.ACCESSIBLE_ROOMS!) };
    const sandboxOps = recordPlayerSandbox(config, userId);
    const finite = (n: number, fallback: number) => (Number.isFinite(n) ? n : fallback);
    const request: ExecuteRequest = {
      userId,
      username: data.user.username,
      gameTime: data.time,
      code: { modules: data.userCode, timestamp: data.userCodeTimestamp },
      cpu: { limit: finite(data.user.cpu, config.cpuMaxPerTick), bucket: finite(data.cpuBucket, config.cpuBucketSize), tickLimit: finite(data.cpu, config.cpuMaxPerTick) },
      memory: data.userMemory?.data ?? '',
      segments: data.memorySegments ?? {},
      ...(data.foreignMemorySegment ? { foreignSegment: data.foreignMemorySegment } : {}),
      consoleCommands: (data.consoleCommands ?? []).map((c, i) => ({ id: String(i), expression: String(c.expression), hidden: !!c.hidden })),
      // The whole runtimeData except what the kernel carries itself (code, Memory), parsed once in the isolate.
      hostData: JSON.stringify({ ...data, userCode: undefined, userMemory: undefined, __sandboxOps: sandboxOps }),
    };
    const result = await this.#batcher.run(request);
    const out = result.output;
    if (!out) throw { error: result.errors.join('\n') || `Script execution has been terminated (${result.outcome})` };

    const intents = storeIntents(userId, out.intents, data, config.customIntentTypes);
    const usedTime = Math.ceil(out.getUsedMs);
    // Kernel billing: the worker thread's CPU for the player's whole call, plus 0.2 per intent (F24).
    const billed = Math.ceil(result.cpu.billedMs + 0.2 * out.intentsCount);
    const $set: Record<string, unknown> = { lastUsedCpu: usedTime, lastUsedDirtyTime: Math.ceil(result.cpu.billedMs) };
    if (out.activeSegments) $set.activeSegments = out.activeSegments;
    if (out.defaultPublicSegment !== undefined) $set.defaultPublicSegment = out.defaultPublicSegment;
    if (Number.isFinite(data.cpu) && user?.cpu) $set.cpuAvailable = Math.min(config.cpuBucketSize, user.cpuAvailable + user.cpu - billed);
    // Not awaited, as in the driver's make.js: the runner saves the tick meanwhile.
    const writes: Promise<unknown>[] = [db.users!.update({ _id: userId }, { $set })];
    if (out.activeForeignSegment === null) writes.push(db.users!.update({ _id: userId }, { $unset: { activeForeignSegment: true } }));
    else if (out.activeForeignSegment) writes.push(db.users!.update({ _id: userId }, { $set: { activeForeignSegment: out.activeForeignSegment } }));
    if (out.publicSegments) writes.push(env.set(env.keys.PUBLIC_MEMORY_SEGMENTS + userId, out.publicSegments.join(',')));
    for (const [room, visual] of Object.entries(out.visuals ?? {})) {
      writes.push(env.setex(`${env.keys.ROOM_VISUAL}${userId},${room},${data.time}`, config.mainLoopResetInterval / 1000, visual));
    }
    const memory = out.memory ?? request.memory ?? '';
    const error = result.errors.length > 0 ? result.errors.join('\n') : undefined;
    writes.push(pubsub.publish(`user:${userId}/cpu`, JSON.stringify({ cpu: result.outcome === 'timedOut' ? 'error' : usedTime, memory: memory.length })));
    for (const w of writes) w.catch((e: unknown) => console.error('kernel driver: saving the tick of', userId, 'failed:', e));
    return {
      type: result.outcome === 'ok' ? 'done' : 'error',
      ...(error !== undefined ? { error } : {}),
      usedTime,
      usedCleanTime: out.getUsedMs,
      usedDirtyTime: Math.ceil(result.cpu.billedMs),
      intents,
      memory: { data: memory },
      console: { log: out.console.log, results: out.console.results },
      ...(out.segments ? { memorySegments: out.segments } : {}),
      ...(out.activeSegments ? { activeSegments: out.activeSegments } : {}),
      ...(out.defaultPublicSegment !== undefined ? { defaultPublicSegment: out.defaultPublicSegment } : {}),
      ...(out.activeForeignSegment !== undefined ? { activeForeignSegment: out.activeForeignSegment } : {}),
      ...(out.publicSegments ? { publicSegments: out.publicSegments.join(',') } : {}),
      ...(out.visuals ? { visual: out.visuals } : {}),
      username: data.user.username,
      kernel: { outcome: result.outcome, billedMs: result.cpu.billedMs },
    };
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
