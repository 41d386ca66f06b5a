/**
 * The Lua script that applies one player's tick to Redis atomically (R27). It checks the per-player tick
 * fence (hash `kernel:committedTick`, field = user id) and sets it in the same atomic unit, so a replayed
 * tick changes nothing ('duplicate') and an older tick is refused ('stale').
 *
 * ARGV: prefix, userId, tick, deadline, then a flat list of operations, each a name followed by its
 * arguments, run in the order given (the caller orders them per F50: console, errors, then data).
 *
 * The deadline (ms since the epoch, on the Redis server's clock) is when the adapter stops waiting for the
 * reply (its command timeout). A script that starts later - it was queued behind a slow or paused server -
 * changes nothing and answers 'expired': the adapter has already reported the player as not committed, and
 * that report must stay true (nothing of the tick in Redis), or a late write could land under a later tick.
 *
 *   pubsub <channel> <message>    PUBLISH (console, errors, cpu)
 *   mem <data>                    SET memory:<id>
 *   seg <id> <data>               HSET memorySegments:<id>
 *   pub <list>                    SET publicMemorySegments:<id> "1,2,3"; "" deletes the key
 *   ism <shard> <data>            HSET interShardSegment:<id> field <shard>
 *   ri <room> <json>              HSET roomIntents:<room> field <id>; SADD activeRooms <room>
 *   vis <room> <data>             SETEX roomVisual:<id>,<room>,<tick> 5
 * Keys are built inside the script from the prefix, so it assumes a single (non-cluster) Redis.
 */
export const COMMIT_SCRIPT = `
local prefix, uid, tick, deadline = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
-- TIME makes the script non-deterministic: Redis before 5 must replicate its effects, not the script.
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > deadline then return 'expired' end
local fence = prefix .. 'kernel:committedTick'
local last = redis.call('HGET', fence, uid)
if last then
  last = tonumber(last)
  if last > tick then return 'stale' end
  if last == tick then return 'duplicate' end
end
local n = #ARGV
-- Redis does not roll a script back when a command fails midway, so check every key's type first: a key
-- of the wrong type fails the whole tick before anything is written.
local function expect(key, wanted)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= wanted then error('WRONGTYPE ' .. key .. ' holds a ' .. t .. ', not a ' .. wanted) end
end
local i = 5
while i <= n do
  local op = ARGV[i]
  if op == 'seg' then expect(prefix .. 'memorySegments:' .. uid, 'hash'); i = i + 3
  elseif op == 'ism' then expect(prefix .. 'interShardSegment:' .. uid, 'hash'); i = i + 3
  elseif op == 'ri' then expect(prefix .. 'roomIntents:' .. ARGV[i + 1], 'hash'); expect(prefix .. 'activeRooms', 'set'); i = i + 3
  elseif op == 'pubsub' or op == 'vis' then i = i + 3
  else i = i + 2 end
end
i = 5
while i <= n do
  local op = ARGV[i]
  if op == 'pubsub' then
    redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'mem' then
    redis.call('SET', prefix .. 'memory:' .. uid, ARGV[i + 1]); i = i + 2
  elseif op == 'seg' then
    redis.call('HSET', prefix .. 'memorySegments:' .. uid, ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'pub' then
    if ARGV[i + 1] == '' then
      redis.call('DEL', prefix .. 'publicMemorySegments:' .. uid)
    else
      redis.call('SET', prefix .. 'publicMemorySegments:' .. uid, ARGV[i + 1])
    end
    i = i + 2
  elseif op == 'ism' then
    redis.call('HSET', prefix .. 'interShardSegment:' .. uid, ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'ri' then
    redis.call('HSET', prefix .. 'roomIntents:' .. ARGV[i + 1], uid, ARGV[i + 2])
    redis.call('SADD', prefix .. 'activeRooms', ARGV[i + 1]); i = i + 3
  elseif op == 'vis' then
    redis.call('SETEX', prefix .. 'roomVisual:' .. uid .. ',' .. ARGV[i + 1] .. ',' .. ARGV[3], 5, ARGV[i + 2]); i = i + 3
  else
    return redis.error_reply('kernelCommit: unknown operation ' .. tostring(op))
  end
end
redis.call('HSET', fence, uid, ARGV[3])
return 'ok'
`;
