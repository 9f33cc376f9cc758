/**
 * DuckDB against freshtier for the open-format tests: run `freshtier sql`'s view in an
 * in-memory DuckDB, and put the view's rows and a scan's rows in one comparable form
 * (every value exact: int64 and temporal values as bigints of their stored unit, floats
 * by `Object.is`, so -0 and NaN count).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Type, makeData, type Data, type DataType, type Table as ArrowTable, type Field } from 'apache-arrow';

/**
 * An in-memory DuckDB connection.
 *
 * @example
 * ```ts
 * const db = await duckdb();
 * await db.run(sql);
 * ```
 */
export async function duckdb(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** A row as comparable values, in the table's column order. */
export type Row = readonly unknown[];

/**
 * The SELECT list that reads `fields` from a DuckDB relation as exact comparable values:
 * timestamps and times as bigints of their Arrow unit (not nanosecond times), dates as days,
 * everything else as is.
 *
 * @example
 * ```ts
 * await db.runAndReadAll(`SELECT ${exactSelect(schema.fields)} FROM events`);
 * ```
 */
export function exactSelect(fields: readonly Field[]): string {
  return fields.map((f) => {
    const c = ident(f.name);
    const unit = (f.type as { unit?: number }).unit;
    if (f.type.typeId === Type.Timestamp) return [`epoch_ms(${c}) // 1000`, `epoch_ms(${c})`, `epoch_us(${c})`, `epoch_ns(${c})`][unit!] + ` AS ${c}`;
    if (f.type.typeId === Type.Date) return `CAST(${c} - DATE '1970-01-01' AS BIGINT) AS ${c}`;
    if (f.type.typeId === Type.Time) return `epoch_us(DATE '1970-01-01' + ${c}) // ${[1_000_000, 1_000, 1][unit!]} AS ${c}`;
    return c;
  }).join(', ');
}

/**
 * The rows of a DuckDB view, exact (see {@link exactSelect}), sorted by the key columns.
 *
 * @example
 * ```ts
 * const rows = await viewRows(db, 'events', table.schema.fields, [0]);
 * ```
 */
export async function viewRows(db: DuckDBConnection, view: string, fields: readonly Field[], keyIdx: readonly number[]): Promise<Row[]> {
  const r = await db.runAndReadAll(`SELECT ${exactSelect(fields)} FROM ${ident(view)}`);
  const rows = r.getRows().map((row) => row.map((v, i) => normalize(v, fields[i])));
  return sortRows(rows, keyIdx);
}

/**
 * The rows of an Arrow table (a scan's result) in the same form, sorted by the key columns.
 *
 * @example
 * ```ts
 * const rows = arrowRows(await scanner.scan().toTable(), [0]);
 * ```
 */
export function arrowRows(t: ArrowTable, keyIdx: readonly number[]): Row[] {
  const rows: unknown[][] = Array.from({ length: t.numRows }, () => []);
  t.schema.fields.forEach((f, c) => {
    let row = 0;
    for (const d of t.getChildAt(c)!.data) {
      for (let i = 0; i < d.length; i++, row++) rows[row].push(d.getValid(i) ? arrowValue(t, c, row, d.values, i, f) : null);
    }
  });
  return sortRows(rows.map((r) => r.map((v, i) => normalize(v, t.schema.fields[i]))), keyIdx);
}

/** Temporal values raw from their typed array (never `get`, which gives float milliseconds). */
function arrowValue(t: ArrowTable, col: number, row: number, values: ArrayLike<unknown>, i: number, f: Field): unknown {
  if (f.type.typeId === Type.Timestamp || f.type.typeId === Type.Date || f.type.typeId === Type.Time) {
    const raw = BigInt(values[i] as number | bigint);
    // date64 is milliseconds at a midnight: compare as days, the way DuckDB's DATE counts
    return f.type.typeId === Type.Date && (f.type as { unit?: number }).unit === 1 ? raw / 86_400_000n : raw;
  }
  return t.getChildAt(col)!.get(row);
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function normalize(v: unknown, f: Field): unknown {
  if (v === null || v === undefined) return null;
  if ([Type.Int, Type.Timestamp, Type.Date, Type.Time].includes(f.type.typeId)) return BigInt(v as number | bigint);
  if (f.type.typeId === Type.Float) return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
  return v;
}

function sortRows(rows: Row[], keyIdx: readonly number[]): Row[] {
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : (a as bigint | string) < (b as bigint | string) ? -1 : 1);
  return rows.sort((a, b) => {
    for (const k of keyIdx) {
      const c = cmp(a[k], b[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * Typed-array data with a validity bitmap, values taken raw (exact days, milliseconds and
 * microseconds: Arrow's builders would take temporal values as float milliseconds).
 *
 * @example
 * ```ts
 * const days = rawData(new DateDay(), [0, -1, null], Int32Array);
 * ```
 */
export function rawData(type: DataType, values: (number | bigint | null)[], Arr: new (n: number) => { [i: number]: number | bigint }): Data {
  const data = new Arr(values.length);
  const bits = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => (v === null ? nulls++ : ((data[i] = v), (bits[i >> 3] |= 1 << (i & 7)))));
  return makeData({ type, length: values.length, nullCount: nulls, nullBitmap: bits, data } as never);
}
