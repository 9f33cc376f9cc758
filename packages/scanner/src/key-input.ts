/**
 * Turning what a caller passes as keys (a `RecordBatch` or `Table` of the key
 * columns, or an array of plain objects `{ id: 5 }`) into encoded primary keys
 * and their shards, and JS values into Arrow columns of a table's types.
 *
 * Plain values follow the table's column type: integers and floats take a
 * `number` or a `bigint` (64-bit integers: a `bigint`, or a number within ±2^53);
 * strings take `string`; binary takes `Uint8Array`; dates and timestamps take a
 * `Date`, or a `number`/`bigint` in the column's stored unit (days for `Date32`,
 * milliseconds for `Date64`, the timestamp's unit). Numeric keys are taken
 * exactly (exact-literal.ts): a key no value of the column's type equals (out of
 * range, a fraction on an integer column, 0.1 on float32) is never wrapped or
 * rounded onto another key: it is marked `absent` and matches nothing.
 */
import { assertBatchColumnNames, compareBytes, encodeKeys, isArrowRecordBatch, isArrowTable, sameType, InvalidOptionsError, SchemaMismatchError, type EncodedKeys, type Table } from '@freshtier/core';
import { Type, makeData, vectorFromArray, RecordBatch, Schema, Struct, type Data, type DataType, type Field, type Table as ArrowTable } from 'apache-arrow';
import { exactKey, isExactNumeric } from './exact-literal.js';

/**
 * Keys accepted by `get`, `containsPks`, `containsPksAsOf` and `freshTierBlockList`.
 *
 * @example
 * ```ts
 * await scanner.containsPks([{ id: 1n }, { id: 2 }]);
 * await scanner.containsPks(keyBatch); // a RecordBatch or Table with the key columns
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
  /** 1 where the key cannot exist in the column types (e.g. 2^40 for an Int32 key): it matches nothing; its encoded bytes are a placeholder. */
  readonly absent?: Uint8Array;
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
  if (Array.isArray(input)) {
    if (input.length === 0) return { count: 0, keys: concatKeys([]), shards: new Uint16Array(0) };
    const { batch, absent } = objectsToBatch(table, input);
    const keys = encodeKeys(batch, table.primaryKey);
    return { count: keys.count, keys, shards: table.shardsOf(keys), absent };
  }
  const keys = concatKeys(keyBatches(table, input).map((b) => encodeKeys(b, table.primaryKey)));
  return { count: keys.count, keys, shards: table.shardsOf(keys) };
}

/**
 * `positions` sorted by their keys (ties by position): lookups then ask each key index
 * for its keys in ascending order, so finding their blocks gallops forward through its
 * fences instead of binary-searching them all for every key.
 *
 * @example
 * ```ts
 * const todo = inKeyOrder(keys, [2, 0, 1]);
 * ```
 */
export function inKeyOrder(keys: NormalizedKeys, positions: readonly number[]): number[] {
  const { bytes, offsets } = keys.keys;
  return [...positions].sort((a, b) => compareBytes(bytes, offsets[a], offsets[a + 1], bytes, offsets[b], offsets[b + 1]) || a - b);
}

function keyBatches(table: Table, input: KeysInput): RecordBatch[] {
  if (isArrowRecordBatch(input)) return [checkKeyBatch(table, input)];
  if (isArrowTable(input)) return input.batches.map((b) => checkKeyBatch(table, b as RecordBatch));
  throw new InvalidOptionsError('keys', [{ path: 'keys', message: `expected a RecordBatch, a Table or an array of objects with the key columns ${table.primaryKey.join(', ')}` }]);
}

function checkKeyBatch(table: Table, batch: RecordBatch): RecordBatch {
  // a repeated column is ambiguous (which copy is the key?); extra columns, `_ft_` ones included, are ignored
  assertBatchColumnNames(batch.schema.fields.map((f) => f.name), 'the keys', { reserved: false });
  for (const name of table.primaryKey) {
    const want = table.schema.fields.find((f) => f.name === name)!;
    const got = batch.schema.fields.find((f) => f.name === name);
    if (!got) throw new SchemaMismatchError(`the keys lack primary-key column "${name}" (key columns: ${table.primaryKey.join(', ')})`, { column: name });
    if (!sameType(got.type, want.type)) throw new SchemaMismatchError(`key column "${name}" has type ${String(got.type)}, the table has ${String(want.type)}`, { column: name });
  }
  return batch;
}

/** The key columns of plain objects, and which keys cannot exist (a component no value of its type equals). */
function objectsToBatch(table: Table, rows: readonly Record<string, unknown>[]): { batch: RecordBatch; absent: Uint8Array } {
  const fields = table.primaryKey.map((name) => table.schema.fields.find((f) => f.name === name)!);
  const absent = new Uint8Array(rows.length);
  const children = fields.map((f) => {
    const values = rows.map((r, i) => {
      if (r === null || typeof r !== 'object' || !(f.name in r)) throw new SchemaMismatchError(`key ${i} has no "${f.name}" (every key needs the columns ${table.primaryKey.join(', ')})`, { column: f.name, row: i });
      return r[f.name];
    });
    const col = keyColumn(f, values, (i, expected) => new SchemaMismatchError(`key ${i}: "${f.name}" must be ${expected}, got ${describe(values[i])}`, { column: f.name, row: i }));
    col.absent.forEach((a, i) => (absent[i] |= a));
    return col.data;
  });
  const schema = new Schema(fields);
  return { batch: new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children })), absent };
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
 * Coerces one JS value to the raw value stored for `type`, or `expected`
 * describing what fits, or `absent` when the value is numeric but no value of
 * the type equals it (exact-literal.ts). `null` stays `null`.
 *
 * @example
 * ```ts
 * coerceValue(new Int64(), 5);       // { value: 5n }
 * coerceValue(new Int32(), 2 ** 40); // { absent: true }
 * ```
 */
export function coerceValue(type: DataType, v: unknown): { value: unknown } | { absent: true } | { expected: string } {
  if (v === null || v === undefined) return { value: null };
  if (isExactNumeric(type)) return exactKey(type, v);
  switch (type.typeId) {
    // a half float (never a key): number and bigint literals compare exactly as they are
    case Type.Float: return typeof v === 'number' || typeof v === 'bigint' ? { value: v } : { expected: 'a number' };
    case Type.Bool: return typeof v === 'boolean' ? { value: v } : { expected: 'a boolean' };
    case Type.Utf8: case Type.LargeUtf8: return typeof v === 'string' ? { value: v } : { expected: 'a string' };
    case Type.Binary: case Type.LargeBinary: return v instanceof Uint8Array ? { value: v } : { expected: 'a Uint8Array' };
    default: return { value: v };
  }
}

/**
 * A key column of `field`'s type from plain non-null values, with `absent[i] = 1`
 * where value i cannot exist in the type (its slot holds a placeholder);
 * `fail(i, expected)` makes the error for a value of the wrong kind.
 *
 * @example
 * ```ts
 * const { data, absent } = keyColumn(idField, [1, 2n], (i, e) => new SchemaMismatchError(`row ${i}: ${e}`));
 * ```
 */
export function keyColumn(field: Field, values: readonly unknown[], fail: (i: number, expected: string) => Error): { data: Data; absent: Uint8Array } {
  const absent = new Uint8Array(values.length);
  const raw = values.map((v, i) => {
    const c = coerceValue(field.type, v);
    if ('expected' in c) throw fail(i, c.expected);
    if ('absent' in c) {
      absent[i] = 1;
      return placeholder(field.type);
    }
    if (c.value === null) throw fail(i, 'a non-null value (primary keys are never null)');
    return c.value;
  });
  return { data: rawData(field.type, raw), absent };
}

/** Any value of a numeric type (0 is in every numeric range), for the slot of an absent key. */
function placeholder(type: DataType): number | bigint {
  const big = (type.ArrayType as unknown) === BigInt64Array || (type.ArrayType as unknown) === BigUint64Array;
  return big ? 0n : 0;
}

/**
 * A column of `type` from raw stored values (numbers or bigints as the typed
 * array holds them, strings, bytes, booleans).
 *
 * @example
 * ```ts
 * const data = rawData(new Int64(), [1n, 2n]);
 * ```
 */
export function rawData(t: DataType, raw: readonly unknown[]): Data {
  if (t.typeId === Type.Int || t.typeId === Type.Float || t.typeId === Type.Date || t.typeId === Type.Timestamp || t.typeId === Type.Time || t.typeId === Type.Duration) {
    const data = new (t.ArrayType as new (a: unknown[]) => ArrayLike<unknown>)([...raw]);
    return makeData({ type: t as never, length: raw.length, nullCount: 0, data: data as never });
  }
  return vectorFromArray([...raw] as unknown[], t).data[0];
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  return v instanceof Uint8Array ? 'a Uint8Array' : String(v);
}
