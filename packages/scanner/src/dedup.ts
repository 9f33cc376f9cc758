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
 *   key index lists for the key). The scan finds each row's entry through the key index
 *   itself (row → entry, recorded while building), so it encodes and hashes no key;
 * - memtable row: the index names source i and this row's ordinal.
 *
 * Keys only one source holds, outside every base file's key range, need no fold and hide
 * no base row: blocks of a key index that no other source's key and no base range meets
 * stay out of the map (their rows are marked `SOLE`), which saves most of the build for
 * keys that only grow (time-ordered ids). And each source's sorted keys answer "does any
 * fresh key fall in [lo, hi]" (fresh-ranges.ts), so base row groups outside every fresh
 * key skip dedup entirely (scan.ts, file-rows.ts).
 *
 * Append-only tables skip all of this: every row is live. So do tables whose merge policy
 * is not newest-decides (docs/merge-engines.md): their scans merge sorted sources by key
 * instead (merged-scan.ts), as a key's state may take values from every tier.
 */
import { DELETED, KeyMap, MemtableVersions, VersionPair, compareBytes, keyRangeOf, type EncodedKeys, type FileReader, type KeyIndex, type KeyRange, type MergePolicy } from '@freshtier/core';
import { LazyKeys, SortedKeys } from './fresh-ranges.js';
import { fileMayMatch, indexPositions, keyAllowed, type KeyConstraint } from './key-constraint.js';
import type { FlushedSource, FreshSource, InMemorySource } from './sources.js';

const SOURCE = 0;
const ROW = 1;
/** In `entryByRow`: the row is its key's state and no other fresh source holds the key (the key is not in the map). */
const SOLE = -2;
/** Keys per block of a key index checked at once for keys held by no other source. */
const BLOCK = 256;
/** Rows per block of a base row group checked at once for fresh keys before probing its keys. */
const PROBE_BLOCK = 2048;

/** Whether `[lo, hi]` meets a base file's key range (a file without one meets every range). */
function overlaps(ranges: readonly (KeyRange | undefined)[], lo: Uint8Array, hi: Uint8Array): boolean {
  return ranges.some((r) => !r || (compareBytes(r.min, 0, r.min.length, hi, 0, hi.length) <= 0 && compareBytes(lo, 0, lo.length, r.max, 0, r.max.length) <= 0));
}

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
  /** Per fresh source ordinal (flushed ones): the map entry of each file row its key index names, else -1. */
  private readonly entryByRow: (Int32Array | undefined)[] = [];
  /** Per fresh source ordinal: its keys in ascending order, for range checks (fresh-ranges.ts). */
  private readonly sorted: LazyKeys[] = [];

  private constructor(private readonly map: KeyMap, private readonly policy: MergePolicy) {}

  /** Number of distinct fresh keys indexed. */
  get size(): number {
    return this.map.size;
  }

  /**
   * Builds the index from fresh sources in ascending generation, merging by `policy`.
   * With a constraint, only allowed keys are indexed (others are never returned).
   */
  static async build(
    fresh: readonly FreshSource[], reader: FileReader, policy: MergePolicy, constraint?: KeyConstraint, baseRanges?: readonly (KeyRange | undefined)[],
  ): Promise<FreshIndex> {
    const all = fresh.reduce((n, s) => n + (s.kind === 'flushed' ? s.file.rows : s.ref.memtable.keyCount), 0);
    const estimate = constraint?.points ? constraint.points.length * fresh.length : all;
    const index = new FreshIndex(new KeyMap(2, Math.max(16, Math.min(estimate, 1 << 22))), policy);
    // every key index at once (a cold scan waits about one read, not one per generation), and every
    // source's sorted keys before the fold: it asks which keys no other source holds
    const skipped = (f: FlushedSource) => constraint !== undefined && !fileMayMatch(constraint, keyRangeOf(f.file));
    const indexes = await Promise.all(fresh.map((src) => (src.kind === 'flushed' && !skipped(src) ? reader.keyIndexOf(src.file, 'flushed') : undefined)));
    fresh.forEach((src, i) => {
      const ki = indexes[i];
      if (ki) index.sorted[i] = new LazyKeys(() => SortedKeys.ofIndex(ki));
      else if (src.kind === 'memtable') index.sorted[i] = new LazyKeys(() => SortedKeys.ofMemtable(src.ref.memtable, src.ref.batchCount)); // a superset of what is indexed: checks stay conservative
    });
    for (let i = 0; i < fresh.length; i++) {
      const src = fresh[i];
      const ki = indexes[i];
      if (src.kind === 'memtable') index.addMemtable(i, src, constraint);
      else if (ki) index.addFlushed(i, src, ki, constraint, constraint ? undefined : baseRanges);
    }
    return index;
  }

  /**
   * A flushed generation's state of each key (its row, or a tombstone). With `baseRanges`,
   * keys in blocks no base file's range and no other fresh source overlaps stay out of the
   * map: their state is this source's, recorded per row as {@link SOLE} (or -1, deleted).
   */
  private addFlushed(ordinal: number, src: FlushedSource, ki: KeyIndex, c?: KeyConstraint, baseRanges?: readonly (KeyRange | undefined)[]): void {
    // file row -> entry, so the file's rows are matched to their key's state without encoding or hashing a key
    const byRow = (this.entryByRow[ordinal] = new Int32Array(src.file.rows).fill(-1));
    const o = ki.keyOffsets;
    const put = (pos: number) => {
      const entry = this.add(ki.keyBytes, o[pos], o[pos + 1], ordinal, ki.tombstone[pos] ? DELETED : ki.rows[pos]);
      if (ki.rows[pos] < byRow.length) byRow[ki.rows[pos]] = entry;
    };
    if (c) for (const pos of indexPositions(ki, c)) put(pos);
    else if (!baseRanges) for (let pos = 0; pos < ki.count; pos++) put(pos);
    else {
      for (let from = 0; from < ki.count; from += BLOCK) {
        const to = Math.min(from + BLOCK, ki.count);
        const lo = ki.keyBytes.subarray(o[from], o[from + 1]);
        const hi = ki.keyBytes.subarray(o[to - 1], o[to]);
        if (overlaps(baseRanges, lo, hi) || this.anyKeyIn(lo, hi, ordinal)) for (let pos = from; pos < to; pos++) put(pos);
        else for (let pos = from; pos < to; pos++) if (ki.rows[pos] < byRow.length) byRow[ki.rows[pos]] = ki.tombstone[pos] ? -1 : SOLE;
      }
    }
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

  /** Folds one source's state of a key (its `row`, or `DELETED`) into the state so far; returns the key's entry. */
  private add(bytes: Uint8Array, s: number, e: number, source: number, row: number): number {
    const entry = this.map.upsert(bytes, s, e);
    if (!this.map.lastWasNew) {
      const w = this.policy.chooseVersion(this.pair.set(this.map.get(entry, ROW) === DELETED, row === DELETED));
      if (w === 0) return entry; // the state so far stands
      if (w === DELETED) row = DELETED;
    }
    this.map.set(entry, SOURCE, source);
    this.map.set(entry, ROW, row);
    return entry;
  }

  /**
   * Whether some fresh key (of any source but `except`) lies in `[lo, hi]`. False means
   * no fresh source holds any key of that range: base rows there are all their key's
   * state. Conservative: a source's keys outside a key constraint count too.
   */
  anyKeyIn(lo: Uint8Array, hi: Uint8Array, except = -1): boolean {
    for (let i = 0; i < this.sorted.length; i++) {
      if (i !== except && this.sorted[i] && this.sorted[i].get().anyIn(lo, hi)) return true;
    }
    return false;
  }

  /** Base rows: 1 where no fresh source holds the key (the policy's `newestDecides`). */
  baseWinners(keys: EncodedKeys, out: Uint8Array): void {
    const o = keys.offsets;
    for (let r = 0; r < keys.count; r++) out[r] = this.map.find(keys.bytes, o[r], o[r + 1]) < 0 ? 1 : 0;
  }

  /**
   * As {@link baseWinners}, for keys in ascending order (a base row group): blocks of
   * {@link PROBE_BLOCK} rows between whose first and last key no fresh key falls are all
   * live without a probe. Returns how many rows are live.
   */
  sortedBaseWinners(keys: EncodedKeys, out: Uint8Array): number {
    const { bytes, offsets: o, count } = keys;
    let live = 0;
    for (let a = 0; a < count; a += PROBE_BLOCK) {
      const b = Math.min(a + PROBE_BLOCK, count);
      if (!this.anyKeyIn(bytes.subarray(o[a], o[a + 1]), bytes.subarray(o[b - 1], o[b]))) {
        out.fill(1, a, b);
        live += b - a;
      } else for (let r = a; r < b; r++) live += out[r] = this.map.find(bytes, o[r], o[r + 1]) < 0 ? 1 : 0;
    }
    return live;
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

  /**
   * As {@link flushedWinners}, without the keys: each file row's entry is the one its key
   * index names for it (recorded when the index was built), so no key is encoded or
   * hashed. A row no index entry names (or whose key a constraint left out) gets 0, as a
   * probe would give it. Returns undefined when every row is live.
   */
  flushedWinnersAt(ordinal: number, firstRow: number, count: number): Uint8Array | undefined {
    const byRow = this.entryByRow[ordinal];
    const out = new Uint8Array(count);
    if (!byRow) return out; // a file the constraint skipped: none of its keys is indexed
    let live = 0;
    for (let r = 0; r < count; r++) {
      const e = byRow[firstRow + r];
      live += out[r] = e === SOLE || (e >= 0 && this.map.get(e, SOURCE) === ordinal && this.map.get(e, ROW) === firstRow + r) ? 1 : 0;
    }
    return live === count ? undefined : out;
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
