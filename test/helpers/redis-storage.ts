/**
 * Test-only StoragePort over Redis, so several runner processes share players, code and Memory. It is
 * not the product's Redis + MongoDB adapter: it keeps just what the queue tests check. Its commit is
 * fenced per (player, tick) in one Lua script, like the real adapter's idempotent writes, and it logs
 * every applied commit and every refused duplicate, so a test can check exactly-once.
 */
import { createRedisClient, connectRedis, LuaScript, type RedisClient } from '../../src/queue/index.js';
import { hashModules, parseUserId, type Modules, type UserId } from '../../src/shared/ids.js';
import type { CodeRecord, CommitReport, LoadRequest, LoadResult, StoragePort, TickCommit, UserRecord } from '../../src/storage/port.js';

interface StoredUser {
  readonly username: string;
  readonly cpu: number;
  readonly cpuAvailable: number;
  readonly lastUsedDirtyTime: number;
}

// ARGV: ns, tag, then per commit: id, tick, hasMemory ('1'/'0'), memory. Returns one status per commit.
const COMMIT = new LuaScript(`
local ns, tag = ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV, 4 do
  local id, tick = ARGV[i], tonumber(ARGV[i + 1])
  local last = tonumber(redis.call('HGET', ns .. ':lastTick', id) or '-1')
  if last == tick then
    redis.call('RPUSH', ns .. ':duplicates', id .. '@' .. tick .. '@' .. tag)
    out[#out + 1] = 'duplicate'
  elseif last > tick then
    out[#out + 1] = 'stale'
  else
    redis.call('HSET', ns .. ':lastTick', id, tick)
    if ARGV[i + 2] == '1' then redis.call('HSET', ns .. ':memory', id, ARGV[i + 3]) end
    redis.call('RPUSH', ns .. ':commits', id .. '@' .. tick .. '@' .. tag)
    out[#out + 1] = 'committed'
  end
end
return out
`);

export interface CommitEntry {
  readonly userId: string;
  readonly gameTime: number;
  readonly tag: string;
}

export class RedisTestStorage implements StoragePort {
  readonly #redis: RedisClient;
  readonly #ns: string;
  readonly #tag: string;

  /** `tag` names the process in the commit log (e.g. the runner id). */
  constructor(url: string, ns: string, tag: string) {
    this.#redis = createRedisClient(url, `${ns}-storage`);
    this.#redis.on('error', () => undefined);
    this.#ns = ns;
    this.#tag = tag;
  }

  async connect(): Promise<void> {
    await connectRedis(this.#redis);
  }

  /** Seeds players with code; `cpuAvailable` large so the CPU gate never skips them. */
  async seed(players: readonly { readonly id: string; readonly modules: Modules; readonly lastUsedDirtyTime?: number }[]): Promise<UserId[]> {
    const multi = this.#redis.multi();
    for (const p of players) {
      const user: StoredUser = { username: `user${p.id}`, cpu: 100, cpuAvailable: 10_000, lastUsedDirtyTime: p.lastUsedDirtyTime ?? 0 };
      multi.hset(`${this.#ns}:users`, p.id, JSON.stringify(user));
      multi.hset(`${this.#ns}:code`, p.id, JSON.stringify({ hash: hashModules(p.modules), timestamp: 1, modules: p.modules }));
    }
    await multi.exec();
    return players.map((p) => parseUserId(p.id));
  }

  async commitLog(): Promise<CommitEntry[]> {
    return parseEntries(await this.#redis.lrange(`${this.#ns}:commits`, 0, -1));
  }

  async duplicateLog(): Promise<CommitEntry[]> {
    return parseEntries(await this.#redis.lrange(`${this.#ns}:duplicates`, 0, -1));
  }

  async getMemory(userId: string): Promise<string | null> {
    return this.#redis.hget(`${this.#ns}:memory`, userId);
  }

  async activeUsers(): Promise<UserId[]> {
    const all = await this.#redis.hgetall(`${this.#ns}:users`);
    return Object.entries(all)
      .map(([id, json]) => ({ id: parseUserId(id), user: JSON.parse(json) as StoredUser }))
      .sort((a, b) => b.user.lastUsedDirtyTime - a.user.lastUsedDirtyTime || (a.id < b.id ? -1 : 1))
      .map((u) => u.id);
  }

  async loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>> {
    const ids = requests.map((r) => r.userId);
    const out = new Map<UserId, LoadResult>();
    if (ids.length === 0) return out;
    const [users, codes, memories] = await Promise.all([
      this.#redis.hmget(`${this.#ns}:users`, ...ids),
      this.#redis.hmget(`${this.#ns}:code`, ...ids),
      this.#redis.hmget(`${this.#ns}:memory`, ...ids),
    ]);
    requests.forEach(({ userId, knownCodeTimestamp }, i) => {
      const userJson = users[i];
      if (userJson == null) {
        out.set(userId, { ok: false, error: `unknown user ${userId}`, publish: false });
        return;
      }
      const stored = JSON.parse(userJson) as StoredUser;
      const user: UserRecord = { id: userId, ...stored, skipTicksPenalty: 0, activeSegments: [], defaultPublicSegment: null, activeForeignSegment: null };
      const codeJson = codes[i];
      const code = codeJson == null ? null : (JSON.parse(codeJson) as Required<CodeRecord>);
      out.set(userId, {
        ok: true,
        context: {
          user,
          code: code === null ? null : knownCodeTimestamp === code.timestamp ? { hash: code.hash, timestamp: code.timestamp } : code,
          memory: memories[i] ?? '',
          segments: {},
          interShard: { local: '', remote: {} },
          consoleCommands: [],
        },
      });
    });
    return out;
  }

  async loadCode(userId: UserId): Promise<CodeRecord | null> {
    const json = await this.#redis.hget(`${this.#ns}:code`, userId);
    return json == null ? null : (JSON.parse(json) as CodeRecord);
  }

  async commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    const report = { committed: [] as UserId[], duplicates: [] as UserId[], stale: [] as UserId[], failed: [] as { userId: UserId; error: string }[] };
    if (commits.length === 0) return report;
    const args: string[] = [this.#ns, this.#tag];
    for (const c of commits) args.push(c.userId, String(c.gameTime), c.memory === undefined ? '0' : '1', c.memory ?? '');
    try {
      const statuses = (await COMMIT.run(this.#redis, args)) as string[];
      commits.forEach((c, i) => {
        const status = statuses[i];
        if (status === 'committed') report.committed.push(c.userId);
        else if (status === 'duplicate') report.duplicates.push(c.userId);
        else report.stale.push(c.userId);
      });
    } catch (error) {
      for (const c of commits) report.failed.push({ userId: c.userId, error: String(error) });
    }
    return report;
  }

  /** Deletes every key of this test's namespace (its storage and a queue named after it). */
  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#ns}*`, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#redis.disconnect();
  }
}

function parseEntries(lines: readonly string[]): CommitEntry[] {
  return lines.map((line) => {
    const [userId = '', tick = '', tag = ''] = line.split('@');
    return { userId, gameTime: Number(tick), tag };
  });
}
