/**
 * The logic around the storage requests of `WorldLoader` (make.js's checks, the per-tick cache, the
 * transactions fallback), on a fake storage that answers from arrays and records every request. That
 * its loads equal data.js's on the real storage is the game differential's job (game-diff.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorldLoader, type LoaderStorage } from '../../src/screeps/world-loader.js';

type Doc = Record<string, any>;

/** Matches the few query shapes the loader sends: `{f: v}`, `{f: {$in: [...]}}`, `{$and: [...]}`, `{}`. */
function matches(doc: Doc, query: Doc): boolean {
  return Object.entries(query).every(([field, want]) => {
    if (field === '$and') return (want as Doc[]).every((q) => matches(doc, q));
    if (want !== null && typeof want === 'object' && '$in' in want) return (want.$in as unknown[]).includes(doc[field]);
    return doc[field] === want;
  });
}

function fakeStorage(collections: Record<string, Doc[]>, env: Record<string, unknown> = {}) {
  const requests: string[] = [];
  const updates: { collection: string; query: Doc; update: Doc }[] = [];
  let time = 10;
  const collection = (name: string) => ({
    find: async (q: Doc) => {
      requests.push(`${name}.find`);
      return structuredClone((collections[name] ?? []).filter((d) => matches(d, q)));
    },
    findEx: async (q: Doc, o: { limit: number }) => {
      requests.push(`${name}.findEx ${JSON.stringify(q)}`);
      return structuredClone((collections[name] ?? []).filter((d) => matches(d, q)).sort((a, b) => b.time - a.time).slice(0, o.limit));
    },
    findOne: async () => null,
    update: async (query: Doc, update: Doc) => void updates.push({ collection: name, query, update }),
    insert: async () => null,
    removeWhere: async () => null,
    count: async () => 0,
  });
  const made: Record<string, ReturnType<typeof collection>> = {};
  const db = new Proxy(made, { get: (target, name: string) => (target[name] ??= collection(name)) }) as unknown as LoaderStorage['db'];
  const storage: LoaderStorage = {
    db,
    env: {
      keys: { MEMORY: 'memory:', MEMORY_SEGMENTS: 'segments:', PUBLIC_MEMORY_SEGMENTS: 'public:', ROOM_EVENT_LOG: 'eventLog', ACCESSIBLE_ROOMS: 'accessibleRooms', ROOM_STATUS_DATA: 'roomStatus' },
      get: async (k: string) => env[k] ?? null,
      mget: async (ks: readonly string[]) => ks.map((k) => env[k] ?? null),
      hmget: async (k: string, fs: readonly unknown[]) => {
        requests.push(`env.hmget ${k}`);
        return fs.map(() => null);
      },
      hget: async () => null,
      set: async () => null,
      setex: async () => null,
      hset: async () => null,
    },
    getGametime: async () => time,
  };
  return { storage, requests, updates, nextTick: () => time++ };
}

const world = () => ({
  users: [
    { _id: 'a', username: 'A', cpu: 100, cpuAvailable: 500 },
    { _id: 'b', username: 'B', cpu: 100, cpuAvailable: 500 },
    { _id: 'penalised', username: 'P', cpu: 100, cpuAvailable: 500, skipTicksPenalty: 2 },
    { _id: 'broke', username: 'Z', cpu: 100, cpuAvailable: -50 },
    { _id: 'empty', username: 'E', cpu: 100, cpuAvailable: 500 },
  ],
  'rooms.objects': [
    { _id: 'c1', type: 'controller', room: 'R1', user: 'a' },
    { _id: 'c2', type: 'controller', room: 'R2', user: 'b' },
    { _id: 's1', type: 'source', room: 'R1' },
    { _id: 'k1', type: 'creep', room: 'R1', user: 'b' },
    { _id: 'x', type: 'controller', room: 'R1', user: 'penalised' },
    { _id: 'y', type: 'controller', room: 'R2', user: 'broke' },
  ],
  rooms: [{ _id: 'R2' }, { _id: 'R1' }],
});

describe('WorldLoader (runtimeData for a batch of players)', () => {
  it("rejects penalised, bucket-empty and object-less players with make.js's and data.js's answers and writes", async () => {
    const { storage, updates } = fakeStorage(world());
    const loaded = await new WorldLoader(storage, { cpuMaxPerTick: 500 }).load(['penalised', 'broke', 'empty', 'a']);
    assert.deepEqual(loaded.slice(0, 3), [
      { rejected: { type: 'error', error: 'Your script is temporary blocked due to a hard reset inflicted to the runtime process.\nPlease try to change your code in order to prevent causing hard timeout resets.' } },
      { rejected: { type: 'error', error: 'Script execution has been terminated: CPU bucket is empty' } },
      { rejected: { error: false } },
    ]);
    assert.ok('data' in loaded[3]!);
    assert.deepEqual(updates, [
      { collection: 'users', query: { _id: 'penalised' }, update: { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0 }, $inc: { skipTicksPenalty: -1 } } },
      { collection: 'users', query: { _id: 'broke' }, update: { $set: { lastUsedCpu: 0, lastUsedDirtyTime: 0, cpuAvailable: 50 } } },
      { collection: 'users', query: { _id: 'empty' }, update: { $set: { active: 0 } } },
    ]);
  });

  it("gives each player its own rooms' objects, others first then its own, and only the users they name", async () => {
    const { storage } = fakeStorage(world());
    const [a, b] = await new WorldLoader(storage, { cpuMaxPerTick: 500 }).load(['a', 'b']);
    assert.ok(a && 'data' in a && b && 'data' in b);
    assert.deepEqual(Object.keys(a.data.roomObjects as object), ['s1', 'k1', 'x', 'c1']);
    assert.deepEqual(Object.keys(a.data.users as object), ['a', 'b', 'penalised']);
    // b's creep is in R1: R2's others, then R1's (room by room, as its objects name them), then its own.
    assert.deepEqual(Object.keys(b.data.roomObjects as object), ['y', 'c1', 's1', 'x', 'c2', 'k1']);
    assert.deepEqual(Object.keys(b.data.rooms as object), ['R2', 'R1'], 'rooms in collection order');
    assert.deepEqual(Object.keys(a.data.rooms as object), ['R1']);
    assert.equal(a.data.cpu, 500);
    assert.equal(a.data.time, 10);
  });

  it("loads a room's objects once per tick, and again on the next tick", async () => {
    const { storage, requests, nextTick } = fakeStorage(world());
    const loader = new WorldLoader(storage, { cpuMaxPerTick: 500 });
    const roomLoads = () => requests.filter((r) => r === 'env.hmget eventLog').length;
    await loader.load(['a']);
    await loader.load(['b']);
    await loader.load(['a', 'b']);
    assert.equal(roomLoads(), 2, 'R1 with the first batch, R2 with the second, nothing with the third');
    nextTick();
    await loader.load(['a', 'b']);
    assert.equal(roomLoads(), 3, 'both rooms in one request on the next tick');
  });

  it('forgets the tick\'s shared loads after a failed request, so the next batch asks again', async () => {
    const { storage, requests } = fakeStorage(world());
    const find = storage.db['rooms.objects']!.find;
    let failNext = false;
    storage.db['rooms.objects'] = { ...storage.db['rooms.objects']!, find: (q: object) => (failNext && 'room' in q ? Promise.reject(new Error('storage went away')) : find(q)) };
    const loader = new WorldLoader(storage, { cpuMaxPerTick: 500 });
    failNext = true;
    await assert.rejects(loader.load(['a']), /storage went away/);
    failNext = false;
    const [a] = await loader.load(['a']);
    assert.ok(a && 'data' in a && Object.keys(a.data.roomObjects as object).length === 4, 'R1 loaded again, in full');
    assert.equal(requests.filter((r) => r === 'env.hmget eventLog').length, 2);
  });

  it("asks for each player's transactions alone when the batch's answer may be cut by its limit", async () => {
    const sent = Array.from({ length: 250 }, (_, i) => ({ _id: `t${i}`, sender: 'a', recipient: 'b', time: i }));
    const { storage, requests } = fakeStorage({ ...world(), transactions: sent });
    const [a, b] = await new WorldLoader(storage, { cpuMaxPerTick: 500 }).load(['a', 'b']);
    assert.ok(a && 'data' in a && b && 'data' in b);
    const outgoing = (a.data.transactions as { outgoing: Doc[] }).outgoing;
    assert.equal(outgoing.length, 100);
    assert.equal(outgoing[0]!.time, 249, 'newest first');
    assert.equal((b.data.transactions as { incoming: Doc[] }).incoming.length, 100);
    assert.ok(requests.includes('transactions.findEx {"sender":"a"}'), 'per-player request after a full batch answer');

    const few = fakeStorage({ ...world(), transactions: sent.slice(0, 30) });
    await new WorldLoader(few.storage, { cpuMaxPerTick: 500 }).load(['a', 'b']);
    assert.deepEqual(few.requests.filter((r) => r.startsWith('transactions')), ['transactions.findEx {"sender":{"$in":["a","b"]}}', 'transactions.findEx {"recipient":{"$in":["a","b"]}}']);
  });
});
