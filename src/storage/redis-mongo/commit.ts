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
 */
import type { UserId } from '../../shared/ids.js';
import type { CommitReport, TickCommit } from '../port.js';
import { consoleChannel, consoleErrorPayload, consoleMessagesPayload, cpuChannel, cpuPayload, isNpcUser, normaliseNotify, notificationDate } from '../payloads.js';
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

  // 2. One read of `users`: the Mongo tick of each player (the guard of its users update), error intervals
  // (F47); and one by name for foreign segment owners (F36). The guard is read, not put in the update's
  // filter, because FerretDB uses its `_id` index only for a filter that is exactly `{_id}` (measured: a
  // guarded filter scans the collection, about 40x slower for 1000 players).
  let refs: Doc[];
  let owners: Doc[];
  try {
    const names = [...new Set(pending.flatMap((c) => (c.user.activeForeignSegment ? [c.user.activeForeignSegment.username] : [])))];
    [refs, owners] = await Promise.all([
      mongo.find(Collections.users, { _id: { $in: pending.map((c) => docId(c.userId)) } }, { projection: { lastCommittedTick: 1, notifyPrefs: 1 } }),
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
  for (const c of pending) {
    // A users update already applied for this tick (Redis failed after it) is not sent again.
    const mongoTick = byId.get(c.userId)?.lastCommittedTick;
    if (!(typeof mongoTick === 'number' && mongoTick >= c.gameTime)) {
      add(Collections.users, c.userId, { updateOne: { filter: { _id: docId(c.userId) }, update: userUpdate(c, byName) } });
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
          if (n) notice('msg', n.message, notificationDate(now, n.groupInterval || undefined));
        }
      } else if (key === 'global') {
        add(Collections.intents, c.userId, { insertOne: { document: { _id: `${c.gameTime}:${c.userId}`, user: c.userId, intents: value } } });
      }
    }
    for (const [id, n] of notices) {
      add(Collections.notifications, c.userId, {
        updateOne: {
          filter: tickGuard(id, 'lastTick', c.gameTime),
          update: { $setOnInsert: { user: c.userId, message: n.message, type: n.type, date: n.date }, $set: { lastTick: c.gameTime }, $inc: { count: n.count } },
          upsert: true,
        },
      });
    }
    if (c.consumedCommands.length > 0) add(Collections.console, c.userId, { deleteMany: { filter: { _id: { $in: c.consumedCommands.map(docId) } } } });
  }
  const mongoFailed = new Map<UserId, string>();
  await Promise.all(
    [...bulks].map(async ([name, bulk]) => {
      const result = await mongo.bulk(name, bulk.ops, name !== Collections.users);
      if (result.all !== null) for (const owner of bulk.owners) mongoFailed.set(owner, `MongoDB ${name}: ${result.all}`);
      else for (const [index, error] of result.failed) mongoFailed.set(bulk.owners[index]!, `MongoDB ${name}: ${error}`);
    }),
  );
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

/** F25/F33/F35/F36: the `users` fields a tick sets; `activeForeignSegment: null` unsets. */
function userUpdate(c: TickCommit, byName: Map<unknown, Doc>): Doc {
  const { activeForeignSegment, ...rest } = c.user;
  const set: Doc = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) set[key] = value;
  const update: Doc = { $max: { lastCommittedTick: c.gameTime } };
  if (Object.keys(set).length > 0) update.$set = set;
  if (activeForeignSegment === null) update.$unset = { activeForeignSegment: '' };
  else if (activeForeignSegment !== undefined) {
    const target = byName.get(activeForeignSegment.username);
    const id = activeForeignSegment.id ?? (typeof target?.defaultPublicSegment === 'number' ? target.defaultPublicSegment : undefined);
    update.$set = set;
    set.activeForeignSegment = {
      username: activeForeignSegment.username,
      ...(id !== undefined ? { id } : {}),
      ...(target ? { user_id: String(target._id) } : {}),
    };
  }
  return update;
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
