/**
 * Literals and keys outside a column's type, for bad-input.test.ts (issue 18, "Wrong
 * reads: literals and keys outside a column's type"). The rule (docs/decisions.md
 * "Keys"): a filter literal or lookup key is compared exactly, as mathematics says — a
 * bound beyond the key type's range prunes nothing or everything, a bound between two
 * representable values becomes the right inclusive/exclusive bound, and a key no value of
 * the type equals (out of range, a fraction on an integer column, 0.1 on float32) matches
 * nothing: it is never wrapped or rounded onto another key. A value of the wrong JS kind
 * (a string for an integer key, a number beyond ±2^53 for a 64-bit key, an Invalid Date)
 * is a typed error. Reads write nothing: the fixture's store stays byte-identical.
 *
 * The fixture's scanner (no writer) sees the flushed generation: ids 0..19 (Int64 key).
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner, col, type Filter } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Float32, Int32, Int64, RecordBatch, Schema, Struct, TimestampNanosecond, makeData, type DataType } from 'apache-arrow';
import path from 'node:path';
import { expect } from 'vitest';
import type { Fixture, InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown> | (() => unknown)) => (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);

async function ids(f: Fixture, filter: Filter): Promise<number[]> {
  const t = await new LsmScanner(f.table).scan({ filter, columns: ['id'] }).toTable();
  return Array.from({ length: t.numRows }, (_, i) => Number(t.getChild('id')!.get(i))).sort((a, b) => a - b);
}

/** A one-shard table keyed on `k` of `type` under the fixture's root, holding `keys` (flushed) — written before `mark()`. */
async function keyedOn(f: Fixture, name: string, type: DataType, keys: unknown[]): Promise<LsmScanner> {
  const schema = new Schema([new Field('k', type, false), new Field('v', new Int64(), true)]);
  const table = await Table.create(new LocalStore(path.join(f.dir, name)), { schema, primaryKey: ['k'] });
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  // typed arrays hold the raw stored values (vectorFromArray would take timestamps as milliseconds)
  const children = [
    makeData({ type: type as never, length: keys.length, nullCount: 0, data: new (type.ArrayType as new (v: unknown[]) => never)(keys) }),
    makeData({ type: new Int64(), length: keys.length, nullCount: 0, data: BigInt64Array.from(keys, (_, i) => BigInt(i)) }),
  ];
  await w.put(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: keys.length, nullCount: 0, children })));
  await w.close();
  return new LsmScanner(table);
}

export const LITERAL_INPUTS: InputCase[] = [
  { name: 'filter bounds beyond an int64 key\'s range prune nothing or everything', expected: 'rule', stored: 'unchanged',
    act: async (f) => {
      expect(await ids(f, col('id').lt(2n ** 63n))).toEqual(range(0, 20)); // was wrapped to -2^63: no row
      expect(await ids(f, col('id').gt(-(2n ** 63n) - 1n))).toEqual(range(0, 20));
      expect(await ids(f, col('id').ge(2n ** 64n + 3n))).toEqual([]); // was wrapped to 3
      expect(await ids(f, col('id').le(9.5))).toEqual(range(0, 10));
      expect(await ids(f, col('id').in([2n ** 64n + 4n, 5n]))).toEqual([5]);
      return undefined;
    } },
  { name: 'lookup keys an int64 key cannot hold match nothing', expected: 'rule', stored: 'unchanged',
    act: async (f) => {
      const s = new LsmScanner(f.table);
      expect(await s.containsPks([{ id: 2n ** 64n + 3n }, { id: 2n ** 63n }, { id: 1.5 }, { id: -Infinity }, { id: 3n }])).toEqual([false, false, false, false, true]);
      const got = await s.get([{ id: 2n ** 64n + 7n }, { id: 7 }]);
      expect(Array.from({ length: got.numRows }, (_, i) => got.getChild('id')!.get(i))).toEqual([7n]);
      return undefined;
    } },
  { name: 'int32 key: 2^32 + 1 is not key 1, lt(2^40) is every key', expected: 'rule',
    act: async (f) => {
      const s = await keyedOn(f, 'int32', new Int32(), [1, 2, 3, 4]);
      expect(await s.containsPks([{ k: 2 ** 32 + 1 }, { k: 1 }])).toEqual([false, true]);
      expect((await s.scan({ filter: col('k').lt(2 ** 40) }).toTable()).numRows).toBe(4);
      expect((await s.scan({ filter: col('k').gt(-(2 ** 40) + 1) }).toTable()).numRows).toBe(4);
      return undefined;
    } },
  { name: 'float32 key: gt(0.1) keeps the stored 0.1f; the key 0.1 (no float32) matches nothing', expected: 'rule',
    act: async (f) => {
      const s = await keyedOn(f, 'float32', new Float32(), [Math.fround(0.1), 1]);
      expect((await s.scan({ filter: col('k').gt(0.1) }).toTable()).numRows).toBe(2);
      expect(await s.containsPks([{ k: 0.1 }, { k: Math.fround(0.1) }])).toEqual([false, true]);
      return undefined;
    } },
  { name: 'timestamp[ns] key: an exact-millisecond Date finds its row', expected: 'rule',
    act: async (f) => {
      const ms = Date.UTC(2024, 4, 1, 0, 0, 0, 123);
      const s = await keyedOn(f, 'ts', new TimestampNanosecond(), [BigInt(ms) * 1_000_000n, BigInt(ms) * 1_000_000n + 1n]);
      expect((await s.scan({ filter: col('k').eq(new Date(ms)) }).toTable()).numRows).toBe(1);
      expect(await s.containsPks([{ k: new Date(ms) }])).toEqual([true]);
      return undefined;
    } },
  { name: 'lookup key of the wrong kind: a string for an int64 key', expected: { code: 'SCHEMA_MISMATCH', message: /key 0: "id" must be a bigint or an integral number/ },
    act: (f) => fail(new LsmScanner(f.table).containsPks([{ id: '3' }])) },
  { name: 'lookup key: a number beyond ±2^53 for an int64 key (it may already be rounded)', expected: { code: 'SCHEMA_MISMATCH', message: /key 0: "id" must be a bigint .*may already be rounded/ },
    act: (f) => fail(new LsmScanner(f.table).get([{ id: 2 ** 60 }])) },
  { name: 'filter literal of the wrong kind: a string for an int64 column', expected: { code: 'INVALID_OPTIONS', message: /column "id" is Int64: compare it with a bigint/ },
    act: (f) => fail(() => new LsmScanner(f.table).scan({ filter: col('id').gt('3') })) },
  { name: 'filter literal: an Invalid Date for a timestamp column', expected: { code: 'INVALID_OPTIONS', message: /compare it with a valid Date/ },
    act: async (f, mark) => {
      const s = await keyedOn(f, 'ts-bad', new TimestampNanosecond(), [1n]);
      await mark();
      return fail(() => s.scan({ filter: col('k').lt(new Date(Number.NaN)) }));
    } },
];
