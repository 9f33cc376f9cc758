/**
 * Regression (issue 12, "Integrity"): Parquet pages carry no checksum, so a flipped byte in
 * a data file could decode as other values and change a scan or `get` answer silently.
 * Now the manifest entry naming a data file records its size and CRC-32 (written by the one
 * publish step) and every read of the file checks them: a flip of a flushed generation's
 * file or of a base file gives the same answer or a typed `CorruptEntryError`, never a
 * different answer, an untyped error or a crash.
 */
import { MemoryStore, isFreshtierError, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idsBatch, rowsOf, user, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard } from '../support/writers.js';

/** A MemoryStore that remembers every path read, to find the data files a scan reads. */
class ReadLog extends MemoryStore {
  readonly read = new Set<string>();
  override async get(path: string): Promise<Uint8Array> {
    this.read.add(path);
    return super.get(path);
  }
}

/** Base ids 0..299 (even, compacted into base files), then a flushed generation updating 0..99 step 4. */
async function layered(): Promise<{ table: Table; store: ReadLog }> {
  const store = new ReadLog();
  const table = await usersTable({ store });
  const writers = await Writers.open(table, 20);
  await writers.put(Array.from({ length: 300 }, (_, i) => user(2 * i)));
  await writers.flushAll();
  await compactShard(table, 0, 20);
  await writers.put(Array.from({ length: 100 }, (_, i) => user(4 * i, 2)));
  await writers.delete([8n, 12n]);
  await writers.flushAll();
  return { table, store };
}

async function answers(table: Table): Promise<string> {
  const scanner = new LsmScanner(table);
  const scanned: Record<string, unknown>[] = [];
  for await (const b of scanner.scan()) scanned.push(...rowsOf({ batches: [b] } as never));
  const got = rowsOf(await scanner.get(idsBatch([0n, 4n, 8n, 10n, 398n, 598n, 1001n])));
  const sortKey = (r: Record<string, unknown>) => BigInt(r.id as bigint);
  const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);
  return JSON.stringify({ scanned: scanned.sort(byId), got: got.sort(byId) }, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

type Outcome = 'same' | 'corrupt' | 'different' | 'untyped';

async function outcome(table: Table, want: string): Promise<Outcome> {
  try {
    return (await answers(table)) === want ? 'same' : 'different';
  } catch (e) {
    return isFreshtierError(e, 'CORRUPT_ENTRY') ? 'corrupt' : 'untyped';
  }
}

describe('data file bit flips', () => {
  it('every flip of a flushed generation file or a base file is a CorruptEntryError (120 seeded flips each)', async () => {
    const { table, store } = await layered();
    store.read.clear();
    const want = await answers(table);
    expect([JSON.parse(want).scanned.length, JSON.parse(want).got.length]).toEqual([298, 5]); // 300 even ids minus 2 deletes; 5 live probes
    const files = [...store.read].filter((p) => p.endsWith('.parquet'));
    const base = files.filter((p) => p.startsWith('base/'));
    const flushed = files.filter((p) => p.startsWith('shards/'));
    expect(base.length).toBeGreaterThan(0);
    expect(flushed.length).toBe(1);
    for (const [seed, path] of [[1201, base[0]], [1202, flushed[0]]] as const) {
      const original = await store.get(path);
      const flips = fc.sample(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 1, max: 255 })), { seed, numRuns: 120 });
      const tally: Record<Outcome, number> = { same: 0, corrupt: 0, different: 0, untyped: 0 };
      for (const [at, mask] of flips) {
        const damaged = original.slice();
        damaged[at] ^= mask;
        await store.put(path, damaged);
        tally[await outcome(table, want)]++;
      }
      await store.put(path, original);
      expect({ path, ...tally }).toEqual({ path, same: 0, corrupt: 120, different: 0, untyped: 0 });
    }
    expect(await answers(table)).toBe(want);
  });

  it('the error names the file and says the checksum does not match', async () => {
    const { table, store } = await layered();
    store.read.clear();
    await answers(table);
    const path = [...store.read].find((p) => p.startsWith('base/') && p.endsWith('.parquet'))!;
    const bytes = (await store.get(path)).slice();
    bytes[bytes.length >> 1] ^= 0x10;
    await store.put(path, bytes);
    await expect(answers(table)).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', message: expect.stringMatching(new RegExp(`${path}: data file checksum mismatch`)) });
    await store.put(path, bytes.subarray(0, bytes.length - 1));
    await expect(answers(table)).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', message: expect.stringMatching(/unreadable Parquet file: it is \d+ bytes, its manifest entry says \d+/) });
  });
});
