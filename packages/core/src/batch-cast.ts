/**
 * Casting a decoded batch to the table's types. Sources differ in shape: memtable
 * batches already have the table schema; flushed files hold the fields as nullable
 * plus system columns; Parquet may hand back dictionary-encoded or large types.
 * `conformBatch` casts a decoded batch to the table's types once, so everything
 * downstream (a scan's dedup, filters and output; compaction's merge; ingest) sees
 * one type per column. Both the read and the write side need it, hence core.
 * A cast is exact or refused (exact-cast.ts): a Parquet file whose column looks
 * compatible never stores or shows a wrapped, truncated or misread value.
 */
import { DataType, Field, RecordBatch, Schema, Struct, Type, makeBuilder, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow';
import { sameType } from './arrow/arrow-util.js';
import { SchemaMismatchError } from './errors.js';
import { castRefused, exactCast } from './exact-cast.js';
import { gatherColumn } from './arrow/gather.js';

/**
 * A batch holding `fields` cast to their (table) types, plus the `extra` columns
 * (system columns) as found. A field the batch lacks becomes all nulls.
 *
 * @example
 * ```ts
 * declare const decoded: RecordBatch; // a batch read from a generation file
 * const b = conformBatch(decoded, table.schema.fields, ['_ft_tombstone']);
 * ```
 */
export function conformBatch(batch: RecordBatch, fields: readonly Field[], extra: readonly string[] = []): RecordBatch {
  const outFields: Field[] = [];
  const children: Data[] = [];
  for (const f of fields) {
    const col = batch.getChild(f.name);
    outFields.push(new Field(f.name, f.type, true));
    children.push(col ? castData(single(col.data, f.name), f.type, f.name) : allNulls(f.type, batch.numRows));
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
 * Casts one column to `target`, every value exactly or not at all (DESIGN.md
 * "Errors"). Same type: returned as is, without touching a value. Dictionaries are
 * decoded; Utf8 ↔ LargeUtf8 and Binary ↔ LargeBinary are rebuilt; an all-null
 * (Null-typed) column becomes nulls of `target`; numbers and times are converted
 * value by value (exact-cast.ts). Anything else, and any value the target cannot
 * hold exactly, is a `SchemaMismatchError` naming the column (and the row and value).
 *
 * @example
 * ```ts
 * const utf8 = castData(dictionaryData, new Utf8(), 'name');
 * castData(int64Data, new Int32(), 'id'); // throws at the first value beyond int32
 * ```
 */
export function castData(data: Data, target: DataType, column: string): Data {
  if (sameType(data.type, target)) return data;
  if (DataType.isDictionary(data.type) && !DataType.isDictionary(target)) return castData(decodeDictionary(data, column), target, column);
  if (DataType.isNull(data.type)) return allNulls(target, data.length);
  const exact = exactCast(data, target, column);
  if (exact) return exact;
  if (!rebuildable(data.type, target)) throw castRefused(data, target, column, 'freshtier converts only numbers and times by value, Utf8 ↔ LargeUtf8, Binary ↔ LargeBinary and dictionaries to their values');
  try {
    const vec = makeVector(data);
    const builder = makeBuilder({ type: target, nullValues: [null, undefined] });
    for (let i = 0; i < data.length; i++) builder.append(vec.get(i));
    return builder.finish().flush();
  } catch (e) {
    throw castRefused(data, target, column, e instanceof Error ? e.message : String(e));
  }
}

// Pairs whose values an Arrow builder carries over unchanged (strings and bytes of another offset width; dictionary encoding)
const SAME_VALUES: readonly (readonly Type[])[] = [[Type.Utf8, Type.LargeUtf8], [Type.Binary, Type.LargeBinary]];

function rebuildable(from: DataType, to: DataType): boolean {
  if (DataType.isDictionary(to)) return sameType(DataType.isDictionary(from) ? from.dictionary : from, to.dictionary);
  return SAME_VALUES.some((pair) => pair.includes(from.typeId) && pair.includes(to.typeId));
}

function allNulls(type: DataType, length: number): Data {
  return vectorFromArray(new Array(length).fill(null), type).data[0];
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
    rowOf[i] = Number(idx[i]); // Arrow JS slices the index buffer: `data.offset` applies to the validity bitmap only
  }
  return gatherColumn([values], 'v', valueType, { count: n, batchOf, rowOf });
}
