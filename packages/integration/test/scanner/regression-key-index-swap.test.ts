/**
 * Regression (found by a damage campaign): a valid key index of another data file, put at
 * a generation's index path (a swapped or misnamed object), passed every CRC and was used:
 * the scan returned fewer rows and brought back a deleted key, `get` returned other keys'
 * rows, `containsPks` answered wrongly. Nothing compared the index with the manifest entry
 * of the file it indexes. Now its key count must equal the entry's rows and its first and
 * last key the entry's pkMin / pkMax, on every path that uses an index (blocked lookups and
 * whole reads): each read fails with CorruptEntryError naming the index.
 */
import { CorruptEntryError, MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Int64, RecordBatch, Schema, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Utf8(), true)]);
const batch = (ids: number[], v: string) => new RecordBatch({ id: vectorFromArray(ids.map(BigInt), new Int64()).data[0], v: vectorFromArray(ids.map(() => v), new Utf8()).data[0] });

async function twoGenerations() {
  const store = new MemoryStore();
  const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
  const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
  await w.put(batch(Array.from({ length: 50 }, (_, i) => i), 'a'));
  await w.flush();
  await w.put(batch(Array.from({ length: 30 }, (_, i) => 10 + 2 * i), 'b'));
  await w.flush();
  await w.close();
  const [g1, g2] = (await table.shardManifests(0).latest()).doc.flushed;
  return { store, table, g1: g1.file, g2: g2.file };
}

describe('a key index of another file is refused (regression: used as this file\'s)', () => {
  it.each([['the older', 'g1'], ['the newer', 'g2']] as const)('in place of %s generation\'s index', async (_, which) => {
    const { store, table, g1, g2 } = await twoGenerations();
    const [victim, donor] = which === 'g1' ? [g1, g2] : [g2, g1];
    await store.put(victim.keyIndexPath!, await store.get(donor.keyIndexPath!));
    const reads: [string, (s: LsmScanner) => Promise<unknown>][] = [
      ['scan', (s) => s.scan().toTable()],
      ['containsPks', (s) => s.containsPks([{ id: 12n }, { id: 3n }])],
      ['get', (s) => s.get([{ id: 12n }, { id: 3n }])],
    ];
    for (const [what, read] of reads) {
      const e = await read(new LsmScanner(table)).then(() => undefined, (x: unknown) => x);
      expect(e, what).toBeInstanceOf(CorruptEntryError);
      expect((e as CorruptEntryError).message, what).toContain(victim.keyIndexPath!);
    }
  });

  it('an intact table reads as before', async () => {
    const { table } = await twoGenerations();
    const s = new LsmScanner(table);
    expect((await s.scan().toTable()).numRows).toBe(50 + 10);
    expect(await s.containsPks([{ id: 12n }, { id: 3n }, { id: 500n }])).toEqual([true, true, false]);
  });
});
