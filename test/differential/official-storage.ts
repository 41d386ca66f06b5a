/**
 * An in-memory stand-in for the storage client of `@screeps/common` (`common.storage.db`, `env`,
 * `pubsub`), for running the official driver's `makeRuntime` without a storage process. It fills the
 * objects `@screeps/common` exports (the driver captured them at load time), so nothing of the driver is
 * replaced. Queries support what the driver's runtime path uses: equality, `$and`, `$in`, `$ne`, `$gt`,
 * `$lte`; updates `$set`, `$unset`, `$merge`, `$inc` and `upsert`.
 */
type Doc = Record<string, unknown>;
type Query = Record<string, unknown>;

export interface StorageClient {
  db: Record<string, unknown>;
  env: Record<string, unknown>;
  pubsub: Record<string, unknown>;
}

/** Every collection the driver's runtime path reads or writes. */
const COLLECTIONS = [
  'users', 'users.code', 'users.console', 'users.notifications', 'users.intents', 'users.power_creeps',
  'rooms', 'rooms.objects', 'rooms.flags', 'rooms.intents', 'transactions', 'market.orders', 'market.stats',
];

function matches(doc: Doc, query: Query): boolean {
  for (const [key, cond] of Object.entries(query)) {
    if (key === '$and') {
      if (!(cond as Query[]).every((q) => matches(doc, q))) return false;
      continue;
    }
    const value = doc[key];
    if (cond !== null && typeof cond === 'object' && !Array.isArray(cond)) {
      const ops = cond as Record<string, unknown>;
      if ('$in' in ops && !(ops.$in as unknown[]).some((v) => String(v) === String(value))) return false;
      if ('$ne' in ops && value === ops.$ne) return false;
      if ('$gt' in ops && !((value as number) > (ops.$gt as number))) return false;
      if ('$lte' in ops && !((value as number) <= (ops.$lte as number))) return false;
      continue;
    }
    if (value !== cond) return false;
  }
  return true;
}

function equalities(query: Query, into: Doc = {}): Doc {
  for (const [key, cond] of Object.entries(query)) {
    if (key === '$and') for (const q of cond as Query[]) equalities(q, into);
    else if (cond === null || typeof cond !== 'object') into[key] = cond;
  }
  return into;
}

function merge(target: Doc, source: Doc): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
      merge(existing as Doc, value as Doc);
    } else {
      target[key] = clone(value);
    }
  }
}

const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export class Collection {
  readonly docs: Doc[] = [];
  #seq = 0;

  async find(query: Query = {}): Promise<Doc[]> {
    return this.docs.filter((d) => matches(d, query)).map(clone);
  }
  async findOne(query: Query = {}): Promise<Doc | null> {
    const doc = this.docs.find((d) => matches(d, query));
    return doc === undefined ? null : clone(doc);
  }
  async findEx(query: Query = {}, opts: { limit?: number } = {}): Promise<Doc[]> {
    const found = await this.find(query);
    return opts.limit === undefined ? found : found.slice(0, opts.limit);
  }
  async insert(doc: Doc): Promise<Doc> {
    const stored = { _id: `${++this.#seq}`, ...clone(doc) };
    this.docs.push(stored);
    return clone(stored);
  }
  async removeWhere(query: Query): Promise<void> {
    for (let i = this.docs.length - 1; i >= 0; i--) if (matches(this.docs[i]!, query)) this.docs.splice(i, 1);
  }
  async update(query: Query, update: Record<string, Doc>, params: { upsert?: boolean } = {}): Promise<void> {
    let targets = this.docs.filter((d) => matches(d, query));
    if (targets.length === 0 && params.upsert) {
      const doc: Doc = { _id: `${++this.#seq}`, ...equalities(query) };
      this.docs.push(doc);
      targets = [doc];
    }
    for (const doc of targets) {
      for (const [key, value] of Object.entries(update.$set ?? {})) doc[key] = clone(value);
      for (const key of Object.keys(update.$unset ?? {})) delete doc[key];
      if (update.$merge) merge(doc, update.$merge);
      for (const [key, value] of Object.entries(update.$inc ?? {})) doc[key] = ((doc[key] as number) ?? 0) + (value as number);
    }
  }
}

export class MemoryEnv {
  readonly values = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    return this.values.get(key) ?? null;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
  async setex(key: string, _seconds: number, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.values.delete(key);
  }
  #hash(key: string): Record<string, string> {
    let hash = this.values.get(key) as Record<string, string> | undefined;
    if (hash === undefined) {
      hash = {};
      this.values.set(key, hash);
    }
    return hash;
  }
  async hget(key: string, field: string | number): Promise<string | null> {
    return this.#hash(key)[String(field)] ?? null;
  }
  async hmget(key: string, fields: readonly (string | number)[]): Promise<(string | null)[]> {
    const hash = this.#hash(key);
    return fields.map((f) => hash[String(f)] ?? null);
  }
  async hset(key: string, field: string | number, value: string): Promise<void> {
    this.#hash(key)[String(field)] = value;
  }
  async hmset(key: string, values: Record<string, string>): Promise<void> {
    Object.assign(this.#hash(key), values);
  }
  async sadd(key: string, members: string | readonly string[]): Promise<void> {
    const set = (this.values.get(key) as Set<string> | undefined) ?? new Set<string>();
    for (const m of Array.isArray(members) ? members : [members]) set.add(m);
    this.values.set(key, set);
  }
  async smembers(key: string): Promise<string[]> {
    return [...((this.values.get(key) as Set<string> | undefined) ?? [])];
  }
}

export class MemoryPubsub {
  readonly published: { channel: string; message: string }[] = [];
  async publish(channel: string, message: string): Promise<void> {
    this.published.push({ channel, message });
  }
  async subscribe(): Promise<void> {}
}

/** Fills `@screeps/common`'s storage objects in place with in-memory collections, env and pub/sub. */
export function installMemoryStorage(storage: StorageClient, toQ: (p: Promise<unknown>) => unknown): { collections: Record<string, Collection>; env: MemoryEnv; pubsub: MemoryPubsub } {
  // The storage client's requests return q promises (common/lib/rpc.js): a rejection in a chain the
  // driver does not handle is then logged by q, not fatal to the process as a native one would be.
  const expose = (target: Record<string, unknown>, name: string, source: object, method: string): void => {
    const fn = (source as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!.bind(source);
    target[name] = (...args: unknown[]) => toQ(fn(...args));
  };
  const collections: Record<string, Collection> = {};
  for (const name of COLLECTIONS) {
    const collection = new Collection();
    collections[name] = collection;
    const client: Record<string, unknown> = {};
    for (const method of ['find', 'findOne', 'findEx', 'insert', 'removeWhere', 'update']) expose(client, method, collection, method);
    storage.db[name] = client;
  }
  const env = new MemoryEnv();
  for (const method of ['get', 'set', 'setex', 'del', 'hget', 'hmget', 'hset', 'hmset', 'sadd', 'smembers']) expose(storage.env, method, env, method);
  const pubsub = new MemoryPubsub();
  expose(storage.pubsub, 'publish', pubsub, 'publish');
  expose(storage.pubsub, 'subscribe', pubsub, 'subscribe');
  return { collections, env, pubsub };
}
