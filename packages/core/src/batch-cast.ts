/**
 * Casting a decoded batch to the table's types. Sources differ in shape: memtable
 * batches already have the table schema; flushed files hold the fields as nullable
 * plus system columns; Parquet may hand back dictionary-encoded or large types.
 * `conformBatch` casts a decoded batch to the table's types once, so everything
 * downstream (a scan's dedup, filters and output; compaction's merge; ingest) sees
 * one type per column. Both the read and the write side need it, hence core.
 */
import { DataType, Field, RecordBatch, Schema, Struct, makeBuilder, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow';
import { sameType } from './arrow-util.js';
import { SchemaMismatchError } from './errors.js';
import { gatherColumn } from './gather.js';

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
