/**
 * Parquet logical types for every Arrow type freshtier stores (docs/format.md "Data files").
 *
 * The Parquet writer (parquet-rs) gives three Arrow types no logical type, because Parquet
 * has no unit for them: `date64` (milliseconds), `timestamp[s]` and `time32[s]` reach other
 * readers as a bare INT64/INT32 (DuckDB: BIGINT/INTEGER). So a column of those types is
 * stored as the nearest type that has one, converted exactly (core's `castData`):
 *
 * | Arrow type | stored as | Parquet logical type |
 * | --- | --- | --- |
 * | `date64` | `date32` (days) | DATE |
 * | `timestamp[s, tz]` | `timestamp[ms, tz]` | TIMESTAMP(MILLIS, isAdjustedToUTC = tz given) |
 * | `time32[s]` | `time32[ms]` | TIME(MILLIS) |
 *
 * and its field carries the metadata `freshtier.arrow_type` = `date64`, `timestamp[s]` or `time32[s]`,
 * so reading the file back restores the original type exactly ({@link fromParquetTypes}).
 * A column whose values do not convert exactly (a `date64` value that is not a midnight,
 * which Arrow's spec does not allow but apache-arrow accepts; a `timestamp[s]` beyond
 * ±2^63 ms) is stored unconverted, as before: exact first. Top-level columns only.
 */
import { DateDay, DateMillisecond, Field, RecordBatch, Schema, Struct, Table, TimeMillisecond, TimeSecond, Timestamp, TimeUnit, Type, makeData, type Data, type DataType } from 'apache-arrow';
import { castData } from '../batch-cast.js';

/** Field metadata naming the Arrow type a column had before it was stored as another. */
export const STORED_TYPE_KEY = 'freshtier.arrow_type';

/** The stored stand-in of a type without a Parquet logical type, with the name the metadata records; or undefined. */
function standIn(t: DataType): { type: DataType; name: StoredTypeName } | undefined {
  const x = t as unknown as { unit?: number; timezone?: string | null };
  if (t.typeId === Type.Date && x.unit === 1) return { type: new DateDay(), name: 'date64' };
  if (t.typeId === Type.Timestamp && x.unit === TimeUnit.SECOND) return { type: new Timestamp(TimeUnit.MILLISECOND, x.timezone ?? null), name: 'timestamp[s]' };
  if (t.typeId === Type.Time && x.unit === TimeUnit.SECOND) return { type: new TimeMillisecond(), name: 'time32[s]' };
  return undefined;
}

/** The values of `freshtier.arrow_type`. */
type StoredTypeName = 'date64' | 'timestamp[s]' | 'time32[s]';

/**
 * `batches` (one schema) with each column of a type without a Parquet logical type
 * converted to its stand-in (see the module doc), when all its values convert exactly.
 *
 * @example
 * ```ts
 * const stored = toParquetTypes([batch]); // a timestamp[s] column becomes timestamp[ms], tagged
 * ```
 */
export function toParquetTypes(batches: readonly RecordBatch[]): RecordBatch[] {
  if (batches.length === 0) return [];
  const schema = batches[0].schema;
  const converted = schema.fields.map((f, c) => convertColumn(batches, f, c));
  if (converted.every((x) => x === undefined)) return [...batches];
  const fields = schema.fields.map((f, c) => (converted[c] ? new Field(f.name, converted[c]!.type, f.nullable, withKey(f, converted[c]!.name)) : f));
  const out = new Schema(fields, schema.metadata);
  return batches.map((b, i) => rebuild(out, b, (c) => converted[c]?.data[i] ?? b.data.children[c]));
}

/** Every batch's column `c` as the stand-in type, or undefined (no stand-in, or a value does not convert). */
function convertColumn(batches: readonly RecordBatch[], f: Field, c: number): { type: DataType; name: StoredTypeName; data: Data[] } | undefined {
  const to = standIn(f.type);
  if (!to) return undefined;
  try {
    return { ...to, data: batches.map((b) => castData(b.data.children[c], to.type, f.name)) };
  } catch {
    return undefined; // stored as is: exactness before a logical type
  }
}

/**
 * A table read from Parquet with every column {@link toParquetTypes} converted back to
 * the type its `freshtier.arrow_type` metadata names (exactly: the values came from it).
 *
 * @example
 * ```ts
 * const t = fromParquetTypes(tableFromIPC(ipc)); // timestamp[s] again
 * ```
 */
export function fromParquetTypes(table: Table): Table {
  const fields = table.schema.fields;
  const targets = fields.map((f) => (f.metadata.has(STORED_TYPE_KEY) ? standInOf(f) : undefined));
  if (targets.every((t) => t === undefined)) return table;
  const out = new Schema(fields.map((f, c) => (targets[c] ? new Field(f.name, targets[c]!, f.nullable, withoutKey(f)) : f)), table.schema.metadata);
  return new Table(out, table.batches.map((b) => rebuild(out, b, (c) => (targets[c] ? castData(b.data.children[c], targets[c]!, fields[c].name) : b.data.children[c]))));
}

/** The original type of a tagged field: only the three conversions above are undone, and only from their stand-ins. */
function standInOf(f: Field): DataType | undefined {
  const name = f.metadata.get(STORED_TYPE_KEY);
  const x = f.type as unknown as { unit?: number; timezone?: string | null };
  if (name === 'date64' && f.type.typeId === Type.Date && x.unit === 0) return new DateMillisecond();
  if (name === 'timestamp[s]' && f.type.typeId === Type.Timestamp && x.unit === TimeUnit.MILLISECOND) return new Timestamp(TimeUnit.SECOND, x.timezone ?? null);
  if (name === 'time32[s]' && f.type.typeId === Type.Time && x.unit === TimeUnit.MILLISECOND) return new TimeSecond();
  return undefined;
}

function rebuild(schema: Schema, b: RecordBatch, child: (c: number) => Data): RecordBatch {
  const children = schema.fields.map((_, c) => child(c));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.numRows, nullCount: 0, children }));
}

function withKey(f: Field, value: string): Map<string, string> {
  return new Map([...f.metadata, [STORED_TYPE_KEY, value]]);
}

function withoutKey(f: Field): Map<string, string> {
  const m = new Map(f.metadata);
  m.delete(STORED_TYPE_KEY);
  return m;
}
