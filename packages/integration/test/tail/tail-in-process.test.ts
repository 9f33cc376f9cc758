/**
 * A remote reader (`LsmScanner` with `tail: true`, invariant 15) in the same process
 * as the writer but given no writer: it sees acked rows only through the WAL. Every
 * read refreshes; a refresh reads only new entries; a commit drops what it made
 * durable; a cut it takes gives the same `freshTierBlockList` in another tailing reader,
 * also after a flush and a compaction in between.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact, splitByShard } from '@freshtier/writer';
import { describe, expect, it } from 'vitest';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';

const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), true)]);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);

function rows(ids: number[], v = 0): RecordBatch {
  const children = [
    makeData({ type: new Int64(), length: ids.length, data: BigInt64Array.from(ids, BigInt) }),
    makeData({ type: new Int32(), length: ids.length, data: Int32Array.from(ids, () => v) }),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

async function ids(scanner: LsmScanner): Promise<number[]> {
  const t = await scanner.scan({ columns: ['id'] }).toTable();
  return [...t.getChild('id')!].map(Number).sort((a, b) => a - b);
}

describe('a tailing reader in the writer process, given no writer', () => {
  it('sees every acked row, reads only new entries per refresh, and drops what a flush made durable', async () => {
    const store = new MemoryStore();
    const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    const reader = new LsmScanner(await Table.open(store), { tail: true });
    for (let i = 0; i < 5; i++) await writer.put(rows(range(i * 10, i * 10 + 10)));
    expect(await ids(reader)).toEqual(range(0, 50));
    expect(await ids(new LsmScanner(table))).toEqual([]); // a committed-only reader sees nothing yet
    await writer.put(rows(range(50, 53)));
    const [r] = await reader.refresh();
    expect(r).toMatchObject({ entriesRead: 1, lists: 1 });
    expect(await ids(reader)).toEqual(range(0, 53));
    await writer.flush();
    const [after] = await reader.refresh();
    expect(after.generationsDropped).toBe(1);
    expect(await ids(reader)).toEqual(range(0, 53));
    await writer.put(rows([7], 9)); // an update after the flush
    expect((await reader.get([{ id: 7n }])).getChild('v')!.get(0)).toBe(9);
    expect(await reader.containsPks([{ id: 52n }, { id: 99n }])).toEqual([true, false]);
    await writer.close();
  });

  it('gives the same freshTierBlockList for its cut in another reader, after a flush and a compaction', async () => {
    const store = new MemoryStore();
    const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 2 });
    const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, autoFlush: false })));
    const put = async (batch: RecordBatch) => {
      for (const [shard, part] of splitByShard(table, batch)) await writers[shard].put(part);
    };
    await put(rows(range(0, 40)));
    for (const w of writers) await w.flush();
    for (const s of [0, 1]) await compact(table, { shard: s });
    await put(rows(range(30, 60), 1)); // supersedes base rows 30..39
    const phase1 = new LsmScanner(await Table.open(store), { tail: true });
    const result = phase1.scan();
    const cuts = JSON.parse(JSON.stringify(await result.cuts)); // as it would travel between processes
    await result.toTable();
    const keys = range(0, 70).map((id) => ({ id: BigInt(id) }));
    const arm = await phase1.freshTierBlockList(keys, cuts);
    expect(arm).toEqual(range(30, 60));
    await put(rows([0, 65], 2)); // after the cut: must not enter the block list
    for (const w of writers) await w.flush();
    for (const s of [0, 1]) await compact(table, { shard: s });
    const phase2 = new LsmScanner(await Table.open(store), { tail: true });
    expect(await phase2.freshTierBlockList(keys, cuts)).toEqual(arm);
    for (const w of writers) await w.close();
  });
});
