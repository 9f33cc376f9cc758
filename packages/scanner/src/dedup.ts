/**
 * Dedup: the newest version of each primary key wins, tombstones hide older
 * versions and are never returned (DESIGN.md "Concepts", invariants 1 and 3).
 *
 * Columnar, with memory O(fresh-tier keys), never O(table): per shard we build
 * one "fresh index" (core's `KeyMap`) from the key indexes of the flushed
 * generations and the memtables' own key indexes, mapping each encoded key to
 * the newest fresh source holding it and the row of the newest version there (a
 * memtable ordinal within the captured batch count, or a file row). Sources are inserted in
 * ascending generation, so a later source overwrites an earlier one: "newest
 * (generation, batchIndex, rowIndex) wins". Then each source streams, and a row
 * of source i is emitted iff it is the newest version of its key in the union:
 *
 * - base row: no fresh source holds the key;
 * - flushed row: the index names source i and this row (the one the generation's
 *   key index lists for the key), and the row is not a tombstone;
 * - memtable row: the index names source i and this row's ordinal (the newest
 *   within the captured batches), and the batch is a put, not a delete.
 *
 * Append-only tables skip all of this: every row is live.
 */
import { KeyMap, type EncodedKeys } from '@freshtier/core';
import type { Data } from 'apache-arrow';
import type { FileReader } from './file-reader.js';
import { fileMayMatch, indexPositions, keyAllowed, type KeyConstraint } from './key-constraint.js';
import { keyRangeOf, type FlushedSource, type FreshSource, type InMemorySource } from './sources.js';

const SOURCE = 0;
const ROW = 1;

/**
 * Key → newest fresh source of one shard.
 *
 * @example
 * ```ts
 * const index = await FreshIndex.build(shardView.fresh, reader);
 * const live = new Uint8Array(keys.count);
 * index.baseWinners(keys, live); // 1 where no fresh source holds the key
 * ```
 */
export class FreshIndex {
  private constructor(private readonly map: KeyMap) {}

  /** Number of distinct fresh keys indexed. */
  get size(): number {
    return this.map.size;
  }

  /**
   * Builds the index from fresh sources in ascending generation. With a
   * constraint, only allowed keys are indexed (others are never returned).
   */
  static async build(fresh: readonly FreshSource[], reader: FileReader, constraint?: KeyConstraint): Promise<FreshIndex> {
    const all = fresh.reduce((n, s) => n + (s.kind === 'flushed' ? s.file.rows : s.ref.memtable.keyCount), 0);
    const estimate = constraint?.points ? constraint.points.length * fresh.length : all;
    const index = new FreshIndex(new KeyMap(2, Math.max(16, Math.min(estimate, 1 << 22))));
    for (let i = 0; i < fresh.length; i++) {
      const src = fresh[i];
      if (src.kind === 'flushed') await index.addFlushed(i, src, reader, constraint);
      else index.addMemtable(i, src, constraint);
    }
    return index;
  }

  private async addFlushed(ordinal: number, src: FlushedSource, reader: FileReader, c?: KeyConstraint): Promise<void> {
    if (c && !fileMayMatch(c, keyRangeOf(src.file))) return;
    const ki = await reader.keyIndexOf(src.file, 'flushed');
    const put = (pos: number) => this.put(ki.keyBytes, ki.keyOffsets[pos], ki.keyOffsets[pos + 1], ordinal, ki.rows[pos]);
    if (c) for (const pos of indexPositions(ki, c)) put(pos);
    else for (let pos = 0; pos < ki.count; pos++) put(pos);
  }

  private addMemtable(ordinal: number, src: InMemorySource, c?: KeyConstraint): void {
    const m = src.ref.memtable;
    const bc = src.ref.batchCount;
    if (c?.points) {
      for (const p of c.points) {
        const ord = m.lookup(p, 0, p.length, bc);
        if (ord >= 0) this.put(p, 0, p.length, ordinal, ord);
      }
      return;
    }
    const limit = m.batchRowOffsets[bc];
    m.forEachKey((key, newest, firstBatch) => {
      if (firstBatch >= bc || (c && !keyAllowed(c, key, 0, key.length))) return; // appended after the capture
      this.put(key, 0, key.length, ordinal, newest < limit ? newest : m.lookup(key, 0, key.length, bc));
    });
  }

  private put(bytes: Uint8Array, s: number, e: number, source: number, row: number): void {
    const entry = this.map.upsert(bytes, s, e);
    this.map.set(entry, SOURCE, source);
    this.map.set(entry, ROW, row);
  }

  /** Base rows: 1 where no fresh source holds the key. */
  baseWinners(keys: EncodedKeys, out: Uint8Array): void {
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) out[r] = this.map.find(keys.bytes, o[r], o[r + 1]) < 0 ? 1 : 0;
  }

  /**
   * Rows of flushed source `ordinal` (file rows `firstRow`…): 1 where the row is the
   * one its key index names for the newest version, and it is a put. Checking the
   * row, not just the source, keeps a file holding a key twice from returning it twice.
   */
  flushedWinners(ordinal: number, keys: EncodedKeys, tombstones: Data | undefined, firstRow: number, out: Uint8Array): void {
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) {
      const e = this.map.find(keys.bytes, o[r], o[r + 1]);
      out[r] = e >= 0 && this.map.get(e, SOURCE) === ordinal && this.map.get(e, ROW) === firstRow + r && !isSet(tombstones, r) ? 1 : 0;
    }
  }

  /** Rows of batch `batchIndex` of memtable source `ordinal` (a put batch): 1 where the row is the newest version. */
  memtableWinners(ordinal: number, src: InMemorySource, batchIndex: number, out: Uint8Array): void {
    const m = src.ref.memtable;
    const keys = m.batch(batchIndex).keys!;
    const base = m.batchRowOffsets[batchIndex];
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) {
      const e = this.map.find(keys.bytes, o[r], o[r + 1]);
      out[r] = e >= 0 && this.map.get(e, SOURCE) === ordinal && this.map.get(e, ROW) === base + r ? 1 : 0;
    }
  }
}

/** A set, valid bit of a boolean column (absent column: never set). */
function isSet(d: Data | undefined, r: number): boolean {
  if (!d) return false;
  const i = d.offset + r;
  return d.getValid(r) && ((d.values as Uint8Array)[i >> 3] & (1 << (i & 7))) !== 0;
}
