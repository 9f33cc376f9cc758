/**
 * The versions of one key inside a memtable, as a {@link VersionRun} for the one
 * merge (merge-versions.ts). A memtable links each row to the previous version of
 * its key, so the run is the chain from the key's newest version within the reader's
 * bound (a captured batch count, an `AsOfCut`, the flush's batch count) back to its
 * first: the memtable records the versions in arrival order, the policy decides.
 *
 * Used by flush (in the writer's thread or its worker, through `GenerationInput`),
 * and by the scanner's memtable reads (scans and lookups). Most keys have one
 * version: loading it is one link read, and nothing is allocated per key. The run is a
 * `RowRun` (each version's batch and row), which merge engines that build a row from
 * several versions read (`policy.merge`); `winner` serves the engines that pick one.
 */
import type { RecordBatch } from 'apache-arrow';
import { DELETED, type MergePolicy, type RowRun } from '../merge/merge-versions.js';

/**
 * What a memtable (or its image in the flush worker) tells about versions.
 *
 * @example
 * ```ts
 * declare const memtable: Memtable;
 * const chain: VersionChain = memtable; // a Memtable, or imageInput(image)
 * ```
 */
export interface VersionChain {
  /** Ordinal of batch i's first row, for every batch, plus the row count. */
  readonly batchRowOffsets: readonly number[];
  batch(i: number): { readonly op: 'put' | 'delete'; readonly batch: RecordBatch };
  /** Ordinal of the previous version of the key of row `ordinal`, or -1 for its first. */
  previousVersion(ordinal: number): number;
}

/**
 * A reusable run over one memtable's version chains.
 *
 * @example
 * ```ts
 * declare const memtable: Memtable;
 * const keys = encodeKeys(keyBatch, table.primaryKey);
 * const versions = new MemtableVersions(memtable);
 * const newest = memtable.lookup(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * const ord = newest < 0 ? DELETED : versions.winner(newest, DEDUPLICATE);
 * if (ord !== DELETED) console.log(memtable.locate(ord));
 * ```
 */
export class MemtableVersions implements RowRun {
  count = 0;
  /** Ordinals of the loaded versions, newest first (keeps its length: grows only for a longer chain than any before). */
  private readonly ords: number[] = [];
  /** Batch of the last ordinal asked about (`isTombstone`): a guess for the caller's own search of the winner's batch. */
  lastBatch = 0;

  constructor(private readonly chain: VersionChain) {}

  /** Loads the versions of the key whose newest version (within the reader's bound) is `newest`. */
  load(newest: number): this {
    let n = 0;
    for (let ord = newest; ord >= 0; ord = this.chain.previousVersion(ord)) this.ords[n++] = ord;
    this.count = n;
    return this;
  }

  /** Ordinal of the loaded version at `position` (0 = oldest). */
  ordinal(position: number): number {
    return this.ords[this.count - 1 - position];
  }

  isTombstone(position: number): boolean {
    this.lastBatch = batchOfOrdinal(this.chain.batchRowOffsets, this.ordinal(position), this.lastBatch);
    return this.chain.batch(this.lastBatch).op === 'delete';
  }

  batchOf(position: number): RecordBatch {
    this.lastBatch = batchOfOrdinal(this.chain.batchRowOffsets, this.ordinal(position), this.lastBatch);
    return this.chain.batch(this.lastBatch).batch;
  }

  rowOf(position: number): number {
    const ord = this.ordinal(position);
    this.lastBatch = batchOfOrdinal(this.chain.batchRowOffsets, ord, this.lastBatch);
    return ord - this.chain.batchRowOffsets[this.lastBatch];
  }

  /**
   * Ordinal of the row holding the key's state within this memtable, or `DELETED`.
   * `newest` is the key's newest ordinal within the bound (must be >= 0). A policy
   * whose newest version decides is shown that version alone (what `newestDecides`
   * promises), which spares following the links: a cache miss per key in a flush.
   */
  winner(newest: number, policy: MergePolicy): number {
    if (!policy.picksRow) throw new Error(`the ${policy.engine} engine builds a row from several versions: load() the run and merge() it`);
    if (policy.newestDecides) {
      this.ords[0] = newest;
      this.count = 1;
    } else this.load(newest);
    const w = policy.chooseVersion(this);
    return w === DELETED ? DELETED : this.ordinal(w);
  }
}

/**
 * Batch holding `ordinal`; starts from a guess because sorted keys often come from nearby batches.
 *
 * @example
 * ```ts
 * declare const memtable: Memtable;
 * const b = batchOfOrdinal(memtable.batchRowOffsets, 7, 0);
 * ```
 */
export function batchOfOrdinal(rowOffsets: readonly number[], ordinal: number, guess: number): number {
  if (rowOffsets[guess] <= ordinal && ordinal < rowOffsets[guess + 1]) return guess;
  let lo = 0;
  let hi = rowOffsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (rowOffsets[mid] <= ordinal) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Batch holding `ordinal` when ordinals are asked in (mostly) ascending order: the guess, or
 * one of the next few batches, before a binary search.
 *
 * @example
 * ```ts
 * declare const memtable: Memtable;
 * let b = 0;
 * for (const ord of [3, 5, 1200]) b = batchFrom(memtable.batchRowOffsets, ord, b);
 * ```
 */
export function batchFrom(rowOffsets: readonly number[], ordinal: number, guess: number): number {
  const last = rowOffsets.length - 2;
  for (let b = guess, end = Math.min(guess + 4, last); b <= end; b++) if (rowOffsets[b] <= ordinal && ordinal < rowOffsets[b + 1]) return b;
  return batchOfOrdinal(rowOffsets, ordinal, 0);
}
