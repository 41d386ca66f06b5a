import { methodDescriptors } from './descriptors.js';
import type { Limits, Pristine, TickState } from './types.js';

/** Declared by the runtime source ahead of the factories (`source.ts`). */
declare const LIMITS: Limits;

/**
 * `RawMemory` (F30-F37): each tick a fresh null-prototype object with non-writable methods. The
 * methods and descriptors are built once per isolate over the isolate's long-lived tick state, so a
 * tick costs one `Object.create` (this code runs in every isolate every tick, mostly interpreted).
 * It stays extensible so the "memhack" (assigning `RawMemory._parsed`) keeps working (F29).
 */
export function makeRawMemory(state: TickState, pristine: Pristine): () => Record<string, unknown> {
  const { Error_, String_, parseInt_, isNaN_, isArray } = {
    Error_: pristine.Error,
    String_: pristine.String,
    parseInt_: pristine.parseInt,
    isNaN_: pristine.isNaN,
    isArray: pristine.isArray,
  };

  function segmentId(value: unknown, message: string): number {
    const id = parseInt_(value as string);
    if (isNaN_(id) || id < 0 || id > LIMITS.maxSegmentId) throw new Error_(message);
    return id;
  }
  /** F35/F36: the official message shows the id after `parseInt` (`"NaN" is not a valid segment ID`). */
  function parsedSegmentId(value: unknown): number {
    const id = parseInt_(value as string);
    return segmentId(id, `"${String_(id)}" is not a valid segment ID`);
  }
  function segmentList(ids: unknown): number[] {
    if (!isArray(ids)) throw new Error_(`"${String_(ids)}" is not an array`);
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) out.push(segmentId(ids[i], `"${String_(ids[i])}" is not a valid segment ID`));
    return out;
  }

  const methods: Record<string, (...args: never[]) => unknown> = {
    // F30: the raw string; "" when nothing is stored.
    get() {
      return state.memory;
    },
    // F30: strings only, 2 MB (UTF-16 code units); clears `_parsed` so the raw value wins.
    set(value: unknown) {
      if (typeof value !== 'string') throw new Error_('Raw memory value is not a string');
      if (value.length > LIMITS.memoryChars) throw new Error_('Raw memory length exceeded 2 MB limit');
      delete state.rawMemory._parsed;
      state.memory = value;
    },
    // F33: at most 10, ids 0..99, effective next tick.
    setActiveSegments(ids: unknown) {
      if (!isArray(ids)) throw new Error_(`"${String_(ids)}" is not an array`);
      if (ids.length > LIMITS.activeSegments) throw new Error_('Only 10 memory segments can be active at the same time');
      state.activeSegments = segmentList(ids);
    },
    // F34: no count limit; `[]` clears the list (deliberate fix: the official driver ignores it).
    setPublicSegments(ids: unknown) {
      state.publicSegments = segmentList(ids);
    },
    // F35: null clears.
    setDefaultPublicSegment(id: unknown) {
      state.defaultPublicSegment = id === null ? null : parsedSegmentId(id);
    },
    // F36: null clears; the id is optional (the target's default public segment is used).
    setActiveForeignSegment(username: unknown, id?: unknown) {
      if (username === null) {
        state.activeForeignSegment = null;
        return;
      }
      const entry: { username: string; id?: number } = { username: String_(username) };
      if (id !== undefined) entry.id = parsedSegmentId(id);
      state.activeForeignSegment = entry;
    },
  };
  const descriptors = methodDescriptors(methods, false, pristine);
  // F32: pre-filled with the segments requested last tick (this tick's object).
  // Not enumerable, like the official object's own properties (`Object.keys(RawMemory)` lists only what
  // the player added, and `foreignSegment`).
  descriptors.segments = { __proto__: null, get: () => state.segments, enumerable: false, configurable: false } as PropertyDescriptor;
  // F37: the legacy inter-shard field, kept as an alias of InterShardMemory's local segment and persisted.
  descriptors.interShardSegment = {
    __proto__: null,
    get: () => state.interShardLocal,
    set: (value: unknown) => {
      state.interShardLocal = value;
    },
    enumerable: false,
    configurable: false,
  } as PropertyDescriptor;
  const foreign = { __proto__: null, value: undefined, enumerable: true, writable: false, configurable: false } as PropertyDescriptor;
  return () => {
    const raw = pristine.create(null, descriptors) as Record<string, unknown>;
    const f = state.payload.foreignSegment;
    if (f) {
      foreign.value = pristine.freeze({ username: f.username, id: f.id, data: f.data });
      pristine.defineProperty(raw, 'foreignSegment', foreign);
    }
    return raw;
  };
}

/**
 * F28: `Memory` is a lazy getter that parses `RawMemory.get() || "{}"` with the player-visible `JSON`
 * on first access each tick, gives the top-level object a null prototype, yields `null` on invalid JSON,
 * then replaces itself by a non-writable value.
 */
export function makeMemoryDefiner(global: Record<string, unknown>, state: TickState, pristine: Pristine): () => void {
  const defineProperty = pristine.defineProperty;
  const setPrototypeOf = pristine.setPrototypeOf;
  // Captured at install, before any player code can replace it.
  const hasOwn = Object.hasOwn;
  // Memory once read: a data property of the parsed value (one descriptor, its value set for the call).
  const parsedDescriptor = { __proto__: null, configurable: true, enumerable: true, writable: false, value: undefined } as PropertyDescriptor;
  const lazy = {
    __proto__: null,
    configurable: true,
    enumerable: true,
    get() {
      const raw = state.rawMemory;
      let parsed: unknown;
      try {
        parsed = JSON.parse(((raw.get as () => string)() || '{}'));
        // The official `_parsed.__proto__ = null`: an own `"__proto__"` key (JSON.parse makes one) is
        // set to null and the prototype stays; otherwise the prototype becomes null.
        if (parsed !== null && typeof parsed === 'object') {
          if (hasOwn(parsed, '__proto__')) (parsed as Record<string, unknown>)['__proto__'] = null;
          else setPrototypeOf(parsed, null);
        }
      } catch {
        parsed = null;
      }
      raw._parsed = parsed;
      parsedDescriptor.value = parsed;
      defineProperty(global, 'Memory', parsedDescriptor);
      parsedDescriptor.value = undefined;
      return parsed;
    },
  } as PropertyDescriptor;
  // A tick that never read Memory leaves this getter in place: it is only defined again when the
  // property is something else (read and replaced by its value, or changed by the player), which saves
  // an accessor definition on the global object per tick for players that do not use Memory.
  // Captured at install, before any player code can replace them.
  const lookupGetter = (Object.prototype as unknown as { __lookupGetter__: (name: string) => unknown }).__lookupGetter__;
  const apply = Reflect.apply;
  return () => {
    if (apply(lookupGetter, global, ['Memory']) === lazy.get) return;
    defineProperty(global, 'Memory', lazy);
  };
}

/** InterShardMemory with MMO semantics (spec 2.3): 100 KB string per shard, others read-only. */
export function makeInterShardMemory(state: TickState, pristine: Pristine): () => object {
  const Error_ = pristine.Error;
  const methods: Record<string, (...args: never[]) => unknown> = {
    getLocal() {
      return state.interShardLocal;
    },
    setLocal(value: unknown) {
      if (typeof value !== 'string') throw new Error_('InterShardMemory value is not a string');
      if (value.length > LIMITS.interShardChars) throw new Error_('InterShardMemory segment length exceeded 100 KB limit');
      state.interShardLocal = value;
    },
    getRemote(shard: unknown) {
      const remote = state.payload.interShard.remote;
      // Only own string values: a key like "__proto__" yields null, not Object.prototype.
      const value = remote[pristine.String(shard)];
      return typeof value === 'string' ? value : null;
    },
  };
  const descriptors = methodDescriptors(methods, true, pristine);
  return () => pristine.create(null, descriptors) as object;
}
