/**
 * Batched, idempotent commit of a batch of ticks (R26, R27): per call, a fence read, one unordered
 * bulkWrite per Mongo collection and one Redis pipeline of per-player atomic scripts.
 *
 * Order and atomicity: every Mongo write is idempotent on its own (users updates skipped when the read
 * `lastCommittedTick` is already >= tick, inserts and upserts keyed by a deterministic `_id` whose duplicate-key error
 * means "already applied", deletes by id). Mongo goes first; the Redis script, which holds Memory,
 * segments, intents, publishes and the tick fence, goes last in one atomic unit. A player whose Mongo
 * writes failed is not sent to Redis; a player whose Redis script failed has no Redis effect and its
 * Mongo part is safe to re-apply, so either way a retry of the same tick completes it exactly once.
 *
 * Only what changes is written: a users update sets only the fields whose stored value differs and is
 * not sent at all when none does (a player whose CPU figures and bucket repeat, e.g. at a full bucket);
 * `lastCommittedTick` then stays at the last tick that wrote the document. A skipped write leaves the
 * document exactly as writing it would have, so the guard still keeps an older tick from overwriting a
 * newer tick's write, and a later tick compares against what is stored at that time. Each Mongo
 * document write costs FerretDB 1.24 (SQLite) a scan of the collection, because its lookups never use the
 * `_id` index (see docs/services.md), so the write count is what the commit's time follows.
 */
import type { UserId } from '../../shared/ids.js';
import type { CommitReport, TickCommit } from '../port.js';
import { consoleChannel, consoleErrorPayload, consoleMessagesPayload, cpuChannel, cpuPayload, isNpcUser, normaliseNotify, notificationDate, notifyMessageDate } from '../payloads.js';
import { createHash } from 'node:crypto';
import { Collections, docId, type BulkOp, type CollectionName, type Doc, type MongoLink } from './mongo.js';
import type { RedisLink } from './redis.js';

type Failed = { userId: UserId; error: string };

export async function commitBatch(redis: RedisLink, mongo: MongoLink, shardName: string, now: number, commits: readonly TickCommit[]): Promise<CommitReport> {
  const committed: UserId[] = [];
  const duplicates: UserId[] = [];
  const stale: UserId[] = [];
  const failed: Failed[] = [];
  if (commits.length === 0) return { committed, duplicates, stale, failed };
  const failAll = (list: readonly TickCommit[], error: string): CommitReport => ({
    committed,
    duplicates,
    stale,
    failed: [...failed, ...list.map((c) => ({ userId: c.userId, error }))],
  });

  // 1. The fence, read first so replays and late ticks touch neither store.
  // With it, the server's clock: the Redis scripts' deadline is measured from it (see commit-script.ts).
  const fence = await redis
    .read([{ op: 'hmget', key: redis.key('kernel:committedTick'), fields: commits.map((c) => c.userId) }, { op: 'time' }])
    .catch((e: unknown) => e);
  const fencedAt = performance.now();
  const [fenceReply, timeReply] = Array.isArray(fence) ? fence : [];
  for (const reply of [fenceReply, timeReply]) {
    if (!reply?.ok) return failAll(commits, `Redis unavailable: ${reply && !reply.ok ? reply.error : String(fence)}`);
  }
  const last = fenceReply!.value as (string | null)[];
  const pending: TickCommit[] = [];
  commits.forEach((c, i) => {
    const tick = last[i] == null ? undefined : Number(last[i]);
    if (tick !== undefined && tick > c.gameTime) stale.push(c.userId);
    else if (tick === c.gameTime) duplicates.push(c.userId);
    else pending.push(c);
  });
  if (pending.length === 0) return { committed, duplicates, stale, failed };

  // 2. One read of `users`: the Mongo tick of each player (the guard of its users update), the stored values
  // of the fields a tick sets (only changes are written), error intervals (F47); and one by name for foreign
  // segment owners (F36). The guard is read, not put in the update's filter: FerretDB pushes a filter down
  // to SQLite only when it is exactly `{_id}`; any other filter is evaluated in Go over every document.
  let refs: Doc[];
  let owners: Doc[];
  try {
    const names = [...new Set(pending.flatMap((c) => (c.user.activeForeignSegment ? [c.user.activeForeignSegment.username] : [])))];
    [refs, owners] = await Promise.all([
      mongo.find(Collections.users, { _id: { $in: pending.map((c) => docId(c.userId)) } }, { projection: USERS_PROJECTION }),
      names.length > 0 ? mongo.find(Collections.users, { username: { $in: names } }, { projection: { username: 1, defaultPublicSegment: 1 } }) : Promise.resolve([]),
    ]);
  } catch (error) {
    return failAll(pending, `MongoDB unavailable: ${String(error)}`);
  }
  const byName = new Map(owners.map((d) => [d.username, d]));
  const byId = new Map(refs.map((d) => [String(d._id), d]));

  // 3. Mongo: one unordered bulk per collection, each op remembered with its player.
  const bulks = new Map<CollectionName, { ops: BulkOp[]; owners: UserId[] }>();
  const add = (name: CollectionName, userId: UserId, op: BulkOp): void => {
    const bulk = bulks.get(name) ?? { ops: [], owners: [] };
    bulk.ops.push(op);
    bulk.owners.push(userId);
    bulks.set(name, bulk);
  };
  const grouped: { userId: UserId; tick: number; id: string; type: 'error' | 'msg'; message: string; date: number; count: number }[] = [];
  for (const c of pending) {
    // A users update already applied for this tick (Redis failed after it) is not sent again.
    const stored = byId.get(c.userId);
    const mongoTick = stored?.lastCommittedTick;
    if (!(typeof mongoTick === 'number' && mongoTick >= c.gameTime)) {
      const update = userUpdate(c, byName, stored);
      if (update) add(Collections.users, c.userId, { updateOne: { filter: { _id: docId(c.userId) }, update } });
    }
    const notices = new Map<string, { type: 'error' | 'msg'; message: string; date: number; count: number }>();
    const notice = (type: 'error' | 'msg', message: string, date: number): void => {
      const id = notificationId(c.userId, type, date, message);
      const n = notices.get(id);
      if (n) n.count++;
      else notices.set(id, { type, message, date, count: 1 });
    };
    if (!isNpcUser(c.userId)) {
      const prefs = byId.get(c.userId)?.notifyPrefs as { errorsInterval?: unknown } | undefined;
      const interval = typeof prefs?.errorsInterval === 'number' ? prefs.errorsInterval : undefined;
      for (const error of c.errors) notice('error', error, notificationDate(now, interval));
    }
    for (const [key, value] of Object.entries(c.intents ?? {})) {
      if (key === 'notify') {
        for (const item of Array.isArray(value) ? value : []) {
          const n = normaliseNotify(item);
          if (n) notice('msg', n.message, notifyMessageDate(now, n.groupInterval));
        }
      } else if (key === 'global') {
        add(Collections.intents, c.userId, { insertOne: { document: { _id: `${c.gameTime}:${c.userId}`, user: c.userId, intents: value } } });
      }
    }
    for (const [id, n] of notices) grouped.push({ userId: c.userId, tick: c.gameTime, id, ...n });
    // One delete per command by its exact `_id`: FerretDB looks that up in SQLite; an `$in` filter it
    // evaluates in Go over the whole collection (measured: 1.7 ms against 17 ms per command).
    for (const command of c.consumedCommands) add(Collections.console, c.userId, { deleteOne: { filter: { _id: docId(command) } } });
  }
  // Grouped notifications: one read of the documents the batch touches. A new one is inserted whole (its
  // deterministic `_id` makes a second insert a duplicate-key error, i.e. already applied); one this tick
  // already counted is left alone; an older one gets `$inc` behind the tick guard in the filter, which
  // keeps a concurrent replay from counting twice on MongoDB.
  if (grouped.length > 0) {
    let existing: Doc[];
    try {
      existing = await mongo.find(Collections.notifications, { _id: { $in: grouped.map((g) => g.id) } }, { projection: { lastTick: 1 } });
    } catch (error) {
      return failAll(pending, `MongoDB unavailable: ${String(error)}`);
    }
    const lastTick = new Map(existing.map((d) => [String(d._id), typeof d.lastTick === 'number' ? d.lastTick : -Infinity]));
    for (const g of grouped) {
      const seen = lastTick.get(g.id);
      const fields = { user: g.userId, message: g.message, type: g.type, date: g.date };
      if (seen === undefined) add(Collections.notifications, g.userId, { insertOne: { document: { _id: g.id, ...fields, count: g.count, lastTick: g.tick } } });
      else if (seen < g.tick) {
        add(Collections.notifications, g.userId, {
          updateOne: { filter: tickGuard(g.id, 'lastTick', g.tick), update: { $setOnInsert: fields, $set: { lastTick: g.tick }, $inc: { count: g.count } }, upsert: true },
        });
      }
    }
  }
  // One collection at a time, and the link sends one chunk at a time even across concurrent commits:
  // FerretDB holds a connection per statement of an update command until it ends and wedges at 100 in
  // flight (docs/services.md); measured, parallel chunks did not make it faster either.
  const mongoFailed = new Map<UserId, string>();
  for (const [name, bulk] of bulks) {
    const result = await mongo.bulk(name, bulk.ops, name !== Collections.users);
    if (result.all !== null) for (const owner of bulk.owners) mongoFailed.set(owner, `MongoDB ${name}: ${result.all}`);
    else for (const [index, error] of result.failed) mongoFailed.set(bulk.owners[index]!, `MongoDB ${name}: ${error}`);
  }
  for (const [userId, error] of mongoFailed) failed.push({ userId, error });

  // 4. Redis: one atomic script per player, the fence set last inside it.
  const ready = pending.filter((c) => !mongoFailed.has(c.userId));
  // The server ran the fence read before its reply reached us, so this deadline falls no later than the
  // moment the scripts' command timeout ends here: a script Redis only gets to after we gave up on it is refused.
  const deadlineMs = (timeReply as { value: number }).value + (performance.now() - fencedAt) + redis.commandTimeoutMs;
  let replies;
  try {
    replies = await redis.commit(
      ready.map((c) => ({ userId: c.userId, tick: c.gameTime, ops: redisOps(c, shardName) })),
      deadlineMs,
    );
  } catch (error) {
    return failAll(ready, `Redis unavailable: ${String(error)}`);
  }
  const confirmed = await confirmFence(redis, ready.filter((_, i) => !replies[i]?.ok));
  ready.forEach((c, i) => {
    const r = replies[i];
    if (!r?.ok) {
      // No answer is not "not applied": the fence read again says what the script did.
      const tick = confirmed.get(c.userId);
      if (tick === c.gameTime) committed.push(c.userId);
      else if (tick !== undefined && tick !== null && tick > c.gameTime) stale.push(c.userId);
      else failed.push({ userId: c.userId, error: `Redis: ${r?.error ?? 'no reply'}` });
    } else if (r.value === 'ok') committed.push(c.userId);
    else if (r.value === 'duplicate') duplicates.push(c.userId);
    else if (r.value === 'stale') stale.push(c.userId);
    else if (r.value === 'expired') failed.push({ userId: c.userId, error: `Redis: the commit reached Redis after its ${redis.commandTimeoutMs} ms timeout; nothing applied` });
    else failed.push({ userId: c.userId, error: `Redis: unexpected reply ${String(r.value)}` });
  });
  return { committed, duplicates, stale, failed };
}

/**
 * The fence of players whose commit script got no answer (a timeout, a dropped connection) or an error,
 * read again on the same connection: Redis answers it only after it has run or refused every script sent
 * before it on that connection, so the value is final. A player is absent when this read fails too (the
 * outcome stays unknown; the scripts' deadline still stops them from running later).
 */
async function confirmFence(redis: RedisLink, commits: readonly TickCommit[]): Promise<Map<UserId, number | null>> {
  const out = new Map<UserId, number | null>();
  if (commits.length === 0) return out;
  const replies = await redis.read([{ op: 'hmget', key: redis.key('kernel:committedTick'), fields: commits.map((c) => c.userId) }]).catch(() => null);
  const reply = replies?.[0];
  if (!reply?.ok) return out;
  const values = reply.value as (string | null)[];
  commits.forEach((c, i) => out.set(c.userId, values[i] == null ? null : Number(values[i])));
  return out;
}

/** Matches the document only while its tick field is older than `tick` (or absent). */
function tickGuard(id: unknown, field: string, tick: number): Doc {
  return { _id: id, $or: [{ [field]: { $lt: tick } }, { [field]: { $exists: false } }] };
}

/** The `users` fields a tick may set, read with the guard so that only changes are written. */
const USERS_PROJECTION: Doc = {
  lastCommittedTick: 1,
  notifyPrefs: 1,
  lastUsedCpu: 1,
  lastUsedDirtyTime: 1,
  cpuAvailable: 1,
  skipTicksPenalty: 1,
  activeSegments: 1,
  defaultPublicSegment: 1,
  activeForeignSegment: 1,
};

/**
 * F25/F33/F35/F36: the `users` update of a tick, with only the fields whose value differs from `stored`
 * (all of them when the document was not read); null when nothing changes. `activeForeignSegment: null` unsets.
 */
function userUpdate(c: TickCommit, byName: Map<unknown, Doc>, stored: Doc | undefined): Doc | null {
  const { activeForeignSegment, ...rest } = c.user;
  const set: Doc = {};
  const change = (key: string, value: unknown): void => {
    if (stored === undefined || !sameValue(stored[key], value)) set[key] = value;
  };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) change(key, value);
  let unset: Doc | undefined;
  if (activeForeignSegment === null) {
    if (stored === undefined || stored.activeForeignSegment !== undefined) unset = { activeForeignSegment: '' };
  } else if (activeForeignSegment !== undefined) {
    const target = byName.get(activeForeignSegment.username);
    const id = activeForeignSegment.id ?? (typeof target?.defaultPublicSegment === 'number' ? target.defaultPublicSegment : undefined);
    change('activeForeignSegment', {
      username: activeForeignSegment.username,
      ...(id !== undefined ? { id } : {}),
      ...(target ? { user_id: String(target._id) } : {}),
    });
  }
  if (Object.keys(set).length === 0 && unset === undefined) return null;
  return { $max: { lastCommittedTick: c.gameTime }, ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(unset ? { $unset: unset } : {}) };
}

/** Equality of stored and new field values (numbers, null, arrays and plain objects in a stable key order). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Deterministic `_id` of a grouped notification, so a retried tick cannot count twice (R26). */
function notificationId(userId: UserId, type: string, date: number, message: string): string {
  return `${userId}:${type}:${date}:${createHash('sha1').update(message).digest('hex')}`;
}

/** The Redis script's operations for one commit, in F50 order: console, errors, then data; cpu last. */
function redisOps(c: TickCommit, shardName: string): string[] {
  const ops: string[] = [];
  const npc = isNpcUser(c.userId);
  if (!npc && c.console) ops.push('pubsub', consoleChannel(c.userId), consoleMessagesPayload(c.userId, c.console.log, c.console.results));
  if (!npc) for (const error of c.errors) ops.push('pubsub', consoleChannel(c.userId), consoleErrorPayload(c.userId, error));
  if (c.memory !== undefined) ops.push('mem', c.memory);
  for (const [id, data] of Object.entries(c.segments ?? {})) ops.push('seg', id, data);
  if (c.publicSegments) ops.push('pub', c.publicSegments.join(','));
  if (c.interShard !== undefined) ops.push('ism', shardName, c.interShard);
  for (const [key, value] of Object.entries(c.intents ?? {})) if (key !== 'notify' && key !== 'global') ops.push('ri', key, JSON.stringify(value));
  for (const [room, data] of Object.entries(c.visuals ?? {})) ops.push('vis', room, data);
  if (!npc && c.cpuStat) ops.push('pubsub', cpuChannel(c.userId), cpuPayload(c.cpuStat.cpu, c.cpuStat.memory));
  return ops;
}
