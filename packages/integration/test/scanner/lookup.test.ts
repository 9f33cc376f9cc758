/**
 * Point lookups and membership over base files, flushed generations and memtables of
 * the real writer and compaction: newest version wins, tombstones hide, and key indexes
 * keep data files that cannot hold a key unread.
 */
import { InvalidOptionsError, SchemaMismatchError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, RecordBatch, Schema, Field, Struct, Table as ArrowTable, makeData } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { idsBatch, rowsOf, user, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard } from '../support/writers.js';

/** 3 shards; base ids 0..599 (age 1); flushed: 100..199 → age 2, deletes 200..209; memtables: 300..309 → age 3, deletes 310..314, 700 new. */
async function layered() {
  const table = await usersTable({ shards: 3 });
  const writers = await Writers.open(table, 50);
  await writers.put(Array.from({ length: 600 }, (_, i) => user(i, 1)));
  await writers.flushAll();
  for (let s = 0; s < 3; s++) await compactShard(table, s, 50);
  await writers.put(Array.from({ length: 100 }, (_, i) => user(100 + i, 2)));
  await writers.delete(Array.from({ length: 10 }, (_, i) => BigInt(200 + i)));
  await writers.flushAll();
  await writers.put(Array.from({ length: 10 }, (_, i) => user(300 + i, 3)));
  writers.freezeAll();
  await writers.delete(Array.from({ length: 5 }, (_, i) => BigInt(310 + i)));
  await writers.put([user(700, 3)]);
  return { table, writers, scanner: new LsmScanner(table, { writers: writers.byShard }) };
}

describe('containsPks', () => {
  it('answers live-ness from key indexes without reading data files', async () => {
    const { scanner } = await layered();
    scanner.resetStats();
    const ids = [0, 150, 205, 305, 312, 700, 599, 600, 5000, -1];
    expect(await scanner.containsPks(ids.map((id) => ({ id })))).toEqual([true, true, false, true, false, true, true, false, false, false]);
    expect(scanner.stats.dataFileReads).toBe(0);
  });

  it('reads zero data files for 1,000 absent keys', async () => {
    const { scanner } = await layered();
    scanner.resetStats();
    const absent = Array.from({ length: 1000 }, (_, i) => BigInt(10_000 + i));
    expect((await scanner.containsPks(idsBatch(absent))).every((x) => !x)).toBe(true);
    expect(scanner.stats.dataFileReads).toBe(0);
    expect(scanner.stats.keyIndexReads).toBe(0); // outside every file's pkMin..pkMax
  });

  it('reads key indexes but zero data files for absent keys inside the files key ranges', async () => {
    const table = await usersTable();
    const writers = await Writers.open(table, 20);
    await writers.put(Array.from({ length: 300 }, (_, i) => user(2 * i)));
    await writers.flushAll();
    await compactShard(table, 0, 20);
    await writers.put(Array.from({ length: 100 }, (_, i) => user(4 * i, 2)));
    await writers.flushAll();
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const odd = idsBatch(Array.from({ length: 200 }, (_, i) => BigInt(2 * i + 1)));
    expect((await scanner.containsPks(odd)).some(Boolean)).toBe(false);
    expect(scanner.stats.keyIndexReads).toBe(2); // base + the flushed generation
    expect(scanner.stats.dataFileReads).toBe(0);
    expect((await scanner.get(odd)).numRows).toBe(0);
    expect(scanner.stats.dataFileReads).toBe(0);
  });
});

describe('get', () => {
  it('returns the newest live row per key, in the order asked, each key once', async () => {
    const { scanner } = await layered();
    const t = await scanner.get([{ id: 305 }, { id: 150n }, { id: 0 }, { id: 205 }, { id: 312 }, { id: 9999 }, { id: 150 }, { id: 700 }]);
    expect(t.numRows).toBe(4);
    const rows: [bigint, number][] = [];
    for (let r = 0; r < t.numRows; r++) rows.push([t.getChild('id')!.get(r), t.getChild('age')!.get(r)]);
    expect(rows).toEqual([[305n, 3], [150n, 2], [0n, 1], [700n, 3]]);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'age', 'score']);
  });

  it('reads only the data files and row groups holding the rows found', async () => {
    const { scanner } = await layered();
    scanner.resetStats();
    expect((await scanner.get([{ id: 305 }, { id: 700 }])).numRows).toBe(2); // memtables only
    expect(scanner.stats.dataFileReads).toBe(0);
    expect((await scanner.get(idsBatch([5000n, 205n, 312n]))).numRows).toBe(0); // absent or deleted
    expect(scanner.stats.dataFileReads).toBe(0);
    const t = await scanner.get(idsBatch([7n]), { columns: ['age'] });
    expect(rowsOf(t)).toEqual([{ age: 1 }]);
    expect(scanner.stats.dataFileReads).toBe(1);
    expect(scanner.stats.rowGroupsRead).toBe(1);
  });

  it('accepts a Table of keys and agrees with a scan', async () => {
    const { scanner } = await layered();
    const all = Array.from({ length: 720 }, (_, i) => BigInt(i));
    const t = await scanner.get(new ArrowTable([idsBatch(all.slice(0, 400)), idsBatch(all.slice(400))]));
    expect(rowsOf(t)).toEqual(rowsOf(await scanner.scan().toTable()));
  });
});

describe('bad keys', () => {
  it('says which key column is missing or mistyped', async () => {
    const { scanner } = await layered();
    await expect(scanner.get([{ ident: 1 }])).rejects.toThrow(SchemaMismatchError);
    await expect(scanner.get([{ ident: 1 }])).rejects.toThrow(/key 0 has no "id"/);
    await expect(scanner.containsPks([{ id: 'one' }])).rejects.toThrow(/"id" must be a bigint or an integral number/);
    await expect(scanner.containsPks([{ id: null }])).rejects.toThrow(/non-null/);
    const wrongType = new Schema([new Field('id', new Int32(), false)]);
    const batch = new RecordBatch(wrongType, makeData({ type: new Struct(wrongType.fields), length: 1, nullCount: 0, children: [makeData({ type: new Int32(), length: 1, data: Int32Array.of(1) })] }));
    await expect(scanner.containsPks(batch)).rejects.toThrow(/key column "id" has type Int32, the table has Int64/);
    await expect(scanner.containsPks(42 as never)).rejects.toThrow(InvalidOptionsError);
  });
});
