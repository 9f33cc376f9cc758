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
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

describe('durable group commit', () => {
  it('10 concurrent puts share entries; each is acked only after its entry exists', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    store.inject({ ops: 'putIfAbsent', key: '/wal/', mode: 'delay', delayMs: 15 });
    const w = await ShardWriter.open(table, { shard: 0 });
    const walBefore = (await listWal(store, 0)).length;
    const walDone = () => store.calls.filter((c) => c.op === 'putIfAbsent' && c.key.includes('/wal/') && c.outcome === 'ok');
    const ackedAt = new Map<number, { tick: number; visible: boolean }>();
    const puts = Array.from({ length: 10 }, (_, i) => {
      const p = w.put(rangeBatch(i * 10, i * 10 + 10, i)).then(() => {
        const visible = w.inMemoryMemtableRefs().refs.some((r) => Array.from({ length: r.batchCount }, (_, b) => r.memtable.batch(b).batch).some((b) => Number(b.getChild('id')!.get(0)) === i * 10));
        ackedAt.set(i, { tick: store.tick(), visible });
      });
      // the second half arrives while the first entry is being written
      return i < 5 ? p : new Promise<void>((r) => setTimeout(r, 5)).then(() => w.put(rangeBatch(i * 10 + 5, i * 10 + 6))).then(() => p);
    });
    await Promise.all(puts);

    const entries = (await listWal(store, 0)).slice(walBefore);
    const decoded = await Promise.all(entries.map((e) => readWalEntry(store, 0, e.position)));
    const putCount = 15;
    expect(decoded.length).toBeLessThan(putCount);
    expect(decoded.reduce((n, e) => n + e.records.length, 0)).toBe(putCount);
    const writes = walDone().sort((a, b) => a.startedTick - b.startedTick);
    for (let k = 1; k < writes.length; k++) expect(writes[k].startedTick, 'one WAL write in flight').toBeGreaterThan(writes[k - 1].endedTick!);
    for (const [i, ack] of ackedAt) {
      const holder = entries[decoded.findIndex((e) => e.records.some((r) => Number(r.batch.getChild('id')!.get(0)) === i * 10))];
      const write = walDone().find((c) => c.key.endsWith(`${String(holder.position).padStart(20, '0')}.arrow`))!;
      expect(write.endedTick, `put ${i}`).toBeLessThan(ack.tick);
      expect(ack.visible, `put ${i} visible at ack`).toBe(true);
    }
  });

  it('a durable put is invisible until its WAL entry is persisted', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0 });
    let release!: () => void;
    const gate = store.inject({ ops: 'putIfAbsent', key: '/wal/', mode: 'delay', until: new Promise<void>((r) => (release = r)) });
    let acked = false;
    const put = w.put(rangeBatch(0, 5)).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(acked).toBe(false);
    expect((await readShard(table, 0, w)).rows.size).toBe(0);
    release();
    await put;
    gate.remove();
    expect((await readShard(table, 0, w)).rows.size).toBe(5);
  });
});
