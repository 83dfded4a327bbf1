/**
 * One bounded cache for everything a process keeps in memory to save a KV read or a render:
 * least recently used entries go first once either bound is passed — a count of entries, or a
 * total size (whatever `sizeOf` measures: characters of text, bytes). Every cache in lib/ is
 * one of these, so none can grow without bound (docs/security.md: the history cache).
 */
export class LruCache<K, V> {
  #entries = new Map<K, { value: V; size: number }>();
  #size = 0;
  readonly maxEntries: number;
  readonly maxSize: number;
  readonly #sizeOf: (value: V, key: K) => number;

  constructor(
    options: { maxEntries: number; maxSize?: number; sizeOf?: (value: V, key: K) => number },
  ) {
    this.maxEntries = options.maxEntries;
    this.maxSize = options.maxSize ?? Infinity;
    this.#sizeOf = options.sizeOf ?? (() => 0);
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value without making it recently used. */
  peek(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Stores `value` as the most recently used, then drops the least recently used past a bound. */
  set(key: K, value: V): this {
    this.delete(key);
    const size = this.#sizeOf(value, key);
    // An entry larger than the whole cache is not kept (it would evict everything else).
    if (size > this.maxSize) return this;
    this.#entries.set(key, { value, size });
    this.#size += size;
    while (this.#entries.size > this.maxEntries || this.#size > this.maxSize) {
      this.delete(this.#entries.keys().next().value!);
    }
    return this;
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#size -= entry.size;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#size = 0;
  }

  /** How many entries are held. */
  get count(): number {
    return this.#entries.size;
  }

  /** The sum of the held entries' sizes. */
  get size(): number {
    return this.#size;
  }

  /** Keys from least to most recently used. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }
}
