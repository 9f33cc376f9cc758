/**
 * The key side of a keyed memtable: where each batch's keys are read (row-keys.ts), the
 * key index over them (ordinal-index.ts), one version link per row, and the distinct keys
 * as numbered entries when a reader walks them (memtable-entries.ts). `Memtable` holds the
 * batches and asks this for everything about keys.
 */
import type { RecordBatch } from 'apache-arrow';
import { hashKey } from '../keys/key-hash.js';
import type { EncodedKeys } from '../keys/pk-encoding.js';
import { entriesOf, entryKeys, type EntryView } from './memtable-entries.js';
import { batchFrom, batchOfOrdinal } from './memtable-versions.js';
import { OrdinalIndex } from './ordinal-index.js';
import { rowKeysOf, type KeySpec, type RowKeys } from './row-keys.js';

/**
 * What a flush worker needs of the key index (see `MemtableImage`): the version links of
 * the first `rows` rows and where each batch's keys are read.
 *
 * @example
 * ```ts
 * declare const memtable: Memtable;
 * const index: MemtableIndexImage | undefined = memtable.indexImage();
 * ```
 */
export interface MemtableIndexImage {
  readonly keyCount: number;
  readonly prev: Int32Array;
  readonly specs: KeySpec[];
}

/**
 * The keys of one memtable. `rowOffsets` is the memtable's (batch i's first ordinal, then
 * the row count); `add` pushes each batch's end to it.
 *
 * @example
 * ```ts
 * const rowOffsets = [0];
 * const keys = new MemtableKeys(rowOffsets);
 * const rk = keys.add(batch, encodeKeys(batch, ['id']), 0);
 * keys.newest(bytes, s, e, hashKey(bytes, s, e)); // ordinal of the key's newest row, or -1
 * ```
 */
export class MemtableKeys {
  private readonly rowKeys: RowKeys[] = [];
  private readonly index: OrdinalIndex;
  /** prev[ord]: the previous version of ord's key, or -1 for its first. */
  private prev: Int32Array;
  /** One bit per row: a later row of its key exists (so growing the index re-hashes only newest rows). */
  private superseded: Uint8Array;
  /** Rows in the index (the batch being added is resolvable before it counts here). */
  private indexed = 0;
  /** Scratch for a batch's hashes (reused: no allocation per batch). */
  private hashes = new Uint32Array(0);
  /** The column the last batch's keys were read from: tried first for the next batch. */
  private keyColumn = -1;
  private view: EntryView | undefined;
  /** The batch `firstBatchOfEntry` found last: entries are read in order, and their first rows ascend. */
  private firstGuess = 0;
  /** Encoded keys kept beside batches whose columns do not hold them. */
  keptBytes = 0;

  constructor(private readonly rowOffsets: number[], expected?: { keys: number; rows: number }) {
    this.index = new OrdinalIndex({ equalsAt: (o, b, s, e) => this.equalsAt(o, b, s, e), forEachNewest: (fn) => this.forEachNewest(fn) }, Math.max(1024, expected?.keys ?? 0));
    this.prev = new Int32Array(Math.max(1024, expected?.rows ?? 0));
    this.superseded = new Uint8Array((this.prev.length + 7) >> 3);
  }

  /** Distinct keys. */
  get size(): number {
    return this.index.size;
  }

  /** Memory allocated: index, links, kept keys and the entry view, spare capacity included. */
  get byteSize(): number {
    const view = this.view ? this.view.first.byteLength * 2 : 0;
    return this.keptBytes + this.index.byteSize + this.prev.byteLength + this.superseded.byteLength + view;
  }

  /** Data held: kept keys, the index's share per key, a link and a bit per row. */
  get heldBytes(): number {
    return this.keptBytes + this.index.heldBytes + 4 * this.indexed + Math.ceil(this.indexed / 8);
  }

  /** Indexes the batch whose rows start at ordinal `base` (and pushes its end to `rowOffsets`); returns where its keys are read. */
  add(batch: RecordBatch, keys: EncodedKeys, base: number): RowKeys {
    const rk = rowKeysOf(batch, keys, this.keyColumn);
    if ('column' in rk.spec) this.keyColumn = rk.spec.column;
    const n = keys.count;
    this.index.reserve(n, base + n); // grows (re-inserting the rows indexed so far) before the batch is resolvable
    if (base + n > this.prev.length) this.growPrev(base + n);
    this.rowKeys.push(rk);
    this.rowOffsets.push(base + n);
    if (this.hashes.length < n) this.hashes = new Uint32Array(n);
    const { bytes, offsets } = keys;
    const hashes = this.hashes;
    for (let r = 0; r < n; r++) hashes[r] = hashKey(bytes, offsets[r], offsets[r + 1]);
    this.index.touch(hashes, n);
    const superseded = this.superseded;
    for (let r = 0; r < n; r++) {
      const before = this.index.upsert(bytes, offsets[r], offsets[r + 1], hashes[r], base + r);
      this.prev[base + r] = before;
      if (before >= 0) superseded[before >> 3] |= 1 << (before & 7);
    }
    this.indexed = base + n;
    this.keptBytes += rk.ownBytes;
    return rk;
  }

  /** Ordinal of the key's newest row, or -1. */
  newest(bytes: Uint8Array, s: number, e: number, hash: number): number {
    return this.index.find(bytes, s, e, hash);
  }

  /** Ordinal of the previous version of row `ordinal`'s key, or -1. */
  previous(ordinal: number): number {
    return this.prev[ordinal];
  }

  /** The distinct keys as entries (see `Memtable.keyEntries`). */
  keyEntries(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    const view = this.entryView(this.indexed);
    return { ...entryKeys(view, this.rowOffsets, this.rowKeys), count: view.count };
  }

  firstBatchOfEntry(entry: number): number {
    return (this.firstGuess = batchFrom(this.rowOffsets, this.entryView(0).first[entry], this.firstGuess));
  }

  /** Newest ordinal of entry `entry` below ordinal `limit`, or -1. */
  newestOfEntry(entry: number, limit: number): number {
    let ord = this.entryView(limit).newest[entry];
    while (ord >= limit) ord = this.prev[ord];
    return ord;
  }

  /** Copies for a flush worker (see {@link MemtableIndexImage}) of the first `batchCount` batches. */
  image(batchCount: number): MemtableIndexImage {
    return { keyCount: this.index.size, prev: this.prev.slice(0, this.rowOffsets[batchCount]), specs: this.rowKeys.slice(0, batchCount).map((rk) => rk.spec) };
  }

  /** The entries as of at least `rows` rows: the last view, or a new one when rows were added past it. */
  private entryView(rows: number): EntryView {
    if (!this.view || this.view.rows < rows) this.view = entriesOf(this.prev, this.indexed);
    return this.view;
  }

  /** Whether row `ordinal`'s key is `bytes[s, e)` (the index's key comparison). */
  private equalsAt(ordinal: number, bytes: Uint8Array, s: number, e: number): boolean {
    const b = batchOfOrdinal(this.rowOffsets, ordinal, this.rowKeys.length - 1);
    return this.rowKeys[b].equals(ordinal - this.rowOffsets[b], bytes, s, e);
  }

  /** The newest row of every indexed key and its hash, a batch at a time (growing the index). */
  private forEachNewest(fn: (ordinals: Int32Array, hashes: Uint32Array, n: number) => void): void {
    const superseded = this.superseded;
    let ords = new Int32Array(0);
    for (let b = 0; b < this.rowKeys.length && this.rowOffsets[b] < this.indexed; b++) {
      const base = this.rowOffsets[b];
      const rows = this.rowOffsets[b + 1] - base; // a batch is indexed whole or not at all
      if (this.hashes.length < rows) this.hashes = new Uint32Array(rows);
      if (ords.length < rows) ords = new Int32Array(rows);
      const hashes = this.hashes;
      this.rowKeys[b].hashAll(hashes);
      let n = 0;
      for (let r = 0; r < rows; r++) {
        const o = base + r;
        if (superseded[o >> 3] & (1 << (o & 7))) continue;
        ords[n] = o;
        hashes[n++] = hashes[r]; // n <= r: compacts in place
      }
      fn(ords, hashes, n);
    }
  }

  /** Grows the links by a quarter (not doubling: a link per row is most of the memtable's overhead, and spare links count as memory; a copy is a memcpy). */
  private growPrev(min: number): void {
    let cap = this.prev.length;
    while (cap < min) cap = Math.ceil(cap * 1.25);
    const next = new Int32Array(cap);
    next.set(this.prev);
    this.prev = next;
    const bits = new Uint8Array((cap + 7) >> 3);
    bits.set(this.superseded);
    this.superseded = bits;
  }
}
