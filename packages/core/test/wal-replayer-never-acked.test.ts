/**
 * `WalReplayer` rule 5: a data entry of an epoch below one already read was written after
 * its writer was fenced (it had several entries in flight; one position was taken by a
 * newer writer's fence or hole fill), so it was never acked and is skipped — not read as
 * damage, though it may miss the batches of the failed position. A `repaired` fence, which
 * `repair` writes with its own epoch among a live writer's entries, does not count.
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

type Step = ['data', epoch: number, generation: number, batchIndex: number] | ['fence', epoch: number] | ['repaired', epoch: number];

function entryOf(step: Step): WalEntry {
  if (step[0] !== 'data') return { kind: 'fence', shard: 0, epoch: step[1], records: [], ...(step[0] === 'repaired' ? { repaired: true } : {}) };
  const [, epoch, generation, batchIndex] = step;
  return { kind: 'data', shard: 0, epoch, records: [{ generation, batchIndex, op: 'put', batch: ids(100 * generation + batchIndex) }] };
}

const cases: { name: string; steps: Step[]; applied: string[] | 'corrupt'; neverAcked: number }[] = [
  { name: 'one writer, in order', steps: [['fence', 1], ['data', 1, 0, 0], ['data', 1, 0, 1]], applied: ['0:0', '0:1'], neverAcked: 0 },
  { name: 'a hole filled by the next open: what follows is skipped', steps: [['fence', 1], ['data', 1, 0, 0], ['fence', 2], ['data', 1, 0, 2], ['data', 1, 0, 3]], applied: ['0:0'], neverAcked: 2 },
  { name: 'zombie entries in the new fence block, then the new writer', steps: [['data', 1, 0, 0], ['fence', 2], ['data', 1, 0, 1], ['fence', 2], ['data', 2, 1, 0]], applied: ['0:0', '1:0'], neverAcked: 1 },
  { name: 'a zombie entry after the new writer\'s own data', steps: [['fence', 2], ['data', 2, 1, 0], ['data', 1, 0, 5]], applied: ['1:0'], neverAcked: 1 },
  { name: 'a repaired fence of a newer epoch does not fence the live writer', steps: [['fence', 1], ['data', 1, 0, 0], ['repaired', 3], ['data', 1, 0, 2]], applied: ['0:0', '0:1', '0:2'], neverAcked: 0 },
  { name: 'a gap without a newer entry before it is still damage', steps: [['fence', 1], ['data', 1, 0, 0], ['data', 1, 0, 2]], applied: 'corrupt', neverAcked: 0 },
];

describe('WalReplayer: entries written after their writer was fenced', () => {
  it.each(cases)('$name', async ({ steps, applied, neverAcked }) => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
    const replayer = new WalReplayer(table, 0, 5, () => false);
    const run = () => steps.forEach((s, position) => replayer.apply({ position, key: `shards/0/wal/${position}`, size: 1 }, entryOf(s)));
    if (applied === 'corrupt') {
      expect(run).toThrow(expect.objectContaining({ code: 'CORRUPT_ENTRY' }) as unknown as Error);
      return;
    }
    run();
    const got = replayer.generations().flatMap((g) => Array.from({ length: g.memtable.batchCount }, (_, i) => `${g.memtable.generation}:${i}`));
    expect(got).toEqual(applied);
    expect(replayer.entriesNeverAcked).toBe(neverAcked);
    expect(replayer.highestGeneration).toBe(Math.max(...steps.filter((s) => s[0] === 'data').map((s) => s[2] as number)));
  });
});
