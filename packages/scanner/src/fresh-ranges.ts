/**
 * Key-range checks against the fresh tier: whether any fresh key lies in a range of
 * keys (a base file's `[pkMin, pkMax]`, a row group's first and last key). A scan
 * skips dedup — no key encoding, no hash probe — for a row group no fresh key falls
 * in, since then every one of its rows is its key's state (the `newestDecides`
 * engines: the base is older than every fresh version).
 *
 * Each fresh source is already sorted by key or cheap to sort: a flushed generation's
 * key index is ascending by key, and a memtable's keys are sorted on first use (only
 * when a range check reaches that memtable). A check is one binary search per source.
 */
import { compareBytes, sortKeyIds, type Memtable } from '@freshtier/core';

/**
 * The keys of one fresh source in ascending order, for range checks.
 *
 * @example
 * ```ts
 * const keys = SortedKeys.ofIndex(keyIndex);
 * keys.anyIn(lo, hi); // true when some key k has lo <= k <= hi
 * ```
 */
export class SortedKeys {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly offsets: ArrayLike<number>,
    /** Key ids in ascending key order; undefined: ids are already ascending (0…count-1). */
    private readonly order: ArrayLike<number> | undefined,
    private readonly count: number,
  ) {}

  /**
   * The keys of a key index (ascending by its format).
   *
   * @example
   * ```ts
   * const keys = SortedKeys.ofIndex(await reader.keyIndexOf(file, 'flushed'));
   * ```
   */
  static ofIndex(index: { readonly keyBytes: Uint8Array; readonly keyOffsets: ArrayLike<number>; readonly count: number }): SortedKeys {
    return new SortedKeys(index.keyBytes, index.keyOffsets, undefined, index.count);
  }

  /**
   * The keys a memtable held by its first `batchCount` batches, sorted now.
   *
   * @example
   * ```ts
   * const keys = SortedKeys.ofMemtable(ref.memtable, ref.batchCount);
   * ```
   */
  static ofMemtable(m: Memtable, batchCount: number): SortedKeys {
    const { arena, offsets, count } = m.keyEntries();
    const ids: number[] = [];
    for (let e = 0; e < count; e++) if (m.firstBatchOfEntry(e) < batchCount) ids.push(e); // later: appended after the capture
    const order = sortKeyIds(arena, offsets, Uint32Array.from(ids));
    return new SortedKeys(arena, offsets, order, order.length);
  }

  /** Whether some key k has `lo <= k <= hi` (bytes compared as encoded keys). */
  anyIn(lo: Uint8Array, hi: Uint8Array): boolean {
    const { bytes, offsets, order } = this;
    let a = 0;
    let b = this.count;
    while (a < b) {
      const m = (a + b) >>> 1;
      const id = order ? order[m] : m;
      if (compareBytes(bytes, offsets[id], offsets[id + 1], lo, 0, lo.length) < 0) a = m + 1;
      else b = m;
    }
    if (a === this.count) return false;
    const id = order ? order[a] : a;
    return compareBytes(bytes, offsets[id], offsets[id + 1], hi, 0, hi.length) <= 0;
  }
}

/**
 * A source's sorted keys, computed on first use (sorting a memtable costs, and a scan
 * whose base files no memtable key overlaps by file range never needs it).
 *
 * @example
 * ```ts
 * const keys = new LazyKeys(() => SortedKeys.ofMemtable(m, bc));
 * if (keys.get().anyIn(lo, hi)) probe();
 * ```
 */
export class LazyKeys {
  private value: SortedKeys | undefined;

  constructor(private readonly make: () => SortedKeys) {}

  /** The sorted keys (made on the first call). */
  get(): SortedKeys {
    return (this.value ??= this.make());
  }
}
