/**
 * The merged rows of compaction's streaming merge, collected for the row group being
 * built (compaction-merge-stream.ts): the rows it selects, then one batch of the base
 * file's columns (`finish`).
 *
 * Newest-decides engines select whole stored rows: the output keeps (batch, row) and
 * gathers each column once per row group. Engines that build rows hand each key's
 * state to core's `StateAssembler`. Either way the output refers to input batches until
 * `finish`, so it tracks which (`refers`) for the runs' retention (run-cursor.ts).
 */
import {
  StateAssembler, gatherColumn, mergePolicyOf, nullableSchema, stateFields,
  type EncodedKeys, type MergedState, type RowRun, type Table,
} from '@freshtier/core';
import { RecordBatch, Struct, makeData, type Schema } from 'apache-arrow';

/**
 * The rows of the row group being built, and the keys of the base file being written.
 *
 * @example
 * ```ts
 * const out = new MergeOutput(table);
 * out.addRow(batch, keys, 4);
 * const group = out.finish();
 * ```
 */
export class MergeOutput {
  /** The base file's columns: the table's (all nullable), then the state columns the engine keeps. */
  readonly schema: Schema;
  private batches: RecordBatch[] = [];
  private index = new Map<RecordBatch, number>();
  private batchOf = new Int32Array(1024);
  private rowOf = new Int32Array(1024);
  private readonly asm: StateAssembler | undefined;
  private rows = 0;
  /** Keys of the file's rows so far (encoded, in order). */
  readonly keys = new KeyCollector();

  constructor(private readonly table: Table) {
    const policy = mergePolicyOf(table);
    this.schema = nullableSchema(table.schema, stateFields(policy, table.schema, 'base'));
    const keyed = !table.appendOnly;
    this.asm = keyed && !policy.newestDecides ? new StateAssembler(policy, table.schema, table.schema.fields, 'base') : undefined;
  }

  /** Rows since the last `finish`. */
  get count(): number {
    return this.rows;
  }

  /** Whether the rows since the last `finish` refer to `batch`. */
  refers(batch: RecordBatch): boolean {
    return this.index.has(batch);
  }

  /** A stored row as it is (newest-decides engines, append-only tables). */
  addRow(batch: RecordBatch, keys: EncodedKeys | undefined, row: number): void {
    this.room(1);
    this.batchOf[this.rows] = this.indexOf(batch);
    this.rowOf[this.rows] = row;
    if (keys) this.keys.push(keys, row);
    this.rows++;
  }

  /** Stored rows `[from, to)` of one batch as they are (each key's only version; `keys` absent on append-only tables). */
  addRange(batch: RecordBatch, keys: EncodedKeys | undefined, from: number, to: number): void {
    this.room(to - from);
    const b = this.indexOf(batch);
    for (let r = from; r < to; r++, this.rows++) {
      this.batchOf[this.rows] = b;
      this.rowOf[this.rows] = r;
    }
    if (keys) this.keys.pushRange(keys, from, to);
  }

  /** A key's merged state (engines that build rows); `run` holds the key's versions. */
  addState(run: RowRun, state: MergedState, keys: EncodedKeys, row: number): void {
    for (let p = 0; p < run.count; p++) this.indexOf(run.batchOf(p));
    this.asm!.add(run, state);
    this.keys.push(keys, row);
    this.rows++;
  }

  /** The rows since the last `finish` as one batch of {@link MergeOutput.schema}; starts over. */
  finish(): RecordBatch {
    const n = this.rows;
    let children;
    if (this.asm) {
      const built = this.asm.finish();
      children = this.schema.fields.map((f) => built.getChild(f.name)!.data[0]);
    } else {
      const sel = { count: n, batchOf: this.batchOf.subarray(0, n), rowOf: this.rowOf.subarray(0, n) };
      children = this.schema.fields.map((f) => gatherColumn(this.batches, f.name, f.type, sel));
    }
    this.batches = [];
    this.index = new Map();
    this.rows = 0;
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children }));
  }

  private room(n: number): void {
    if (this.rows + n <= this.batchOf.length) return;
    this.batchOf = grow(this.batchOf, this.rows + n);
    this.rowOf = grow(this.rowOf, this.rows + n);
  }

  private indexOf(batch: RecordBatch): number {
    let i = this.index.get(batch);
    if (i === undefined) {
      i = this.batches.length;
      this.batches.push(batch);
      this.index.set(batch, i);
    }
    return i;
  }
}

/**
 * The encoded keys of one base file's rows, appended in order (the file's key index).
 *
 * @example
 * ```ts
 * const keys = new KeyCollector();
 * keys.push(encoded, 0);
 * const { bytes, offsets, count } = keys.take();
 * ```
 */
export class KeyCollector {
  private bytes = new Uint8Array(1 << 16);
  private offsets = new Int32Array(1 << 12);
  count = 0;

  /** Appends key `row` of `keys`. */
  push(keys: EncodedKeys, row: number): void {
    const from = keys.offsets[row];
    const to = keys.offsets[row + 1];
    const end = this.offsets[this.count] + to - from;
    if (this.count + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.count + 2);
    if (end > this.bytes.length) this.bytes = grow(this.bytes, end);
    // keys are a few bytes: a plain loop beats a subarray view per row
    for (let i = from, o = this.offsets[this.count]; i < to; ) this.bytes[o++] = keys.bytes[i++];
    this.offsets[++this.count] = end;
  }

  /** Appends keys `[from, to)` of `keys`. */
  pushRange(keys: EncodedKeys, from: number, to: number): void {
    const n = to - from;
    const start = this.offsets[this.count];
    const shift = start - keys.offsets[from];
    const end = keys.offsets[to] + shift;
    if (this.count + n + 1 > this.offsets.length) this.offsets = grow(this.offsets, this.count + n + 1);
    if (end > this.bytes.length) this.bytes = grow(this.bytes, end);
    this.bytes.set(keys.bytes.subarray(keys.offsets[from], keys.offsets[to]), start);
    for (let i = 1; i <= n; i++) this.offsets[this.count + i] = keys.offsets[from + i] + shift;
    this.count += n;
  }

  /** The keys collected (trimmed copies); starts over. */
  take(): { count: number; bytes: Uint8Array; offsets: Int32Array } {
    const n = this.count;
    const out = { count: n, bytes: this.bytes.slice(0, this.offsets[n]), offsets: this.offsets.slice(0, n + 1) };
    this.count = 0;
    return out;
  }

  /** The last key pushed (a view), or undefined when none was. */
  last(): Uint8Array | undefined {
    return this.count === 0 ? undefined : this.bytes.subarray(this.offsets[this.count - 1], this.offsets[this.count]);
  }
}

function grow<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  const out = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  out.set(a);
  return out;
}
