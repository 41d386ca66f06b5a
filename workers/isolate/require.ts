import type { Pristine } from './types.js';

/** A module as installed in the isolate: a compiled wrapper function, or a binary module's base64 text. */
export type InstalledModule =
  | { fn: (module: { exports: unknown }, exports: unknown) => void }
  | { binary: string }
  /** A module that failed to compile: requiring it throws its SyntaxError, as the official driver does. */
  | { syntaxError: string };

/**
 * The player's `require` (F16-F19): strips one leading `./`, caches exports, throws
 * `Unknown module '<name>'` and `Circular reference to module '<name>'`, removes a module that threw
 * from the cache, and returns binary modules (`{binary: base64}`, F18) as a Uint8Array usable by
 * `WebAssembly.Module`.
 */
export function makeRequire(
  modules: Record<string, InstalledModule>,
  pristine: Pristine,
  decodeBase64: (text: string) => Uint8Array,
  global: Record<string, unknown>,
  owner: { user: string; timestamp: number },
  /** Marks a module being evaluated; the kernel removes marks a timeout left behind (`dropUnfinished`). */
  IN_PROGRESS: object,
  /** F19's disabled `__initGlobals` hook: a descriptor with no prototype, made once per isolate. */
  hookOff: PropertyDescriptor,
): ((name: string) => unknown) & { cache: Record<string, unknown> } {
  const cache = pristine.create(null) as Record<string, unknown>;
  const Error_ = pristine.Error;
  const defineProperty = pristine.defineProperty;
  // F16: `lodash` is pre-cached as the global `_` when the host game layer provides one.
  if (global._ !== undefined) cache.lodash = global._;
  function require(name: string): unknown {
    let key = pristine.String(name);
    if (key.startsWith('./')) key = key.slice(2);
    const cached = cache[key];
    if (cached === IN_PROGRESS) throw new Error_(`Circular reference to module '${key}'`);
    if (cached !== undefined) return cached;
    const installed = modules[key];
    if (installed === undefined) throw new Error_(`Unknown module '${key}'`);
    if ('syntaxError' in installed) throw new SyntaxError(installed.syntaxError);
    if ('binary' in installed) {
      const bytes = decodeBase64(installed.binary);
      cache[key] = bytes;
      return bytes;
    }
    cache[key] = IN_PROGRESS;
    const module = { exports: {} as unknown, user: owner.user, timestamp: owner.timestamp, name: key };
    // F19: the legacy init-globals hook is disabled on every module object.
    defineProperty(module, '__initGlobals', hookOff);
    // F19: the module being evaluated is the global `__module`; after a successful evaluation the
    // official driver assigns the previous one to `global.module` (a typo for `__module` that players
    // can observe), so both globals exist as they do there.
    const oldModule = global.__module || {};
    global.__module = module;
    try {
      installed.fn.call(undefined, module, module.exports);
    } catch (e) {
      delete cache[key];
      throw e;
    }
    global.module = oldModule;
    cache[key] = module.exports;
    return module.exports;
  }
  pristine.defineProperty(require, 'cache', { __proto__: null, value: cache, enumerable: false, writable: false, configurable: false } as PropertyDescriptor);
  // F19: the legacy init-globals hook stays disabled.
  pristine.defineProperty(require, 'initGlobals', { __proto__: null, value: undefined, enumerable: false, writable: false, configurable: false } as PropertyDescriptor);
  return require as typeof require & { cache: Record<string, unknown> };
}

/**
 * A timeout ends the isolate's execution without running the `catch` that forgets a module that did not
 * finish evaluating (F16); the official driver's timeout is catchable, so it does forget it. Called
 * before each tick, this forgets modules still marked in progress, so they are evaluated again instead
 * of failing as a circular reference.
 */
export function dropUnfinished(cache: Record<string, unknown>, inProgress: object, keys: (o: object) => string[]): void {
  for (const key of keys(cache)) if (cache[key] === inProgress) delete cache[key];
}

/**
 * F20: the main loop runs as the module `__mainLoop` whose code is `module.exports.loop();`: it becomes
 * `__module` while it runs, and `global.module` is assigned afterwards, as for any module (F19).
 */
export function runMainLoop(
  main: { loop: () => void },
  global: Record<string, unknown>,
  owner: { user: string; timestamp: number },
  defineProperty: typeof Object.defineProperty,
  hookOff: PropertyDescriptor,
): void {
  const module = { exports: main, user: owner.user, timestamp: owner.timestamp, name: '__mainLoop' };
  defineProperty(module, '__initGlobals', hookOff);
  const oldModule = global.__module || {};
  global.__module = module;
  module.exports.loop();
  global.module = oldModule;
}

/** Base64 decoder for binary modules (a bare isolate has no `atob` or `Buffer`). */
export function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lookup = new Uint8Array(256).fill(255);
  for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;
  lookup['-'.charCodeAt(0)] = 62;
  lookup['_'.charCodeAt(0)] = 63;
  const clean = text.replace(/[^A-Za-z0-9+/\-_]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | (lookup[clean.charCodeAt(i)] ?? 0);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}
