import type { IntentsList } from '../shared/protocol.js';

/** A field type of the intent table: how the official `sanitizeUserIntents` rebuilds a payload field. */
export type IntentFieldType = 'string' | 'number' | 'boolean' | 'price' | readonly ['string'] | readonly ['number'];

/**
 * The host's validation table (the engine's `intentTypes` plus `customIntentTypes`, C:lib/system.js):
 * intent name -> field -> type. Names not in it are dropped, and so are fields not listed.
 */
export type IntentTable = Readonly<Record<string, Readonly<Record<string, IntentFieldType>>>>;

/** Where an object is: its room name, or undefined when the player may not command it. */
export type ObjectRooms = ReadonlyMap<string, string> | ((objectId: string) => string | undefined);

/**
 * Intents grouped the way `storeIntents` stores them (F43): `notify` (the `Game.notify` list),
 * `global` (name -> payloads), and per room `{ [objectId]: { [intent]: payload }, room?: { [intent]: payload[] } }`.
 * Every level has a null prototype, so a player-chosen key such as `__proto__` is only a key.
 */
export type GroupedIntents = Record<string, unknown> & {
  notify?: unknown[];
  global?: Record<string, unknown[]>;
};

/**
 * Groups a tick's raw intent registry (`RunResult.output.intents`, id -> name -> payload) by room for
 * persistence (F43, F45), as the official `storeIntents` does:
 * - `notify` is kept as it is (the storage layer cuts messages and clamps intervals, F44);
 * - `room` (registered with `pushByName('room', name, payload)`) goes to `[payload.roomName].room[name][]`;
 * - `global` (name -> payloads, or name -> payload) goes to `global`, each payload sanitised;
 * - any other key is an object id: kept only when `objectRooms` knows it, under `[room][id]`.
 * Payloads are rebuilt field by field from `table`; unknown intent names and fields are dropped, and a
 * field the player left out stays out.
 */
export function groupIntents(list: IntentsList, objectRooms: ObjectRooms, table: IntentTable): GroupedIntents {
  const roomOf = typeof objectRooms === 'function' ? objectRooms : (id: string) => objectRooms.get(id);
  const out = Object.create(null) as GroupedIntents;
  const roomEntry = (room: string): Record<string, unknown> => {
    let entry = out[room] as Record<string, unknown> | undefined;
    if (entry === undefined) {
      entry = Object.create(null) as Record<string, unknown>;
      out[room] = entry;
    }
    return entry;
  };
  for (const key of Object.keys(list)) {
    const value = list[key];
    if (key === 'notify') {
      if (Array.isArray(value)) out.notify = value;
      continue;
    }
    if (key === 'room' || key === 'global') {
      if (value === null || typeof value !== 'object') continue;
      for (const name of Object.keys(value)) {
        const type = own(table, name);
        if (type === undefined) continue;
        const raw = (value as Record<string, unknown>)[name];
        for (const item of Array.isArray(raw) ? raw : [raw]) {
          const payload = sanitize(item, type);
          if (payload === null) continue;
          let bucket: Record<string, unknown[]>;
          if (key === 'global') {
            bucket = out.global ??= Object.create(null) as Record<string, unknown[]>;
          } else {
            const roomName = (item as { roomName?: unknown }).roomName;
            if (typeof roomName !== 'string') continue;
            const entry = roomEntry(roomName);
            bucket = (entry.room ??= Object.create(null)) as Record<string, unknown[]>;
          }
          (bucket[name] ??= []).push(payload);
        }
      }
      continue;
    }
    const room = roomOf(key);
    if (room === undefined || value === null || typeof value !== 'object') continue;
    const intents = Object.create(null) as Record<string, unknown>;
    for (const name of Object.keys(value)) {
      const type = own(table, name);
      if (type === undefined) continue;
      const payload = sanitize((value as Record<string, unknown>)[name], type);
      if (payload !== null) intents[name] = payload;
    }
    roomEntry(room)[key] = intents;
  }
  return out;
}

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function sanitize(input: unknown, type: Readonly<Record<string, IntentFieldType>>): Record<string, unknown> | null {
  if (input === null || typeof input !== 'object') return null;
  const out = Object.create(null) as Record<string, unknown>;
  for (const field of Object.keys(type)) {
    const value = (input as Record<string, unknown>)[field];
    if (value === undefined) continue;
    out[field] = convert(value, type[field]!);
  }
  return out;
}

function convert(value: unknown, type: IntentFieldType): unknown {
  switch (type) {
    case 'string':
      return String(value);
    case 'number':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'price':
      // The official table rounds prices to thousandths.
      return Math.trunc(Number(value) * 1000) / 1000;
    default: {
      const element = type[0];
      return Array.isArray(value) ? value.map((v) => (element === 'string' ? String(v) : Number(v))) : [];
    }
  }
}
