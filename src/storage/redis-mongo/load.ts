/**
 * Batched loading (spec 1.2 / 5.1): for a batch of players, one query per Mongo collection and one Redis
 * pipeline, never a round trip per player. Bad data fails only the player it belongs to.
 */
import { StorageError } from '../../errors.js';
import { hashModules, type CodeHash, type Modules, type UserId } from '../../shared/ids.js';
import type { ConsoleCommand, ForeignSegment } from '../../shared/protocol.js';
import type { CodeRecord, LoadRequest, LoadResult, UserRecord } from '../port.js';
import { codeTimestamp, decodeModules, decodeUser, parsePublicSegments } from './codec.js';
import { Collections, docId, type Doc, type MongoLink } from './mongo.js';
import type { ReadOp, RedisLink, Reply } from './redis.js';

/** Code hashes this process computed, by user, so a known timestamp needs no modules from Mongo. */
export type KnownHashes = Map<UserId, { readonly timestamp: number; readonly hash: CodeHash }>;

export async function loadBatch(
  redis: RedisLink,
  mongo: MongoLink,
  shardName: string,
  known: KnownHashes,
  requests: readonly LoadRequest[],
): Promise<Map<UserId, LoadResult>> {
  const ids = [...new Set(requests.map((r) => r.userId))];
  const out = new Map<UserId, LoadResult>();
  if (ids.length === 0) return out;
  // Players whose code the caller holds: their code documents are read without modules.
  const light = new Set(requests.filter((r) => r.knownCodeTimestamp !== undefined && known.get(r.userId)?.timestamp === r.knownCodeTimestamp).map((r) => r.userId));
  const full = ids.filter((id) => !light.has(id));
  const guard = <T>(p: Promise<T>): Promise<T> => p.catch((error: unknown) => Promise.reject(new StorageError(`loading ${ids.length} players failed: ${String(error)}`, { cause: error })));

  const usersQuery = guard(mongo.find(Collections.users, { _id: { $in: ids.map(docId) } }));
  const codeFull = guard(full.length > 0 ? mongo.find(Collections.code, { user: { $in: full }, activeWorld: true }) : Promise.resolve([]));
  const codeLight =
    light.size > 0 ? guard(mongo.find(Collections.code, { user: { $in: [...light] }, activeWorld: true }, { projection: { modules: 0 } })) : Promise.resolve([]);
  const consoleQuery = guard(mongo.find(Collections.console, { user: { $in: ids } }, { sort: { _id: 1 } }));

  const users = new Map<UserId, UserRecord | string>();
  for (const doc of await usersQuery) {
    const id = String(doc._id) as UserId;
    users.set(id, decodeUser(id, doc));
  }

  // One pipeline: Memory, active segments, inter-shard segments, and the foreign segment's owner data.
  const ops: ReadOp[] = [];
  const slots = new Map<UserId, { memory: number; segments?: number; interShard: number; foreignList?: number; foreignData?: number }>();
  for (const id of ids) {
    const user = users.get(id);
    if (user === undefined || typeof user === 'string') continue;
    const slot: { memory: number; segments?: number; interShard: number; foreignList?: number; foreignData?: number } = { memory: ops.length, interShard: 0 };
    ops.push({ op: 'get', key: redis.key(`memory:${id}`) });
    if (user.activeSegments.length > 0) {
      slot.segments = ops.length;
      ops.push({ op: 'hmget', key: redis.key(`memorySegments:${id}`), fields: user.activeSegments.map(String) });
    }
    slot.interShard = ops.length;
    ops.push({ op: 'hgetall', key: redis.key(`interShardSegment:${id}`) });
    // F36 with a deliberate fix: segment id 0 is readable.
    const foreign = user.activeForeignSegment;
    if (foreign?.user_id !== undefined && foreign.id !== undefined) {
      slot.foreignList = ops.length;
      ops.push({ op: 'get', key: redis.key(`publicMemorySegments:${foreign.user_id}`) });
      slot.foreignData = ops.length;
      ops.push({ op: 'hget', key: redis.key(`memorySegments:${foreign.user_id}`), field: String(foreign.id) });
    }
    slots.set(id, slot);
  }
  const replies = await guard(redis.read(ops));

  const codes = new Map<UserId, Doc>();
  for (const doc of [...(await codeFull), ...(await codeLight)]) codes.set(String(doc.user) as UserId, doc);
  // A player whose stored timestamp moved on since the caller's needs its modules after all.
  const refetch = [...light].filter((id) => {
    const doc = codes.get(id);
    return doc !== undefined && codeTimestamp(doc) !== known.get(id)?.timestamp;
  });
  if (refetch.length > 0) {
    for (const doc of await guard(mongo.find(Collections.code, { user: { $in: refetch }, activeWorld: true }))) codes.set(String(doc.user) as UserId, doc);
  }
  const commands = new Map<UserId, ConsoleCommand[]>();
  for (const doc of await consoleQuery) {
    if (typeof doc.expression !== 'string') continue;
    const id = String(doc.user) as UserId;
    const list = commands.get(id) ?? [];
    list.push({ id: String(doc._id), expression: doc.expression, hidden: doc.hidden === true });
    commands.set(id, list);
  }

  for (const request of requests) {
    const id = request.userId;
    const user = users.get(id);
    if (user === undefined) {
      out.set(id, { ok: false, error: `unknown user ${id}`, publish: false });
      continue;
    }
    if (typeof user === 'string') {
      out.set(id, { ok: false, error: `user ${id}: ${user}`, publish: true });
      continue;
    }
    const slot = slots.get(id)!;
    const memory = reply(replies, slot.memory);
    if (typeof memory !== 'string' && memory !== null) {
      out.set(id, { ok: false, error: `Memory of user ${id} is not a string (${describeReply(replies, slot.memory)})`, publish: true });
      continue;
    }
    const code = codeRecord(id, codes.get(id), request.knownCodeTimestamp, known);
    if (typeof code === 'string') {
      out.set(id, { ok: false, error: `user ${id}: ${code}`, publish: true });
      continue;
    }
    const segments: Record<string, string> = {};
    const segmentValues = slot.segments !== undefined ? reply(replies, slot.segments) : [];
    user.activeSegments.forEach((segment, i) => {
      const value = Array.isArray(segmentValues) ? segmentValues[i] : undefined;
      segments[segment] = typeof value === 'string' ? value : '';
    });
    const shards = reply(replies, slot.interShard);
    const remote: Record<string, string> = {};
    let local = '';
    for (const [shard, data] of Object.entries(shards !== null && typeof shards === 'object' ? (shards as Record<string, string>) : {})) {
      if (shard === shardName) local = data;
      else remote[shard] = data;
    }
    const foreign = foreignSegment(user, replies, slot);
    out.set(id, {
      ok: true,
      context: {
        user,
        code,
        memory: memory ?? '',
        segments,
        ...(foreign ? { foreignSegment: foreign } : {}),
        interShard: { local, remote },
        consoleCommands: commands.get(id) ?? [],
      },
    });
  }
  return out;
}

/** The active code as a record, omitting modules when the caller holds them; a string is an error. */
export function codeRecord(id: UserId, doc: Doc | undefined, knownTimestamp: number | undefined, known: KnownHashes): CodeRecord | null | string {
  if (doc === undefined) return null;
  const timestamp = codeTimestamp(doc);
  if (typeof timestamp === 'string') return timestamp;
  const cached = known.get(id);
  if (doc.modules === undefined && cached?.timestamp === timestamp && knownTimestamp === timestamp) return { hash: cached.hash, timestamp };
  const modules: Modules | string = decodeModules(doc);
  if (typeof modules === 'string') return modules;
  const hash = cached?.timestamp === timestamp ? cached.hash : hashModules(modules);
  known.set(id, { timestamp, hash });
  return knownTimestamp === timestamp ? { hash, timestamp } : { hash, timestamp, modules };
}

function foreignSegment(user: UserRecord, replies: readonly Reply[], slot: { foreignList?: number; foreignData?: number }): ForeignSegment | undefined {
  const target = user.activeForeignSegment;
  if (slot.foreignList === undefined || slot.foreignData === undefined || target?.id === undefined) return undefined;
  const list = reply(replies, slot.foreignList);
  if (!parsePublicSegments(typeof list === 'string' ? list : null).includes(target.id)) return undefined;
  const data = reply(replies, slot.foreignData);
  return { username: target.username, id: target.id, data: typeof data === 'string' ? data : '' };
}

/** A reply's value; a failed command reads as `undefined` so callers can tell it from a missing key (null). */
function reply(replies: readonly Reply[], index: number): unknown {
  const r = replies[index];
  return r?.ok ? r.value : undefined;
}

function describeReply(replies: readonly Reply[], index: number): string {
  const r = replies[index];
  return r === undefined ? 'no reply' : r.ok ? typeof r.value : r.error.split('\n')[0]!;
}
