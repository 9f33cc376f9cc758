/**
 * Scan mechanics over files the real writer and compaction wrote: streaming row group
 * by row group (bounded memory), limit, append-only tables, files without a key index,
 * several shards.
 */
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { agesById, rowsOf, user, usersBatch, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard, openWriter } from '../support/writers.js';

describe('streaming', () => {
  it('decodes one row group at a time and emits batches of about batchSize rows', async () => {
    const table = await usersTable();
    const writers = await Writers.open(table, 100);
    await writers.put(Array.from({ length: 2000 }, (_, i) => user(i, 1)));
    await writers.flushAll();
    await compactShard(table, 0, 100); // one base file, 20 row groups
    await writers.put(Array.from({ length: 10 }, (_, i) => user(i * 3, 2))); // fresh versions hide base rows
    const scanner = new LsmScanner(table, { writers: writers.byShard, batchSize: 250 });
    const it = scanner.scan()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value.numRows).toBeGreaterThanOrEqual(250);
    expect(scanner.stats.rowGroupsRead).toBeLessThanOrEqual(3); // not the whole file
    let rows = first.value.numRows;
    let max = first.value.numRows;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      rows += r.value.numRows;
      max = Math.max(max, r.value.numRows);
    }
    expect(rows).toBe(2000);
    expect(max).toBeLessThan(250 + 100);
    expect(scanner.stats.rowGroupsRead).toBe(20);
  });

  it('stops reading at the limit', async () => {
    const table = await usersTable();
    const writers = await Writers.open(table, 100);
    await writers.put(Array.from({ length: 2000 }, (_, i) => user(i, 1)));
    await writers.flushAll();
    const scanner = new LsmScanner(table, { batchSize: 50 });
    expect((await scanner.scan({ limit: 120 }).toTable()).numRows).toBe(120);
    expect(scanner.stats.rowGroupsRead).toBeLessThanOrEqual(2);
  });
});

describe('append-only tables', () => {
  it('return every row, with no dedup', async () => {
    const table = await usersTable({ appendOnly: true });
    const writer = await openWriter(table, 0);
    await writer.put(usersBatch([user(1, 1), user(1, 2)]));
    await writer.flush();
    await writer.put(usersBatch([user(1, 3)]));
    const t = await new LsmScanner(table, { writers: [writer] }).scan().toTable();
    expect(rowsOf(t).map((r) => r.age).sort()).toEqual([1, 2, 3]);
  });
});

describe('files without a key index', () => {
  it('are still deduplicated, by reading their key columns (counted as a data-file read)', async () => {
    const table = await usersTable();
    const writer = await openWriter(table, 0);
    await writer.put(usersBatch([user(1, 1), user(2, 1)]));
    await writer.flush();
    await writer.put(usersBatch([user(2, 2)]));
    await writer.delete(usersBatch([user(1)]));
    await writer.flush();
    const manifests = table.shardManifests(0);
    const { version, doc } = await manifests.latest();
    const flushed = doc.flushed.map((f) => ({ ...f, file: { ...f.file, keyIndexPath: undefined } }));
    await manifests.commit(version + 1, { ...doc, flushed, note: 'drop key index paths' });
    const scanner = new LsmScanner(table);
    expect(agesById(await scanner.scan().toTable())).toEqual(new Map([[2n, 2]]));
    scanner.resetStats();
    expect(await scanner.containsPks([{ id: 1 }, { id: 2 }])).toEqual([false, true]);
    expect(scanner.stats.keyIndexReads).toBe(0);
    expect(scanner.stats.dataFileReads).toBeGreaterThan(0);
  });
});

describe('several shards', () => {
  it('scan the union of every shard', async () => {
    const table = await usersTable({ shards: 4 });
    const writers = await Writers.open(table, 7);
    await writers.put(Array.from({ length: 100 }, (_, i) => user(i, 1)));
    await writers.flushAll();
    await writers.put(Array.from({ length: 50 }, (_, i) => user(i * 2, 2)));
    const got = agesById(await new LsmScanner(table, { writers: writers.byShard }).scan().toTable());
    expect(got.size).toBe(100);
    expect([...got].filter(([, v]) => v === 2)).toHaveLength(50);
  });
});
