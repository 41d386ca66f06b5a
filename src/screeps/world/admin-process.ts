/**
 * A child process of the world harness that talks to the official storage with `@screeps/common`'s
 * client (which reconnects forever once connected, so it lives in a process of its own that the
 * harness kills). Requests come over IPC: place a bot as the backend CLI's `bots.spawn` does, set the
 * tick rate, read the game time, take a snapshot of the players' state.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { commonModule, officialDriver } from '../official.js';

type Request = { id: number; op: 'placeBot'; args: PlaceBot } | { id: number; op: 'tickRate'; args: { ms: number } } | { id: number; op: 'gameTime' } | { id: number; op: 'hasEnv'; args: { key: string } } | { id: number; op: 'stopAt'; args: { time: number } } | { id: number; op: 'freeRooms' } | { id: number; op: 'prepare' } | { id: number; op: 'resume' } | { id: number; op: 'snapshot' };

export interface PlaceBot {
  readonly botDir: string;
  readonly username: string;
  readonly room: string;
}

const common = commonModule();
const { db, env } = common.storage;
const C = common.configManager.config.common.constants as Record<string, number>;

/** The writes of the backend CLI's `bots.spawn(bot, room, {username})`, with the spawn at the first free tile from the room's centre. */
async function placeBot({ botDir, username, room }: PlaceBot): Promise<string> {
  const modules: Record<string, string> = {};
  for (const file of readdirSync(botDir)) if (file.endsWith('.js')) modules[basename(file, '.js')] = readFileSync(join(botDir, file), 'utf8');
  const controller = await db['rooms.objects']!.findOne({ $and: [{ room }, { type: 'controller' }] });
  if (!controller) throw new Error(`Room controller not found in ${room}`);
  if (controller.user) throw new Error(`Room ${room} is already owned`);
  const user = await db.users!.insert({
    // A fixed id per name (the CLI's is random): the seeded Math.random and Memory depend on it, so two worlds match.
    _id: createHash('sha256').update(username).digest('hex').slice(0, 15),
    username,
    usernameLower: username.toLowerCase(),
    cpu: 100,
    gcl: 0,
    cpuAvailable: 0,
    registeredDate: new Date(),
    bot: basename(join(botDir, '..')),
    active: true,
    badge: { type: 1, color1: '#ff0000', color2: '#00ff00', color3: '#0000ff', flip: false, param: 0 },
  });
  await db['users.code']!.insert({ user: user._id, modules, branch: 'default', activeWorld: true, activeSim: true });
  await env.set(env.keys.MEMORY + user._id, '{}');
  const terrain = (await db['rooms.terrain']!.findOne({ room })).terrain as string;
  const [x, y] = freeTile(terrain, controller.x as number, controller.y as number);
  await db['rooms.objects']!.insert({
    type: 'spawn', room, x, y, name: 'Spawn1', user: user._id,
    store: { energy: C.SPAWN_ENERGY_START }, storeCapacityResource: { energy: C.SPAWN_ENERGY_CAPACITY }, hits: C.SPAWN_HITS, hitsMax: C.SPAWN_HITS,
    spawning: null, notifyWhenAttacked: false,
  });
  const gameTime = await common.getGametime();
  await db['rooms.objects']!.update({ $and: [{ room }, { type: 'controller' }] }, { $set: { user: user._id, level: 1, progress: 0, downgradeTime: null, safeMode: gameTime + 20000 } });
  await db.rooms!.update({ _id: room }, { $set: { active: true, invaderGoal: 1000000 } });
  return user._id as string;
}

/** The plain tile nearest to the room's centre, at least 3 tiles from the controller and 4 from the edges. */
function freeTile(terrain: string, cx: number, cy: number): [number, number] {
  let best: [number, number] = [25, 25];
  let bestDistance = Infinity;
  for (let y = 4; y < 46; y++) {
    for (let x = 4; x < 46; x++) {
      if (Number(terrain.charAt(y * 50 + x)) & (C.TERRAIN_MASK_WALL ?? 1)) continue;
      if (Math.max(Math.abs(x - cx), Math.abs(y - cy)) < 3) continue;
      const d = (x - 25) ** 2 + (y - 25) ** 2;
      if (d < bestDistance) {
        bestDistance = d;
        best = [x, y];
      }
    }
  }
  return best;
}

async function snapshot(): Promise<unknown> {
  const users = (await db.users!.find({ active: true })).filter((u) => u.bot);
  const players = [];
  for (const user of users) {
    const objects = await db['rooms.objects']!.find({ user: user._id });
    const pick = (o: any) => ({ type: o.type, name: o.name, room: o.room, x: o.x, y: o.y, store: o.store, hits: o.hits, level: o.level, progress: o.progress, spawning: o.spawning ? o.spawning.name : null });
    const rooms = [...new Set(objects.filter((o) => o.type === 'controller').map((o) => o.room as string))];
    const sources = (await db['rooms.objects']!.find({ $and: [{ room: { $in: rooms } }, { type: 'source' }] })).map((o) => ({ room: o.room, x: o.x, y: o.y, energy: o.energy, energyCapacity: o.energyCapacity }));
    players.push({
      id: user._id,
      sources,
      username: user.username,
      lastUsedCpu: user.lastUsedCpu,
      objects: objects.map(pick).sort((a, b) => `${a.type}:${a.name ?? ''}:${a.room}:${a.x}:${a.y}`.localeCompare(`${b.type}:${b.name ?? ''}:${b.room}:${b.x}:${b.y}`)),
      memory: await env.get(env.keys.MEMORY + user._id),
      errors: (await db['users.notifications']!.find({ user: user._id, type: 'error' })).map((n) => n.message as string),
    });
  }
  return { gameTime: await common.getGametime(), players };
}

/**
 * Pauses main's loop as soon as the game time reaches `time`: main announces each new time on `roomsDone`
 * and reads the pause flag at the start of its next tick, after a few storage calls of its own, so the
 * flag set from here is there first and the world stops at exactly `time`.
 */
let stopTarget: { time: number; done: () => void } | null = null;
let subscribed = false;
async function stopAt(time: number): Promise<void> {
  // Main itself refuses to start a tick at `time` (stop-at-mod.cjs); the pause flag below then keeps it idle.
  await env.set('kernelWorldStopAt', String(time));
  if (!subscribed) {
    subscribed = true;
    common.storage.pubsub.subscribe(common.storage.pubsub.keys.ROOMS_DONE!, (data) => {
      const target = stopTarget;
      if (target === null || Number(data) < target.time) return;
      stopTarget = null;
      void env.set(env.keys.MAIN_LOOP_PAUSED!, '1').then(target.done);
    });
  }
  return new Promise<void>((done) => {
    stopTarget = { time, done };
  });
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'placeBot':
      return placeBot(request.args);
    case 'tickRate':
      return env.set(env.keys.MAIN_LOOP_MIN_DURATION!, request.args.ms);
    case 'gameTime':
      return common.getGametime();
    case 'prepare': {
      // What main computes every 20 ticks, computed once before it starts (the driver's own functions):
      // without it the runner's first runs fail on data.js's missing room status data. The world starts
      // paused, so no tick runs before the runner is up.
      const driver = officialDriver() as unknown as { updateAccessibleRoomsList(): Promise<unknown>; updateRoomStatusData(): Promise<unknown> };
      await driver.updateAccessibleRoomsList();
      await driver.updateRoomStatusData();
      return env.set(env.keys.MAIN_LOOP_PAUSED!, '1');
    }
    case 'resume':
      return env.set(env.keys.MAIN_LOOP_PAUSED!, '0');
    case 'freeRooms':
      return (await db['rooms.objects']!.find({ type: 'controller' })).filter((c) => !c.user).map((c) => c.room as string).sort();
    case 'stopAt':
      return stopAt(request.args.time);
    case 'hasEnv':
      return (await env.get(env.keys[request.args.key] ?? request.args.key)) != null;
    case 'snapshot':
      return snapshot();
  }
}

await common.storage._connect();
process.on('message', (request: Request) => {
  handle(request).then(
    (result) => process.send!({ id: request.id, result }),
    (error: unknown) => process.send!({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
