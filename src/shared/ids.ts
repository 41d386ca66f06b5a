import { createHash } from 'node:crypto';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A player's id, as stored in `users._id` (a string). Minted only by `parseUserId`. */
export type UserId = Brand<string, 'UserId'>;
/** SHA-256 (hex) over a player's modules. Minted only by `hashModules`. */
export type CodeHash = Brand<string, 'CodeHash'>;

/** A module is JavaScript source, or a binary module (`{binary: base64}`, F18). */
export type ModuleSource = string | { readonly binary: string };
export type Modules = Readonly<Record<string, ModuleSource>>;

const USER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function parseUserId(value: unknown): UserId {
  if (typeof value !== 'string' || !USER_ID.test(value)) {
    throw new TypeError(`Invalid user id ${JSON.stringify(value)}: expected 1-128 characters of [A-Za-z0-9_.:-]`);
  }
  return value as UserId;
}

export function isUserId(value: unknown): value is UserId {
  return typeof value === 'string' && USER_ID.test(value);
}

/** Hash of a code bundle: module names sorted, each name and source length-prefixed so no two bundles collide. */
export function hashModules(modules: Modules): CodeHash {
  const h = createHash('sha256');
  for (const name of Object.keys(modules).sort()) {
    const source = modules[name];
    const body = typeof source === 'string' ? `s${source}` : `b${source?.binary ?? ''}`;
    h.update(`${name.length}:${name}${body.length}:`);
    h.update(body);
  }
  return h.digest('hex') as CodeHash;
}

/** Bytes a bundle occupies as UTF-16 strings, for cache accounting. */
export function modulesSize(modules: Modules): number {
  let size = 0;
  for (const [name, source] of Object.entries(modules)) {
    size += name.length + (typeof source === 'string' ? source.length : source.binary.length);
  }
  return size * 2;
}
