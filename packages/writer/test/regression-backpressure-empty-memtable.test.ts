/**
 * Regression (issue 18, "Liveness: backpressure on a healthy store"): empty memtables
 * counted their preallocated capacity (key index, version links) as unflushed bytes, and
 * an empty memtable cannot be frozen to relieve it. So with `maxUnflushedBytes: 20_000`
 * the first 1-row put into an empty writer failed with `BackpressureError`, and with
 * `1 << 20`, once a 50,000-row batch was flushed (its successor preallocated for 50,000
 * keys), every later put failed forever.
 *
 * The examples use `backpressureGraceMs: 0`: a put that has to wait fails at once, so the
 * old behaviour fails immediately and the test needs no clock. The last test runs the
 * grace period on a standing-still `ManualClock`: a put resolves only through a flush.
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { ManualClock, stallDetector } from './support/manual-clock.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

/** ids → v of every row a scanner (with the writer's memtables, if given) returns. */
async function readIds(table: Awaited<ReturnType<typeof makeTable>>, writer?: ShardWriter): Promise<Map<bigint, number>> {
  const out = new Map<bigint, number>();
  for await (const b of new LsmScanner(table, { writers: writer ? [writer] : [] }).scan({ columns: ['id', 'v'] })) {
    for (let i = 0; i < b.numRows; i++) out.set(b.getChild('id')!.get(i) as bigint, b.getChild('v')!.get(i) as number);
  }
  return out;
}

describe('regression: backpressure counts held data, not empty capacity', () => {
  it('maxUnflushedBytes 20,000: the first 1-row put into an empty writer is accepted', async () => {
    const table = await makeTable(new MemoryStore());
    const w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 20_000, backpressureGraceMs: 0 });
    const empty = w.unflushedBytes;
    await w.put(rangeBatch(0, 1, 5)); // used to fail: the empty memtable's index capacity counted as 40,964 unflushed bytes
    expect(empty).toBe(0);
    expect(await readIds(table, w)).toEqual(new Map([[0n, 5]]));
    await w.close();
    expect(await readIds(table)).toEqual(new Map([[0n, 5]]));
  });

  it('maxUnflushedBytes 1 MiB: after a 50,000-row batch is flushed, later puts are accepted', async () => {
    const table = await makeTable(new MemoryStore());
    const w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 1 << 20, backpressureGraceMs: 0 });
    await w.put(rangeBatch(0, 50_000, 1)); // into an empty writer: accepted alone
    await w.flush();
    const empty = w.unflushedBytes;
    // used to fail, every one: the successor memtable preallocated for 50,000 keys (~2.2 MB) counted as unflushed
    for (let i = 0; i < 5; i++) await w.put(rangeBatch(100_000 + i, 100_001 + i, 2));
    expect(empty).toBe(0);
    const rows = await readIds(table, w);
    expect(rows.size).toBe(50_005);
    expect([rows.get(49_999n), rows.get(100_004n)]).toEqual([1, 2]);
    await w.close();
    expect((await readIds(table)).size).toBe(50_005);
  });

  it('a put over the limit waits only for the flush that catches up, then is accepted', async () => {
    const table = await makeTable(new MemoryStore());
    const clock = new ManualClock(); // stands still: the grace period never runs out
    let w: ShardWriter | undefined;
    clock.onSleep = stallDetector(() => w);
    w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 1 << 20, clock });
    await w.put(rangeBatch(0, 50_000, 1)); // into an empty writer: accepted alone, > 1 MiB held
    expect(w.unflushedBytes).toBeGreaterThan(1 << 20);
    await w.put(rangeBatch(50_000, 50_001, 2)); // waits: the active memtable is frozen and flushed first
    expect(clock.sleeps).toBeGreaterThan(0);
    expect(w.manifest.doc.flushed.map((f) => f.file.rows)).toEqual([50_000]); // the flush that caught up
    expect((await readIds(table, w)).size).toBe(50_001);
    await w.close();
  });
});
