/**
 * Dedup: the state of each primary key from its versions in every source, decided
 * by the one merge (core's `MergePolicy`, DESIGN.md invariant 14); tombstones hide
 * older versions and are never returned (invariants 1 and 3).
 *
 * Columnar, with memory O(fresh-tier keys), never O(table): per shard we build
 * one "fresh index" (core's `KeyMap`) from the key indexes of the flushed
 * generations and the memtables' own key indexes, mapping each encoded key to
 * the fresh source whose version is the key's state and that version's row (a
 * memtable ordinal within the captured batch count, or a file row), or to
 * `DELETED`. Each source contributes its own state of the key (a flushed key index
 * stores one per key; a memtable's is merged from its version chain), and sources
 * are folded in ascending generation: the policy chooses between the state so far
 * and the newer one. Then each source streams, and a row of source i is emitted iff
 * it is the key's state in the union:
 *
 * - base row: no fresh source holds the key (the policy's `newestDecides`: the base
 *   is older than every fresh version);
 * - flushed row: the index names source i and this row (the one the generation's
 *   key index lists for the key);
 * - memtable row: the index names source i and this row's ordinal.
 *
 * Append-only tables skip all of this: every row is live. So do tables whose merge policy
 * is not newest-decides (docs/merge-engines.md): their scans merge sorted sources by key
 * instead (merged-scan.ts), as a key's state may take values from every tier.
 */
import { DELETED, KeyMap, MemtableVersions, VersionPair, keyRangeOf, type EncodedKeys, type FileReader, type MergePolicy } from '@freshtier/core';
import { fileMayMatch, indexPositions, keyAllowed, type KeyConstraint } from './key-constraint.js';
import type { FlushedSource, FreshSource, InMemorySource } from './sources.js';

const SOURCE = 0;
const ROW = 1;

/**
 * Key → newest fresh source of one shard.
 *
 * @example
 * ```ts
 * const index = await FreshIndex.build(shardView.fresh, reader, mergePolicyOf(table));
 * const live = new Uint8Array(keys.count);
 * index.baseWinners(keys, live); // 1 where no fresh source holds the key
 * ```
 */
export class FreshIndex {
  /** The two states a fold step chooses between (reused: nothing allocated per key). */
  private readonly pair = new VersionPair();

  private constructor(private readonly map: KeyMap, private readonly policy: MergePolicy) {}

  /** Number of distinct fresh keys indexed. */
  get size(): number {
    return this.map.size;
  }

  /**
   * Builds the index from fresh sources in ascending generation, merging by `policy`.
   * With a constraint, only allowed keys are indexed (others are never returned).
   */
  static async build(fresh: readonly FreshSource[], reader: FileReader, policy: MergePolicy, constraint?: KeyConstraint): Promise<FreshIndex> {
    const all = fresh.reduce((n, s) => n + (s.kind === 'flushed' ? s.file.rows : s.ref.memtable.keyCount), 0);
    const estimate = constraint?.points ? constraint.points.length * fresh.length : all;
    const index = new FreshIndex(new KeyMap(2, Math.max(16, Math.min(estimate, 1 << 22))), policy);
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
    // the generation's key index holds its state of each key: a row, or a tombstone
    const put = (pos: number) => this.add(ki.keyBytes, ki.keyOffsets[pos], ki.keyOffsets[pos + 1], ordinal, ki.tombstone[pos] ? DELETED : ki.rows[pos]);
    if (c) for (const pos of indexPositions(ki, c)) put(pos);
    else for (let pos = 0; pos < ki.count; pos++) put(pos);
  }

  /** The memtable's state of each key: its version chain within the captured batch count, merged. */
  private addMemtable(ordinal: number, src: InMemorySource, c?: KeyConstraint): void {
    const m = src.ref.memtable;
    const bc = src.ref.batchCount;
    const versions = new MemtableVersions(m);
    if (c?.points) {
      for (const p of c.points) {
        const newest = m.lookup(p, 0, p.length, bc);
        if (newest >= 0) this.add(p, 0, p.length, ordinal, versions.winner(newest, this.policy));
      }
      return;
    }
    const { arena, offsets, count } = m.keyEntries(); // no view per key
    for (let e = 0; e < count; e++) {
      if (m.firstBatchOfEntry(e) >= bc || (c && !keyAllowed(c, arena, offsets[e], offsets[e + 1]))) continue; // appended after the capture
      this.add(arena, offsets[e], offsets[e + 1], ordinal, versions.winner(m.newestOfEntry(e, bc), this.policy));
    }
  }

  /** Folds one source's state of a key (its `row`, or `DELETED`) into the state so far. */
  private add(bytes: Uint8Array, s: number, e: number, source: number, row: number): void {
    const entry = this.map.upsert(bytes, s, e);
    if (!this.map.lastWasNew) {
      const w = this.policy.chooseVersion(this.pair.set(this.map.get(entry, ROW) === DELETED, row === DELETED));
      if (w === 0) return; // the state so far stands
      if (w === DELETED) row = DELETED;
    }
    this.map.set(entry, SOURCE, source);
    this.map.set(entry, ROW, row);
  }

  /** Base rows: 1 where no fresh source holds the key (the policy's `newestDecides`). */
  baseWinners(keys: EncodedKeys, out: Uint8Array): void {
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) out[r] = this.map.find(keys.bytes, o[r], o[r + 1]) < 0 ? 1 : 0;
  }

  /**
   * Rows of flushed source `ordinal` (file rows `firstRow`…): 1 where the row is the
   * one its key index names and the key's state (a tombstone's key is `DELETED`, so
   * never). Checking the row, not just the source, keeps a file holding a key twice
   * from returning it twice.
   */
  flushedWinners(ordinal: number, keys: EncodedKeys, firstRow: number, out: Uint8Array): void {
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) {
      const e = this.map.find(keys.bytes, o[r], o[r + 1]);
      out[r] = e >= 0 && this.map.get(e, SOURCE) === ordinal && this.map.get(e, ROW) === firstRow + r ? 1 : 0;
    }
  }

  /** Rows of batch `batchIndex` of memtable source `ordinal` (a put batch): 1 where the row is the key's state. */
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
