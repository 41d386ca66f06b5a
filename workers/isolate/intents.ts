import type { IntentRegistry, Pristine } from './types.js';

/**
 * The intent registry (F23): the host game layer registers intents through it; each registration of a
 * non-free intent adds 0.2 ms to `Game.cpu.getUsed()` and to the bill. `say` and `pull` are free for
 * `set`; `push`/`pushByName` always cost; `remove` refunds 0.2.
 * One registry per isolate, its methods built once; `reset` starts each tick's list (this code runs in
 * every isolate every tick, mostly interpreted, so a tick does not rebuild the closures).
 */
export function makeIntents(pristine: Pristine): IntentRegistry & { reset(): void } {
  const INTENT_CPU = 0.2;
  const FREE: Record<string, true> = { say: true, pull: true };
  // Appends to the list `name` of `lists` (made on first use), at most `maxLen` long; always billed.
  const append = (lists: Record<string, unknown[]>, name: string, data: unknown, maxLen: number | undefined): boolean => {
    let arr = lists[name];
    if (!arr) {
      arr = [];
      lists[name] = arr;
    }
    if (maxLen !== undefined && arr.length >= maxLen) return false;
    arr.push(data);
    registry.cpu += INTENT_CPU;
    return true;
  };
  const registry: IntentRegistry & { reset(): void } = {
    list: pristine.create(null) as Record<string, unknown>,
    cpu: 0,
    reset() {
      registry.list = pristine.create(null) as Record<string, unknown>;
      registry.cpu = 0;
    },
    set(id, name, data) {
      const list = registry.list;
      let entry = list[id] as Record<string, unknown> | undefined;
      if (!entry) {
        entry = pristine.create(null) as Record<string, unknown>;
        list[id] = entry;
      }
      if (!FREE[name] && entry[name] === undefined) registry.cpu += INTENT_CPU;
      entry[name] = data;
    },
    push(name, data, maxLen) {
      return append(registry.list as Record<string, unknown[]>, name, data, maxLen);
    },
    pushByName(id, name, data, maxLen) {
      const list = registry.list;
      let entry = list[id] as Record<string, unknown[]> | undefined;
      if (!entry) {
        entry = pristine.create(null) as Record<string, unknown[]>;
        list[id] = entry;
      }
      return append(entry, name, data, maxLen);
    },
    remove(id, name) {
      const entry = registry.list[id] as Record<string, unknown> | undefined;
      if (entry && entry[name] !== undefined) {
        delete entry[name];
        registry.cpu -= INTENT_CPU;
      }
    },
  };
  return registry;
}

/** F24: intents charged on the bill: array lengths, or 1 per (entity, name); `say` and `pull` are free. */
export function countIntents(list: Record<string, unknown>, isArray: typeof Array.isArray): number {
  let count = 0;
  for (const id in list) {
    const entry = list[id];
    if (isArray(entry)) {
      count += entry.length;
      continue;
    }
    if (entry === null || typeof entry !== 'object') continue;
    for (const name in entry as Record<string, unknown>) {
      if (name === 'say' || name === 'pull') continue;
      const value = (entry as Record<string, unknown>)[name];
      count += isArray(value) ? value.length : 1;
    }
  }
  return count;
}
