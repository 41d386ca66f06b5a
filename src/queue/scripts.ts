/**
 * The queue's Lua scripts. Each runs atomically in Redis, so moving a player between lists, leasing it
 * and recording its runner can never be half done by a crash. Every script takes the queue name as
 * ARGV[1] and derives its keys from it (standalone Redis; a cluster would need hash tags), and takes
 * the time from the Redis server (`TIME`) so every host shares one clock for leases.
 *
 * Keys (name `usersIvm`): `usersIvmPending`, `usersIvmProcessing` (official); `usersIvmPending:<runner>`
 * (players whose isolate is warm in that runner), `usersIvmLeases` (ZSET player -> lease expiry, ms),
 * `usersIvmOwners` (HASH player -> runner), `usersIvmRunners` (ZSET runner -> liveness expiry, ms),
 * `usersIvmAffinity` (HASH player -> runner that ran it last), `usersIvmTick`, `usersIvmTickStarted`,
 * `usersIvmDone:<tick>` (SET of players done in that tick).
 */
import { LuaScript } from './redis-client.js';

const PRELUDE = `
local p = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Marks ARGV[from..] done for a tick: removes the runner's leases and processing entries, removes any
 * copy the reaper re-queued this tick, and records the players in the tick's done set. Returns how
 * many leases the runner had lost (another runner owns the player now; it skips that one's entries).
 */
const MARK_DONE_FN = `
local function markDone(me, tick, from)
  local done = p .. 'Done:' .. tick
  -- A late markDone of an older tick must not take the player out of the current one.
  local current = redis.call('GET', p .. 'Tick') == tick
  local lost = 0
  for i = from, #ARGV do
    local id = ARGV[i]
    local owner = redis.call('HGET', p .. 'Owners', id)
    if owner == me or not owner then
      redis.call('LREM', p .. 'Processing', 1, id)
      redis.call('ZREM', p .. 'Leases', id)
      redis.call('HDEL', p .. 'Owners', id)
    else
      lost = lost + 1
    end
    if current then redis.call('LREM', p .. 'Pending', 0, id) end
    redis.call('SADD', done, id)
  end
  redis.call('PEXPIRE', done, 3600000)
  redis.call('PUBLISH', 'queue_' .. p .. '_done', '1')
  return lost
end
`;

/** ARGV: name, runner, tick, ids... Returns how many leases the runner had lost. */
export const MARK_DONE = new LuaScript(`${PRELUDE}${MARK_DONE_FN}
return markDone(ARGV[2], ARGV[3], 4)
`);

/** Moves a runner's own list to the shared list (order kept: its next player is fetched next). */
const HAND_OVER = `
local function handOver(r)
  local list = p .. 'Pending:' .. r
  local n = 0
  while true do
    local id = redis.call('LPOP', list)
    if not id then return n end
    redis.call('RPUSH', p .. 'Pending', id)
    n = n + 1
  end
end
`;

/** ARGV: name, tick, ids... (in F1 order). Returns how many went to the shared list. */
export const ENQUEUE = new LuaScript(`${PRELUDE}
local tick = ARGV[2]
redis.call('SET', p .. 'Tick', tick)
redis.call('SET', p .. 'TickStarted', now)
redis.call('DEL', p .. 'Done:' .. tick)
local live = {}
for _, r in ipairs(redis.call('ZRANGEBYSCORE', p .. 'Runners', now, '+inf')) do live[r] = true end
local shared = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local r = redis.call('HGET', p .. 'Affinity', id)
  if r and live[r] then
    redis.call('LPUSH', p .. 'Pending:' .. r, id)
  else
    redis.call('LPUSH', p .. 'Pending', id)
    shared = shared + 1
  end
end
redis.call('PUBLISH', 'queue_' .. p .. '_add', '1')
return shared
`);

/**
 * ARGV: name, runner, max, leaseMs, stealDelayMs, doneTick, doneIds... First marks the previous batch
 * done (doneTick '' for none: one round trip instead of two per batch), then takes up to max players:
 * the runner's own list first, then the shared list, then (a dead runner's at once, a live one's after
 * the steal delay) other runners' lists from the far end. Players already done this tick are dropped.
 * Returns [tick, lostLeases, id1, previousRunner1, id2, previousRunner2, ...]; tick is '' when no tick
 * is known.
 */
export const FETCH = new LuaScript(`${PRELUDE}${MARK_DONE_FN}
local me = ARGV[2]
local max = tonumber(ARGV[3])
local leaseMs = tonumber(ARGV[4])
local stealDelay = tonumber(ARGV[5])
local lost = 0
if ARGV[6] ~= '' then lost = markDone(me, ARGV[6], 7) end
redis.call('ZADD', p .. 'Runners', now + leaseMs, me)
local tick = redis.call('GET', p .. 'Tick')
if not tick then tick = redis.call('GET', 'gameTime') end
if not tick then return {'', lost} end
local out = {tick, lost}
local taken = 0
local done = p .. 'Done:' .. tick
local function drain(list, fromHead)
  while taken < max do
    local id
    if fromHead then id = redis.call('LPOP', list) else id = redis.call('RPOP', list) end
    if not id then return end
    if redis.call('SISMEMBER', done, id) == 0 then
      redis.call('LPUSH', p .. 'Processing', id)
      redis.call('ZADD', p .. 'Leases', now + leaseMs, id)
      redis.call('HSET', p .. 'Owners', id, me)
      local prev = redis.call('HGET', p .. 'Affinity', id)
      redis.call('HSET', p .. 'Affinity', id, me)
      out[#out + 1] = id
      out[#out + 1] = prev or ''
      taken = taken + 1
    end
  end
end
drain(p .. 'Pending:' .. me, false)
drain(p .. 'Pending', false)
if taken < max then
  local started = tonumber(redis.call('GET', p .. 'TickStarted') or '0')
  local others = redis.call('ZRANGE', p .. 'Runners', 0, -1, 'WITHSCORES')
  for i = 1, #others, 2 do
    local r = others[i]
    if r ~= me and (tonumber(others[i + 1]) < now or now >= started + stealDelay) then
      drain(p .. 'Pending:' .. r, true)
    end
  end
end
return out
`);

/** ARGV: name, runner, leaseMs, ids... Renews the runner and its leases; returns the ids it no longer owns. */
export const HEARTBEAT = new LuaScript(`${PRELUDE}
local me = ARGV[2]
local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', p .. 'Runners', expiry, me)
local lost = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', p .. 'Owners', id) == me then
    redis.call('ZADD', p .. 'Leases', 'XX', expiry, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
`);

/**
 * ARGV: name. Returns expired leases to the shared list (tail: fetched next) unless the player is done
 * this tick, and moves a dead runner's own list there too. Returns how many players it re-queued.
 */
export const REAP = new LuaScript(`${PRELUDE}${HAND_OVER}
local tick = redis.call('GET', p .. 'Tick')
local moved = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'Leases', '-inf', now)) do
  redis.call('ZREM', p .. 'Leases', id)
  redis.call('HDEL', p .. 'Owners', id)
  redis.call('LREM', p .. 'Processing', 1, id)
  if not tick or redis.call('SISMEMBER', p .. 'Done:' .. tick, id) == 0 then
    redis.call('RPUSH', p .. 'Pending', id)
    moved = moved + 1
  end
end
for _, r in ipairs(redis.call('ZRANGEBYSCORE', p .. 'Runners', '-inf', now)) do
  moved = moved + handOver(r)
  redis.call('ZREM', p .. 'Runners', r)
end
if moved > 0 then redis.call('PUBLISH', 'queue_' .. p .. '_add', '1') end
return moved
`);

/** ARGV: name, runner. A stopping runner hands its own list to the others and leaves the registry. */
export const LEAVE = new LuaScript(`${PRELUDE}${HAND_OVER}
local moved = handOver(ARGV[2])
redis.call('ZREM', p .. 'Runners', ARGV[2])
if moved > 0 then redis.call('PUBLISH', 'queue_' .. p .. '_add', '1') end
return moved
`);

/** ARGV: name, runner, ids... Hands fetched, never-run players back to the front of the shared list. */
export const RELEASE = new LuaScript(`${PRELUDE}
local n = 0
for i = #ARGV, 3, -1 do
  local id = ARGV[i]
  if redis.call('HGET', p .. 'Owners', id) == ARGV[2] then
    redis.call('LREM', p .. 'Processing', 1, id)
    redis.call('ZREM', p .. 'Leases', id)
    redis.call('HDEL', p .. 'Owners', id)
    redis.call('RPUSH', p .. 'Pending', id)
    n = n + 1
  end
end
if n > 0 then redis.call('PUBLISH', 'queue_' .. p .. '_add', '1') end
return n
`);

/** ARGV: name. Players queued or in flight, over the shared list, processing and every runner's list. */
export const COUNT = new LuaScript(`${PRELUDE}
local n = redis.call('LLEN', p .. 'Pending') + redis.call('LLEN', p .. 'Processing')
for _, r in ipairs(redis.call('ZRANGE', p .. 'Runners', 0, -1)) do n = n + redis.call('LLEN', p .. 'Pending:' .. r) end
return n
`);

/**
 * ARGV: name, forget ('1' also forgets affinity, runners and the tick). Empties the queue (official
 * `reset`, F3) and returns [notFetched, inFlight]: players that will not run this tick, and players a
 * runner was still running.
 */
export const RESET = new LuaScript(`${PRELUDE}
local notFetched = redis.call('LRANGE', p .. 'Pending', 0, -1)
local runners = redis.call('ZRANGE', p .. 'Runners', 0, -1)
for _, r in ipairs(runners) do
  for _, id in ipairs(redis.call('LRANGE', p .. 'Pending:' .. r, 0, -1)) do notFetched[#notFetched + 1] = id end
  redis.call('DEL', p .. 'Pending:' .. r)
end
local inFlight = redis.call('LRANGE', p .. 'Processing', 0, -1)
redis.call('DEL', p .. 'Pending', p .. 'Processing', p .. 'Leases', p .. 'Owners')
if ARGV[2] == '1' then redis.call('DEL', p .. 'Affinity', p .. 'Runners', p .. 'Tick', p .. 'TickStarted') end
redis.call('PUBLISH', 'queue_' .. p .. '_done', '1')
return {notFetched, inFlight}
`);
