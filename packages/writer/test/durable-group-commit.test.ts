/**
 * Story: durable group commit (DESIGN.md invariant 5). Concurrent durable puts
 * share WAL entries, one write in flight at a time; each put resolves only after
 * the entry holding its batch was persisted, and its rows are invisible to
 * readers until then (a reader never sees a row a crash could lose).
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, readWalEntry } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { holdCall } from './support/hold.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

describe('durable group commit', () => {
  it('10 concurrent puts share entries; each is acked only after its entry exists', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0 });
    const firstEntry = holdCall(store, 'putIfAbsent', /\/wal\//); // the first WAL write of the puts waits for the test
    const walBefore = (await listWal(store, 0, -1, '.ftw')).length;
    const openCalls = store.calls.length; // the open's fence writes fill skipped positions in parallel: not puts
    const walDone = () => store.calls.slice(openCalls).filter((c) => c.op === 'putIfAbsent' && c.key.includes('/wal/') && c.outcome === 'ok');
    const ackedAt = new Map<number, { tick: number; visible: boolean }>();
    const puts = Array.from({ length: 10 }, (_, i) => w.put(rangeBatch(i * 10, i * 10 + 10, i)).then(() => {
      const visible = w.inMemoryMemtableRefs().refs.some((r) => Array.from({ length: r.batchCount }, (_, b) => r.memtable.batch(b).batch).some((b) => Number(b.getChild('id')!.get(0)) === i * 10));
      ackedAt.set(i, { tick: store.tick(), visible });
    }));
    await firstEntry.reached;
    // five more puts arrive while the first entry is being written
    const late = Array.from({ length: 5 }, (_, k) => w.put(rangeBatch((k + 5) * 10 + 5, (k + 5) * 10 + 6)));
    firstEntry.release();
    await Promise.all([...puts, ...late]);

    const entries = (await listWal(store, 0, -1, '.ftw')).slice(walBefore);
    const decoded = await Promise.all(entries.map((e) => readWalEntry(store, 0, e.position, '.ftw')));
    const putCount = 15;
    expect(decoded.length).toBeLessThan(putCount);
    expect(decoded.reduce((n, e) => n + e.records.length, 0)).toBe(putCount);
    const writes = walDone().sort((a, b) => a.startedTick - b.startedTick);
    for (let k = 1; k < writes.length; k++) expect(writes[k].startedTick, 'one WAL write in flight').toBeGreaterThan(writes[k - 1].endedTick!);
    for (const [i, ack] of ackedAt) {
      const holder = entries[decoded.findIndex((e) => e.records.some((r) => Number(r.batch.getChild('id')!.get(0)) === i * 10))];
      const write = walDone().find((c) => c.key.endsWith(`${String(holder.position).padStart(20, '0')}.ftw`))!;
      expect(write.endedTick, `put ${i}`).toBeLessThan(ack.tick);
      expect(ack.visible, `put ${i} visible at ack`).toBe(true);
    }
  });

  it('a durable put is invisible until its WAL entry is persisted', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0 });
    const entry = holdCall(store, 'putIfAbsent', /\/wal\//);
    let acked = false;
    const put = w.put(rangeBatch(0, 5)).then(() => (acked = true));
    await entry.reached; // the WAL write is in flight and held: the put must not be acked or visible
    await new Promise((r) => setImmediate(r)); // lets a (wrong) early ack run
    expect(acked).toBe(false);
    expect((await readShard(table, 0, w)).rows.size).toBe(0);
    entry.release();
    await put;
    expect((await readShard(table, 0, w)).rows.size).toBe(5);
  });
});
