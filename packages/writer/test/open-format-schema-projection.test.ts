/**
 * The SQL view's projection of files written at older schema versions (issue 17): the
 * SELECT list per schema version (renamed by field id, widened by exact casts, added
 * columns as defaults or typed NULLs, dropped ones left out, state columns following their
 * column) and the exact typed literals of stored defaults. DuckDB runs these in
 * packages/integration/test/format/duckdb-schema-values.test.ts and duckdb-view-schema-versions.test.ts.
 */
import { InvalidOptionsError, type MergeSpec, type SchemaField, type TableSchema } from '@freshtier/core';
import {
  Bool, DateDay, DateMillisecond, DurationSecond, Field, Float32, Float64, Int32, Int64, Int8, Schema, TimeMicrosecond, TimeNanosecond, TimeSecond,
  TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint64, Utf8, type DataType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { defaultLiteral, typedNull, widened } from '../src/open-format/sql-values.js';
import { projectedColumns } from '../src/open-format/view-projection.js';
import { viewTable } from '../src/open-format/view-schema.js';

interface Col { id: number; name: string; type: DataType; nullable?: boolean; default?: string | boolean }

/** A schema version by hand: `cols` now, `history` per version (name → id). */
function schemaState(version: number, cols: Col[], primaryKey: string[], history: Record<number, [string, number][]>, mergeSpec: MergeSpec = {}): TableSchema {
  const fields: SchemaField[] = cols.map((c) => ({ id: c.id, name: c.name, type: String(c.type), nullable: c.nullable ?? true, ...(c.default !== undefined ? { default: c.default } : {}) }));
  return {
    version, arrow: new Schema(cols.map((c) => new Field(c.name, c.type, c.nullable ?? true))), fields, primaryKey, mergeSpec,
    lastFieldId: Math.max(...cols.map((c) => c.id)), lastVersion: version,
    history: new Map(Object.entries(history).map(([v, names]) => [Number(v), new Map(names)])),
    parents: new Map(Object.keys(history).map(Number).filter((v) => v > 0).map((v) => [v, v - 1])),
  };
}

// v0: id Int64, name Utf8, n Int32, f Float32, d Date32, gone Utf8
// v3: key (was id), title (was name), n Int64, f Float64, d timestamp[ms], score Float64 default -0, note Utf8; gone dropped
const V0: [string, number][] = [['id', 1], ['name', 2], ['n', 3], ['f', 4], ['d', 5], ['gone', 6]];
const evolved = schemaState(3, [
  { id: 1, name: 'key', type: new Int64(), nullable: false }, { id: 2, name: 'title', type: new Utf8() }, { id: 3, name: 'n', type: new Int64() },
  { id: 4, name: 'f', type: new Float64() }, { id: 5, name: 'd', type: new TimestampMillisecond() },
  { id: 7, name: 'score', type: new Float64(), default: '-0' }, { id: 8, name: 'note', type: new Utf8() },
], ['key'], { 0: V0, 1: [...V0, ['score', 7]], 3: [['key', 1], ['title', 2], ['n', 3], ['f', 4], ['d', 5], ['score', 7], ['note', 8]] });

describe('projectedColumns: a file of an older schema version read as the current one', () => {
  it('renames by field id, widens exactly, fills added columns and leaves dropped ones out', () => {
    expect(projectedColumns(viewTable(evolved), 0, 'base/data/a.parquet')).toEqual([
      '"id" AS "key"', '"name" AS "title"', 'CAST("n" AS BIGINT) AS "n"', 'CAST("f" AS DOUBLE) AS "f"', 'CAST("d" AS TIMESTAMP) AS "d"',
      `CAST('-0' AS DOUBLE) AS "score"`, 'CAST(NULL AS VARCHAR) AS "note"',
    ]);
    // version 1 had score: read from the file, not the default
    expect(projectedColumns(viewTable(evolved), 1, 'x.parquet')[5]).toBe('CAST("score" AS DOUBLE) AS "score"');
  });

  it('reads a file of the viewed version as it is', () => {
    expect(projectedColumns(viewTable(evolved), 3, 'x.parquet')).toEqual(['"key"', '"title"', '"n"', '"f"', '"d"', '"score"', '"note"']);
  });

  it('refuses a schema version the table version does not know, naming the file', () => {
    expect(() => projectedColumns(viewTable(evolved), 2, 'shards/0/gen-4-e1-00000000/data.parquet')).toThrow(/gen-4-e1-00000000.*schema version 2/);
  });

  it('renames state columns with their column; a column the file lacks has NULL state', () => {
    // partial-update with sequence field ts: every non-key column but ts is tracked (_ft_seq_<c>)
    const ts = schemaState(2, [
      { id: 1, name: 'k', type: new Int64(), nullable: false }, { id: 2, name: 'ts', type: new Int64() }, { id: 3, name: 'v2', type: new Utf8() }, { id: 5, name: 'w', type: new Int32() },
    ], ['k'], { 0: [['k', 1], ['ts', 2], ['v', 3], ['x', 4]], 2: [['k', 1], ['ts', 2], ['v2', 3], ['w', 5]] }, { mergeEngine: 'partial-update', sequenceField: 'ts' });
    expect(projectedColumns(viewTable(ts), 0, 'x.parquet')).toEqual([
      '"k" AS "k"', '"ts" AS "ts"', '"v" AS "v2"', 'CAST(NULL AS INTEGER) AS "w"',
      '"_ft_seq_v" AS "_ft_seq_v2"', 'CAST(NULL AS BIGINT) AS "_ft_seq_w"',
    ]);
  });

  it('renames a sum column\'s exact-sum state column (aggregate)', () => {
    const ts = schemaState(1, [{ id: 1, name: 'k', type: new Int64(), nullable: false }, { id: 2, name: 'total', type: new Int64() }], ['k'],
      { 0: [['k', 1], ['amount', 2]], 1: [['k', 1], ['total', 2]] }, { mergeEngine: 'aggregate', aggregates: { total: 'sum' } });
    expect(projectedColumns(viewTable(ts), 0, 'x.parquet')).toEqual(['"k" AS "k"', 'CAST("amount" AS BIGINT) AS "total"', '"_ft_sum_amount" AS "_ft_sum_total"']);
  });
});

describe('defaultLiteral: a stored default as an exact typed SQL literal', () => {
  const cases: [DataType, string | boolean, string][] = [
    [new Int64(), '-9223372036854775808', `CAST('-9223372036854775808' AS BIGINT)`],
    [new Uint64(), '18446744073709551615', `CAST('18446744073709551615' AS UBIGINT)`],
    [new Int8(), '-12', `CAST('-12' AS TINYINT)`],
    [new Float64(), 'NaN', `CAST('NaN' AS DOUBLE)`],
    [new Float64(), '-Infinity', `CAST('-Infinity' AS DOUBLE)`],
    [new Float32(), '0.10000000149011612', `CAST('0.10000000149011612' AS FLOAT)`],
    [new Utf8(), "it's", `CAST('it''s' AS VARCHAR)`],
    [new Bool(), false, 'false'],
    [new DateDay(), '-719162', `(DATE '1970-01-01' + CAST('-719162' AS INTEGER))`],
    [new DateMillisecond(), '86400000', `(DATE '1970-01-01' + CAST('1' AS INTEGER))`],
    [new TimestampSecond(), '-5', `make_timestamp(CAST('-5000000' AS BIGINT))`],
    [new TimestampMillisecond(), '1500', `make_timestamp(CAST('1500000' AS BIGINT))`],
    [new TimestampMicrosecond('UTC'), '7', `(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(CAST('7' AS BIGINT)))`],
    [new TimestampNanosecond(), '1700000000123456789', `make_timestamp_ns(CAST('1700000000123456789' AS BIGINT))`],
    // stored without its zone, so DuckDB reads TIMESTAMP_NS: the nanoseconds fit (they did not in a µs TIMESTAMPTZ)
    [new TimestampNanosecond('UTC'), '1001', `make_timestamp_ns(CAST('1001' AS BIGINT))`],
    [new TimeSecond(), '86399', `(TIME '00:00:00' + to_microseconds(CAST('86399000000' AS BIGINT)))`],
    [new TimeMicrosecond(), '1', `(TIME '00:00:00' + to_microseconds(CAST('1' AS BIGINT)))`],
    [new TimeNanosecond(), '3723000000009', `CAST('01:02:03.000000009' AS TIME_NS)`],
    [new DurationSecond(), '-3', `CAST('-3' AS BIGINT)`],
  ];
  it.each(cases)('%s %j', (type, stored, sql) => {
    expect(defaultLiteral(type, stored, 'c')).toBe(sql);
  });

  it.each([
    [new DateMillisecond(), '1'], [new Int64(), '1.5'], [new Int64(), true], [new TimeNanosecond(), '86400000000000'],
    [new TimestampSecond(), '9223372036854775807'],
  ] as [DataType, string | boolean][])('refuses what SQL cannot hold exactly: %s %j', (type, stored) => {
    expect(() => defaultLiteral(type, stored, 'c')).toThrow(InvalidOptionsError);
  });
});

describe('widened and typedNull', () => {
  it('casts only to the wider types a widening can reach, timezone-free', () => {
    expect(widened('"x"', new Int8())).toBe('"x"'); // no narrower int to widen from
    expect(widened('"x"', new Int32())).toBe('CAST("x" AS INTEGER)');
    expect(widened('"x"', new Float32())).toBe('"x"');
    expect(widened('"x"', new TimestampSecond('UTC'))).toBe(`(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(epoch_us("x")))`);
    expect(widened('"x"', new TimestampMicrosecond())).toBe('"x"'); // no date widens to µs
    expect(widened('"x"', new Utf8())).toBe('"x"');
  });
  it('types a NULL where DuckDB has a name for the type', () => {
    expect(typedNull(new DateDay())).toBe('CAST(NULL AS DATE)');
    expect(typedNull(new DurationSecond())).toBe('CAST(NULL AS BIGINT)');
  });
});
