/**
 * Projection and casting: what a scan returns is always the table schema's
 * (projected) columns with the table's exact types and nullability — never the
 * system columns (`_ft_batch`, `_ft_tombstone`) that dedup reads.
 *
 * Sources differ in shape: memtable batches already have the table schema;
 * flushed files hold the fields as nullable plus system columns; Parquet may
 * hand back dictionary-encoded or large types. `conformBatch` casts a decoded
 * batch to the table's types once, so dedup, filters and the output gather all
 * see one type per column. `OutputBuffer` gathers surviving rows of several
 * source batches into output batches of a steady size.
 */
import { InvalidOptionsError, SchemaMismatchError, gatherColumn, sameType } from '@freshtier/core';
import { DataType, Field, RecordBatch, Schema, Struct, makeBuilder, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow';

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
 * A batch holding `fields` cast to their (table) types, plus the `extra` columns
 * (system columns) as found. A field the batch lacks becomes all nulls.
 *
 * @example
 * ```ts
 * const b = conformBatch(decoded, table.schema.fields, ['_ft_tombstone']);
 * ```
 */
export function conformBatch(batch: RecordBatch, fields: readonly Field[], extra: readonly string[] = []): RecordBatch {
  const outFields: Field[] = [];
  const children: Data[] = [];
  for (const f of fields) {
    const col = batch.getChild(f.name);
    outFields.push(new Field(f.name, f.type, true));
    children.push(col ? castData(single(col.data, f.name), f.type, f.name) : vectorFromArray(new Array(batch.numRows).fill(null), f.type).data[0]);
  }
  for (const name of extra) {
    const idx = batch.schema.fields.findIndex((x) => x.name === name);
    if (idx < 0) continue;
    outFields.push(batch.schema.fields[idx]);
    children.push(single(batch.getChildAt(idx)!.data, name));
  }
  const schema = new Schema(outFields);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

function single(chunks: readonly Data[], name: string): Data {
  if (chunks.length !== 1) throw new SchemaMismatchError(`column "${name}" arrived in ${chunks.length} chunks, expected 1`);
  return chunks[0];
}

/**
 * Casts one column to `target`: dictionaries are decoded, large/view types and
 * anything else convertible go through an Arrow builder. Same type: returned as is.
 *
 * @example
 * ```ts
 * const utf8 = castData(dictionaryData, new Utf8(), 'name');
 * ```
 */
export function castData(data: Data, target: DataType, column: string): Data {
  if (sameType(data.type, target)) return data;
  if (DataType.isDictionary(data.type) && !DataType.isDictionary(target)) return castData(decodeDictionary(data, column), target, column);
  try {
    const vec = makeVector(data);
    const builder = makeBuilder({ type: target, nullValues: [null, undefined] });
    for (let i = 0; i < data.length; i++) builder.append(vec.get(i));
    return builder.finish().flush();
  } catch (e) {
    throw new SchemaMismatchError(`stored column "${column}" has type ${String(data.type)}, which does not convert to the table's ${String(target)} (${e instanceof Error ? e.message : String(e)})`, { column });
  }
}

/** Dictionary → its value type, gathering dictionary entries by index (nulls stay null). */
function decodeDictionary(data: Data, column: string): Data {
  const dict = data.dictionary!;
  const valueType = dict.type as DataType;
  const holder = new Schema([new Field('v', valueType, true)]);
  const values = new RecordBatch(holder, makeData({ type: new Struct(holder.fields), length: dict.length, nullCount: 0, children: [single(dict.data, column)] }));
  const n = data.length;
  const batchOf = new Int32Array(n);
  const rowOf = new Int32Array(n);
  const idx = data.values as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) {
    batchOf[i] = data.getValid(i) ? 0 : -1;
    rowOf[i] = Number(idx[data.offset + i]);
  }
  return gatherColumn([values], 'v', valueType, { count: n, batchOf, rowOf });
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

  /** The pending rows as one output batch (undefined when none). */
  flush(): RecordBatch | undefined {
    if (this.pending === 0) return undefined;
    const out = this.isWholeBatch() ? this.reuse() : this.gather();
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
  private reuse(): RecordBatch {
    const b = this.batches[0];
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
