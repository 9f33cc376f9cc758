/**
 * A memtable's distinct keys as numbered entries, for readers that walk every key (flush,
 * the scanner's memtable sources): entry e is the e-th key by first appearance, so the
 * numbering only grows as batches are appended and an entry keeps its number.
 *
 * The key index holds no entry numbers and no key bytes (ordinal-index.ts); the entries are
 * derived from the version links, and their key bytes copied out of the batches, when a
 * reader asks (`Memtable.keyEntries`, or the flush worker from a `MemtableImage`).
 */
import type { RowKeys } from './row-keys.js';

/**
 * The entries of the first `rows` rows: `first[e]` / `newest[e]` are the first and newest
 * ordinals of entry e's key among them.
 *
 * @example
 * ```ts
 * declare const prev: Int32Array; // version links: prev[ord] is the previous version of ord's key, or -1
 * const view = entriesOf(prev, 1000);
 * view.newest[0]; // the newest of the first key's versions below row 1000
 * ```
 */
export interface EntryView {
  readonly count: number;
  readonly rows: number;
  readonly first: Int32Array;
  readonly newest: Int32Array;
}

/**
 * Derives the entries of rows `[0, rows)` from the version links (`prev[ord]`: the previous
 * version of ord's key, -1 for its first). One pass numbers the first versions; a second
 * gives each key its newest, by following a newest row back to its first version (most
 * keys have one version: no step).
 *
 * @example
 * ```ts
 * declare const prev: Int32Array;
 * const { count, first, newest } = entriesOf(prev, prev.length);
 * ```
 */
export function entriesOf(prev: Int32Array, rows: number): EntryView {
  const entryOfFirst = new Int32Array(rows);
  const superseded = new Uint8Array((rows + 7) >> 3);
  let count = 0;
  for (let o = 0; o < rows; o++) {
    const p = prev[o];
    if (p < 0) entryOfFirst[o] = count++;
    else superseded[p >> 3] |= 1 << (p & 7);
  }
  const first = new Int32Array(count);
  const newest = new Int32Array(count);
  for (let o = 0; o < rows; o++) {
    if (prev[o] < 0) first[entryOfFirst[o]] = o;
    if (superseded[o >> 3] & (1 << (o & 7))) continue;
    let f = o;
    while (prev[f] >= 0) f = prev[f];
    newest[entryOfFirst[f]] = o;
  }
  return { count, rows, first, newest };
}

/**
 * The key bytes of entries `[0, view.count)`: key e is `arena[offsets[e], offsets[e+1])`,
 * read from each key's first row (in row order: the batches are walked once, front to back).
 *
 * @example
 * ```ts
 * declare const view: EntryView, rowOffsets: number[], rowKeys: RowKeys[];
 * const { arena, offsets } = entryKeys(view, rowOffsets, rowKeys);
 * ```
 */
export function entryKeys(view: EntryView, rowOffsets: readonly number[], rowKeys: readonly RowKeys[]): { arena: Uint8Array; offsets: Uint32Array } {
  const { count, first } = view;
  const offsets = new Uint32Array(count + 1);
  byBatch(view, rowOffsets, (b, from, to) => rowKeys[b].copyRows(first, from, to, rowOffsets[b], offsets, null));
  const arena = new Uint8Array(offsets[count]);
  byBatch(view, rowOffsets, (b, from, to) => rowKeys[b].copyRows(first, from, to, rowOffsets[b], offsets, arena));
  return { arena, offsets };
}

/** Calls `fn(batch, from, to)` for each batch holding the first rows of entries `[from, to)` (`first` ascends). */
function byBatch(view: EntryView, rowOffsets: readonly number[], fn: (b: number, from: number, to: number) => void): void {
  const { count, first } = view;
  for (let b = 0, e = 0; e < count; b++) {
    const end = rowOffsets[b + 1];
    let to = e;
    while (to < count && first[to] < end) to++;
    if (to > e) fn(b, e, to);
    e = to;
  }
}
