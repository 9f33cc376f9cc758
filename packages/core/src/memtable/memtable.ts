/**
 * A memtable: the in-memory part of one generation of one shard.
 *
 * It is an append-only list of Arrow batches, kept as they came (no per-row JS
 * objects), plus a primary-key index built from whole encoded key columns:
 * key → newest row and the first batch that held the key. Each row also links
 * to the previous version of its key in this memtable, so a reader bounded to
 * the first `n` batches (an `AsOfCut`, or a capture taken before later appends)
 * finds the newest version *within its bound* in a few steps.
 *
 * Rows are numbered by ordinal (0.. across batches); `batchRowOffsets[i]` is the
 * ordinal of batch i's first row. A batch is either all puts or all deletes
 * (tombstones); a delete batch holds only the key columns.
 *
 * Memtables live in core because both sides use them: the writer appends and
 * freezes, the scanner reads captured `(memtable, batchCount)` pairs.
 *
 * Folder `memtable/`: this memtable, its version chains (memtable-versions.ts) and
 * the image a flush encodes (memtable-image.ts).
 */
import type { RecordBatch } from 'apache-arrow';
import { batchByteSize } from '../arrow/arrow-util.js';
import { hashKey } from '../keys/key-hash.js';
import { KeyMap } from '../keys/key-map.js';
import type { EncodedKeys } from '../keys/pk-encoding.js';

/** A per-shard generation number; strictly increasing. */
export type Generation = number;
/** A shard number, 0 .. shards-1. */
export type ShardId = number;

/** One appended batch. */
export interface MemtableBatch {
  readonly batch: RecordBatch;
  readonly op: 'put' | 'delete';
  /** Encoded keys (absent on append-only tables). */
  readonly keys: EncodedKeys | undefined;
  /** WAL position of the entry holding this batch (-1 when not logged). */
  readonly walPosition: number;
}

const NEWEST = 0;
const FIRST_BATCH = 1;

/**
 * The memtable of one generation.
 *
 * @example
 * ```ts
 * const m = new Memtable(0, 7, true);
 * const keys = encodeKeys(batch, ['id']);
 * m.append(batch, 'put', keys, 12);
 * const ordinal = m.lookup(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * ```
 */
export class Memtable {
  private readonly entries: MemtableBatch[] = [];
  private readonly rowOffsets: number[] = [0];
  private readonly index: KeyMap | undefined;
  /** Version links (keyed tables only: an append-only memtable has no versions to link). */
  private prev: Int32Array;
  /** Scratch for the hashes of the batch being indexed (reused: no allocation per batch). */
  private hashes = new Uint32Array(0);
  private arrowBytes = 0;
  private frozenFlag = false;

  /**
   * `expected`: about how many keys and rows this memtable will take (e.g. what the previous
   * generation took), so the key index and version links are allocated once instead of
   * growing by doubling (each doubling rehashes every key). Counts toward `byteSize` (memory)
   * at once, never toward `heldBytes` (data).
   */
  constructor(readonly shard: ShardId, readonly generation: Generation, keyed: boolean, expected?: { keys: number; rows: number }) {
    this.index = keyed ? new KeyMap(2, Math.max(1024, expected?.keys ?? 0)) : undefined;
    this.prev = new Int32Array(keyed ? Math.max(1024, expected?.rows ?? 0) : 0);
  }

  /** Number of batches appended so far. */
  get batchCount(): number {
    return this.entries.length;
  }

  /** Number of rows appended so far (puts and tombstones, before dedup). */
  get rowCount(): number {
    return this.rowOffsets[this.rowOffsets.length - 1];
  }

  /** Ordinal of batch i's first row, for i in 0..batchCount (the last is the row count). */
  get batchRowOffsets(): readonly number[] {
    return this.rowOffsets;
  }

  /** Whether the memtable was frozen (no more appends). */
  get frozen(): boolean {
    return this.frozenFlag;
  }

  /** Distinct keys held (0 on append-only tables). */
  get keyCount(): number {
    return this.index?.size ?? 0;
  }

  /** Memory allocated: Arrow buffers plus the key index and version links, spare capacity included. */
  get byteSize(): number {
    return this.arrowBytes + (this.index?.byteSize ?? 0) + this.prev.byteLength;
  }

  /**
   * Data held: the appended batches (Arrow buffers and encoded keys), the key index's entries for
   * their keys, and one version link per row. Capacity allocated ahead (the constructor's `expected`
   * hint, doubling headroom) holds nothing and is not counted, so an empty memtable holds 0 bytes:
   * this is what the writer counts as unflushed (backpressure), which freezing an empty memtable
   * could never relieve.
   */
  get heldBytes(): number {
    return this.arrowBytes + (this.index ? this.index.heldBytes + 4 * this.rowCount : 0);
  }

  /** Arrow bytes of the appended batches only. */
  get arrowByteSize(): number {
    return this.arrowBytes;
  }

  /** Lowest and highest WAL positions of appended batches (-1 when none were logged). */
  walRange(): { first: number; last: number } {
    let first = -1;
    let last = -1;
    for (const e of this.entries) {
      if (e.walPosition < 0) continue;
      if (first < 0 || e.walPosition < first) first = e.walPosition;
      if (e.walPosition > last) last = e.walPosition;
    }
    return { first, last };
  }

  batch(i: number): MemtableBatch {
    return this.entries[i];
  }

  /** Appends one batch (synchronously, so readers never see half of it); returns its batch index. */
  append(batch: RecordBatch, op: 'put' | 'delete', keys: EncodedKeys | undefined, walPosition: number): number {
    if (this.frozenFlag) throw new Error(`memtable generation ${this.generation} is frozen`);
    if (this.index && !keys) throw new Error('a keyed memtable needs encoded keys');
    const batchIndex = this.entries.length;
    const base = this.rowCount;
    if (this.index && keys) this.indexKeys(keys, base, batchIndex);
    this.entries.push({ batch, op, keys, walPosition });
    this.rowOffsets.push(base + batch.numRows);
    this.arrowBytes += batchByteSize(batch) + (keys ? keys.bytes.byteLength + keys.offsets.byteLength : 0);
    return batchIndex;
  }

  /** Stops appends; the writer then flushes it. */
  freeze(): void {
    this.frozenFlag = true;
  }

  /**
   * Ordinal of the newest version of a key among the first `batchLimit` batches, or -1.
   * Duplicates inside one batch: the last row wins. `hash`, if given, is core's `hashKey` of the key.
   */
  lookup(bytes: Uint8Array, s: number, e: number, batchLimit = this.entries.length, hash = hashKey(bytes, s, e)): number {
    if (!this.index) return -1;
    const entry = this.index.find(bytes, s, e, hash);
    if (entry < 0) return -1;
    const limit = this.rowOffsets[Math.min(batchLimit, this.entries.length)];
    let ord = this.index.get(entry, NEWEST);
    while (ord >= limit) ord = this.prev[ord];
    return ord;
  }

  /** First batch that held the key, or -1 (exact membership as of any batch count). */
  firstBatchOf(bytes: Uint8Array, s: number, e: number, hash = hashKey(bytes, s, e)): number {
    if (!this.index) return -1;
    const entry = this.index.find(bytes, s, e, hash);
    return entry < 0 ? -1 : this.index.get(entry, FIRST_BATCH);
  }

  /** The batch index and row of an ordinal. */
  locate(ordinal: number): { batchIndex: number; row: number } {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.rowOffsets[mid] <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return { batchIndex: lo, row: ordinal - this.rowOffsets[lo] };
  }

  /** Whether the row at `ordinal` is a tombstone. */
  isTombstone(ordinal: number): boolean {
    return this.entries[this.locate(ordinal).batchIndex].op === 'delete';
  }

  /**
   * The key index without per-key callbacks (for flush): key entry e is
   * `arena[offsets[e], offsets[e+1])`, first held in batch `firstBatch(e)`; its newest
   * version among the first `batchLimit` batches is `newestOfEntry(e, batchLimit)`.
   */
  keyEntries(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    return this.index ? this.index.rawKeys() : { arena: new Uint8Array(0), offsets: new Uint32Array(1), count: 0 };
  }

  /** First batch that held key entry `entry` (see {@link keyEntries}). */
  firstBatchOfEntry(entry: number): number {
    return this.index!.get(entry, FIRST_BATCH);
  }

  /** Ordinal of the newest version of key entry `entry` among the first `batchLimit` batches, or -1. */
  newestOfEntry(entry: number, batchLimit = this.entries.length): number {
    const limit = this.rowOffsets[Math.min(batchLimit, this.entries.length)];
    let ord = this.index!.get(entry, NEWEST);
    while (ord >= limit) ord = this.prev[ord];
    return ord;
  }

  /** Ordinal of the previous version of the key of row `ordinal` in this memtable, or -1 (see `MemtableVersions`). */
  previousVersion(ordinal: number): number {
    return this.prev[ordinal];
  }

  /**
   * Copies of the key index arrays (for a flush in another thread; see `MemtableImage`):
   * key entry e is `arena[offsets[e], offsets[e+1])`, its lanes `lanes[2e]` (newest ordinal) and
   * `lanes[2e+1]` (first batch); `prev[ord]` is the previous version of ordinal `ord`'s key, or -1.
   */
  indexCopy(): { arena: Uint8Array; offsets: Uint32Array; count: number; lanes: Int32Array; prev: Int32Array } | undefined {
    if (!this.index) return undefined;
    const { arena, offsets, count } = this.index.rawKeys();
    return {
      arena: arena.slice(0, offsets[count]), offsets: offsets.slice(0, count + 1), count,
      lanes: this.index.rawValues().slice(0, count * 2), prev: this.prev.slice(0, this.rowCount),
    };
  }

  /** The key index entries (for flush): calls `fn(keyBytes, newestOrdinal, firstBatch)` per distinct key. */
  forEachKey(fn: (key: Uint8Array, newest: number, firstBatch: number) => void): void {
    const idx = this.index;
    if (!idx) return;
    for (let entry = 0; entry < idx.size; entry++) fn(idx.keyOf(entry), idx.get(entry, NEWEST), idx.get(entry, FIRST_BATCH));
  }

  private indexKeys(keys: EncodedKeys, base: number, batchIndex: number): void {
    const idx = this.index!;
    if (base + keys.count > this.prev.length) this.growPrev(base + keys.count);
    idx.reserve(keys.count, keys.bytes.byteLength); // grow once per batch, not mid-loop
    if (this.hashes.length < keys.count) this.hashes = new Uint32Array(keys.count);
    const hashes = this.hashes;
    idx.hashAndTouch(keys, hashes);
    const { bytes, offsets } = keys;
    for (let r = 0; r < keys.count; r++) {
      const entry = idx.upsert(bytes, offsets[r], offsets[r + 1], hashes[r]);
      if (idx.lastWasNew) {
        idx.set(entry, FIRST_BATCH, batchIndex);
        this.prev[base + r] = -1;
      } else {
        this.prev[base + r] = idx.get(entry, NEWEST);
      }
      idx.set(entry, NEWEST, base + r);
    }
  }

  private growPrev(min: number): void {
    let cap = this.prev.length;
    while (cap < min) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.prev);
    this.prev = next;
  }
}

/** A memtable captured with the number of batches visible at capture time. */
export interface MemtableRef {
  readonly memtable: Memtable;
  /** Batches visible to this reader: later appends to an active memtable are invisible to it. */
  readonly batchCount: number;
}

/**
 * A live writer's in-memory tier, captured in one synchronous step: frozen
 * memtables then the active one, ascending by generation.
 */
export interface ShardMemtableRefs {
  readonly shard: ShardId;
  readonly epoch: number;
  readonly refs: readonly MemtableRef[];
}

/** Anything that can hand its memtables to a scanner (a `ShardWriter`). */
export interface MemtableSource {
  readonly shard: ShardId;
  inMemoryMemtableRefs(): ShardMemtableRefs;
}
