/**
 * Default values of added columns (schema-default.ts): every supported type round-trips
 * value → stored text → column of copies exactly (int64 extremes, -0, NaN, ±Infinity, the
 * float widths' edges, non-ASCII text); a value the type does not hold exactly is refused
 * with `SchemaChangeRefusedError`; a damaged stored form is a `CorruptEntryError`.
 */
import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, DurationMicrosecond, Field, Float16, Float32, Float64, Int8, Int16, Int32, Int64, LargeUtf8, List,
  TimeMicrosecond, TimeSecond, TimestampMillisecond, TimestampNanosecond, Uint8, Uint64, Utf8, makeVector, util, type Data, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFreshtierError } from '../src/errors.js';
import { decodeDefault, defaultData, encodeDefault, type DefaultValue } from '../src/schema/schema-default.js';

const SEED = Number(process.env.FRESHTIER_SEED ?? 1717);
const raw = (d: Data) => Array.from(d.values as ArrayLike<number | bigint>).slice(0, d.length);
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!isFreshtierError(e)) throw e;
    return e.code;
  }
};

/** [type, value given, stored form, raw typed-array value of each row] */
const ROUND_TRIPS: [string, DataType, DefaultValue, string | boolean, number | bigint | undefined][] = [
  ['int8 min', new Int8(), -128, '-128', -128], ['int8 max', new Int8(), 127n, '127', 127], ['int16', new Int16(), -32768, '-32768', -32768],
  ['int32', new Int32(), 2 ** 31 - 1, '2147483647', 2 ** 31 - 1], ['int64 min', new Int64(), -(2n ** 63n), '-9223372036854775808', -(2n ** 63n)],
  ['int64 max', new Int64(), 2n ** 63n - 1n, '9223372036854775807', 2n ** 63n - 1n], ['int64 from -0', new Int64(), -0, '0', 0n],
  ['uint8', new Uint8(), 255, '255', 255], ['uint64 max', new Uint64(), 2n ** 64n - 1n, '18446744073709551615', 2n ** 64n - 1n],
  ['int64 2^53+1 as bigint', new Int64(), 2n ** 53n + 1n, '9007199254740993', 2n ** 53n + 1n],
  ['date32 (days)', new DateDay(), -12, '-12', -12], ['date64 (ms)', new DateMillisecond(), 86_400_000n, '86400000', 86_400_000n],
  ['timestamp[ns] beyond 2^53', new TimestampNanosecond(), 1_714_521_600_123_456_789n, '1714521600123456789', 1_714_521_600_123_456_789n],
  ['timestamp[ms, UTC]', new TimestampMillisecond('UTC'), -1, '-1', -1n], ['time32[s]', new TimeSecond(), 86_399, '86399', 86_399],
  ['time64[us]', new TimeMicrosecond(), 5n, '5', 5n], ['duration[us]', new DurationMicrosecond(), -(2n ** 63n), '-9223372036854775808', -(2n ** 63n)],
  ['float64 0.1', new Float64(), 0.1, '0.1', 0.1], ['float64 -0', new Float64(), -0, '-0', -0], ['float64 NaN', new Float64(), NaN, 'NaN', NaN],
  ['float64 -Infinity', new Float64(), -Infinity, '-Infinity', -Infinity], ['float64 denormal', new Float64(), 5e-324, '5e-324', 5e-324],
  ['float64 1e21', new Float64(), 1e21, '1e+21', 1e21], ['float32 0.5', new Float32(), 0.5, '0.5', 0.5], ['float32 -0', new Float32(), -0, '-0', -0],
  ['float32 max', new Float32(), 3.4028234663852886e38, '3.4028234663852886e+38', 3.4028234663852886e38], ['float32 Infinity', new Float32(), Infinity, 'Infinity', Infinity],
  ['float16 65504', new Float16(), 65504, '65504', util.float64ToUint16(65504)], ['float16 -0', new Float16(), -0, '-0', util.float64ToUint16(-0)],
  ['float16 NaN', new Float16(), NaN, 'NaN', undefined],
  ['utf8', new Utf8(), 'é😀 x', 'é😀 x', undefined], ['utf8 empty', new Utf8(), '', '', undefined], ['large_utf8', new LargeUtf8(), 'ab', 'ab', undefined],
  ['bool true', new Bool(), true, true, undefined], ['bool false', new Bool(), false, false, undefined],
];

describe('round trip: value → stored form → a column of copies', () => {
  it.each(ROUND_TRIPS)('%s', (_name, type, value, stored, rawValue) => {
    expect(encodeDefault(type, value, 'c')).toBe(stored);
    const back = decodeDefault(type, stored);
    const want = typeof back === 'bigint' ? BigInt(value as number | bigint) : value; // integer kinds decode to the stored bigint
    expect(Object.is(back, want), String(back)).toBe(true);
    const data = defaultData(type, stored, 5);
    expect([String(data.type), data.length, data.nullCount]).toEqual([String(type), 5, 0]);
    if (rawValue !== undefined) raw(data).forEach((v) => expect(Object.is(v, rawValue), String(v)).toBe(true));
    const read = [...makeVector(data)].map((v) => (v instanceof Date ? v.getTime() : v));
    if (typeof value === 'string' || typeof value === 'boolean') expect(read).toEqual(Array(5).fill(value));
    if (Number.isNaN(value)) read.forEach((v) => expect(Number.isNaN(v)).toBe(true));
  });

  it('a column of length 0 and one of 1000 strings', () => {
    expect(defaultData(new Int64(), '7', 0).length).toBe(0);
    expect([...makeVector(defaultData(new Utf8(), 'ab', 1000))].every((v) => v === 'ab')).toBe(true);
    expect([...makeVector(defaultData(new Bool(), true, 13))]).toEqual(Array(13).fill(true));
  });
});

describe('refused: a value the type does not hold exactly, or a type without defaults', () => {
  const REFUSED: [string, DataType, DefaultValue, RegExp][] = [
    ['float32 0.1 (not representable)', new Float32(), 0.1, /0\.1 is not a value of Float32/],
    ['float16 65505', new Float16(), 65505, /not a value of Float16/],
    ['float32 16777217', new Float32(), 16_777_217, /not a value of Float32/],
    ['int64 2^53+1 as a number', new Int64(), 2 ** 53 + 1, /not an integer.*safe integer.*bigint/],
    ['int32 1.5', new Int32(), 1.5, /not an integer/], ['int8 128', new Int8(), 128, /outside the range of Int8/],
    ['uint8 -1', new Uint8(), -1, /outside the range of Uint8/], ['int64 2^63', new Int64(), 2n ** 63n, /outside the range of Int64/],
    ['uint64 2^64', new Uint64(), 2n ** 64n, /outside/], ['date32 2^31', new DateDay(), 2 ** 31, /outside the range/],
    ['int32 from a string', new Int32(), '5', /"5" is not an integer/], ['float64 from a bigint', new Float64(), 1n, /not a number/],
    ['utf8 from a number', new Utf8(), 5, /not a string/], ['utf8 lone surrogate', new Utf8(), 'a\ud800', /lone surrogate/],
    ['bool from 1', new Bool(), 1, /not a boolean/], ['decimal', new Decimal(2, 10, 128), 1, /takes no default/],
    ['binary', new Binary(), 'x', /takes no default/], ['list', new List(new Field('item', new Int32(), true)), 1, /takes no default/],
  ];
  it.each(REFUSED)('%s', (_name, type, value, message) => {
    let err: unknown;
    try {
      encodeDefault(type, value, 'c');
    } catch (e) {
      err = e;
    }
    expect(isFreshtierError(err, 'SCHEMA_CHANGE_REFUSED')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/add-column c.*the table was not changed/);
  });
});

describe('a damaged stored form is CorruptEntryError, never a misread value', () => {
  const DAMAGED: [string, DataType, string | boolean][] = [
    ['leading zero', new Int32(), '012'], ['plus sign', new Int32(), '+1'], ['hex', new Int64(), '0x10'], ['space', new Int64(), ' 1'], ['empty', new Int64(), ''],
    ['out of int8', new Int8(), '128'], ['"-0" for an integer', new Int32(), '-0'], ['boolean for an integer', new Int64(), true], ['fraction for an integer', new Int64(), '1.5'],
    ['non-canonical float', new Float64(), '1.50'], ['float "nan"', new Float64(), 'nan'], ['float32 0.1', new Float32(), '0.1'], ['empty float', new Float64(), ''],
    ['number for bool', new Bool(), 'true'], ['bool for utf8', new Utf8(), false], ['lone surrogate', new Utf8(), '\udc00'], ['type without defaults', new Binary(), 'x'],
  ];
  it.each(DAMAGED)('%s', (_name, type, stored) => {
    expect(codeOf(() => defaultData(type, stored, 3))).toBe('CORRUPT_ENTRY');
    expect(codeOf(() => decodeDefault(type, stored))).toBe('CORRUPT_ENTRY');
  });
});

describe('property: random values round-trip exactly (seeded)', () => {
  it('int64 bigints, doubles and float32 values; every double as float32 is taken iff Math.fround keeps it', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double(), (n, x) => {
      expect(raw(defaultData(new Int64(), encodeDefault(new Int64(), n, 'c') as string, 2))).toEqual([n, n]);
      const back = raw(defaultData(new Float64(), encodeDefault(new Float64(), x, 'c') as string, 1))[0];
      expect(Object.is(back, x)).toBe(true);
      const taken = codeOf(() => encodeDefault(new Float32(), x, 'c')) === undefined;
      expect(taken).toBe(Number.isNaN(x) || Math.fround(x) === x);
      if (taken) expect(Object.is(raw(defaultData(new Float32(), encodeDefault(new Float32(), x, 'c'), 1))[0], x)).toBe(true);
    }), { seed: SEED, numRuns: 1000 });
  });
});
