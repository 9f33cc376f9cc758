/**
 * Small Arrow helpers. Arrow objects are recognised structurally, not with
 * `instanceof`, because callers may load their own copy of `apache-arrow`.
 *
 * Folder `arrow/`: what Arrow JS lacks and every tier needs — these helpers and
 * `gatherColumn` (gather.ts, rows of several batches into new columns).
 */
import { Field, RecordBatch, Schema, Table, tableFromIPC, tableToIPC, type DataType } from 'apache-arrow';

/**
 * Is `x` an Arrow `RecordBatch` (from any copy of apache-arrow)?
 *
 * @example
 * ```ts
 * declare const input: unknown;
 * if (!isArrowRecordBatch(input)) throw new TypeError('expected a RecordBatch');
 * ```
 */
export function isArrowRecordBatch(x: unknown): x is RecordBatch {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.numRows === 'number' && typeof o.getChildAt === 'function' && isSchemaLike(o.schema) && 'data' in o && !('batches' in o);
}

/**
 * Is `x` an Arrow `Table` (from any copy of apache-arrow)?
 *
 * @example
 * ```ts
 * import { RecordBatch, Table } from 'apache-arrow';
 * declare const x: RecordBatch | Table;
 * const batches = isArrowTable(x) ? x.batches : [x];
 * ```
 */
export function isArrowTable(x: unknown): x is Table {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return Array.isArray(o.batches) && typeof o.numRows === 'number' && isSchemaLike(o.schema);
}

function isSchemaLike(s: unknown): boolean {
  return typeof s === 'object' && s !== null && Array.isArray((s as { fields?: unknown }).fields);
}

/** Serialises a schema as base64 Arrow IPC (exact, including metadata). */
export function schemaToBase64(schema: Schema): string {
  const bytes = tableToIPC(new Table(schema), 'stream');
  return Buffer.from(bytes).toString('base64');
}

/** Inverse of {@link schemaToBase64}. */
export function schemaFromBase64(b64: string): Schema {
  return tableFromIPC(Buffer.from(b64, 'base64')).schema;
}

/** A human-readable description of each field, stored beside the exact schema. */
export function describeFields(schema: Schema): { name: string; type: string; nullable: boolean }[] {
  return schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
}

/** Are two data types the same (ignoring child field names of nested types)? */
export function sameType(a: DataType, b: DataType): boolean {
  return a.typeId === b.typeId && String(a) === String(b);
}

/** The same schema with every field nullable (flushed files hold tombstones whose values are null). */
export function nullableSchema(schema: Schema, extra: Field[] = []): Schema {
  const fields = schema.fields.map((f) => new Field(f.name, f.type, true, f.metadata));
  return new Schema([...fields, ...extra], schema.metadata);
}

/** Approximate in-memory bytes of a batch (sum of its buffers). */
export function batchByteSize(batch: RecordBatch): number {
  let total = 0;
  const visit = (d: { buffers?: unknown[]; children?: unknown[] }) => {
    for (const b of (d.buffers ?? []) as (ArrayBufferView | undefined)[]) if (b) total += b.byteLength;
    for (const c of (d.children ?? []) as { buffers?: unknown[]; children?: unknown[] }[]) visit(c);
  };
  visit(batch.data as unknown as { buffers?: unknown[]; children?: unknown[] });
  return total;
}
