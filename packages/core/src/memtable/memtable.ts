/**
 * A memtable: the in-memory part of one generation of one shard.
 *
 * It is an append-only list of Arrow batches, kept as they came (no per-row JS
 * objects), plus a primary-key index: key → newest row (ordinal-index.ts). Each row
 * links to the previous version of its key in this memtable, so a reader bounded to
 * the first `n` batches (an `AsOfCut`, or a capture taken before later appends)
 * finds the newest version *within its bound* in a few steps, and the first batch
 * that held a key is where its links end.
 *
 * One copy of each key (issue 16): the index holds ordinals, not key bytes; a key is
 * read from its batch, from the key column itself where it encodes to the key (one
 * integer, date, timestamp, utf8 or binary column), else from the encoded keys the
 * batch came with (row-keys.ts). About 5.3–8 bytes per key and 4–5 per row besides the
 * Arrow buffers, instead of the encoded keys twice and 20–36 bytes per key.
 *
 * Rows are numbered by ordinal (0.. across batches); `batchRowOffsets[i]` is the
 * ordinal of batch i's first row. A batch is either all puts or all deletes
 * (tombstones); a delete batch holds only the key columns.
 *
 * Memtables live in core because both sides use them: the writer appends and
 * freezes, the scanner reads captured `(memtable, batchCount)` pairs.
 *
 * Folder `memtable/`: this memtable; its keys (memtable-keys.ts), with their index
 * (ordinal-index.ts), where they are read (row-keys.ts) and as numbered entries
 * (memtable-entries.ts); its version chains (memtable-versions.ts); and the image a
 * flush encodes (memtable-image.ts).
 */
import type { RecordBatch } from 'apache-arrow';
import { batchByteSize } from '../arrow/arrow-util.js';
import { hashKey } from '../keys/key-hash.js';
import type { EncodedKeys } from '../keys/pk-encoding.js';
import { MemtableKeys, type MemtableIndexImage } from './memtable-keys.js';
import { batchOfOrdinal } from './memtable-versions.js';
import type { RowKeys } from './row-keys.js';

export type { MemtableIndexImage } from './memtable-keys.js';

/** A per-shard generation number; strictly increasing. */
export type Generation = number;
/** A shard number, 0 .. shards-1. */
export type ShardId = number;

/** One appended batch. */
export interface MemtableBatch {
  readonly batch: RecordBatch;
  readonly op: 'put' | 'delete';
  /** Encoded keys (absent on append-only tables); built on each read where the batch's key column holds them. */
  readonly keys: EncodedKeys | undefined;
  /** WAL position of the entry holding this batch (-1 when not logged). */
  readonly walPosition: number;
}

class Appended implements MemtableBatch {
  constructor(readonly batch: RecordBatch, readonly op: 'put' | 'delete', readonly rowKeys: RowKeys | undefined, readonly walPosition: number) {}

  get keys(): EncodedKeys | undefined {
    return this.rowKeys?.encoded();
  }
}

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
  private readonly entries: Appended[] = [];
  private readonly rowOffsets: number[] = [0];
  /** Keyed tables only: an append-only memtable has no keys, versions or links. */
  private readonly keys: MemtableKeys | undefined;
  private arrowBytes = 0;
  private frozenFlag = false;

  /**
   * `expected`: about how many keys and rows this memtable will take (e.g. what the previous
   * generation took), so the key index and version links are allocated once instead of
   * growing (each growth re-inserts every key). Counts toward `byteSize` (memory)
   * at once, never toward `heldBytes` (data).
   */
  constructor(readonly shard: ShardId, readonly generation: Generation, keyed: boolean, expected?: { keys: number; rows: number }) {
    this.keys = keyed ? new MemtableKeys(this.rowOffsets, expected) : undefined;
  }

  /** Number of batches appended so far. */
  get batchCount(): number {
    return this.entries.length;
  }

  /** Number of rows appended so far (puts and tombstones, before dedup). */
  get rowCount(): number {
    return this.rowOffsets[this.entries.length];
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
    return this.keys?.size ?? 0;
  }

  /** Memory allocated: Arrow buffers, keys kept beside them, the key index, version links and entry view, spare capacity included. */
  get byteSize(): number {
    return this.arrowBytes + (this.keys?.byteSize ?? 0);
  }

  /**
   * Data held: the appended batches (Arrow buffers and any keys kept beside them), the key
   * index's share for their keys, and one version link (and bit) per row. Capacity allocated
   * ahead (the constructor's `expected` hint, growth headroom) holds nothing and is not counted,
   * so an empty memtable holds 0 bytes: this is what the writer counts as unflushed
   * (backpressure), which freezing an empty memtable could never relieve.
   */
  get heldBytes(): number {
    return this.arrowBytes + (this.keys?.heldBytes ?? 0);
  }

  /** The appended batches: their Arrow buffers and the encoded keys kept beside them (only where no key column holds them). */
  get arrowByteSize(): number {
    return this.arrowBytes + (this.keys?.keptBytes ?? 0);
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
    if (this.keys && !keys) throw new Error('a keyed memtable needs encoded keys');
    const batchIndex = this.entries.length;
    const base = this.rowCount;
    let rk: RowKeys | undefined;
    if (this.keys && keys) rk = this.keys.add(batch, keys, base); // pushes the batch's row offset
    else this.rowOffsets.push(base + batch.numRows);
    this.entries.push(new Appended(batch, op, rk, walPosition));
    this.arrowBytes += batchByteSize(batch);
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
    if (!this.keys) return -1;
    let ord = this.keys.newest(bytes, s, e, hash);
    const limit = this.rowOffsets[Math.min(batchLimit, this.entries.length)];
    while (ord >= limit) ord = this.keys.previous(ord);
    return ord;
  }

  /** First batch that held the key, or -1 (exact membership as of any batch count). */
  firstBatchOf(bytes: Uint8Array, s: number, e: number, hash = hashKey(bytes, s, e)): number {
    if (!this.keys) return -1;
    let ord = this.keys.newest(bytes, s, e, hash);
    if (ord < 0) return -1;
    for (let p = this.keys.previous(ord); p >= 0; p = this.keys.previous(p)) ord = p;
    return batchOfOrdinal(this.rowOffsets, ord, 0);
  }

  /** The batch index and row of an ordinal. */
  locate(ordinal: number): { batchIndex: number; row: number } {
    const batchIndex = batchOfOrdinal(this.rowOffsets, ordinal, 0);
    return { batchIndex, row: ordinal - this.rowOffsets[batchIndex] };
  }

  /** Whether the row at `ordinal` is a tombstone. */
  isTombstone(ordinal: number): boolean {
    return this.entries[this.locate(ordinal).batchIndex].op === 'delete';
  }

  /**
   * The distinct keys as entries (for flush and memtable scans; see memtable-entries.ts): key
   * entry e is `arena[offsets[e], offsets[e+1])` (a fresh copy), first held in batch
   * `firstBatchOfEntry(e)`; its newest version among the first `batchLimit` batches is
   * `newestOfEntry(e, batchLimit)`. Entry numbers stay valid as batches are appended.
   */
  keyEntries(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    return this.keys ? this.keys.keyEntries() : { arena: new Uint8Array(0), offsets: new Uint32Array(1), count: 0 };
  }

  /** First batch that held key entry `entry` (see {@link keyEntries}). */
  firstBatchOfEntry(entry: number): number {
    return this.keys!.firstBatchOfEntry(entry);
  }

  /** Ordinal of the newest version of key entry `entry` among the first `batchLimit` batches, or -1. */
  newestOfEntry(entry: number, batchLimit = this.entries.length): number {
    return this.keys!.newestOfEntry(entry, this.rowOffsets[Math.min(batchLimit, this.entries.length)]);
  }

  /** Ordinal of the previous version of the key of row `ordinal` in this memtable, or -1 (see `MemtableVersions`). */
  previousVersion(ordinal: number): number {
    return this.keys ? this.keys.previous(ordinal) : -1;
  }

  /**
   * The key index of the first `batchCount` batches as copies (for a flush in another thread;
   * see `MemtableImage`): their version links and where their keys are read.
   */
  indexImage(batchCount = this.entries.length): MemtableIndexImage | undefined {
    return this.keys?.image(batchCount);
  }

  /** The key index entries: calls `fn(keyBytes, newestOrdinal, firstBatch)` per distinct key. */
  forEachKey(fn: (key: Uint8Array, newest: number, firstBatch: number) => void): void {
    const { arena, offsets, count } = this.keyEntries();
    for (let e = 0; e < count; e++) fn(arena.subarray(offsets[e], offsets[e + 1]), this.newestOfEntry(e), this.firstBatchOfEntry(e));
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
  /** The schema version of the memtables' batches (absent: 0); a read of another version refuses them. */
  readonly schemaVersion?: number;
}

/** Anything that can hand its memtables to a scanner (a `ShardWriter`). */
export interface MemtableSource {
  readonly shard: ShardId;
  inMemoryMemtableRefs(): ShardMemtableRefs;
}
