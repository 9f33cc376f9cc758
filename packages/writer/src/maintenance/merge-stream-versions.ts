/**
 * Helpers of compaction's streamed merge (compaction-merge-stream.ts): the versions of
 * one key as a `RowRun` for the one merge, and key searches within a sorted batch.
 */
import { compareBytes, type EncodedKeys, type RowRun } from '@freshtier/core';
import type { Data, RecordBatch } from 'apache-arrow';
import type { RunCursor } from './run-cursor.js';

/**
 * Order of row `ar` of `a` and row `br` of `b` by encoded key.
 *
 * @example
 * ```ts
 * if (compareRows(c.keys!, c.r, other.keys!, other.r) === 0) console.log('same key');
 * ```
 */
export function compareRows(a: EncodedKeys, ar: number, b: EncodedKeys, br: number): number {
  return compareBytes(a.bytes, a.offsets[ar], a.offsets[ar + 1], b.bytes, b.offsets[br], b.offsets[br + 1]);
}

/**
 * First row in `[lo, hi)` whose key is not below row `br` of `b` (rows sorted by key).
 *
 * @example
 * ```ts
 * const end = lowerBound(c.keys!, c.r + 1, c.batch.numRows, other.keys!, other.r); // rows [c.r, end) come first
 * ```
 */
export function lowerBound(a: EncodedKeys, lo: number, hi: number, b: EncodedKeys, br: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRows(a, mid, b, br) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * First row in `[lo, hi)` whose key is above `key` (rows sorted by key).
 *
 * @example
 * ```ts
 * const end = upperBound(c.keys!, c.r, c.batch.numRows, keptFileMin); // rows [c.r, end) are not past it
 * ```
 */
export function upperBound(a: EncodedKeys, lo: number, hi: number, key: Uint8Array): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(a.bytes, a.offsets[mid], a.offsets[mid + 1], key, 0, key.length) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The versions of one key as the heap yields them (newest first), read oldest first by
 * the merge policy. Each version is kept as its batch and row, not as its run's position:
 * a run may move to its next batch while the key's versions are collected.
 *
 * @example
 * ```ts
 * const v = new KeyVersions();
 * v.clear();
 * v.push(heap.top());
 * policy.chooseVersion(v);
 * ```
 */
export class KeyVersions implements RowRun {
  count = 0;
  private readonly batches: RecordBatch[] = [];
  private readonly keys: EncodedKeys[] = [];
  private readonly tombstones: (Data | undefined)[] = [];
  private readonly rows: number[] = [];

  clear(): void {
    this.count = 0;
  }

  push(c: RunCursor): void {
    const i = this.count++;
    this.batches[i] = c.batch;
    this.keys[i] = c.keys!;
    this.tombstones[i] = c.tombstones;
    this.rows[i] = c.r;
  }

  /** Whether a version held is a row of `batch`. */
  holds(batch: RecordBatch): boolean {
    for (let i = 0; i < this.count; i++) if (this.batches[i] === batch) return true;
    return false;
  }

  /** Whether the cursor is at the key of the versions held. */
  holdsKeyOf(c: RunCursor): boolean {
    const a = c.keys!;
    const b = this.keys[0];
    const r = this.rows[0];
    return compareBytes(a.bytes, a.offsets[c.r], a.offsets[c.r + 1], b.bytes, b.offsets[r], b.offsets[r + 1]) === 0;
  }

  isTombstone(position: number): boolean {
    const k = this.count - 1 - position;
    return isSet(this.tombstones[k], this.rows[k]);
  }

  batchOf(position: number): RecordBatch {
    return this.batches[this.count - 1 - position];
  }

  rowOf(position: number): number {
    return this.rows[this.count - 1 - position];
  }

  keysOf(position: number): EncodedKeys {
    return this.keys[this.count - 1 - position];
  }
}

/**
 * A set, valid bit of a boolean column (absent column: never set).
 *
 * @example
 * ```ts
 * if (isSet(run.tombstones, run.r)) console.log('a tombstone');
 * ```
 */
export function isSet(d: Data | undefined, r: number): boolean {
  if (!d) return false;
  const i = d.offset + r;
  return d.getValid(r) && ((d.values as Uint8Array)[i >> 3] & (1 << (i & 7))) !== 0;
}
