/**
 * Parquet logical types for every Arrow type freshtier stores (docs/format.md "Data files").
 *
 * The Parquet writer (parquet-rs) gives three Arrow types no logical type, because Parquet
 * has no unit for them: `date64` (milliseconds), `timestamp[s]` and `time32[s]` reach other
 * readers as a bare INT64/INT32 (DuckDB: BIGINT/INTEGER). And it writes `timestamp[ns, tz]`
 * as TIMESTAMP(NANOS, isAdjustedToUTC = true), which DuckDB reads as TIMESTAMPTZ, a type of
 * microseconds: it drops the last three digits, so keys 1 ns apart read as one. So a column
 * of those types is stored as the nearest type a reader takes exactly, converted exactly
 * (core's `castData`, or the same values under another type):
 *
 * | Arrow type | stored as | Parquet logical type |
 * | --- | --- | --- |
 * | `date64` | `date32` (days) | DATE |
 * | `timestamp[s, tz]` | `timestamp[ms, tz]` | TIMESTAMP(MILLIS, isAdjustedToUTC = tz given) |
 * | `timestamp[ns, tz]` (a time zone given) | `timestamp[ns]` (the same UTC instants) | TIMESTAMP(NANOS, isAdjustedToUTC = false) |
 * | `time32[s]` | `time32[ms]` | TIME(MILLIS) |
 *
 * and its field carries the metadata `freshtier.arrow_type` = `date64`, `timestamp[s]`,
 * `timestamp[ns, <tz>]` or `time32[s]`, so reading the file back restores the original type
 * exactly ({@link fromParquetTypes}). A `date64` column with a value that is not a UTC
 * midnight (Arrow's spec forbids it) or a `timestamp[s]` column with a value beyond ±2^63 ms
 * does not convert and is stored unconverted (a bare INT64): exact first; the open format's
 * view then refuses to read such a file rather than return the column as another type (a
 * stand-in chosen per file would differ between files, and DuckDB converts a list of files
 * to the first one's type, silently). Top-level columns only.
 */
import { DateDay, DateMillisecond, Field, RecordBatch, Schema, Struct, Table, TimeMillisecond, TimeSecond, Timestamp, TimeUnit, Type, makeData, type Data, type DataType } from 'apache-arrow';
import { castData } from '../batch-cast.js';

/** Field metadata naming the Arrow type a column had before it was stored as another. */
export const STORED_TYPE_KEY = 'freshtier.arrow_type';

/**
 * The stored stand-ins of a type (see the module doc), in the order tried, with the name the
 * metadata records: `cast` converts the values (it throws when one does not convert); `retype`
 * keeps them as they are under the new type (the same integers mean the same instants).
 */
function standIns(t: DataType): { type: DataType; name: string; how: 'cast' | 'retype' }[] {
  const x = t as unknown as { unit?: number; timezone?: string | null };
  if (t.typeId === Type.Date && x.unit === 1) return [{ type: new DateDay(), name: 'date64', how: 'cast' }];
  if (t.typeId === Type.Timestamp && x.unit === TimeUnit.SECOND) return [{ type: new Timestamp(TimeUnit.MILLISECOND, x.timezone ?? null), name: 'timestamp[s]', how: 'cast' }];
  if (t.typeId === Type.Timestamp && x.unit === TimeUnit.NANOSECOND && x.timezone) return [{ type: new Timestamp(TimeUnit.NANOSECOND), name: `timestamp[ns, ${x.timezone}]`, how: 'retype' }];
  if (t.typeId === Type.Time && x.unit === TimeUnit.SECOND) return [{ type: new TimeMillisecond(), name: 'time32[s]', how: 'cast' }];
  return [];
}

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

/** Every batch's column `c` as its first stand-in type that holds every value, or undefined (none, or no value converts). */
function convertColumn(batches: readonly RecordBatch[], f: Field, c: number): { type: DataType; name: string; data: Data[] } | undefined {
  for (const to of standIns(f.type)) {
    if (to.how === 'retype') return { ...to, data: batches.map((b) => b.data.children[c].clone(to.type)) };
    try {
      return { ...to, data: batches.map((b) => castData(b.data.children[c], to.type, f.name)) };
    } catch {
      // a value does not convert: the next stand-in, else stored as is (exactness before a logical type)
    }
  }
  return undefined;
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
  const out = new Schema(fields.map((f, c) => (targets[c] ? new Field(f.name, targets[c]!.type, f.nullable, withoutKey(f)) : f)), table.schema.metadata);
  const restore = (d: Data, c: number) => {
    const to = targets[c];
    if (!to) return d;
    return to.how === 'retype' ? d.clone(to.type) : castData(d, to.type, fields[c].name);
  };
  return new Table(out, table.batches.map((b) => rebuild(out, b, (c) => restore(b.data.children[c], c))));
}

/** The original type of a tagged field: only the conversions above are undone, and only from their stand-ins. */
function standInOf(f: Field): { type: DataType; how: 'cast' | 'retype' } | undefined {
  const name = f.metadata.get(STORED_TYPE_KEY) ?? '';
  const x = f.type as unknown as { unit?: number; timezone?: string | null };
  const isTimestamp = (unit: TimeUnit, zoned: boolean) => f.type.typeId === Type.Timestamp && x.unit === unit && Boolean(x.timezone) === zoned;
  if (name === 'date64' && f.type.typeId === Type.Date && x.unit === 0) return { type: new DateMillisecond(), how: 'cast' };
  if (name === 'timestamp[s]' && f.type.typeId === Type.Timestamp && x.unit === TimeUnit.MILLISECOND) return { type: new Timestamp(TimeUnit.SECOND, x.timezone ?? null), how: 'cast' };
  const zone = /^timestamp\[ns, (.+)\]$/.exec(name)?.[1];
  if (zone !== undefined && isTimestamp(TimeUnit.NANOSECOND, false)) return { type: new Timestamp(TimeUnit.NANOSECOND, zone), how: 'retype' };
  if (name === 'time32[s]' && f.type.typeId === Type.Time && x.unit === TimeUnit.MILLISECOND) return { type: new TimeSecond(), how: 'cast' };
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
