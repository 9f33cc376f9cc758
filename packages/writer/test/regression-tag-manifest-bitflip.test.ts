/**
 * Regression (issue 12, "Integrity"), end to end: a flipped byte in a tag or in the newest
 * shard manifest used to change what a table read (a tag naming another version; a moved
 * `replayAfter` skipping acked WAL rows at replay). Every flip is now the same answer or a
 * typed error: tags and manifests carry a CRC-32 verified before use.
 */
import { CorruptEntryError, MemoryStore, UnsupportedFormatError, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, resolveVersion, tag } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { tableRows } from './support/table-state.js';

/** Seeded offsets (mulberry32), distinct, `n` of them or every offset if fewer. */
function offsets(length: number, n: number, seed: number): number[] {
  if (length <= n) return Array.from({ length }, (_, i) => i);
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Set<number>();
  while (out.size < n) out.add(Math.floor(next() * length));
  return [...out].sort((x, y) => x - y);
}

const typed = (e: unknown) => e instanceof CorruptEntryError || e instanceof UnsupportedFormatError;

/** Flips byte `at` of `key`, runs `read`, restores; returns 'same', 'typed', or throws on anything else. */
async function flipAndRead<T>(store: MemoryStore, key: string, at: number, read: () => Promise<T>, expected: T): Promise<'same' | 'typed'> {
  const original = await store.get(key);
  const damaged = original.slice();
  damaged[at] ^= 1 << (at % 8);
  await store.put(key, damaged);
  try {
    const got = await read();
    expect(got, `flip at ${at} gave a different answer`).toEqual(expected);
    return 'same';
  } catch (e) {
    if (!typed(e)) throw new Error(`flip at ${at}: untyped error ${String(e)}`);
    return 'typed';
  } finally {
    await store.put(key, original);
  }
}

describe('regression: flipped bytes in tags and shard manifests', () => {
  it('a tag: every byte flip is refused, never a tag naming another version', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store, { shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rangeBatch(0, 10, 1));
    await w.flush();
    await tag(table, 'before');
    await w.put(rangeBatch(0, 10, 2));
    await w.flush();
    await w.close();
    const key = layout.tag('before');
    const expected = await resolveVersion(table, 'before');
    const bytes = (await store.get(key)).length;
    expect(bytes).toBeGreaterThan(100);
    for (let at = 0; at < bytes; at++) expect(await flipAndRead(store, key, at, () => resolveVersion(table, 'before'), expected)).toBe('typed');
  });

  it('the newest shard manifest: 200 seeded flips, reopening the writer and reading is the same rows or a typed error', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store, { shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rangeBatch(0, 20, 1));
    await w.flush();
    await w.put(rangeBatch(10, 30, 2)); // acked, in the WAL after replayAfter
    await w.close();
    const expected = await reopenAndRead();
    const { version } = await table.shardManifests(0).latest();
    const key = layout.manifest(layout.shardManifests(0), version);
    const counts = { same: 0, typed: 0 };
    for (const at of offsets((await store.get(key)).length, 200, 1212)) counts[await flipAndRead(store, key, at, reopenAndRead, expected)]++;
    expect(counts.typed).toBeGreaterThanOrEqual(Math.min(200, (await store.get(key)).length));

    async function reopenAndRead() {
      const r = await ShardWriter.open(table, { shard: 0, autoFlush: false });
      try {
        return await tableRows(table, [r]);
      } finally {
        await r.close();
      }
    }
  });
});
