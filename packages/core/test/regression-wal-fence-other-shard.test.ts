/**
 * Regression: `WalReplayer.apply` checked that an entry belongs to the replayed shard only
 * for data entries; a fence returned before the check. A fence of another shard (copied or
 * misplaced into this WAL) was then obeyed: its epoch made the acked entries after it
 * "never acked" (rule 5) and dropped them silently, its `repaired` flag excused a gap, and
 * one of a newer epoch fenced this shard's writer. Every entry — fences too — of another
 * shard is now a `CorruptEntryError` naming it.
 */
import { Field, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { WalEntry } from '../src/format/wal-codec.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { Table } from '../src/table/table.js';
import { WalReplayer } from '../src/wal/wal-replayer.js';

const schema = new Schema([new Field('id', new Int64(), false)]);
const ids = (...v: number[]) => new RecordBatch(schema, makeData({
  type: new Struct(schema.fields), length: v.length, nullCount: 0,
  children: [makeData({ type: new Int64(), length: v.length, data: BigInt64Array.from(v, BigInt) })],
}));

const fence = (shard: number, epoch: number, repaired = false): WalEntry => ({ kind: 'fence', shard, epoch, records: [], ...(repaired ? { repaired: true } : {}) });
const data = (epoch: number, batchIndex: number): WalEntry => ({ kind: 'data', shard: 0, epoch, records: [{ generation: 0, batchIndex, op: 'put', batch: ids(batchIndex) }] });

/** Replays `entries` into shard 0 as a writer of epoch 5 would; returns the error. */
async function replay(entries: WalEntry[]): Promise<unknown> {
  const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 2 });
  const replayer = new WalReplayer(table, 0, 5, () => false);
  try {
    entries.forEach((entry, position) => replayer.apply({ position, key: `shards/0/wal/${position}`, size: 1 }, entry));
  } catch (e) {
    return e;
  }
  return undefined;
}

const cases = [
  { name: 'a fence of an epoch above the acked entries after it (they would be skipped as never acked)', entries: [fence(0, 1), data(1, 0), fence(1, 3), data(1, 1)], at: 2 },
  { name: 'a repaired fence there (it would excuse the gap after it)', entries: [fence(0, 1), data(1, 0), fence(1, 3, true), data(1, 2)], at: 2 },
  { name: 'a fence of an epoch above the writer\'s (it would fence this shard\'s writer)', entries: [fence(0, 1), fence(1, 9)], at: 1 },
];

describe('regression: a fence of another shard in a WAL is damage', () => {
  it('the shard\'s own fences replay', async () => {
    expect(await replay([fence(0, 1), data(1, 0), fence(0, 2, true), data(1, 2)])).toBeUndefined();
  });

  it.each(cases)('$name', async ({ entries, at }) => {
    const error = await replay(entries);
    expect(error).toMatchObject({ code: 'CORRUPT_ENTRY', context: { path: `shards/0/wal/${at}`, detail: 'fence entry of shard 1 in the WAL of shard 0' } });
  });
});
