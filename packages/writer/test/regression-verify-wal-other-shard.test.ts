/**
 * Regression: replay refuses a WAL entry of another shard (`WalReplayer` rule 0), so a
 * writer's open and a tail read failed with CORRUPT_ENTRY and told the user to run
 * `verify` and `repair` — but `verify` only decoded each entry (its checksum, its records),
 * found it intact and said ok, and `repair --apply` found nothing to do: the shard could
 * not be opened and nothing offered a way out. `verify` and `repair` now check a WAL entry
 * by the replayer's own shard rule: `verify` names the entry, `repair` sets it aside, and
 * the writer opens again.
 */
import { MemoryStore, decodeWalEntry, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, repair, splitByShard, verify } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

const batches = [rangeBatch(0, 40, 1), rangeBatch(40, 80, 1)];

/** Two shards, each with its open's fences and two acked, unflushed data entries (one per batch). */
async function twoShards(): Promise<{ store: MemoryStore; table: Table; shard0: number[][] }> {
  const store = new MemoryStore();
  const table = await makeTable(store, { shards: 2 });
  const split = batches.map((b) => splitByShard(table, b));
  for (const shard of [0, 1]) {
    const w = await ShardWriter.open(table, { shard, autoFlush: false });
    for (const parts of split) await w.put(parts.get(shard)!);
    // abandoned, as after a crash: the entries stay in the WAL
  }
  const shard0 = split.map((parts) => [...parts.get(0)!.getChild('id')!].map(Number).sort((a, b) => a - b));
  return { store, table, shard0 };
}

async function ids(table: Table, writer: ShardWriter): Promise<number[]> {
  const t = await new LsmScanner(table, { writers: [writer] }).scan({ columns: ['id'] }).toTable();
  return [...t.getChild('id')!].map(Number).sort((a, b) => a - b);
}

describe('regression: verify and repair apply the replayer\'s shard rule to WAL entries', () => {
  it.each([
    { kind: 'data', last: true, lostBatch: 1 }, // the second put's entry
    { kind: 'fence', last: false, lostBatch: -1 }, // the first fence of the writer's open
  ])('a $kind entry of shard 1 in the WAL of shard 0 is reported, set aside, and the writer opens again', async ({ kind, last, lostBatch }) => {
    const { store, table, shard0 } = await twoShards();
    const survivors = shard0.filter((_, b) => b !== lostBatch).flat().sort((a, b) => a - b);
    const own = await listWal(store, 0, -1, table.walSuffix);
    const foreign = await listWal(store, 1, -1, table.walSuffix);
    expect(foreign.length).toBe(own.length); // the same fence block and entries in both WALs
    const index = last ? own.length - 1 : 0;
    const key = own[index].key;
    const copied = await store.get(foreign[index].key);
    expect(decodeWalEntry(copied, foreign[index].key)).toMatchObject({ kind, shard: 1 });
    await store.put(key, copied);
    const detail = `${kind} entry of shard 1 in the WAL of shard 0`;
    await expect(ShardWriter.open(table, { shard: 0, autoFlush: false })).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', context: { path: key, detail } });

    const report = await verify(table);
    expect(report.ok).toBe(false);
    expect(report.damaged).toEqual([expect.objectContaining({ path: key, kind: 'wal-entry', shard: 0, code: 'CORRUPT_ENTRY', error: expect.stringContaining(detail) })]);

    const repaired = await repair(table, { apply: true });
    expect(repaired.actions.map((a) => [a.path, a.action, a.applied])).toEqual([[key, 'set-aside-wal-entry', true]]);
    expect(repaired.remaining).toEqual([]);
    expect(await store.list(`shards/0/wal-quarantine/`)).toHaveLength(1);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    expect(await ids(table, w)).toEqual(survivors);
    await w.close();
  });
});
