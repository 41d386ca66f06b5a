/**
 * The only importer of the mongodb driver. A small facade over screepsmod-mongo's collections (spec 5.1).
 * Timeouts use serverSelectionTimeoutMS / socketTimeoutMS / maxTimeMS, never `timeoutMS` (issues-reliability
 * 4.2, R29). Only commands real MongoDB has, so FerretDB and MongoDB both work.
 */
import { MongoBulkWriteError, MongoClient, ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';

export type Doc = Record<string, unknown>;

/** The collections of spec 5.1 this adapter reads or writes. */
export const Collections = {
  users: 'users',
  code: 'users.code',
  console: 'users.console',
  notifications: 'users.notifications',
  intents: 'users.intents',
} as const;
export type CollectionName = (typeof Collections)[keyof typeof Collections];

export interface MongoLinkOptions {
  readonly url: string;
  /** Database name; default: the URL's path, else 'screeps'. */
  readonly database?: string;
  /** Bound on server selection and each query, ms. */
  readonly timeoutMs: number;
}

/** A bulk operation in the driver's shape, on plain documents. */
export type BulkOp =
  | { readonly updateOne: { readonly filter: Doc; readonly update: Doc; readonly upsert?: boolean } }
  | { readonly insertOne: { readonly document: Doc } }
  | { readonly deleteOne: { readonly filter: Doc } }
  | { readonly deleteMany: { readonly filter: Doc } };

/** Result of an unordered bulk: the indexes that failed, with their error; `all` when the whole call failed. */
export type BulkResult = { readonly all: string } | { readonly all: null; readonly failed: ReadonlyMap<number, string> };

/**
 * Operations per bulkWrite call. FerretDB 1.24 on SQLite wedges when 100 or more update statements are in
 * flight in the server at once (measured: one command of 99 returns, of 100 hangs; two commands of 64 at
 * the same time hang too), so bulks go in chunks, and each link sends one chunk at a time (`#chunks`): a
 * process never has more than 32 in flight, so up to three processes can share one FerretDB. Real MongoDB
 * is unaffected and still gets few round trips (1000 players = 32 calls).
 */
const BULK_CHUNK = 32;

/** Duplicate key: the idempotency key (a deterministic `_id`) says this write is already applied (R26). */
const DUPLICATE_KEY = 11000;

/** screepsmod-mongo stores a 24-hex `_id` as an ObjectId (spec 5.1, M:_connect.js:44-63). */
export function docId(id: string): unknown {
  return /^[0-9a-f]{24}$/.test(id) ? new ObjectId(id) : id;
}

/** A fresh ObjectId as 24 hex digits (time-ordered, like the backend's `users.console` ids). */
export function newObjectId(): string {
  return new ObjectId().toHexString();
}

/** The string form of a stored `_id` (ObjectId or string). */
export function idString(value: unknown): string {
  return value instanceof ObjectId ? value.toHexString() : String(value);
}

export class MongoLink {
  readonly database: string;
  readonly #client: MongoClient;
  readonly #timeoutMs: number;
  /** The chunk in flight; the next one waits for it (concurrent commits of one store included). */
  #chunks: Promise<unknown> = Promise.resolve();

  private constructor(client: MongoClient, database: string, timeoutMs: number) {
    this.#client = client;
    this.database = database;
    this.#timeoutMs = timeoutMs;
  }

  static async connect(options: MongoLinkOptions): Promise<MongoLink> {
    const client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.timeoutMs,
      connectTimeoutMS: options.timeoutMs,
      socketTimeoutMS: options.timeoutMs * 5,
      maxPoolSize: 8,
    });
    await client.connect();
    const fromUrl = new URL(options.url).pathname.replace(/^\//, '');
    return new MongoLink(client, options.database ?? (fromUrl || 'screeps'), options.timeoutMs);
  }

  #collection(name: CollectionName) {
    return this.#client.db(this.database).collection(name);
  }

  /** One query: documents of `name` matching `filter`, `_id` as a string. */
  async find(name: CollectionName, filter: Doc, options: { projection?: Doc; sort?: Doc } = {}): Promise<Doc[]> {
    const cursor = this.#collection(name).find(filter as Document, {
      maxTimeMS: this.#timeoutMs,
      ...(options.projection ? { projection: options.projection } : {}),
      ...(options.sort ? { sort: options.sort as Record<string, 1 | -1> } : {}),
    });
    const docs = await cursor.toArray();
    return docs.map((d) => ({ ...d, _id: idString(d._id) }));
  }

  /** Unordered bulkWrites of at most BULK_CHUNK ops each; duplicate-key errors count as applied when `duplicateIsApplied`. */
  async bulk(name: CollectionName, ops: readonly BulkOp[], duplicateIsApplied: boolean): Promise<BulkResult> {
    const failed = new Map<number, string>();
    for (let at = 0; at < ops.length; at += BULK_CHUNK) {
      const chunk = await this.#oneAtATime(() => this.#bulkChunk(name, ops.slice(at, at + BULK_CHUNK), duplicateIsApplied));
      if (chunk.all !== null) {
        // Chunks already applied stay applied; every op is idempotent, so the caller fails the whole bulk's players.
        return chunk;
      }
      for (const [index, error] of chunk.failed) failed.set(at + index, error);
    }
    return { all: null, failed };
  }

  #oneAtATime<T>(send: () => Promise<T>): Promise<T> {
    const sent = this.#chunks.then(send);
    this.#chunks = sent.catch(() => undefined);
    return sent;
  }

  async #bulkChunk(name: CollectionName, ops: readonly BulkOp[], duplicateIsApplied: boolean): Promise<BulkResult> {
    if (ops.length === 0) return { all: null, failed: new Map() };
    try {
      await this.#collection(name).bulkWrite(ops as unknown as AnyBulkWriteOperation<Document>[], { ordered: false });
      return { all: null, failed: new Map() };
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError) || error.writeErrors === undefined) return { all: errorText(error) };
      const list = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      // A bulk that failed for a reason other than its write errors (a network fault midway) is unknown as a whole.
      if (list.length === 0) return { all: errorText(error) };
      const failed = new Map<number, string>();
      for (const w of list) {
        if (duplicateIsApplied && w.code === DUPLICATE_KEY) continue;
        failed.set(w.index, w.errmsg ?? `write error ${w.code}`);
      }
      return { all: null, failed };
    }
  }

  // ---- host side: seeding, inspection ----

  async insertMany(name: CollectionName, docs: readonly Doc[]): Promise<void> {
    if (docs.length > 0) await this.#collection(name).insertMany(docs.map((d) => ({ ...d })) as Document[], { ordered: false });
  }
  async updateOne(name: CollectionName, filter: Doc, update: Doc, upsert = false): Promise<void> {
    await this.#collection(name).updateOne(filter as Document, update as Document, { upsert });
  }
  async ensureIndexes(): Promise<void> {
    // M:lib/common/storage.js:5.
    await this.#collection(Collections.code).createIndex({ user: 1 });
    await this.#collection(Collections.console).createIndex({ user: 1 });
  }

  /** Every document of the adapter's collections, sorted by `_id` (for replay checks). */
  async dump(): Promise<Record<string, Doc[]>> {
    const out: Record<string, Doc[]> = {};
    for (const name of Object.values(Collections)) {
      const docs = await this.find(name, {});
      out[name] = docs.sort((a, b) => String(a._id).localeCompare(String(b._id)));
    }
    return out;
  }

  async dropDatabase(): Promise<void> {
    await this.#client.db(this.database).dropDatabase();
  }

  async close(): Promise<void> {
    await this.#client.close(true);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
