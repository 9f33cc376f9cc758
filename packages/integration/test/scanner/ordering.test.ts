/**
 * Invariants 1–3 with the real writer: the read union in ascending generation, read-once
 * of a generation both flushed and in memory, frozen stays readable, active wins over
 * frozen. Reads run between a flush's steps (store hooks around its commit).
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { agesById, rowsOf, user, usersTable, usersBatch } from '../../../scanner/test/support/data.js';
import { FlushHookStore } from '../support/flush-hooks.js';
import { compactShard, openWriter, reversedSource } from '../support/writers.js';

async function setup() {
  const store = new FlushHookStore(new MemoryStore());
  const table = await usersTable({ store });
  const writer = await openWriter(table, 0);
  return { store, table, writer, scanner: new LsmScanner(table, { writers: [writer] }) };
}

describe('three-way ordering: written, frozen, rewritten in the new active memtable', () => {
  it('reads as the rewrite before, during and after the flush', async () => {
    const { store, writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 10), user(2, 20)]));
    writer.freeze();
    await writer.put(usersBatch([user(1, 11)]));
    const expected = new Map([[1n, 11], [2n, 20]]);
    expect(agesById(await scanner.scan().toTable())).toEqual(expected); // before: frozen + active

    const during: Map<bigint, number | null>[] = [];
    const check = async () => void during.push(agesById(await scanner.scan().toTable()));
    await store.flushWith(writer, { afterUpload: check, afterCommit: check }); // uploaded-not-committed; committed-but-still-in-memory
    expect(during).toEqual([expected, expected]);
    expect(agesById(await scanner.scan().toTable())).toEqual(expected); // after: flushed + active
  });

  it('reads a generation that is both flushed and in memory once', async () => {
    const { store, writer, scanner } = await setup();
    await writer.put(usersBatch([user(1), user(2), user(3)]));
    writer.freeze();
    let rows = -1;
    await store.flushWith(writer, { afterCommit: async () => void (rows = (await scanner.scan().toTable()).numRows) });
    expect(rows).toBe(3);
  });

  it('skips a memtable whose generation is already compacted into base (read once, from base)', async () => {
    const { store, table, writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 1), user(2, 1)]));
    writer.freeze();
    await writer.put(usersBatch([user(2, 2)]));
    let seen: Record<string, unknown>[] = [];
    let cutBase = -2;
    await store.flushWith(writer, {
      afterCommit: async () => { // both generations are committed and their memtables still held here
        await compactShard(table, 0);
        const result = scanner.scan();
        seen = rowsOf(await result.toTable());
        cutBase = (await result.cuts)[0].compactedThrough;
      },
    });
    expect(seen.map((r) => [r.id, r.age])).toEqual([[1n, 1], [2n, 2]]);
    expect(cutBase).toBe(writer.activeGeneration - 1);
  });

  it('reads sources in ascending generation even when a writer hands them out of order', async () => {
    const { table, writer } = await setup();
    await writer.put(usersBatch([user(1, 10)]));
    writer.freeze();
    await writer.put(usersBatch([user(1, 11)]));
    writer.freeze();
    await writer.put(usersBatch([user(1, 12), user(2, 5)]));
    const scanner = new LsmScanner(table, { writers: [reversedSource(writer)] });
    expect(agesById(await scanner.scan().toTable())).toEqual(new Map([[1n, 12], [2n, 5]]));
    await writer.flush();
    expect(agesById(await scanner.scan().toTable())).toEqual(new Map([[1n, 12], [2n, 5]]));
  });

  it('keeps a frozen memtable readable after a failed commit, and reads it once after the retry', async () => {
    const { store, writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 1), user(2, 2)]));
    writer.freeze();
    await expect(store.flushWith(writer, { failCommit: true })).rejects.toThrow(/injected/);
    expect(writer.status().frozenGenerations).toHaveLength(1);
    expect(agesById(await scanner.scan().toTable())).toEqual(new Map([[1n, 1], [2n, 2]]));
    await writer.flush();
    expect(rowsOf(await scanner.scan().toTable())).toHaveLength(2);
  });

  it('the newest row within one memtable wins, deletes hide older generations', async () => {
    const { writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 1), user(2, 2), user(3, 3)]));
    await writer.flush();
    await writer.put(usersBatch([user(2, 20), user(2, 21)]));
    await writer.delete(usersBatch([user(3)]));
    await writer.delete(usersBatch([user(1)]));
    await writer.put(usersBatch([user(1, 100)]));
    expect(agesById(await scanner.scan().toTable())).toEqual(new Map([[1n, 100], [2n, 21]]));
    writer.freeze();
    await writer.flush();
    const scanned = await new LsmScanner(scanner.table).scan().toTable(); // flushed only, no writer
    expect(agesById(scanned)).toEqual(new Map([[1n, 100], [2n, 21]]));
  });
});
