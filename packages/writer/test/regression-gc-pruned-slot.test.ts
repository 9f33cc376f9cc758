/**
 * Regression (issue 18, GC safe with any options): a commit is a put-if-absent of
 * version `head + 1`. A fenced writer still holds its old head; if GC pruned the
 * version after it (the new writer's claim), the fenced writer's next commit
 * re-created that version, "succeeded" below the shard's real history, and an
 * ingest was acked and lost. GC now keeps the first and the last version of each
 * epoch (gc-retention.ts, guards), so the fenced writer's commit conflicts, reloads
 * and fails with `ShardFencedError`; nothing is acked that is not in the table.
 *
 * Also here: files in directories named before epochs were part of the names are
 * never deleted while uncommitted, only reported as orphans.
 */
import { MemoryStore, isFreshtierError, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, gc } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { modelRows, tableRows } from './support/table-state.js';

const FAR_AHEAD = Date.now() + 10 * 365 * 24 * 3_600_000;
const open = (table: Parameters<typeof ShardWriter.open>[0]) => ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });

describe('gc and the version after a fenced writer\'s head', () => {
  it('a fenced writer\'s ingest fails after gc with olderThan 0: it never acks into a pruned version', async () => {
    const table = await makeTable(new MemoryStore());
    const model = new Map<number, number>();
    const old = await open(table);
    await old.put(rangeBatch(0, 10, 1));
    await old.flush();
    for (let id = 0; id < 10; id++) model.set(id, 1);
    const successor = await open(table); // claims the next epoch: `old` is fenced, and does not know it yet
    for (const v of [2, 3]) {
      await successor.put(rangeBatch(0, 10, v));
      await successor.flush();
      for (let id = 0; id < 10; id++) model.set(id, v);
    }
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD });
    expect(report.deleted.manifests.length).toBeGreaterThan(0); // versions were pruned…
    const claim = old.manifest.version + 1;
    expect(await table.store.head(layout.manifest(layout.shardManifests(0), claim))).toBeDefined(); // …not the claim after the fenced head
    const err = await old.ingest(rangeBatch(100, 110, 9)).then(() => undefined, (e: unknown) => e);
    expect(isFreshtierError(err, 'SHARD_FENCED'), String(err)).toBe(true);
    expect(await tableRows(table, [successor])).toEqual(modelRows(model));
    await successor.close();
    expect(await tableRows(table)).toEqual(modelRows(model));
    expect((await table.shardManifests(0).latest()).doc.epoch).toBe(successor.manifest.doc.epoch);
  });

  it('keeps uncommitted files of directories named without an epoch, and reports them as orphans', async () => {
    const table = await makeTable(new MemoryStore());
    const writer = await open(table);
    await writer.put(rangeBatch(0, 10, 1));
    await writer.flush();
    await writer.close();
    await open(table).then((w) => w.close()); // a newer epoch: files of older epochs could go, if the name said so
    const legacy = ['shards/0/gen-9-0badf00d/data.parquet', 'shards/0/ingest-01234567-89ab-cdef-0123-456789abcdef/data.keys.arrow'];
    for (const k of legacy) await table.store.put(k, new Uint8Array([1, 2, 3]));
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD });
    expect([...report.kept.orphans].sort()).toEqual([...legacy].sort());
    for (const k of legacy) expect(await table.store.head(k), k).toBeDefined();
  });
});
