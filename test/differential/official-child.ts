/**
 * Child process hosting the official runtime: `@screeps/driver` 5.3.0 `makeRuntime` with the storage
 * client of `@screeps/common` replaced by the in-memory one of `official-storage.ts`, and the engine
 * runner's `saveResult` (console, error, Memory, segments, intents through the driver's own functions).
 * Protocol (IPC): `{type:'run', scenario, userId}` -> `{type:'result', observations}`; `{type:'exit'}`.
 */
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import { installMemoryStorage, type StorageClient } from './official-storage.js';
import { FIRST_CODE_TIMESTAMP, FIRST_GAME_TIME, PLAYER_BUCKET, PLAYER_CPU, PROVIDER, consoleObservation, type Modules, type Scenario, type TickObservation } from './scenario.js';

const require = createRequire(import.meta.url);
const common = require('@screeps/common') as { storage: StorageClient };
const q = require('q') as (p: Promise<unknown>) => unknown;
const { collections, env, pubsub } = installMemoryStorage(common.storage, q);
const driver = require('@screeps/driver') as Driver;
const userVm = require('@screeps/driver/lib/runtime/user-vm.js') as { init(): void };

interface Driver {
  makeRuntime(userId: string): Promise<RunResult>;
  sendConsoleMessages(userId: string, console: unknown): Promise<unknown>;
  sendConsoleError(userId: string, error: unknown): Promise<unknown>;
  saveUserMemory(userId: string, memory: unknown): Promise<unknown>;
  saveUserMemorySegments(userId: string, segments: unknown): Promise<unknown>;
  saveUserIntents(userId: string, intents: unknown): Promise<unknown>;
}
interface RunResult {
  type?: string;
  error?: unknown;
  console?: unknown;
  memory?: unknown;
  memorySegments?: unknown;
  intents?: Record<string, unknown>;
}

const ROOM = 'W1N1';

async function seedWorld(): Promise<void> {
  await env.set('terrainData', deflateSync(JSON.stringify([{ room: ROOM, terrain: '0'.repeat(2500) }])).toString('base64'));
  await env.set('accessibleRooms', JSON.stringify([ROOM]));
  await env.set('roomStatusData', JSON.stringify({ novice: {}, respawn: {}, closed: {} }));
  await collections.users!.insert({ _id: PROVIDER.id, username: PROVIDER.username, cpu: PLAYER_CPU, cpuAvailable: PLAYER_BUCKET, active: 0, defaultPublicSegment: PROVIDER.defaultPublicSegment });
  await env.hmset(`memorySegments:${PROVIDER.id}`, Object.fromEntries(Object.entries(PROVIDER.segments)));
  await env.set(`publicMemorySegments:${PROVIDER.id}`, PROVIDER.publicSegments.join(','));
}

/** The backend escapes `.`, `/` and `\` in module names (`$DOT$`, `$SLASH$`, `$BACKSLASH$`). */
function escapeModules(modules: Modules): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(modules)) {
    out[name.replace(/\./g, '$DOT$').replace(/\//g, '$SLASH$').replace(/\\/g, '$BACKSLASH$')] = source;
  }
  return out;
}

async function upload(userId: string, modules: Modules, timestamp: number): Promise<void> {
  await collections['users.code']!.removeWhere({ user: userId });
  await collections['users.code']!.insert({ user: userId, branch: 'default', modules: escapeModules(modules), timestamp, activeWorld: true, activeSim: true });
}

async function addUser(userId: string): Promise<void> {
  await collections.users!.insert({ _id: userId, username: `player${userId}`, cpu: PLAYER_CPU, cpuAvailable: PLAYER_BUCKET, active: 10000 });
  // data.js skips (and deactivates) a player without room objects: give it a construction site.
  await collections['rooms.objects']!.insert({
    _id: `site${userId}`, type: 'constructionSite', room: ROOM, x: 10, y: 10, structureType: 'road', progress: 0, progressTotal: 300, user: userId,
  });
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/** The engine runner's `saveResult` (engine src/runner.js), on the driver's own save functions. */
async function saveResult(userId: string, runResult: RunResult): Promise<void> {
  if (runResult.console) await driver.sendConsoleMessages(userId, runResult.console);
  if (runResult.error) await driver.sendConsoleError(userId, runResult.error);
  const promises: Promise<unknown>[] = [];
  if (runResult.memory) promises.push(driver.saveUserMemory(userId, runResult.memory));
  if (runResult.memorySegments) promises.push(driver.saveUserMemorySegments(userId, runResult.memorySegments));
  if (runResult.intents) promises.push(driver.saveUserIntents(userId, runResult.intents));
  // The runner only logs a rejected save (e.g. Memory over 2 MB).
  await Promise.all(promises).catch(() => undefined);
}

async function observe(userId: string, gameTime: number, status: TickObservation['status'], notify: unknown[], from: number): Promise<TickObservation> {
  await settle();
  const published = pubsub.published.slice(from).filter((p) => p.channel === `user:${userId}/console`).map((p) => JSON.parse(p.message) as Record<string, unknown>);
  const user = (await collections.users!.findOne({ _id: userId }))!;
  const foreign = user.activeForeignSegment as { username: string; id?: number; user_id?: string } | undefined;
  const notifications = (await collections['users.notifications']!.find({ user: userId, type: 'msg' })).map((n) => ({ message: String(n.message), count: Number(n.count) }));
  const memory = ((await env.get(`memory:${userId}`)) as string | null) ?? '';
  const publicSegments = (await env.get(`publicMemorySegments:${userId}`)) as string | null;
  return {
    status,
    ...consoleObservation(published),
    memory,
    segments: { ...((env.values.get(`memorySegments:${userId}`) as Record<string, string> | undefined) ?? {}) },
    activeSegments: (user.activeSegments as number[] | undefined) ?? [],
    publicSegments,
    defaultPublicSegment: (user.defaultPublicSegment as number | null | undefined) ?? null,
    activeForeignSegment: foreign ? { username: foreign.username, id: foreign.id ?? null, userId: foreign.user_id ?? null } : null,
    visuals: visualsOf(userId, gameTime),
    notify,
    notifications,
  };
}

function visualsOf(userId: string, gameTime: number): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = `roomVisual:${userId},`;
  for (const [key, value] of env.values) {
    if (key.startsWith(prefix) && key.endsWith(`,${gameTime}`)) out[key.slice(prefix.length, key.length - `,${gameTime}`.length)] = String(value);
  }
  return out;
}

async function run(scenario: Scenario, userId: string): Promise<TickObservation[]> {
  await addUser(userId);
  let timestamp = FIRST_CODE_TIMESTAMP;
  let modules = scenario.code;
  await upload(userId, modules, timestamp);
  const observations: TickObservation[] = [];
  for (let i = 0; i < scenario.ticks; i++) {
    const step = scenario.steps?.[i];
    if (step?.code || step?.reupload) {
      modules = step.code ?? modules;
      await upload(userId, modules, ++timestamp);
    }
    for (const command of step?.commands ?? []) {
      await collections['users.console']!.insert({ user: userId, expression: command.expression, hidden: command.hidden ?? false });
    }
    if (step?.memory !== undefined) await env.set(`memory:${userId}`, step.memory);
    await env.set('gameTime', FIRST_GAME_TIME + i);
    const from = pubsub.published.length;
    let runResult: RunResult;
    let status: TickObservation['status'];
    try {
      runResult = await driver.makeRuntime(userId);
      status = runResult.type === 'done' ? 'ok' : 'error';
    } catch (rejection) {
      runResult = rejection as RunResult;
      status = 'rejected';
    }
    const notify = runResult.intents?.notify ? (JSON.parse(JSON.stringify(runResult.intents.notify)) as unknown[]) : [];
    await saveResult(userId, runResult);
    observations.push(await observe(userId, FIRST_GAME_TIME + i, status, notify, from));
  }
  return observations;
}

userVm.init();
const ready = seedWorld();
process.on('message', (message: { type: string; scenario?: Scenario; userId?: string }) => {
  if (message.type === 'exit') process.exit(0);
  if (message.type !== 'run') return;
  ready
    .then(() => run(message.scenario!, message.userId!))
    .then(
      (observations) => process.send!({ type: 'result', observations }),
      (error: unknown) => process.send!({ type: 'error', error: error instanceof Error ? error.stack : String(error) }),
    );
});
process.send!({ type: 'ready' });
