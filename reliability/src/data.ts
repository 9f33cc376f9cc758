/**
 * Tables, batches and stores the reliability suite writes: `id` Int64 (the primary
 * key, absent on append-only tables), `v` Int64 (the sequence number of the
 * operation that wrote the row, so a read tells which write it sees) and `s` Utf8.
 * Plus: hashing every object of a store (to prove bad input changed nothing), temp
 * dirs, and a seeded PRNG so a failing run repeats from its seed.
 */
import { Table, encodeKeys, type ObjectStore } from '@freshtier/core';
import { Field, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('v', new Int64(), true),
  new Field('s', new Utf8(), true),
]);
export const keySchema = new Schema([schema.fields[0]]);

/** A keyed (on `id`) or append-only table. */
export function makeTable(store: ObjectStore, opts: { appendOnly?: boolean; shards?: number } = {}): Promise<Table> {
  return Table.create(store, { schema, primaryKey: opts.appendOnly ? [] : ['id'], shards: opts.shards ?? 1 });
}

/** Rows `ids`, each with `v = seq` and `s = "s<id>"`. */
export function rowsBatch(ids: readonly number[], seq: number): RecordBatch {
  const n = ids.length;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from(ids, (i) => BigInt(i)) }),
    makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from(ids, () => BigInt(seq)) }),
    vectorFromArray(ids.map((i) => `s${i}`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/** Rows with ids in `[lo, hi)`. */
export function rangeBatch(lo: number, hi: number, seq: number): RecordBatch {
  return rowsBatch(Array.from({ length: hi - lo }, (_, i) => lo + i), seq);
}

/** A key-only batch for `delete`. */
export function keysBatch(ids: readonly number[]): RecordBatch {
  const data = makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: BigInt64Array.from(ids, (i) => BigInt(i)) });
  return new RecordBatch(keySchema, makeData({ type: new Struct(keySchema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

/** The shard of each id on `table` (the writer rejects rows of other shards). */
export function shardsOfIds(table: Table, ids: readonly number[]): number[] {
  return [...table.shardsOf(encodeKeys(keysBatch(ids), ['id']))];
}

/** `count` fresh ids of `shard`, starting the search at `from`; returns them and where to search next. */
export function idsOfShard(table: Table, shard: number, from: number, count: number): { ids: number[]; next: number } {
  const ids: number[] = [];
  let id = from;
  while (ids.length < count) {
    const chunk = Array.from({ length: 64 }, (_, i) => id + i);
    shardsOfIds(table, chunk).forEach((s, i) => s === shard && ids.length < count && ids.push(chunk[i]));
    id += 64;
  }
  return { ids, next: id };
}

/** A row read back: `v` is the writing operation's sequence number. */
export interface ReadRow {
  id: number;
  v: number | null;
}

/** Plain rows of a batch. */
export function rowsOf(batch: RecordBatch): ReadRow[] {
  const ids = batch.getChild('id')!;
  const vs = batch.getChild('v')!;
  const out: ReadRow[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const v = vs.get(i) as bigint | null;
    out.push({ id: Number(ids.get(i) as bigint), v: v === null ? null : Number(v) });
  }
  return out;
}

/** sha256 of every object under the table root, by key. */
export async function hashObjects(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of await store.list('')) out.set(m.key, createHash('sha256').update(await store.get(m.key)).digest('hex'));
  return out;
}

/** What changed between two hash maps: objects removed or rewritten, and objects added. */
export function diffObjects(before: Map<string, string>, after: Map<string, string>): { changed: string[]; added: string[] } {
  const changed = [...before].filter(([k, h]) => after.get(k) !== h).map(([k]) => k);
  const added = [...after.keys()].filter((k) => !before.has(k));
  return { changed, added };
}

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'freshtier-rel-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same workload. */
export function prng(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

/** Quick mode by default; `FRESHTIER_LONG=1` multiplies the iteration counts. */
export const LONG = process.env.FRESHTIER_LONG === '1';
export function scaled(quick: number, long: number): number {
  return LONG ? long : quick;
}
