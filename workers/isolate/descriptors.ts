import type { Pristine } from './types.js';

/**
 * Descriptors of non-writable, non-configurable methods, built once per isolate: `create(null, ...)`
 * over them gives a tick's fresh null-prototype object (`console`, `RawMemory`, `InterShardMemory`).
 */
export function methodDescriptors(methods: Record<string, (...args: never[]) => unknown>, enumerable: boolean, pristine: Pristine): PropertyDescriptorMap {
  const descriptors = pristine.create(null) as PropertyDescriptorMap;
  for (const name of pristine.keys(methods)) {
    descriptors[name] = { __proto__: null, value: methods[name], enumerable, writable: false, configurable: false } as PropertyDescriptor;
  }
  return descriptors;
}
