/**
 * The tables bench/checksum-cost.ts scans: the "unchecked twin" of a table (a copy whose
 * manifest entries omit data-file checksums, which the reader treats as files of a table
 * created before issue 12, read unchecked), an in-memory copy, and one timed cold scan.
 */
import { LocalStore, MemoryStore, Table, sealedJsonBytes } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import type { RecordBatch } from 'apache-arrow';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RecordingStore, timed } from './checksum-cost-parts.js';

/**
 * Copies the table at `from` to `to`, then rewrites every manifest version without the
 * `checksum` of its data-file entries, and `_table.json` without its `checksums` marker
 * (all resealed, so the documents themselves still check). `FileReader.dataFile` reads
 * such entries unchecked, as in a table created before issue 12; everything else
 * (key indexes, documents) is checked in both copies.
 *
 * @example
 * ```ts
 * await writeUncheckedTwin(dir, `${dir}-unchecked`);
 * ```
 */
export async function writeUncheckedTwin(from: string, to: string): Promise<number> {
  await cp(from, to, { recursive: true });
  const tableDoc = path.join(to, '_table.json');
  const doc = JSON.parse(await readFile(tableDoc, 'utf8')) as Record<string, unknown>;
  delete doc.checksum;
  delete doc.checksums;
  await writeFile(tableDoc, sealedJsonBytes(doc));
  let stripped = 0;
  for (const file of await manifestFiles(to)) {
    const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete doc.checksum;
    stripped += stripFileChecksums(doc);
    await writeFile(file, sealedJsonBytes(doc));
  }
  return stripped;
}

async function manifestFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /^v\d{20}\.json$/.test(e.name) && path.basename(e.parentPath) === '_manifests')
    .map((e) => path.join(e.parentPath, e.name));
}

/** Deletes `checksum` from every data-file entry (an object with `path` and `bytes`); returns how many. */
function stripFileChecksums(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + stripFileChecksums(x), 0);
  if (node === null || typeof node !== 'object') return 0;
  const o = node as Record<string, unknown>;
  let n = 0;
  if (typeof o.path === 'string' && typeof o.bytes === 'number' && 'checksum' in o) {
    delete o.checksum;
    n++;
  }
  for (const v of Object.values(o)) n += stripFileChecksums(v);
  return n;
}

/**
 * Every object of the table in `dir`, copied into a `MemoryStore`: reads from it cost a
 * memory copy and no system call, so a read-path comparison is not lost in disk noise.
 *
 * @example
 * ```ts
 * const table = await Table.open(await memoryCopy(dir));
 * ```
 */
export async function memoryCopy(dir: string): Promise<MemoryStore> {
  const local = new LocalStore(dir);
  const memory = new MemoryStore('checksum-cost');
  for (const { key } of await local.list('')) await memory.put(key, await local.get(key));
  return memory;
}

async function countRows(it: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of it) n += b.numRows;
  return n;
}

/** One timed scan: wall and CPU time, rows, the objects it read and the scanner's `bytesRead`. */
export type ScanTiming = { ms: number; cpuMs: number; rows: number; read: string[]; bytesRead: number };

/**
 * A full scan of the latest state of the table in `dir` by a fresh `LsmScanner` (cold
 * key-index cache), recording the objects it read.
 *
 * @example
 * ```ts
 * const { ms, read } = await scanOnce(dir);
 * ```
 */
export async function scanOnce(dir: string): Promise<ScanTiming> {
  const store = new RecordingStore(new LocalStore(dir));
  const scanner = new LsmScanner(await Table.open(store));
  store.start();
  const { ms, cpuMs, value: rows } = await timed(() => countRows(scanner.scan()));
  return { ms, cpuMs, rows, read: store.stop().read, bytesRead: scanner.stats.bytesRead };
}

/**
 * {@link scanOnce} of `first`, then of `second`.
 *
 * @example
 * ```ts
 * const [checked, unchecked] = await pair(dir, twin);
 * ```
 */
export async function pair(first: string, second: string): Promise<ScanTiming[]> {
  const a = await scanOnce(first);
  return [a, await scanOnce(second)];
}
