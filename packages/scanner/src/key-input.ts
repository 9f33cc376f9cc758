/**
 * Turning what a caller passes as keys (a `RecordBatch` or `Table` of the key
 * columns, or an array of plain objects `{ id: 5 }`) into encoded primary keys
 * and their shards, and JS values into Arrow columns of a table's types.
 *
 * Plain values follow the table's column type: 64-bit integers take a `bigint`
 * or an integral `number`; strings take `string`; binary takes `Uint8Array`;
 * dates and timestamps take a `Date`, or a `number`/`bigint` in the column's
 * stored unit (days for `Date32`, milliseconds for `Date64`, the timestamp's unit).
 */
import { encodeKeys, isArrowRecordBatch, isArrowTable, sameType, InvalidOptionsError, SchemaMismatchError, type EncodedKeys, type Table } from '@freshtier/core';
import { Type, makeData, vectorFromArray, RecordBatch, Schema, Struct, type Data, type DataType, type Field, type Table as ArrowTable } from 'apache-arrow';

/**
 * Keys accepted by `get`, `containsPks`, `containsPksAsOf` and `freshTierBlockList`.
 *
 * @example
 * ```ts
 * await scanner.containsPks([{ id: 1n }, { id: 2 }]);
 * await scanner.containsPks(batchOfIds); // a RecordBatch or Table with the key columns
 * ```
 */
export type KeysInput = RecordBatch | ArrowTable | readonly Record<string, unknown>[];

/**
 * Encoded keys with the shard each belongs to.
 *
 * @example
 * ```ts
 * const k = normalizeKeys(table, [{ id: 5n }]);
 * console.log(k.count, k.shards[0]);
 * ```
 */
export interface NormalizedKeys {
  readonly count: number;
  readonly keys: EncodedKeys;
  readonly shards: Uint16Array;
}

/**
 * Encodes caller keys; throws `InvalidOptionsError` on an append-only table or a
 * bad container, `SchemaMismatchError` on a missing or retyped key column.
 *
 * @example
 * ```ts
 * const k = normalizeKeys(table, [{ tenant: 'a', id: 1 }]);
 * ```
 */
export function normalizeKeys(table: Table, input: KeysInput): NormalizedKeys {
  if (table.appendOnly) throw new InvalidOptionsError('keys', [{ path: 'keys', message: 'the table is append-only (it has no primary key), so rows cannot be looked up by key; use scan() with a filter' }]);
  const batches = keyBatches(table, input);
  const keys = concatKeys(batches.map((b) => encodeKeys(b, table.primaryKey)));
  return { count: keys.count, keys, shards: table.shardsOf(keys) };
}

function keyBatches(table: Table, input: KeysInput): RecordBatch[] {
  if (isArrowRecordBatch(input)) return [checkKeyBatch(table, input)];
  if (isArrowTable(input)) return input.batches.map((b) => checkKeyBatch(table, b as RecordBatch));
  if (Array.isArray(input)) return input.length === 0 ? [] : [objectsToBatch(table, input)];
  throw new InvalidOptionsError('keys', [{ path: 'keys', message: `expected a RecordBatch, a Table or an array of objects with the key columns ${table.primaryKey.join(', ')}` }]);
}

function checkKeyBatch(table: Table, batch: RecordBatch): RecordBatch {
  for (const name of table.primaryKey) {
    const want = table.schema.fields.find((f) => f.name === name)!;
    const got = batch.schema.fields.find((f) => f.name === name);
    if (!got) throw new SchemaMismatchError(`the keys lack primary-key column "${name}" (key columns: ${table.primaryKey.join(', ')})`, { column: name });
    if (!sameType(got.type, want.type)) throw new SchemaMismatchError(`key column "${name}" has type ${String(got.type)}, the table has ${String(want.type)}`, { column: name });
  }
  return batch;
}

function objectsToBatch(table: Table, rows: readonly Record<string, unknown>[]): RecordBatch {
  const fields = table.primaryKey.map((name) => table.schema.fields.find((f) => f.name === name)!);
  const children = fields.map((f) => {
    const values = rows.map((r, i) => {
      if (r === null || typeof r !== 'object' || !(f.name in r)) throw new SchemaMismatchError(`key ${i} has no "${f.name}" (every key needs the columns ${table.primaryKey.join(', ')})`, { column: f.name, row: i });
      return r[f.name];
    });
    return valuesToData(f, values, (i, expected) => new SchemaMismatchError(`key ${i}: "${f.name}" must be ${expected}, got ${describe(values[i])}`, { column: f.name, row: i }));
  });
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

function concatKeys(parts: EncodedKeys[]): EncodedKeys {
  if (parts.length === 1) return parts[0];
  const count = parts.reduce((n, p) => n + p.count, 0);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  const offsets = new Uint32Array(count + 1);
  let k = 0;
  let at = 0;
  for (const p of parts) {
    bytes.set(p.bytes.subarray(0, p.offsets[p.count]), at);
    for (let i = 0; i < p.count; i++) offsets[++k] = at + p.offsets[i + 1];
    at += p.offsets[p.count];
  }
  return { count, bytes, offsets };
}

/**
 * Coerces one JS value to the raw value stored for `type`, or `undefined` with
 * `expected` describing what fits. `null` stays `null`.
 *
 * @example
 * ```ts
 * coerceValue(new Int64(), 5); // { value: 5n }
 * ```
 */
export function coerceValue(type: DataType, v: unknown): { value: unknown } | { expected: string } {
  if (v === null || v === undefined) return { value: null };
  const big = (type.ArrayType as unknown) === BigInt64Array || (type.ArrayType as unknown) === BigUint64Array;
  switch (type.typeId) {
    case Type.Int: return big ? toBigInt(v) : toInteger(v);
    case Type.Float: return typeof v === 'number' ? { value: v } : typeof v === 'bigint' ? { value: Number(v) } : { expected: 'a number' };
    case Type.Bool: return typeof v === 'boolean' ? { value: v } : { expected: 'a boolean' };
    case Type.Utf8: case Type.LargeUtf8: return typeof v === 'string' ? { value: v } : { expected: 'a string' };
    case Type.Binary: case Type.LargeBinary: return v instanceof Uint8Array ? { value: v } : { expected: 'a Uint8Array' };
    case Type.Date: case Type.Timestamp: case Type.Time: return temporal(type, v, big);
    default: return { value: v };
  }
}

function toBigInt(v: unknown): { value: bigint } | { expected: string } {
  if (typeof v === 'bigint') return { value: v };
  if (typeof v === 'number' && Number.isSafeInteger(v)) return { value: BigInt(v) };
  return { expected: 'a bigint or an integral number' };
}

function toInteger(v: unknown): { value: number } | { expected: string } {
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? { value: n } : { expected: 'an integral number' };
}

const MS_PER_UNIT = [1000, 1, 0.001, 0.000001]; // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND

function temporal(type: DataType, v: unknown, big: boolean): { value: unknown } | { expected: string } {
  if (v instanceof Date) {
    const ms = v.getTime();
    const unit = (type as unknown as { unit: number }).unit;
    const raw = type.typeId === Type.Date ? (unit === 0 ? Math.floor(ms / 86_400_000) : ms) : ms / MS_PER_UNIT[unit];
    return big ? { value: BigInt(Math.round(raw)) } : { value: Math.round(raw) };
  }
  return big ? toBigInt(v) : toInteger(v);
}

/**
 * Builds a column of `field`'s type from plain non-null values; `fail(i, expected)`
 * makes the error for a value that does not fit.
 *
 * @example
 * ```ts
 * const data = valuesToData(idField, [1, 2n], (i, e) => new SchemaMismatchError(`row ${i}: ${e}`));
 * ```
 */
export function valuesToData(field: Field, values: readonly unknown[], fail: (i: number, expected: string) => Error): Data {
  const raw = values.map((v, i) => {
    const c = coerceValue(field.type, v);
    if ('expected' in c) throw fail(i, c.expected);
    if (c.value === null) throw fail(i, 'a non-null value (primary keys are never null)');
    return c.value;
  });
  const t = field.type;
  if (t.typeId === Type.Int || t.typeId === Type.Float || t.typeId === Type.Date || t.typeId === Type.Timestamp || t.typeId === Type.Time) {
    const data = new (t.ArrayType as new (a: unknown[]) => ArrayLike<unknown>)(raw);
    return makeData({ type: t as never, length: raw.length, nullCount: 0, data: data as never });
  }
  return vectorFromArray(raw as unknown[], t).data[0];
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  return v instanceof Uint8Array ? 'a Uint8Array' : String(v);
}
