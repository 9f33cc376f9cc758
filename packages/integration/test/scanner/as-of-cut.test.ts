/**
 * Invariant 10: `containsPksAsOf` answers as the scan saw the fresh tier, and
 * stays exact after the active generation is frozen, flushed and compacted — by the
 * real writer and compaction.
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner, type AsOfCut } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { idsBatch, shardOfIds, user, usersBatch, usersTable } from '../../../scanner/test/support/data.js';
import { FlushHookStore } from '../support/flush-hooks.js';
import { Writers, compactShard, openWriter } from '../support/writers.js';

const ids = [1, 2, 3, 4, 5, 6, 7];

describe('AsOfCut exactness', () => {
  it('holds through freeze, flush and compaction', async () => {
    const store = new FlushHookStore(new MemoryStore());
    const table = await usersTable({ store });
    const writer = await openWriter(table, 0);
    const scanner = new LsmScanner(table, { writers: [writer] });
    await writer.put(usersBatch([user(1), user(2)])); // batch 0
    await writer.delete(idsBatch([6])); // batch 1: a tombstone is a version too
    const result = scanner.scan();
    const cuts = await result.cuts;
    expect(cuts).toEqual([{ shard: 0, compactedThrough: -1, activeGeneration: writer.activeGeneration, activeBatchCount: 2 }]);
    await writer.put(usersBatch([user(4), user(1, 99)])); // after the cut: 4 is new, 1 is a rewrite
    const expected = [true, true, false, false, false, true, false];
    const check = async (cut: readonly AsOfCut[] = cuts) => expect(await scanner.containsPksAsOf(ids.map((id) => ({ id })), cut)).toEqual(expected);

    await check(); // active
    writer.freeze();
    await writer.put(usersBatch([user(5)])); // next generation: excluded
    await check(); // frozen
    await store.flushWith(writer, { afterUpload: () => check(), afterCommit: () => check() }); // flushes both generations
    await check(); // flushed (the key index keeps each key's first batch)
    await compactShard(table, 0);
    await check(); // compacted: the shard manifest still lists the generation
    expect(await scanner.freshTierBlockList(idsBatch([1, 2, 3, 4]), cuts)).toEqual([0, 1]);

    await writer.put(usersBatch([user(5, 50)])); // a fresh write after the compaction
    const after = await scanner.scan().cuts; // reads 1, 2, 4 from base now
    expect(after[0].compactedThrough).toBe(writer.activeGeneration - 1);
    expect(await scanner.containsPksAsOf(ids.map((id) => ({ id })), after)).toEqual([false, false, false, false, true, false, false]);
    expect(await scanner.freshTierBlockList(idsBatch([1, 2, 3, 4]), after)).toEqual([]);
  });

  it('without a writer, the cut ends at the newest flushed generation read', async () => {
    const table = await usersTable();
    const writer = await openWriter(table, 0);
    await writer.put(usersBatch([user(1)]));
    await writer.flush();
    const scanner = new LsmScanner(table); // sees flushed generations only
    await writer.put(usersBatch([user(2)])); // in the writer's memory: not seen by the scan
    const cuts = await scanner.scan().cuts;
    expect(cuts[0]).toMatchObject({ activeGeneration: writer.activeGeneration, activeBatchCount: 0 });
    await writer.flush();
    expect(await scanner.containsPksAsOf([{ id: 1 }, { id: 2 }], cuts)).toEqual([true, false]);
  });

  it('routes keys to their shard cut, and only under-reports for a generation that left memory unflushed', async () => {
    const table = await usersTable({ shards: 2 });
    const writers = await Writers.open(table);
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const some = Array.from({ length: 20 }, (_, i) => i);
    await writers.put(some.map((i) => user(i)));
    const cuts = await scanner.scan().cuts;
    expect(new Set(shardOfIds(table, some)).size).toBe(2);
    expect((await scanner.containsPksAsOf(idsBatch(some), cuts)).every(Boolean)).toBe(true);
    const amnesiac = new LsmScanner(table); // the writer's memory is gone and nothing was flushed
    expect((await amnesiac.containsPksAsOf(idsBatch(some), cuts)).some(Boolean)).toBe(false);
  });
});
