/**
 * Batches of arbitrary columns, for tests of what the writer refuses: a column may
 * be named anything (a reserved `_ft_` name, the same name twice).
 *
 * @example
 * ```ts
 * const b = batchOf([['id', new Int64(), [1n]], ['v', new Int32(), [1]], ['v', new Int32(), [2]]]);
 * ```
 */
import { Field, RecordBatch, Schema, Struct, makeData, vectorFromArray, type DataType } from 'apache-arrow';

/** One column: name, type, values and nullability (default true). */
export type Column = [name: string, type: DataType, values: unknown[], nullable?: boolean];

/** A RecordBatch of these columns, in this order, names taken as given. */
export function batchOf(columns: Column[]): RecordBatch {
  const fields = columns.map(([name, type, , nullable]) => new Field(name, type, nullable ?? true));
  const length = columns[0]?.[2].length ?? 0;
  const children = columns.map(([, type, values]) => vectorFromArray(values, type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length, nullCount: 0, children }));
}

/**
 * A RecordBatch of `schema` (names, types and nullability as the table has them), the values
 * of each column by name.
 *
 * @example
 * ```ts
 * const b = batchFor(table.schema, { id: [1n, 2n], name: ['a', null] });
 * ```
 */
export function batchFor(schema: Schema, values: Record<string, unknown[]>): RecordBatch {
  return batchOf(schema.fields.map((f) => [f.name, f.type, values[f.name], f.nullable]));
}
