/**
 * `DRIVER_MODULE` of the runner in the per-tick game differential test (game-diff.test.ts): the official
 * `@screeps/driver`, whose `makeRuntime(userId)` runs each player twice on the same tick, first through
 * the kernel driver's path (`KernelPlayerRunner.makeRuntime`, the kernel's warm isolates) and then
 * through the official `makeRuntime` (the driver's own isolates), and hands the official result to the
 * runner, so the world evolves exactly as on the official runner. The kernel run builds its runtimeData
 * with the kernel driver's own loader (`WorldLoader`); the official run gets a copy of what the driver's
 * `data.js` returned for the same player-tick, and the two loads are compared (`loadedEqual`).
 * What the two runs returned is appended to `GAME_DIFF_OUT` (one JSON line per player-tick); the test
 * compares it. `GAME_DIFF_CODE` (JSON, username -> modules) uploads other bots' code when the runner
 * connects, as the backend's code upload does.
 */
import official = require('@screeps/driver');
import fs = require('node:fs');

type KernelPlayerRunner = import('../../../src/screeps/kernel-driver.js').KernelPlayerRunner;
type Run = import('./record.js').Run;
type CommonStorage = import('../../../src/screeps/official.js').CommonStorage;

interface DataModule {
  get(userId: string): Promise<Record<string, unknown>>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const data = require('@screeps/driver/lib/runtime/data.js') as DataModule;
const fetchData = data.get.bind(data);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commonStorage = (): CommonStorage => (require('@screeps/common') as { storage: CommonStorage }).storage;
const recordModule = import('./record.js');
const OUT = process.env.GAME_DIFF_OUT;
if (!OUT) throw new Error('GAME_DIFF_OUT is not set');

const driver = Object.create(official as object) as Record<string, unknown>;
let kernel: Promise<KernelPlayerRunner> | undefined;
let busy = false;
const seen = new Set<string>();

function startKernel(): Promise<KernelPlayerRunner> {
  kernel ??= import('../../../src/screeps/kernel-driver.js').then((m) => m.KernelPlayerRunner.create(official));
  return kernel;
}

async function uploadCode(): Promise<void> {
  const { db } = commonStorage();
  const bots = JSON.parse(process.env.GAME_DIFF_CODE ?? '{}') as Record<string, Record<string, string>>;
  for (const [username, modules] of Object.entries(bots)) {
    const user = await db.users!.findOne({ username });
    if (!user) throw new Error(`no user ${username} to upload code for`);
    await db['users.code']!.update({ user: user._id }, { $set: { modules, timestamp: Date.now() } });
  }
}

driver.connect = function connect(processType: string): Promise<unknown> {
  return official.connect(processType).then(async (connected: unknown) => {
    if (processType === 'runner') {
      await uploadCode();
      await startKernel();
    }
    return connected;
  });
};

/** The user fields a run writes (make.js and the kernel driver), to undo the kernel's writes before the official run. */
const USER_FIELDS = ['cpuAvailable', 'lastUsedCpu', 'lastUsedDirtyTime', 'activeSegments', 'defaultPublicSegment', 'activeForeignSegment'];

async function settle(run: () => Promise<unknown>): Promise<Run> {
  try {
    return { resolved: (await run()) as Readonly<Record<string, unknown>> };
  } catch (rejection) {
    return { rejected: rejection };
  }
}

/** null when the kernel's load equals data.js's (as JSON text, key order included), else the first differing field. */
function sameLoad(fetched: Run, ours: { data: unknown } | { rejected: unknown }): string | null {
  if ('rejected' in fetched || 'rejected' in ours) {
    const a = 'rejected' in fetched ? JSON.stringify({ error: fetched.rejected }) : 'resolved';
    const b = 'rejected' in ours ? JSON.stringify(ours.rejected) : 'resolved';
    return a === b ? null : `rejection: data.js ${a}, kernel ${b}`;
  }
  const official = fetched.resolved;
  const kernel = ours.data as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(official), ...Object.keys(kernel)])];
  if (JSON.stringify(Object.keys(official)) !== JSON.stringify(Object.keys(kernel))) return `fields: ${Object.keys(official).join()} / ${Object.keys(kernel).join()}`;
  for (const key of keys) if (JSON.stringify(official[key]) !== JSON.stringify(kernel[key])) return `${key}: ${JSON.stringify(official[key])?.slice(0, 300)} / ${JSON.stringify(kernel[key])?.slice(0, 300)}`;
  return null;
}

driver.makeRuntime = async function makeRuntime(userId: string): Promise<unknown> {
  // The runner runs one player at a time here (RUNNER_THREADS=1); the shared data copy relies on it.
  if (busy) throw { error: 'game-diff tee driver: concurrent makeRuntime (set RUNNER_THREADS=1)' };
  busy = true;
  try {
    const { db } = commonStorage();
    const runner = await startKernel();
    const before = await db.users!.findOne({ _id: userId });
    const fetched = await settle(() => fetchData(userId));
    // The kernel driver's own load of the same player-tick (WorldLoader), compared with data.js's as JSON
    // text: same values and same key orders. Loaded in a batch with every other player seen so far, as
    // the kernel driver loads them, so the batch requests' answers are split per player. (Loading
    // the others again has no side effect here: nobody in this world is blocked or without objects, and
    // nobody sends console commands.)
    seen.add(userId);
    const [ours] = await runner.loader.load([userId, ...[...seen].filter((id) => id !== userId)]);
    const loadedEqual = sameLoad(fetched, ours!);
    const copy = (): Promise<Record<string, unknown>> =>
      'resolved' in fetched ? Promise.resolve(structuredClone(fetched.resolved as Record<string, unknown>)) : Promise.reject(structuredClone(fetched.rejected));
    data.get = (id: string) => (id === userId ? copy() : fetchData(id));
    const kernelRun = await settle(() => runner.makeRuntime(userId));
    // Undo the kernel run's user writes (issued before it returned, on the same storage connection).
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, true> = {};
    for (const field of USER_FIELDS) {
      if (before?.[field] === undefined) $unset[field] = true;
      else $set[field] = before[field];
    }
    await db.users!.update({ _id: userId }, { $set, $unset });
    const officialRun = await settle(() => official.makeRuntime(userId));
    data.get = fetchData;
    const runtimeData = 'resolved' in fetched ? fetched.resolved : null;
    const { recordOf } = await recordModule;
    fs.appendFileSync(OUT, `${JSON.stringify({ ...recordOf(userId, runtimeData, officialRun, kernelRun), loadedEqual })}\n`);
    if ('rejected' in officialRun) throw officialRun.rejected;
    return officialRun.resolved;
  } finally {
    data.get = fetchData;
    busy = false;
  }
};

export = driver;
