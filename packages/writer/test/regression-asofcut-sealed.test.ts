/**
 * Regression (found by reliability/test/histories.test.ts): a scan that captured a
 * SEALED generation — frozen while a durable put reserved in it was still waiting
 * for its WAL write — returned a cut naming the newer active generation, i.e. "the
 * sealed one was read whole". The batch in flight is appended later, so
 * `containsPksAsOf(key, cut)` answered true for a key the scan never saw, and a
 * two-phase reader would drop the base row as superseded by a version it never read.
 *
 * In durable mode batches are appended in reservation order, so while an older
 * generation has batches in flight every newer one holds none: the cut must name the
 * newest captured generation holding a batch, bounded to what was captured.
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rowsBatch } from './support/fixtures.js';

describe('AsOfCut of a scan that captured a sealed generation', () => {
  it('does not count batches appended to it after the scan', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await writer.put(rowsBatch([1], 1)); // generation g, batch 0
    let release!: () => void;
    store.inject({ ops: 'putIfAbsent', key: '/wal/', mode: 'delay', until: new Promise<void>((r) => (release = r)), first: 1 });
    const inFlight = writer.put(rowsBatch([2], 2)); // reserved as (g, 1); its WAL write is held
    const g = writer.freeze()!; // g is sealed, g + 1 active
    const scanner = new LsmScanner(table, { writers: [writer] });
    const result = scanner.scan({ columns: ['id'] });
    const seen = (await result.toTable()).getChild('id')!.toArray();
    const cuts = await result.cuts;
    release();
    await inFlight;
    expect([...seen]).toEqual([1n]);
    expect(await scanner.containsPksAsOf([{ id: 1n }, { id: 2n }], cuts)).toEqual([true, false]);
    expect(cuts[0]).toMatchObject({ activeGeneration: g, activeBatchCount: 1 });
    await writer.flush(); // still exact once the generation is flushed
    expect(await scanner.containsPksAsOf([{ id: 1n }, { id: 2n }], cuts)).toEqual([true, false]);
  });
});
