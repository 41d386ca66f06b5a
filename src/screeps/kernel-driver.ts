/**
 * `makeRuntime(userId)` of the official driver, on the kernel: the player's runtimeData is what the
 * driver's own `data.js` builds, loaded for a batch of players at once (`WorldLoader`), the tick runs in the player's warm kernel isolate (batched with the other
 * players the runner hands over meanwhile), and the result has the shape the engine's runner saves
 * (`runner.js` `saveResult`). The per-player bookkeeping the driver's `make.js` does after a run (CPU
 * bucket, `lastUsedCpu`, segments flags, visuals, the `user:<id>/cpu` message) is done here the same way.
 */
import { createRuntime, type ExecuteRequest, type RunResult, type Runtime } from '../index.js';
import { Batcher, ExecuteBatcher } from './batcher.js';
import { gameBootstrap } from './bootstrap.js';
import { commonModule, commonStorage, loadPathFinderTerrain, storeIntents, type OfficialDriver } from './official.js';
import { recordPlayerSandbox } from './player-sandbox.js';
import { WorldLoader, type Loaded } from './world-loader.js';

/** A failed load rejects every player of its batch as the runner expects a rejection: `{error}`. */
async function loadOrReject(loader: WorldLoader, ids: readonly string[]): Promise<Loaded[]> {
  try {
    return await loader.load(ids);
  } catch (error) {
    const rejected = { error: error instanceof Error ? error.stack : error };
    return ids.map(() => ({ rejected }));
  }
}

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

/** Runtime options from the runner's environment: `KERNEL_POOL_SIZE` worker threads, `KERNEL_BATCH_SIZE`, `KERNEL_LOG_LEVEL`. */
function runtimeEnv(): { poolSize?: number; batchSize: number; logger: 'fatal' | 'error' | 'warn' | 'info' | 'debug' } {
  const pool = Number(process.env.KERNEL_POOL_SIZE);
  const batch = Number(process.env.KERNEL_BATCH_SIZE ?? DEFAULT_BATCH_SIZE);
  const level = process.env.KERNEL_LOG_LEVEL;
  const logger = level === 'fatal' || level === 'error' || level === 'info' || level === 'debug' ? level : 'warn';
  const batchSize = Number.isInteger(batch) && batch > 0 ? batch : DEFAULT_BATCH_SIZE;
  return Number.isInteger(pool) && pool > 0 ? { poolSize: pool, batchSize, logger } : { batchSize, logger };
}

/** Players per worker task: results come back task by task, and the runner saves each as it comes. */
const DEFAULT_BATCH_SIZE = 4;

export class KernelPlayerRunner {
  readonly runtime: Runtime;
  readonly #driver: OfficialDriver;
  /** Builds the players' runtimeData, a batch at a time (public for the game differential's comparison with data.js). */
  readonly loader: WorldLoader;
  readonly #loads: Batcher<string, Loaded>;
  readonly #batcher: ExecuteBatcher;

  private constructor(driver: OfficialDriver, runtime: Runtime) {
    this.#driver = driver;
    this.runtime = runtime;
    const common = commonModule();
    this.loader = new WorldLoader({ ...common.storage, getGametime: () => common.getGametime() }, { cpuMaxPerTick: driver.config.cpuMaxPerTick });
    this.#loads = new Batcher((ids) => loadOrReject(this.loader, ids), (id) => id);
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
      // Measured on simplebot at 30 players (benchmarks/README.md): baseline-compiling all of the engine in
      // every isolate costs more than it saves, and a 1 MB semi-space (V8 otherwise sizes it from the
      // 256 MB limit) saves memory per player at the same CPU.
      fastTiering: false,
      maxSemiSpaceMb: 1,
    });
    // The operator's sign that the setting took effect (and what the end-to-end test looks for).
    console.log(`Players run on screeps-runtime-kernel (${runtime.options.poolSize} worker threads)`);
    return new KernelPlayerRunner(driver, runtime);
  }

  async makeRuntime(userId: string): Promise<RunnerResult> {
    const { db, env, pubsub } = commonStorage();
    const config = this.#driver.config;
    // make.js's checks (penalty, empty bucket) and data.js's runtimeData, for the batch the player joins.
    const loaded = await this.#loads.run(userId);
    if ('rejected' in loaded) throw loaded.rejected;
    const data = loaded.data;
    const user = data.user;
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
