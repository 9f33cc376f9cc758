/**
 * Compaction's merge, streamed (docs/base-table.md "Compaction", step 4): the same
 * k-way merge as compaction-merge.ts — a heap of sorted runs ordered by (key, newest
 * run first), each key's versions handed oldest first to the one merge (core's
 * `MergePolicy`, DESIGN.md invariant 14), a deleted key dropped with its tombstone —
 * but the runs are read a row group at a time (run-cursor.ts) and the merged rows leave
 * a row group at a time (merge-output.ts), so memory is bounded by the runs × one row
 * group, whatever the shard's size.
 *
 * {@link MergeStream.next} yields the output in row groups and says where a base file
 * ends: every `maxFileRows` rows, and before a key past the `pkMin` of a base file that
 * stays (a shard's base files hold disjoint key ranges) — the cuts of base-files.ts's
 * `splitPoints`. Append-only tables have no keys: their runs are concatenated in order.
 */
import { DELETED, MergedState, MinHeap, compareBytes, mergePolicyOf, type MergePolicy, type StateLayout, type Table } from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';
import type { MergeOutput } from './merge-output.js';
import { KeyVersions, compareRows, isSet, lowerBound, upperBound } from './merge-stream-versions.js';
import type { Holdings, RunCursor } from './run-cursor.js';

/**
 * One piece of output: `batch` (absent when the file ended on a full row group), and
 * whether the base file ends after it (`done`: the merge is over, too).
 *
 * @example
 * ```ts
 * for (let c = await merge.next(); ; c = await merge.next()) { if (c.batch) write(c.batch); if (c.done) break; }
 * ```
 */
export interface MergeChunk {
  readonly batch: RecordBatch | undefined;
  readonly endOfFile: boolean;
  readonly done: boolean;
}

/**
 * Where the output is cut into files.
 *
 * @example
 * ```ts
 * const cuts: FileCuts = { maxFileRows: 1_000_000, rowGroupSize: 65_536, boundaries: [] };
 * ```
 */
export interface FileCuts {
  readonly maxFileRows: number;
  readonly rowGroupSize: number;
  /** `pkMin`s (encoded, ascending) of the shard's base files that stay: no output file may span one. */
  readonly boundaries: readonly Uint8Array[];
}

/**
 * The streaming merge of opened runs (see the module doc); `output.keys` are the keys
 * of the current file.
 *
 * @example
 * ```ts
 * const merge = new MergeStream(table, output, { maxFileRows: 1_000_000, rowGroupSize: 65_536, boundaries: [] }, holdings, runs.length);
 * merge.start(openedRuns);
 * const first = await merge.next();
 * ```
 */
export class MergeStream {
  private readonly policy: MergePolicy & StateLayout;
  /** What the one merge makes of a key's only version when it is a stored live row: itself, under newest-decides. */
  private readonly loneRowStays: boolean;
  private heap = new MinHeap<RunCursor>([], before);
  private appendRuns: RunCursor[] = [];
  private readonly versions = new KeyVersions();
  private readonly state: MergedState;
  private next_ = 0; // next boundary not yet passed
  private fileRows = 0;
  /** Batches runs have left that the output (or the key being merged) still refers to. */
  private retained = 0;
  versionsReplaced = 0;
  tombstonesDropped = 0;
  rowsOut = 0;

  /** `retainLimit` bounds the batches runs have left but the output holds before a row group is cut short. */
  constructor(private readonly table: Table, private readonly output: MergeOutput, private readonly cuts: FileCuts, private readonly holdings: Holdings, private readonly retainLimit: number) {
    this.policy = mergePolicyOf(table);
    this.state = new MergedState(table.schema.fields.length);
    this.loneRowStays = this.policy.newestDecides && this.policy.chooseVersion({ count: 1, isTombstone: () => false }) === 0;
  }

  /**
   * The runs' `Retainer` (run-cursor.ts): a batch a run leaves stays held while the
   * output, or the key being merged, refers to it; all such are released at the next chunk.
   */
  readonly retain = (batch: RecordBatch): boolean => {
    if (!this.output.refers(batch) && !this.versions.holds(batch)) return false;
    this.retained++;
    return true;
  };

  /** Starts the merge on `runs`, opened (each at its first row; runs without rows left out). */
  start(runs: readonly RunCursor[]): void {
    if (this.table.appendOnly) this.appendRuns = [...runs].sort((a, b) => a.priority - b.priority);
    else this.heap = new MinHeap(runs, before);
  }

  /** The next row group (or the end of a file, or of the merge). */
  async next(): Promise<MergeChunk> {
    for (;;) {
      if (this.exhausted()) return this.chunk(true, true);
      // a full row group, or one whose runs have moved past too many batches it still refers to
      if (this.output.count >= this.cuts.rowGroupSize || this.retained > this.retainLimit) return this.chunk(false, false);
      if (this.mustCut()) return this.chunk(true, false);
      if (this.table.appendOnly) await this.appendRows();
      else await this.mergeOneKey();
    }
  }

  private exhausted(): boolean {
    return this.table.appendOnly ? this.appendRuns.length === 0 : this.heap.size === 0;
  }

  private chunk(endOfFile: boolean, done: boolean): MergeChunk {
    const batch = this.output.count > 0 ? this.output.finish() : undefined;
    this.holdings.release(this.retained);
    this.retained = 0;
    if (endOfFile) this.fileRows = 0;
    return { batch, endOfFile, done };
  }

  /** Whether the file ends before the next key: `maxFileRows` reached, or a base file that stays begins. */
  private mustCut(): boolean {
    if (this.table.appendOnly) return this.fileRows >= this.cuts.maxFileRows;
    const top = this.heap.top();
    const k = top.keys!;
    let crossed = false;
    const b = this.cuts.boundaries;
    while (this.next_ < b.length && compareBytes(k.bytes, k.offsets[top.r], k.offsets[top.r + 1], b[this.next_], 0, b[this.next_].length) > 0) {
      this.next_++;
      crossed = true;
    }
    return this.fileRows > 0 && (crossed || this.fileRows >= this.cuts.maxFileRows);
  }

  /** Pops the versions of the smallest key (newest first), merges them, and adds the result to the output. */
  private async mergeOneKey(): Promise<void> {
    if (this.loneRowStays && (await this.emitLoneRows())) return;
    const v = this.versions;
    const heap = this.heap;
    v.clear();
    do {
      const c = heap.top();
      v.push(c);
      c.r++;
      // an await only where a run moves to its next batch
      if (c.r < c.batch.numRows || (await c.advance())) heap.siftDown();
      else heap.pop();
    } while (heap.size > 0 && v.holdsKeyOf(heap.top()));
    this.versionsReplaced += v.count - 1;
    if (this.policy.newestDecides) {
      const w = this.policy.chooseVersion(v);
      if (w === DELETED) this.tombstonesDropped++;
      else {
        this.output.addRow(v.batchOf(w), v.keysOf(w), v.rowOf(w));
        this.added(1);
      }
      return;
    }
    this.policy.merge(v, this.state);
    if (this.state.deleted) this.tombstonesDropped++;
    else {
      this.output.addState(v, this.state, v.keysOf(0), v.rowOf(0));
      this.added(1);
    }
  }

  /**
   * The top run's rows below every other run's key are each their key's only version
   * (every run holds one row per key): live ones stay as they are, so they are added as a
   * range — up to a tombstone, the end of the batch, the row group, the file, or the next
   * base file that stays. False when there is no such row (the key has several versions).
   */
  private async emitLoneRows(): Promise<boolean> {
    const c = this.heap.top();
    const keys = c.keys!;
    const other = this.heap.second();
    let to = other ? lowerBound(keys, c.r + 1, c.batch.numRows, other.keys!, other.r) : c.batch.numRows;
    const b = this.cuts.boundaries[this.next_];
    if (b !== undefined) to = upperBound(keys, c.r, to, b);
    to = Math.min(to, c.r + this.cuts.rowGroupSize - this.output.count, c.r + this.cuts.maxFileRows - this.fileRows);
    if (c.tombstones) for (let r = c.r; r < to; r++) if (isSet(c.tombstones, r)) to = r;
    if (to <= c.r || (other && to === c.r + 1 && compareRows(keys, c.r, other.keys!, other.r) === 0)) return false;
    this.output.addRange(c.batch, keys, c.r, to);
    this.added(to - c.r);
    c.r = to;
    if (c.r < c.batch.numRows || (await c.advance())) this.heap.siftDown();
    else this.heap.pop();
    return true;
  }

  /** Append-only: the next rows of the oldest run not yet done, up to the end of its batch, the row group or the file. */
  private async appendRows(): Promise<void> {
    const c = this.appendRuns[0];
    const to = Math.min(c.batch.numRows, c.r + this.cuts.rowGroupSize - this.output.count, c.r + this.cuts.maxFileRows - this.fileRows);
    this.output.addRange(c.batch, undefined, c.r, to);
    this.added(to - c.r);
    c.r = to;
    if (c.r >= c.batch.numRows && !(await c.advance())) this.appendRuns.shift();
  }

  /** Counts rows just added to the output. */
  private added(n: number): void {
    this.fileRows += n;
    this.rowsOut += n;
  }
}

/** Cursor order: key ascending, then the newest run first. */
function before(a: RunCursor, b: RunCursor): boolean {
  const ka = a.keys!;
  const kb = b.keys!;
  const c = compareBytes(ka.bytes, ka.offsets[a.r], ka.offsets[a.r + 1], kb.bytes, kb.offsets[b.r], kb.offsets[b.r + 1]);
  return c < 0 || (c === 0 && a.priority > b.priority);
}
