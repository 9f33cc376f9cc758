/**
 * Projection: what a scan returns is always the table schema's (projected)
 * columns with the table's exact types and nullability — never the system
 * columns (`_ft_batch`, `_ft_tombstone`) that dedup reads.
 *
 * Sources differ in shape; core's `conformBatch` casts each decoded batch to the
 * table's types once, so dedup, filters and the output gather all see one type
 * per column. `OutputBuffer` gathers surviving rows of several source batches
 * into output batches of a steady size.
 */
import { InvalidOptionsError, gatherColumn } from '@freshtier/core';
import { RecordBatch, Struct, makeData, type Field, type Schema } from 'apache-arrow';

/**
 * The output fields of a projection, in the order asked (default: table order).
 * Throws `InvalidOptionsError` on an unknown, repeated or empty column list.
 *
 * @example
 * ```ts
 * const fields = resolveColumns(table.schema, ['name', 'id']);
 * ```
 */
export function resolveColumns(schema: Schema, columns: readonly string[] | undefined): Field[] {
  if (columns === undefined) return [...schema.fields];
  const available = schema.fields.map((f) => f.name).join(', ');
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new InvalidOptionsError('scan options', [{ path: 'columns', message: `name at least one column (available: ${available}); omit "columns" to read them all` }]);
  }
  const seen = new Set<string>();
  return columns.map((name, i) => {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw new InvalidOptionsError('scan options', [{ path: `columns.${i}`, message: `unknown column "${name}" (available: ${available})` }]);
    if (seen.has(name)) throw new InvalidOptionsError('scan options', [{ path: `columns.${i}`, message: `column "${name}" is named twice` }]);
    seen.add(name);
    return f;
  });
}

/**
 * Collects surviving rows of conformed source batches and emits output batches
 * of about `target` rows with the output schema. Memory: the pending rows plus
 * the source batches they point into (flushed before they exceed 4 × target rows).
 *
 * @example
 * ```ts
 * const out = new OutputBuffer(outSchema, 65_536);
 * const full = out.add(batch, Int32Array.of(0, 3, 4));
 * if (full) yield full;
 * ```
 */
export class OutputBuffer {
  private batches: RecordBatch[] = [];
  private pieces: Int32Array[] = [];
  private pending = 0;
  private held = 0;

  constructor(readonly schema: Schema, private readonly target: number) {}

  /** Adds rows `rows` of `batch`; returns an output batch when enough rows are pending. */
  add(batch: RecordBatch, rows: Int32Array): RecordBatch | undefined {
    if (rows.length === 0) return undefined;
    this.batches.push(batch);
    this.pieces.push(rows);
    this.pending += rows.length;
    this.held += batch.numRows;
    return this.pending >= this.target || this.held >= 4 * this.target ? this.flush() : undefined;
  }

  /**
   * Adds every row of `batch`; yields the output batches due. A batch of at least
   * `target` rows goes out as it is (zero-copy), after the pending rows when they make
   * half a batch or more; otherwise its rows join the pending ones.
   */
  *addWhole(batch: RecordBatch): Generator<RecordBatch> {
    const n = batch.numRows;
    if (n === 0) return;
    if (n >= this.target && (this.pending === 0 || 2 * this.pending >= this.target)) {
      const before = this.flush();
      if (before) yield before;
      yield this.reuse(batch);
      return;
    }
    const full = this.add(batch, Int32Array.from({ length: n }, (_, i) => i));
    if (full) yield full;
  }

  /** The pending rows as one output batch (undefined when none). */
  flush(): RecordBatch | undefined {
    if (this.pending === 0) return undefined;
    const out = this.isWholeBatch() ? this.reuse(this.batches[0]) : this.gather();
    this.batches = [];
    this.pieces = [];
    this.pending = 0;
    this.held = 0;
    return out;
  }

  private isWholeBatch(): boolean {
    const rows = this.pieces[0];
    if (this.pieces.length !== 1 || rows.length !== this.batches[0].numRows) return false;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== i) return false;
    return true;
  }

  /** Zero-copy: the one source batch survived whole. */
  private reuse(b: RecordBatch): RecordBatch {
    const children = this.schema.fields.map((f) => b.getChild(f.name)!.data[0]);
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: b.numRows, nullCount: 0, children }));
  }

  private gather(): RecordBatch {
    const batchOf = new Int32Array(this.pending);
    const rowOf = new Int32Array(this.pending);
    let k = 0;
    this.pieces.forEach((rows, b) => {
      batchOf.fill(b, k, k + rows.length);
      rowOf.set(rows, k);
      k += rows.length;
    });
    const sel = { count: this.pending, batchOf, rowOf };
    const children = this.schema.fields.map((f) => gatherColumn(this.batches, f.name, f.type, sel));
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: this.pending, nullCount: 0, children }));
  }
}
