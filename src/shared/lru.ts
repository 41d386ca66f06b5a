/** A Map bounded by entry count or by a size function, evicting the least recently used entry. */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #maxSize: number;
  readonly #sizeOf: (value: V) => number;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;
  #size = 0;

  constructor(maxSize: number, sizeOf: (value: V) => number = () => 1, onEvict?: (key: K, value: V) => void) {
    this.#maxSize = maxSize;
    this.#sizeOf = sizeOf;
    this.#onEvict = onEvict;
  }
  get size(): number {
    return this.#map.size;
  }
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  has(key: K): boolean {
    return this.#map.has(key);
  }
  set(key: K, value: V): void {
    this.delete(key);
    const size = this.#sizeOf(value);
    if (size > this.#maxSize) return;
    this.#map.set(key, value);
    this.#size += size;
    while (this.#size > this.#maxSize) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      const evicted = this.#map.get(oldest.value)!;
      this.delete(oldest.value);
      this.#onEvict?.(oldest.value, evicted);
    }
  }
  delete(key: K): boolean {
    const value = this.#map.get(key);
    if (value === undefined) return false;
    this.#map.delete(key);
    this.#size -= this.#sizeOf(value);
    return true;
  }
  keys(): IterableIterator<K> {
    return this.#map.keys();
  }
}
