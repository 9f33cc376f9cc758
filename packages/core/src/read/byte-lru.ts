/**
 * A least-recently-used map bounded by the bytes its values hold (as the caller
 * measures them). Key indexes, their directories and their blocks are immutable
 * objects, so a cached value never goes stale; the bound keeps memory flat however
 * large the table grows.
 */

/**
 * An LRU map bounded in bytes; a value larger than the whole bound is not kept.
 *
 * @example
 * ```ts
 * const lru = new ByteLru<Uint8Array>(1 << 20);
 * lru.set('a', bytes, bytes.byteLength);
 * lru.get('a'); // bytes, now the most recently used
 * ```
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private held = 0;

  constructor(private readonly limit: number) {}

  /** The value, refreshed as most recently used; `undefined` when absent. */
  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Keeps `value` if it fits, evicting the least recently used until the total fits. */
  set(key: string, value: V, bytes: number): void {
    if (bytes > this.limit) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.held += bytes;
    if (this.held <= this.limit) return;
    for (const [k, v] of this.entries) {
      if (this.held <= this.limit) break;
      this.entries.delete(k);
      this.held -= v.bytes;
    }
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }
}
