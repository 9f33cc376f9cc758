/**
 * Regression (second review of issue 17): a read checked only that a file's schema version was
 * known to the table's history, not that it lies on the line of changes that led to the
 * schema read. A generation of a version a rollback undid (here an Int64 widening, values of
 * 2^40), named by a shard manifest outside the excluded range, was projected onto the
 * restored Int32 column and failed with a SCHEMA_MISMATCH about converting a batch. Reads now
 * refuse such a file with CORRUPT_ENTRY naming it, before reading any row.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, rollback } from '../src/index.js';
import { batchFor } from './support/columns.js';
import { widenedAfterTag } from './support/widened-table.js';

describe('a shard manifest naming a file of an undone schema version', () => {
  it('is refused by reads with CORRUPT_ENTRY naming the file', async () => {
    const store = new MemoryStore();
    const { t0, t1 } = await widenedAfterTag(store);
    const w = await ShardWriter.open(t1, { shard: 0 });
    await w.put(batchFor(t1.schema, { id: [2n], n: [2n ** 40n] }));
    await w.close();
    const undone = (await t1.shardManifests(0).latest()).doc.flushed.at(-1)!;
    await rollback(t1, 'v0');
    // an edited (or damaged-and-replaced) shard manifest names the undone file again, above the excluded range
    const manifests = t0.shardManifests(0);
    const head = await manifests.latest();
    const generation = head.doc.nextGeneration;
    await manifests.commit(head.version + 1, { ...head.doc, nextGeneration: generation + 1, flushed: [...head.doc.flushed, { ...undone, generation }], note: 'edited' });

    const now = await Table.open(store);
    expect(now.schemaVersion).toBe(0);
    const e = await new LsmScanner(now).scan().toTable().then(() => undefined, (err: unknown) => err);
    expect(isFreshtierError(e, 'CORRUPT_ENTRY'), String(e)).toBe(true);
    expect((e as Error).message).toContain(undone.file.path);
    expect((e as Error).message).toMatch(/schema version 1, which a rollback undid/);
  });
});
