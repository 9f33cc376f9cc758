/**
 * Regression (found while designing remote readers, issue 14): an open that crashed
 * while filling the positions below its fence left a hole in the WAL. The next open
 * fenced only above the tip it listed, so the hole stayed free: a zombie writer whose
 * next position it was could still create an entry there — acked to its caller, yet
 * below the new writer's listing, so that writer never replayed it and its flushes
 * moved `replayAfter` past it. The ack was lost. Now an open fills every hole in
 * `(replayAfter, tip]` before its fence, and the zombie's append fails.
 */
import { MemoryStore, encodeWalEntry, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal } from '../src/index.js';
import { WalAppender } from '../src/shard/wal.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

describe('a hole below the WAL tip left by a crashed open', () => {
  it('is filled by the next open, so a zombie can never ack an entry there', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const zombie = await ShardWriter.open(table, { shard: 0, autoFlush: false }); // epoch 1, fence at 7
    await zombie.put(rangeBatch(0, 10));
    const tip = (await listWal(store, 0, -1, '.ftw')).at(-1)!.position;
    // an opener of epoch 2 wrote its fence at tip + 8 and filled tip + 2 .. tip + 7, then died: tip + 1 is a hole
    const fence = encodeWalEntry({ kind: 'fence', shard: 0, epoch: 2, records: [] });
    for (let p = tip + 2; p <= tip + 8; p++) await store.putIfAbsent(layout.walEntry(0, p, '.ftw'), fence);
    await table.shardManifests(0).update({ build: (d) => ({ ...d, epoch: 2, note: 'crashed open' }), landed: () => false });

    const next = await ShardWriter.open(table, { shard: 0, autoFlush: false }); // epoch 3
    // the zombie's appender sits right below the hole: its next position is tip + 1
    const zombieWal = new WalAppender({ store, walSuffix: '.ftw' }, 0, 1, tip);
    const late = await zombieWal.append([{ generation: zombie.activeGeneration, batchIndex: 1, op: 'put', batch: rangeBatch(10, 20) }]).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'SHARD_FENCED' }); // never acked
    expect([...(await readShard(table, 0, next)).rows.keys()].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await next.close();
  });
});
