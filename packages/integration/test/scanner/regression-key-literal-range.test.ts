/**
 * Regression (issue 18, "Wrong reads: literals and keys outside a column's
 * type"): key pruning put the filter literal into the key column's typed array,
 * which wrapped or rounded it, and lookups encoded keys the same way; Date
 * literals on timestamp columns went through float division and rounding.
 * Each table holds rows in a flushed generation (v 0, 1, …) and in the memtable
 * (v 1000, …), so pruning of files, key indexes and memtable rows is exercised.
 */
import { InvalidOptionsError, SchemaMismatchError } from '@freshtier/core';
import { DateDay, Float32, Float64, Int32, Int64, TimestampNanosecond, TimestampSecond, Uint32, Uint64, type DataType } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { and, col, type Filter } from '@freshtier/scanner';
import { keyedTable, valuesOf, type KeyedTable } from '../support/key-types.js';

async function vs(t: KeyedTable, filter: Filter): Promise<number[]> {
  return valuesOf(await t.scanner.scan({ filter }).toTable());
}

const two = (type: DataType, a: unknown[], b: unknown[]) => keyedTable(type, a, b);

describe('a bound beyond the key type prunes nothing or everything, as mathematics says', () => {
  it('int32: lt(2^40) is every row, not the rows below a wrapped 0', async () => {
    const t = await two(new Int32(), [1, 2], [3, 4]);
    expect(await vs(t, col('id').lt(2 ** 40))).toEqual([0, 1, 1000, 1001]);
    expect(await vs(t, col('id').gt(-(2 ** 40)))).toEqual([0, 1, 1000, 1001]);
    expect(await vs(t, col('id').ge(2 ** 40))).toEqual([]);
    expect(await vs(t, col('id').in([2 ** 32 + 1, 2 ** 32 + 3]))).toEqual([]); // wrap to 1 and 3
  });

  it('uint32: gt(-1) is every row, lt(-1) none', async () => {
    const t = await two(new Uint32(), [0, 1], [2 ** 32 - 1]);
    expect(await vs(t, col('id').gt(-1))).toEqual([0, 1, 1000]);
    expect(await vs(t, col('id').ge(-0.5))).toEqual([0, 1, 1000]);
    expect(await vs(t, col('id').lt(-1))).toEqual([]);
    expect(await vs(t, col('id').le(2 ** 32))).toEqual([0, 1, 1000]);
  });

  it('int64 and uint64: bigint bounds at and beyond 2^63 / 2^64', async () => {
    const t = await two(new Int64(), [1n, 2n], [2n ** 63n - 1n]);
    expect(await vs(t, col('id').lt(2n ** 63n))).toEqual([0, 1, 1000]);
    expect(await vs(t, col('id').gt(-(2n ** 63n) - 1n))).toEqual([0, 1, 1000]);
    expect(await vs(t, col('id').ge(2n ** 63n))).toEqual([]);
    const u = await two(new Uint64(), [0n, 1n], [2n ** 64n - 1n]);
    expect(await vs(u, col('id').lt(2n ** 64n))).toEqual([0, 1, 1000]);
    expect(await vs(u, col('id').gt(-1n))).toEqual([0, 1, 1000]);
    expect(await vs(u, col('id').eq(2n ** 64n))).toEqual([]); // not key 0
  });
});

describe('a bound between two representable values becomes the right inclusive/exclusive bound', () => {
  it('float32: gt(0.1) keeps the stored 0.1f, which is above 0.1; eq(0.1) matches no float32', async () => {
    const f = Math.fround(0.1);
    const t = await two(new Float32(), [f, 2], [-1]);
    expect(await vs(t, col('id').gt(0.1))).toEqual([0, 1]);
    expect(await vs(t, col('id').ge(0.1))).toEqual([0, 1]);
    expect(await vs(t, col('id').lt(0.1))).toEqual([1000]);
    expect(await vs(t, col('id').le(0.1))).toEqual([1000]);
    expect(await vs(t, col('id').eq(0.1))).toEqual([]);
    expect(await vs(t, col('id').eq(f))).toEqual([0]);
    expect(await vs(t, col('id').in([0.1, 2]))).toEqual([1]);
  });

  it('integer keys: fractional bounds round the right way, fractional equality matches nothing', async () => {
    const t = await two(new Int64(), [1n, 2n], [3n]);
    expect(await vs(t, col('id').gt(1.5))).toEqual([1, 1000]);
    expect(await vs(t, col('id').le(2.5))).toEqual([0, 1]);
    expect(await vs(t, col('id').eq(2.5))).toEqual([]);
    expect(await vs(t, and(col('id').gt(-0.5), col('id').lt(1.0000001)))).toEqual([0]);
  });

  it('a bigint literal on a float64 key is compared exactly, not through Number()', async () => {
    const t = await two(new Float64(), [2 ** 53], [2 ** 53 + 2]);
    expect(await vs(t, col('id').gt(2n ** 53n + 1n))).toEqual([1000]); // Number(2^53 + 1) is 2^53
    expect(await vs(t, col('id').eq(2n ** 53n + 1n))).toEqual([]);
    expect(await vs(t, col('id').eq(2n ** 53n))).toEqual([0]);
  });
});

describe('Date literals on timestamp and date columns are exact', () => {
  const ms = Date.UTC(2024, 4, 1, 0, 0, 0, 123);

  it('timestamp[ns]: equality with an exact-millisecond Date finds the row (no float division)', async () => {
    const ns = BigInt(ms) * 1_000_000n;
    const t = await two(new TimestampNanosecond(), [ns - 1n, ns], [ns + 1n]);
    expect(await vs(t, col('id').eq(new Date(ms)))).toEqual([1]);
    expect(await vs(t, col('id').in([new Date(ms)]))).toEqual([1]);
    expect(await vs(t, col('id').gt(new Date(ms)))).toEqual([1000]);
    expect(valuesOf(await t.scanner.get([{ id: new Date(ms) }]))).toEqual([1]);
  });

  it('timestamp[s]: sub-second bounds are not rounded', async () => {
    const t = await two(new TimestampSecond(), [1n, 2n], [3n]);
    expect(await vs(t, col('id').lt(new Date(1500)))).toEqual([0]);
    expect(await vs(t, col('id').le(new Date(1500)))).toEqual([0]);
    expect(await vs(t, col('id').gt(new Date(1500)))).toEqual([1, 1000]);
    expect(await vs(t, col('id').ge(new Date(1500)))).toEqual([1, 1000]);
    expect(await vs(t, col('id').eq(new Date(1500)))).toEqual([]);
    expect(await vs(t, col('id').lt(new Date(-500)))).toEqual([]);
    expect(await t.scanner.containsPks([{ id: new Date(2000) }, { id: new Date(2001) }])).toEqual([true, false]);
  });

  it('date32: a Date inside a day is between two days, before 1970 too', async () => {
    const day = 86_400_000;
    const t = await two(new DateDay(), [-1, 0], [1]);
    expect(await vs(t, col('id').gt(new Date(-day / 2)))).toEqual([1, 1000]);
    expect(await vs(t, col('id').le(new Date(-day / 2)))).toEqual([0]);
    expect(await vs(t, col('id').eq(new Date(-day)))).toEqual([0]);
    expect(await t.scanner.containsPks([{ id: new Date(-day / 2) }, { id: new Date(day) }])).toEqual([false, true]);
  });
});

describe('a lookup key the type cannot hold matches nothing', () => {
  it('get on an int32 key with 2^32 + 1 does not return the row with id 1', async () => {
    const t = await two(new Int32(), [1, 2], [3]);
    expect(valuesOf(await t.scanner.get([{ id: 2 ** 32 + 1 }, { id: 2 }, { id: 1.5 }]))).toEqual([1]);
    expect(await t.scanner.containsPks([{ id: 2 ** 32 + 1 }, { id: 2 ** 32 + 3 }, { id: 3 }, { id: 3n }])).toEqual([false, false, true, true]);
    const snap = await t.scanner.snapshot();
    expect(await snap.containsPks([{ id: 2 ** 32 + 1 }, { id: 1 }])).toEqual([false, true]);
    snap.release();
  });

  it('containsPks on a uint64 key with 2^64 does not answer for key 0', async () => {
    const t = await two(new Uint64(), [0n], [5n]);
    expect(await t.scanner.containsPks([{ id: 2n ** 64n }, { id: -1n }, { id: 0n }])).toEqual([false, false, true]);
  });

  it('containsPksAsOf and freshTierBlockList leave an impossible key out', async () => {
    const t = await two(new Int32(), [], [1, 3]);
    const result = t.scanner.scan();
    await result.toTable();
    const cuts = await result.cuts;
    expect(await t.scanner.containsPksAsOf([{ id: 2 ** 32 + 1 }, { id: 1 }], cuts)).toEqual([false, true]);
    expect(await t.scanner.freshTierBlockList([{ id: 2 ** 32 + 3 }, { id: 3 }], cuts)).toEqual([1]);
  });

  it('float32: 0.1 is no float32, so it finds nothing; Math.fround(0.1) finds the row', async () => {
    const t = await two(new Float32(), [Math.fround(0.1)], []);
    expect(await t.scanner.containsPks([{ id: 0.1 }, { id: Math.fround(0.1) }])).toEqual([false, true]);
  });
});

describe('a value of the wrong kind is still a typed error', () => {
  it('in filters: InvalidOptionsError naming the column and what to pass', async () => {
    const t = await two(new Int64(), [1n], []);
    expect(() => t.scanner.scan({ filter: col('id').eq('1') })).toThrow(InvalidOptionsError);
    expect(() => t.scanner.scan({ filter: col('id').lt(2 ** 60) })).toThrow(/column "id" is Int64: compare it with a bigint/);
    expect(() => t.scanner.scan({ filter: col('id').eq(new Date(0)) })).toThrow(InvalidOptionsError);
    const ts = await two(new TimestampSecond(), [1n], []);
    expect(() => ts.scanner.scan({ filter: col('id').eq(new Date(Number.NaN)) })).toThrow(/valid Date/);
  });

  it('in lookups: SchemaMismatchError naming the key', async () => {
    const t = await two(new Int32(), [1], []);
    await expect(t.scanner.get([{ id: '1' }])).rejects.toThrow(SchemaMismatchError);
    await expect(t.scanner.containsPks([{ id: new Date(1) }])).rejects.toThrow(/key 0: "id" must be a number or a bigint/);
    const u = await two(new Uint64(), [1n], []);
    await expect(u.scanner.containsPks([{ id: 2 ** 64 }])).rejects.toThrow(/a bigint/); // a number this large may already be rounded
  });
});
