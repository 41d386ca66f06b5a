/**
 * The kernel's side of the differential suite: `runtime.execute()` runs each tick; the kernel's own
 * `MemoryStorage` loads the player's context and keeps what the tick saved (through the coordinator's
 * `commitFor`, the function that turns a run result into a storage commit), so Memory, segments, segment
 * settings, console commands and code uploads carry from tick to tick as they do in the kernel.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { commitFor } from '../../src/coordinator/results.js';
import { cpuGate } from '../../src/coordinator/cpu.js';
import { groupIntents } from '../../src/coordinator/intents.js';
import { normaliseRequest } from '../../src/execute-request.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { consoleChannel } from '../../src/storage/payloads.js';
import type { UserId } from '../../src/shared/ids.js';
import { FIRST_CODE_TIMESTAMP, FIRST_GAME_TIME, PLAYER_BUCKET, PLAYER_CPU, PROVIDER, consoleObservation, type Scenario, type TickObservation } from './scenario.js';

const require = createRequire(import.meta.url);
const system = require('@screeps/common/lib/system.js') as { sanitizeUserIntents(input: { notify: unknown[] }): { notify?: unknown[] } };


export class KernelSide implements AsyncDisposable {
  readonly #runtime: Runtime;
  readonly #storage = new MemoryStorage({ shardName: hostname() });

  private constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** One worker, the official isolate size (256 MB) and `Game.shard.name` of the official runner (its host name). */
  static async start(): Promise<KernelSide> {
    const runtime = await createRuntime({ poolSize: 1, memoryLimitMb: 256, shardName: hostname(), logger: 'silent' });
    const side = new KernelSide(runtime);
    await side.#seedProvider();
    return side;
  }

  async #seedProvider(): Promise<void> {
    const id = this.#storage.addUser({ id: PROVIDER.id, username: PROVIDER.username, cpu: PLAYER_CPU, cpuAvailable: PLAYER_BUCKET, active: false });
    await this.#storage.commit([{
      userId: id,
      gameTime: 0,
      user: { defaultPublicSegment: PROVIDER.defaultPublicSegment },
      segments: PROVIDER.segments,
      publicSegments: PROVIDER.publicSegments,
      console: null,
      errors: [],
      consumedCommands: [],
    }]);
  }

  async run(scenario: Scenario, userIdText: string): Promise<TickObservation[]> {
    const storage = this.#storage;
    const userId = storage.addUser({ id: userIdText, username: `player${userIdText}`, cpu: PLAYER_CPU, cpuAvailable: PLAYER_BUCKET });
    let timestamp = FIRST_CODE_TIMESTAMP;
    let modules = scenario.code;
    storage.setCode(userId, modules, timestamp);
    const published: string[] = [];
    const unsubscribe = storage.subscribe(consoleChannel(userId), (message) => published.push(message));
    const observations: TickObservation[] = [];
    try {
      for (let i = 0; i < scenario.ticks; i++) {
        const step = scenario.steps?.[i];
        if (step?.code || step?.reupload) {
          modules = step.code ?? modules;
          storage.setCode(userId, modules, ++timestamp);
        }
        for (const command of step?.commands ?? []) storage.addConsoleCommand(userId, command.expression, command.hidden ?? false);
        if (step?.memory !== undefined) storage.setMemory(userId, step.memory);
        // Notifications with a group interval of 0 are grouped by the millisecond: ticks of the same
        // millisecond would merge here where they never do on the (slower) official side.
        await new Promise((resolve) => setTimeout(resolve, 2));
        const from = published.length;
        const status = await this.#tick(userId, FIRST_GAME_TIME + i);
        observations.push(this.#observe(userId, FIRST_GAME_TIME + i, status.status, status.notify, published.slice(from)));
      }
    } finally {
      unsubscribe();
    }
    return observations;
  }

  async #tick(userId: UserId, gameTime: number): Promise<{ status: TickObservation['status']; notify: unknown[] }> {
    const storage = this.#storage;
    const settings = { cpuMaxPerTick: this.#runtime.options.cpuMaxPerTick, cpuBucketSize: this.#runtime.options.cpuBucketSize };
    const loaded = (await storage.loadContexts([{ userId }])).get(userId);
    if (!loaded?.ok) throw new Error(`kernel side: could not load ${userId}`);
    const { context } = loaded;
    const gate = cpuGate(context.user, settings);
    if (!gate.run) throw new Error(`kernel side: ${userId} skipped (${gate.reason}); scenarios stay within the bucket`);
    const code = context.code!;
    const execute = {
      userId,
      username: context.user.username,
      gameTime,
      code: { modules: code.modules!, timestamp: code.timestamp },
      cpu: gate.limits,
      memory: context.memory,
      segments: context.segments,
      ...(context.foreignSegment ? { foreignSegment: context.foreignSegment } : {}),
      interShard: context.interShard,
      consoleCommands: context.consoleCommands,
    };
    const [result] = await this.#runtime.execute([execute]);
    const request = normaliseRequest(execute, this.#runtime.options);
    const { commit } = commitFor(context.user, request, result!, settings);
    await storage.commit([commit]);
    const status = result!.outcome === 'ok' ? 'ok' : result!.outcome === 'scriptError' || result!.outcome === 'timedOut' ? 'error' : 'rejected';
    const grouped = result!.output ? groupIntents(result!.output.intents, new Map(), {}) : {};
    // The kernel keeps `notify` payloads as registered and normalises them when it stores them; the
    // official `storeIntents` sanitises them first. Compared in the official representation.
    const notify = grouped.notify ? (JSON.parse(JSON.stringify(system.sanitizeUserIntents({ notify: grouped.notify }).notify ?? [])) as unknown[]) : [];
    return { status, notify };
  }

  #observe(userId: UserId, gameTime: number, status: TickObservation['status'], notify: unknown[], published: readonly string[]): TickObservation {
    const storage = this.#storage;
    const payloads = published.map((p) => JSON.parse(p) as Record<string, unknown>);
    const user = storage.getUser(userId)!;
    const segments: Record<string, string> = {};
    for (let id = 0; id < 100; id++) {
      const data = storage.getSegment(userId, id);
      if (data !== undefined) segments[id] = data;
    }
    const publicSegments = storage.getPublicSegments(userId);
    const foreign = user.activeForeignSegment;
    return {
      status,
      ...consoleObservation(payloads),
      // No stored Memory reads as `""` (data.js: `memStr || ""`); the official runner stores `""` back.
      memory: storage.getMemory(userId) ?? '',
      segments,
      activeSegments: [...user.activeSegments],
      publicSegments: publicSegments === undefined ? null : publicSegments.join(','),
      defaultPublicSegment: user.defaultPublicSegment,
      activeForeignSegment: foreign ? { username: foreign.username, id: foreign.id ?? null, userId: foreign.user_id ?? null } : null,
      visuals: Object.fromEntries(
        [...storage.visuals].filter(([key]) => key.startsWith(`roomVisual:${userId},`) && key.endsWith(`,${gameTime}`))
          .map(([key, data]) => [key.slice(`roomVisual:${userId},`.length, key.length - `,${gameTime}`.length), data]),
      ),
      notify,
      notifications: storage.notifications.filter((n) => n.userId === userId && n.type === 'msg').map((n) => ({ message: n.message, count: n.count })),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#runtime.close();
  }
}
