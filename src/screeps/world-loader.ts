/**
 * The players' runtimeData for a whole batch at once, equal to what the driver's `data.js` builds for
 * each of them alone (same objects, same key orders), with far fewer storage requests:
 *
 * - per tick, what every player shares: each room's objects (loaded once per tick, for the rooms some
 *   player of the tick sees), the rooms, their event logs, the accessible rooms, the room status data
 *   and the active market orders. Nothing writes these while the runners run: the runner saves intents,
 *   Memory and user fields; the processors write the world after every player of the tick has run.
 * - per batch, one request per collection for all of the batch's players (`{user: {$in: ids}}`), where
 *   `data.js` sends one per player: users, their objects, code, Memory (`mget`), console commands,
 *   flags, power creeps, own market orders, transactions, and the users their rooms name.
 *
 * Key orders follow `data.js`'s queries on the official storage (LokiJS): a `$in` over an indexed field
 * (`room`, `user`) answers value by value, each in the index's order, as the same query with one value
 * does; a `$in` over another field (`_id` of users and rooms, market orders) scans in collection order,
 * which filtering keeps. So every player's lists are the same subsequences, in the same order, as its
 * own queries would return; the per-tick game differential (test/screeps/game-diff) compares both.
 * What differs: players see the world's shared parts as of their tick's first load rather than of their
 * own (the same while the runners run), and the room status data is read every tick rather than cached
 * for a minute.
 */
import type { CommonStorage, RuntimeData } from './official.js';

type Doc = Record<string, any>;

/** A player's runtimeData, or what the runner receives as the rejection (as from `make.js`). */
export type Loaded = { readonly data: RuntimeData } | { readonly rejected: unknown };

export interface LoaderConfig {
  readonly cpuMaxPerTick: number;
}

/** The storage requests `data.js` and `make.js` send, the engine's `common.getGametime()` included. */
export interface LoaderStorage extends Pick<CommonStorage, 'db' | 'env'> {
  getGametime(): Promise<number>;
}

interface TickCache {
  readonly time: number;
  readonly rooms: Promise<Doc[]>;
  readonly objects: Map<string, Promise<Doc[]>>;
  readonly eventLogs: Map<string, Promise<unknown>>;
  readonly accessibleRooms: Promise<unknown>;
  readonly roomStatusData: Promise<unknown>;
  readonly marketOrders: Promise<Record<string, Record<string, Doc>>>;
}

const TRANSACTIONS_PER_PLAYER = 100;
const MARKET_HISTORY_MS = 3 * 60 * 60 * 1000;
const BLOCKED_BY_PENALTY = 'Your script is temporary blocked due to a hard reset inflicted to the runtime process.\nPlease try to change your code in order to prevent causing hard timeout resets.';
const BUCKET_EMPTY = 'Script execution has been terminated: CPU bucket is empty';

/** `driver.mapById`: id -> document, in the list's order. */
function mapById(list: readonly Doc[]): Record<string, Doc> {
  const out: Record<string, Doc> = {};
  for (const doc of list) out[String(doc._id)] = doc;
  return out;
}

function groupBy(list: readonly Doc[], field: string): Map<string, Doc[]> {
  const out = new Map<string, Doc[]>();
  for (const doc of list) {
    const key = doc[field] as string;
    const group = out.get(key);
    if (group) group.push(doc);
    else out.set(key, [doc]);
  }
  return out;
}

export class WorldLoader {
  readonly #storage: LoaderStorage;
  readonly #config: LoaderConfig;
  #tick: TickCache | null = null;
  #marketHistory: { at: number; history: Promise<unknown> } | null = null;

  constructor(storage: LoaderStorage, config: LoaderConfig) {
    this.#storage = storage;
    this.#config = config;
  }

  /** The runtimeData of each player of the batch (one entry per id, in order). */
  async load(userIds: readonly string[]): Promise<Loaded[]> {
    try {
      return await this.#load(userIds);
    } catch (error) {
      // A failed request must not stay cached for the rest of the tick.
      this.#tick = null;
      throw error;
    }
  }

  async #load(userIds: readonly string[]): Promise<Loaded[]> {
    const { db } = this.#storage;
    const ids = [...userIds];
    const [time, users, ownObjects] = await Promise.all([
      this.#storage.getGametime(),
      db.users!.find({ _id: { $in: ids } }),
      db['rooms.objects']!.find({ user: { $in: ids } }),
    ]);
    const userById = new Map(users.map((u: Doc) => [String(u._id), u]));
    const objectsByUser = groupBy(ownObjects, 'user');
    const out = new Map<string, Loaded>();
    const running: string[] = [];
    for (const id of ids) {
      const blocked = this.#blocked(userById.get(id));
      if (!userById.has(id)) out.set(id, { rejected: { error: `no user ${id}` } });
      else if (blocked !== null) out.set(id, { rejected: blocked });
      else if (!objectsByUser.has(id)) {
        // data.js: a player without objects is marked inactive, and its run rejects with `false`.
        void db.users!.update({ _id: id }, { $set: { active: 0 } });
        out.set(id, { rejected: { error: false } });
      } else running.push(id);
    }
    if (running.length > 0) {
      const loaded = await this.#loadRunning(time, running, userById, objectsByUser);
      for (const [id, data] of loaded) out.set(id, { data });
    }
    return ids.map((id) => out.get(id)!);
  }

  /** `make.js`'s checks before a run: a penalty after a hard reset, an empty bucket (with its writes). */
  #blocked(user: Doc | undefined): unknown {
    if (!user?.cpu) return null;
    const { db } = this.#storage;
    if (user.skipTicksPenalty > 0) {
      void db.users!.update({ _id: user._id }, { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0 }, $inc: { skipTicksPenalty: -1 } });
      return { type: 'error', error: BLOCKED_BY_PENALTY };
    }
    if (user.cpuAvailable < 0) {
      const refill = user.cpuAvailable < -user.cpu * 2 ? -user.cpu * 2 : user.cpuAvailable + user.cpu;
      void db.users!.update({ _id: user._id }, { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0, cpuAvailable: refill } });
      return { type: 'error', error: BUCKET_EMPTY };
    }
    return null;
  }

  #tickCache(time: number): TickCache {
    if (this.#tick?.time === time) return this.#tick;
    const { db, env } = this.#storage;
    const marketOrders = db['market.orders']!.find({ active: true }).then((orders: Doc[]) => {
      const result: Record<string, Record<string, Doc>> = { all: {} };
      for (const order of orders) {
        order.id = String(order._id);
        delete order._id;
        (result[order.resourceType] ??= {})[order.id] = order;
        result.all![order.id] = order;
      }
      return result;
    });
    const roomStatusData = env.get(env.keys.ROOM_STATUS_DATA!).then((text: string | null) => (text == null ? null : (JSON.parse(text) as unknown)));
    this.#tick = {
      time,
      rooms: db.rooms!.find({}),
      objects: new Map(),
      eventLogs: new Map(),
      accessibleRooms: env.get(env.keys.ACCESSIBLE_ROOMS!),
      roomStatusData,
      marketOrders,
    };
    // Nobody awaits these until a player needs them; a failure surfaces then.
    for (const p of [this.#tick.rooms, this.#tick.accessibleRooms, roomStatusData, marketOrders]) p.catch(() => undefined);
    return this.#tick;
  }

  #history(): Promise<unknown> {
    const now = Date.now();
    if (this.#marketHistory !== null && this.#marketHistory.at + MARKET_HISTORY_MS > now) return this.#marketHistory.history;
    const history = this.#storage.db['market.stats']!.find({}).then((list: Doc[]) => {
      const result: Record<string, Doc[]> = { all: [] };
      for (const item of list) {
        delete item._id;
        if (item.meta) delete item.meta;
        if (item.$loki) delete item.$loki;
        (result[item.resourceType] ??= []).push(item);
        result.all!.push(item);
      }
      return result;
    });
    this.#marketHistory = { at: now, history };
    history.catch(() => {
      this.#marketHistory = null;
    });
    return history;
  }

  /** The objects of each room, loaded once per tick (one request for the rooms not loaded yet). */
  #roomObjects(tick: TickCache, rooms: Iterable<string>): void {
    const missing = [...new Set(rooms)].filter((room) => !tick.objects.has(room));
    if (missing.length === 0) return;
    const { db, env } = this.#storage;
    const objects = db['rooms.objects']!.find({ room: { $in: missing } }).then((list: Doc[]) => groupBy(list, 'room'));
    const logs = env.hmget(env.keys.ROOM_EVENT_LOG!, missing);
    missing.forEach((room, i) => {
      tick.objects.set(room, objects.then((byRoom) => byRoom.get(room) ?? []));
      tick.eventLogs.set(room, logs.then((values: unknown[]) => values[i]));
    });
  }

  async #loadRunning(time: number, ids: readonly string[], userById: Map<string, Doc>, objectsByUser: Map<string, Doc[]>): Promise<Map<string, RuntimeData>> {
    const { db, env } = this.#storage;
    const tick = this.#tickCache(time);

    // Each player's rooms, as data.js gathers them from its objects (and the users its signs name).
    const roomIdsOf = new Map<string, string[]>();
    const userIdsOf = new Map<string, Set<string>>();
    for (const id of ids) {
      const roomIds: Record<string, true> = {};
      const userIds = new Set<string>([id]);
      for (const o of objectsByUser.get(id)!) {
        if (o.type === 'flag' || o.type === 'constructionSite') continue;
        roomIds[o.room] = true;
        if (o.type === 'observer') roomIds[o.observeRoom] = true;
        if (o.type === 'controller' && o.sign) userIds.add(o.sign.user);
      }
      roomIdsOf.set(id, Object.keys(roomIds));
      userIdsOf.set(id, userIds);
    }
    const batchRooms = [...new Set([...roomIdsOf.values()].flat())];
    this.#roomObjects(tick, batchRooms);

    const activeSegmentsOf = (id: string): unknown[] | undefined => {
      const active = userById.get(id)!.activeSegments as unknown[] | undefined;
      return active && active.length > 0 ? active : undefined;
    };
    const activeSegments = ids.map(activeSegmentsOf);
    const [code, memory, consoleCommands, flags, powerCreeps, myOrders, transactions, rooms, accessibleRooms, roomStatusData, marketOrders, history, segments, foreign] = await Promise.all([
      db['users.code']!.find({ $and: [{ user: { $in: ids } }, { activeWorld: true }] }),
      env.mget(ids.map((id) => env.keys.MEMORY + id)),
      db['users.console']!.find({ user: { $in: ids } }),
      db['rooms.flags']!.find({ user: { $in: ids } }),
      db['users.power_creeps']!.find({ user: { $in: ids } }),
      db['market.orders']!.find({ user: { $in: ids } }),
      this.#transactions(ids),
      tick.rooms,
      tick.accessibleRooms,
      tick.roomStatusData,
      tick.marketOrders,
      this.#history(),
      Promise.all(ids.map((id, i) => (activeSegments[i] ? env.hmget(env.keys.MEMORY_SEGMENTS + id, activeSegments[i]) : undefined))),
      Promise.all(ids.map((id) => this.#foreignSegment(userById.get(id)!))),
    ]);
    if (consoleCommands.length > 0) void db['users.console']!.removeWhere({ _id: { $in: consoleCommands.map((c: Doc) => c._id) } });

    const codeOf = new Map<string, Doc>();
    for (const doc of code) if (!codeOf.has(doc.user)) codeOf.set(doc.user, doc);
    const consoleOf = groupBy(consoleCommands, 'user');
    const flagsOf = groupBy(flags, 'user');
    const powerCreepsOf = groupBy(powerCreeps, 'user');
    const ordersOf = groupBy(myOrders, 'user');

    // The batch's rooms as loaded this tick: objects and event logs.
    const [roomObjects, roomLogs] = await Promise.all([Promise.all(batchRooms.map((room) => tick.objects.get(room)!)), Promise.all(batchRooms.map((room) => tick.eventLogs.get(room)!))]);
    const objectsIn = new Map(batchRooms.map((room, i) => [room, roomObjects[i]!]));
    const eventLogs = new Map(batchRooms.map((room, i) => [room, roomLogs[i]]));

    // The other players' objects in each player's rooms, in data.js's order: room by room.
    const others = new Map<string, Doc[]>();
    for (const id of ids) {
      const list: Doc[] = [];
      for (const room of roomIdsOf.get(id)!) for (const o of objectsIn.get(room)!) if (o.user !== id) list.push(o);
      others.set(id, list);
      const userIds = userIdsOf.get(id)!;
      for (const o of list) {
        if (o.user) userIds.add(o.user);
        if (o.type === 'controller' && o.reservation) userIds.add(o.reservation.user);
        if (o.type === 'controller' && o.sign) userIds.add(o.sign.user);
      }
      for (const t of transactions.outgoing.get(id) ?? []) if (t.recipient) userIds.add(t.recipient);
      for (const t of transactions.incoming.get(id) ?? []) if (t.sender) userIds.add(t.sender);
    }
    const allUserIds = new Set<string>();
    for (const set of userIdsOf.values()) for (const u of set) allUserIds.add(u);
    const namedUsers: Doc[] = await db.users!.find({ _id: { $in: [...allUserIds] } });

    const out = new Map<string, RuntimeData>();
    ids.forEach((id, i) => {
      const user = userById.get(id)!;
      let cpu: number;
      let cpuBucket: number;
      if (user.cpu) {
        cpuBucket = user.cpuAvailable || 0;
        if (cpuBucket < 0) cpuBucket = 0;
        cpu = Math.min(cpuBucket + user.cpu, this.#config.cpuMaxPerTick);
      } else {
        cpu = Infinity;
        cpuBucket = Infinity;
      }
      const modules: Record<string, unknown> = codeOf.get(id)?.modules ?? {};
      for (const key of Object.keys(modules)) {
        const name = key.replace(/\$DOT\$/g, '.').replace(/\$SLASH\$/g, '/').replace(/\$BACKSLASH\$/g, '\\');
        if (name !== key) {
          modules[name] = modules[key];
          delete modules[key];
        }
      }
      const roomIds = new Set(roomIdsOf.get(id));
      const userObjects = mapById(objectsByUser.get(id)!);
      const roomEventLog: Record<string, unknown> = {};
      for (const room of roomIdsOf.get(id)!) roomEventLog[room] = eventLogs.get(room);
      const userIds = userIdsOf.get(id)!;
      const data: Record<string, unknown> = {
        userObjects,
        user,
        userCode: modules,
        userCodeTimestamp: codeOf.get(id)?.timestamp || 0,
        userMemory: { data: memory[i] || '', userId: id },
        consoleCommands: consoleOf.get(id) ?? [],
        time,
        rooms: mapById(rooms.filter((r) => roomIds.has(r._id))),
        roomObjects: Object.assign(mapById(others.get(id)!), userObjects),
        flags: flagsOf.get(id) ?? [],
        accessibleRooms,
        roomStatusData,
        transactions: { outgoing: transactions.outgoing.get(id) ?? [], incoming: transactions.incoming.get(id) ?? [] },
        cpu,
        cpuBucket,
        roomEventLog,
        userPowerCreeps: mapById(powerCreepsOf.get(id) ?? []),
        users: mapById(namedUsers.filter((u) => userIds.has(String(u._id)))),
        market: { orders: marketOrders, history, myOrders: ordersOf.get(id) ?? [] },
      };
      const active = activeSegments[i];
      const values = segments[i] as unknown[] | undefined;
      if (active && values) {
        const memorySegments: Record<string, unknown> = {};
        active.forEach((segment, k) => (memorySegments[String(segment)] = values[k] || ''));
        data.memorySegments = memorySegments;
      }
      if (foreign[i] !== undefined) data.foreignMemorySegment = foreign[i];
      out.set(id, data as RuntimeData);
    });
    return out;
  }

  /** The last 100 transactions each player sent and received, newest first: one request per direction
   * for the batch, or one per player when the batch's answer may be cut by its limit. */
  async #transactions(ids: readonly string[]): Promise<{ outgoing: Map<string, Doc[]>; incoming: Map<string, Doc[]> }> {
    const { db } = this.#storage;
    const side = async (field: 'sender' | 'recipient'): Promise<Map<string, Doc[]>> => {
      const limit = TRANSACTIONS_PER_PLAYER * ids.length;
      const list: Doc[] = await db.transactions!.findEx({ [field]: { $in: ids } }, { sort: { time: -1 }, limit });
      if (list.length < limit) {
        const out = groupBy(list, field);
        for (const [id, group] of out) out.set(id, group.slice(0, TRANSACTIONS_PER_PLAYER));
        return out;
      }
      const each = await Promise.all(ids.map((id) => db.transactions!.findEx({ [field]: id }, { sort: { time: -1 }, limit: TRANSACTIONS_PER_PLAYER })));
      return new Map(ids.map((id, i) => [id, each[i] as Doc[]]));
    };
    const [outgoing, incoming] = await Promise.all([side('sender'), side('recipient')]);
    return { outgoing, incoming };
  }

  /** data.js: the foreign segment the player asked for, when its owner made it public. */
  async #foreignSegment(user: Doc): Promise<unknown> {
    const want = user.activeForeignSegment;
    if (!(want && want.user_id && want.id)) return undefined;
    const { env } = this.#storage;
    const [data, publicList] = await Promise.all([env.hget(env.keys.MEMORY_SEGMENTS + want.user_id, want.id), env.get(env.keys.PUBLIC_MEMORY_SEGMENTS + want.user_id)]);
    if (publicList && String(publicList).split(',').indexOf(String(want.id)) !== -1) return { username: want.username, id: want.id, data };
    return undefined;
  }
}
