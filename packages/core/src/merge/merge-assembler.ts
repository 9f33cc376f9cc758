/**
 * Turning merged states into Arrow rows: each row's columns come from the positions
 * the merge chose (one gather per column, from whichever batches hold them) or from
 * the values it computed (`sum`, `count`). Flush, compaction, scans and lookups of
 * every engine that is not newest-decides build their rows here, so a state looks
 * the same whoever assembles it.
 *
 * With `state: 'generation' | 'base'` the rows also carry the state columns a stored
 * state needs (merge-state-columns.ts): `_ft_cut` (generation files), `_ft_seq_<column>`
 * (the sequence value of the version that provided the column) and `_ft_sum_<column>`
 * (a `sum`/`count` exactly; the column holds it where it fits its type, else null). With
 * `state: 'none'` the rows are a read's answer: a sum that does not fit its column's type
 * is an `AggregateOverflowError`.
 */
import { Bool, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Data, type DataType, type Field } from 'apache-arrow';
import { AggregateOverflowError } from '../errors.js';
import { gatherColumn, gatherData } from '../arrow/gather.js';
import { COMPUTED, type MergedState, type RowRun } from './merge-run.js';
import { CUT_COLUMN, stateFields, type StateLayout } from './merge-state-columns.js';
import { ColumnResolver, intAt, integerRange, isValid } from './merge-values.js';

/** One output column's rows: source batch (-1: none) and row, or a computed value. */
class ColumnRows {
  readonly batch: number[] = [];
  readonly row: number[] = [];
  readonly computed: (bigint | null | undefined)[] = [];
  anyComputed = false;

  push(batch: number, row: number, computed?: bigint | null): void {
    this.batch.push(batch);
    this.row.push(row);
    this.computed.push(computed);
    if (computed !== undefined) this.anyComputed = true;
  }
}

/**
 * Collects merged states as rows of `fields` (table fields, any subset) and builds batches.
 *
 * @example
 * ```ts
 * declare const run: RowRun;
 * const policy = mergePolicyOf(table);
 * const state = new MergedState(table.schema.fields.length);
 * const out = new StateAssembler(policy, table.schema, table.schema.fields, 'generation');
 * policy.merge(run, state);
 * out.add(run, state);
 * const stored = out.finish(); // table columns, then _ft_cut, _ft_seq_* and _ft_sum_* columns
 * ```
 */
export class StateAssembler {
  private batches: RecordBatch[] = [];
  private batchIndex = new Map<RecordBatch, number>();
  private columns: ColumnRows[];
  private seqColumns: ColumnRows[];
  private cuts: number[] = [];
  private readonly resolver: ColumnResolver;
  private readonly fieldIndex: number[];
  private readonly extra: Field[];
  private readonly tracked: readonly number[];

  constructor(private readonly layout: StateLayout, private readonly schema: Schema, private readonly fields: readonly Field[], private readonly state: 'none' | 'generation' | 'base') {
    this.resolver = new ColumnResolver(schema.fields);
    this.fieldIndex = fields.map((f) => schema.fields.findIndex((t) => t.name === f.name));
    this.extra = state === 'none' ? [] : stateFields(layout, schema, state);
    this.tracked = state === 'none' ? [] : layout.tracked;
    this.columns = fields.map(() => new ColumnRows());
    this.seqColumns = this.tracked.map(() => new ColumnRows());
  }

  /** Rows added since the last `finish`. */
  get count(): number {
    return this.cuts.length;
  }

  /** Adds the state `policy.merge(run, state)` answered (a deleted state: its tombstone row). */
  add(run: RowRun, state: MergedState): void {
    const sourceOf = (p: number) => (p < 0 ? -1 : this.indexOf(run.batchOf(p)));
    this.fieldIndex.forEach((fi, j) => {
      const p = state.provider[fi];
      if (p === COMPUTED) this.columns[j].push(-1, 0, state.computed[fi]);
      else this.columns[j].push(sourceOf(p), p < 0 ? 0 : run.rowOf(p));
    });
    this.tracked.forEach((fi, j) => {
      const p = state.provider[fi];
      this.seqColumns[j].push(sourceOf(p), p < 0 ? 0 : run.rowOf(p));
    });
    this.cuts.push(state.cut && !state.deleted ? 1 : 0);
  }

  /** The rows added so far as one batch (`fields`, then the state columns); starts over. */
  finish(): RecordBatch {
    const n = this.count;
    const children = this.fields.map((f, j) => this.build(this.columns[j], f, this.fieldIndex[j]));
    if (this.extra[0]?.name === CUT_COLUMN) children.push(boolData(this.cuts));
    this.tracked.forEach((fi, j) => children.push(this.seqData(fi, this.seqColumns[j])));
    if (this.state !== 'none') for (const fi of this.layout.summed) children.push(sumData(this.columns[this.fieldIndex.indexOf(fi)]));
    const schema = new Schema([...this.fields, ...this.extra]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
    this.batches = [];
    this.batchIndex = new Map();
    this.columns = this.fields.map(() => new ColumnRows());
    this.seqColumns = this.tracked.map(() => new ColumnRows());
    this.cuts = [];
    return batch;
  }

  private indexOf(batch: RecordBatch): number {
    let i = this.batchIndex.get(batch);
    if (i === undefined) {
      i = this.batches.length;
      this.batches.push(batch);
      this.batchIndex.set(batch, i);
    }
    return i;
  }

  private build(rows: ColumnRows, field: Field, fi: number): Data {
    const sel = { count: rows.batch.length, batchOf: Int32Array.from(rows.batch), rowOf: Int32Array.from(rows.row) };
    if (!rows.anyComputed) return gatherColumn(this.batches, field.name, field.type, sel);
    // a computed column (sum, count); a deleted state's tombstone row holds no value for it
    const [min, max] = integerRange(field.type);
    const fn = this.layout.counted.includes(fi) ? 'count' : 'sum';
    const values = rows.computed.map((v, i) => {
      if (v === undefined) {
        const d = sel.batchOf[i] < 0 ? undefined : this.batches[sel.batchOf[i]].getChild(field.name)?.data[0];
        return d && isValid(d, sel.rowOf[i]) ? intAt(d, sel.rowOf[i]) : null;
      }
      if (v === null || (v >= min && v <= max)) return v;
      // a stored state keeps the exact sum in _ft_sum_<column>; a read's answer must fit
      if (this.state === 'none') throw new AggregateOverflowError(field.name, fn, v, String(field.type));
      return null;
    });
    return integerData(field.type, values);
  }

  /** `_ft_seq_<column>`: the provider's recorded sequence value (a stored state) or its own (a raw version). */
  private seqData(fi: number, rows: ColumnRows): Data {
    const seqIndex = this.layout.sequenceIndex;
    const sources = this.batches.map((b) => {
      const c = this.resolver.of(b);
      return c.colSeq[fi] ?? c.cols[seqIndex];
    });
    const sel = { count: rows.batch.length, batchOf: Int32Array.from(rows.batch), rowOf: Int32Array.from(rows.row) };
    return gatherData(sources, this.schema.fields[seqIndex].type, sel);
  }
}

/** `_ft_sum_<column>`: the exact sums as decimal strings (null: no value, or a tombstone). */
function sumData(rows: ColumnRows): Data {
  return vectorFromArray(rows.computed.map((v) => (v === undefined || v === null ? null : String(v))), new Utf8()).data[0];
}

function boolData(bits01: readonly number[]): Data {
  const bits = new Uint8Array((bits01.length + 7) >> 3);
  bits01.forEach((b, i) => { if (b) bits[i >> 3] |= 1 << (i & 7); });
  return makeData({ type: new Bool(), length: bits01.length, data: bits });
}

/**
 * An integer column from exact values (nulls allowed); the values fit the type (the merge checked).
 *
 * @example
 * ```ts
 * integerData(new Int64(), [5n, null]);
 * ```
 */
export function integerData(type: DataType, values: readonly (bigint | null)[]): Data {
  const n = values.length;
  const ArrayType = type.ArrayType as unknown as new (n: number) => { [i: number]: number | bigint; BYTES_PER_ELEMENT: number };
  const out = new ArrayType(n);
  const wide = out.BYTES_PER_ELEMENT === 8;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) {
      nulls++;
      continue;
    }
    out[i] = wide ? v : Number(v);
    bitmap[i >> 3] |= 1 << (i & 7);
  }
  return makeData({ type: type as never, length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : undefined, data: out as never });
}
