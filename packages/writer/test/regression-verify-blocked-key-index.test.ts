/**
 * Issue 16: key indexes are now blocked `FTK3` objects, which lookups read in parts
 * (directory, then blocks). `verify` must still find a flipped byte in any part of one
 * (header, directory, a block, a block's CRC), `repair` must rebuild the same bytes, and
 * a lookup that reaches the damaged part must fail with a CorruptEntryError, never answer.
 */
import { LocalStore, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter, compact, repair, verify } from '../src/index.js';
import { makeTable, rangeBatch, tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A base of 5,000 ids (many blocks) and one flushed generation. */
async function fixture(): Promise<{ dir: string; table: Table; indexPath: string }> {
  const { dir, cleanup } = await tempDir('freshtier-ftk3-');
  cleanups.push(cleanup);
  const table = await makeTable(new LocalStore(dir));
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(rangeBatch(0, 5000, 1));
  await w.flush();
  await compact(table, { shard: 0 });
  await w.put(rangeBatch(5000, 5100, 2));
  await w.flush();
  await w.close();
  const base = (await table.baseManifests.latest()).doc;
  return { dir, table, indexPath: base.files[0].keyIndexPath! };
}

/** Byte offsets to flip in each part of the object (FTK3 header: u32 directory bytes at 8, u32 body bytes at 24). */
function partsOf(bytes: Buffer): [string, number][] {
  const blocksAt = 32 + bytes.readUInt32LE(8);
  const body = bytes.readUInt32LE(24);
  return [
    ['header', 10], ['directory', blocksAt - 3], ['first block', blocksAt + 2],
    ['a middle block', blocksAt + Math.floor(body / 2)], ['the last block checksum', bytes.length - 1],
  ];
}

describe('verify and repair of a blocked (FTK3) key index', () => {
  it('a flip in any part is found by verify, fails the lookups that reach it, and repair restores the same bytes', async () => {
    const f = await fixture();
    const file = path.join(f.dir, f.indexPath);
    const good = await readFile(file);
    expect(good.subarray(0, 4).toString()).toBe('FTK3');
    for (const [part, at] of partsOf(good)) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x04;
      await writeFile(file, bad);
      const report = await verify(f.table);
      expect(report.damaged.map((d) => [d.kind, d.path]), part).toEqual([['key-index', f.indexPath]]);
      // a lookup of every key reaches every block: it must fail, not answer
      const keys = Array.from({ length: 5000 }, (_, i) => ({ id: i }));
      await expect(new LsmScanner(f.table).containsPks(keys), part).rejects.toMatchObject({ code: 'CORRUPT_ENTRY' });
      const fixed = await repair(f.table, { apply: true });
      expect(fixed.actions.map((a) => a.action), part).toEqual(['rebuild-key-index']);
      expect(await readFile(file), part).toEqual(good);
      expect((await new LsmScanner(f.table).containsPks(keys)).every(Boolean)).toBe(true);
    }
  });
});
