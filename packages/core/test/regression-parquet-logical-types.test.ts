/**
 * `date64`, `timestamp[s]` and `time32[s]` columns were written as bare Parquet integers
 * (no logical type), so DuckDB read them as BIGINT/INTEGER (issue 15). They are now stored
 * as `date32`, `timestamp[ms]` and `time32[ms]` — types with a Parquet logical type —
 * tagged `freshtier.arrow_type`, and read back as the type written, every value exact.
 * A column whose values do not convert exactly is stored as before. timestamp[ns, tz] is
 * stored as timestamp[ns] (DuckDB has no
 * nanosecond TIMESTAMPTZ). (The DuckDB side is
 * packages/integration/test/format/regression-parquet-logical-types.test.ts.)
 */
import { DateDay, DateMillisecond, Field, Int32, RecordBatch, Schema, Struct, TimeMillisecond, TimeSecond, Timestamp, TimeUnit, makeData, tableFromIPC, type DataType } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readParquetFile, writeParquetFile } from '../src/format/parquet-codec.js';
import { STORED_TYPE_KEY } from '../src/format/parquet-types.js';

const DAY = 86_400_000n;

/** One column of raw values (null = null), plus an int32 id column. */
function batchOf(type: DataType, values: (number | bigint | null)[], Arr: new (n: number) => { [i: number]: number | bigint }): RecordBatch {
  const schema = new Schema([new Field('id', new Int32(), false), new Field('v', type, true, new Map([['note', 'kept']]))]);
  const data = new Arr(values.length);
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) (data[i] = v), (bits[i >> 3] |= 1 << (i & 7));
  });
  const ids = makeData({ type: new Int32(), length: values.length, data: Int32Array.from(values, (_, i) => i) });
  const col = makeData({ type, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: bits, data } as never);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: values.length, nullCount: 0, children: [ids, col] }));
}

/** The stored column: its Arrow type inside the file (what other readers see) and the read-back column. */
function roundTrip(b: RecordBatch) {
  const bytes = writeParquetFile([b]);
  const back = readParquetFile(bytes, 'x.parquet');
  const field = back.schema.fields[1];
  const values = Array.from({ length: back.numRows }, (_, i) => (back.getChildAt(1)!.data[0].getValid(i) ? BigInt(back.getChildAt(1)!.data[0].values[i]) : null));
  return { field, values };
}

const CASES: [string, DataType, (number | bigint | null)[], new (n: number) => { [i: number]: number | bigint }][] = [
  ['date64 at midnights', new DateMillisecond(), [0n, -DAY * 719_162n, DAY * 2_932_896n, null, 19_000n * DAY], BigInt64Array],
  ['timestamp[s]', new Timestamp(TimeUnit.SECOND), [0n, -62_135_596_800n, 253_402_300_799n, null, 1n], BigInt64Array],
  ['timestamp[s, UTC]', new Timestamp(TimeUnit.SECOND, 'UTC'), [1_700_000_000n, null, -1n], BigInt64Array],
  ['timestamp[s, Europe/Paris]', new Timestamp(TimeUnit.SECOND, 'Europe/Paris'), [1_700_000_000n], BigInt64Array],
  ['time32[s]', new TimeSecond(), [0, 86_399, null, 12 * 3600], Int32Array],
];

describe('Parquet logical types for date64, timestamp[s], time32[s] (regression: stored as bare integers)', () => {
  it.each(CASES)('%s reads back as the type written, values exact, and the file holds a type with a logical type', (_, type, values, Arr) => {
    const bytes = writeParquetFile([batchOf(type, values, Arr)]);
    const { field, values: got } = roundTrip(batchOf(type, values, Arr));
    expect(String(field.type)).toBe(String(type));
    expect(field.metadata.get('note')).toBe('kept');
    expect(field.metadata.has(STORED_TYPE_KEY)).toBe(false);
    expect(got).toEqual(values.map((v) => (v === null ? null : BigInt(v))));
    // inside the file: the stand-in type, tagged (parquet-rs then writes DATE / TIMESTAMP(MILLIS) / TIME(MILLIS))
    const raw = rawArrowField(bytes);
    expect(raw).toMatchObject({ tagged: true });
    expect([new DateDay(), new Timestamp(TimeUnit.MILLISECOND, (type as Timestamp).timezone ?? null), new TimeMillisecond()].map(String)).toContain(raw.type);
  });

  it('a date64 value that is not a midnight is stored unconverted, exactly (the view refuses such a file)', () => {
    const values = [0n, DAY + 1n, null, -1n];
    const b = batchOf(new DateMillisecond(), values, BigInt64Array);
    const { field, values: got } = roundTrip(b);
    expect(String(field.type)).toBe('Date64<MILLISECOND>');
    expect(got).toEqual(values);
    expect(rawArrowField(writeParquetFile([b]))).toEqual({ type: 'Date64<MILLISECOND>', tagged: false });
  });

  it.each(['UTC', 'Europe/Paris', '+05:30'])('timestamp[ns, %s] is stored as timestamp[ns] without a zone (DuckDB: TIMESTAMP_NS, not µs TIMESTAMPTZ) and restored with it', (zone) => {
    const type = new Timestamp(TimeUnit.NANOSECOND, zone);
    const values = [1_700_000_000_123_456_789n, -1n, null, 2n ** 63n - 1n, -(2n ** 63n)];
    const b = batchOf(type, values, BigInt64Array);
    const { field, values: got } = roundTrip(b);
    expect(String(field.type)).toBe(String(type));
    expect(field.metadata.has(STORED_TYPE_KEY)).toBe(false);
    expect(got).toEqual(values);
    expect(rawArrowField(writeParquetFile([b]))).toEqual({ type: String(new Timestamp(TimeUnit.NANOSECOND)), tagged: true });
  });

  it('timestamp[ns] without a zone and timestamp[ms|us, tz] are stored as they are (DuckDB reads them exactly)', () => {
    for (const type of [new Timestamp(TimeUnit.NANOSECOND), new Timestamp(TimeUnit.MICROSECOND, 'UTC'), new Timestamp(TimeUnit.MILLISECOND, 'UTC')]) {
      expect(rawArrowField(writeParquetFile([batchOf(type, [1n, null], BigInt64Array)]))).toEqual({ type: String(type), tagged: false });
    }
  });

  it('a timestamp[s] beyond ±2^63 milliseconds is stored unconverted, exactly', () => {
    const values = [2n ** 62n, 0n];
    const { field, values: got } = roundTrip(batchOf(new Timestamp(TimeUnit.SECOND), values, BigInt64Array));
    expect(String(field.type)).toBe('Timestamp<SECOND>');
    expect(got).toEqual(values);
  });

  it('property: any timestamp[s] and whole-day date64 values round-trip exactly (seeded)', () => {
    const secs = fc.option(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), { nil: null });
    const days = fc.option(fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }).map((d) => d * DAY), { nil: null });
    fc.assert(fc.property(fc.array(secs, { minLength: 1, maxLength: 40 }), fc.array(days, { minLength: 1, maxLength: 40 }), (s, d) => {
      expect(roundTrip(batchOf(new Timestamp(TimeUnit.SECOND), s, BigInt64Array)).values).toEqual(s);
      expect(roundTrip(batchOf(new DateMillisecond(), d, BigInt64Array)).values).toEqual(d);
    }), { seed: 1515, numRuns: 60 });
  });
});

/** The Arrow type and tag of column `v` as stored in the file, read without restoring it. */
function rawArrowField(bytes: Uint8Array): { type: string; tagged: boolean } {
  // the embedded Arrow schema is what parquet-rs derived the Parquet types from
  const t = readParquetFileRaw(bytes);
  const f = t.schema.fields.find((x) => x.name === 'v')!;
  return { type: String(f.type), tagged: f.metadata.has(STORED_TYPE_KEY) };
}

function readParquetFileRaw(bytes: Uint8Array) {
  return tableFromIPC(pq.readParquet(bytes).intoIPCStream());
}
