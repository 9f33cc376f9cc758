/**
 * What every example needs and none of them is about: the target location from
 * the command line, a clean table root there, a seeded random generator, and
 * printing rows. (Importing `@freshtier/s3-store` makes `s3://bucket/prefix`
 * targets work, see cleanStore; endpoint and credentials come from FRESHTIER_S3_ENDPOINT,
 * AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.)
 */
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeKeys, openStore, type ObjectStore, type Table } from '@freshtier/core';
import { Int64, RecordBatch, vectorFromArray, type Table as ArrowTable, type Vector } from 'apache-arrow';

export interface ExampleArgs {
  /** Where the table goes: a path, file:///…, memory://… or s3://bucket/prefix. */
  uri: string;
  /** The example's size knob (`--size N`). */
  size: number;
}

/** `node example.ts [uri] [--size N]`. */
export function parseArgs(defaultUri: string, defaultSize: number, argv = process.argv.slice(2)): ExampleArgs {
  let uri = defaultUri;
  let size = defaultSize;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') size = Number(argv[++i]);
    else if (argv[i].startsWith('--size=')) size = Number(argv[i].slice(7));
    else uri = argv[i];
  }
  if (!Number.isSafeInteger(size) || size < 1) throw new Error(`--size must be a positive integer, got ${size}`);
  return { uri, size };
}

/**
 * Opens the store at `uri` and empties it, so every run starts from nothing. To
 * never delete someone's files by mistake, it only empties a location that is
 * empty or holds a freshtier table (`_table.json`).
 */
export async function cleanStore(uri: string): Promise<ObjectStore> {
  const isPath = !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
  const target = isPath ? pathToFileURL(isAbsolute(uri) ? uri : resolve(uri)).href : uri;
  if (target.startsWith('s3://')) await import('@freshtier/s3-store'); // registers s3:// (the AWS SDK loads only when needed)
  const store = await openStore(target);
  const objects = await store.list('');
  if (objects.length > 0 && !(await store.head('_table.json'))) {
    throw new Error(`${store.uri} is not empty and holds no freshtier table: pass another location (the examples empty theirs first)`);
  }
  if (target.startsWith('file:')) await rm(fileURLToPath(target), { recursive: true, force: true });
  else for (const o of objects) await store.delete(o.key);
  return openStore(target);
}

/** Releases a store's connections (S3); a no-op for local and memory stores. */
export function closeStore(store: ObjectStore): void {
  (store as { close?: () => void }).close?.();
}

/** A small seeded PRNG (mulberry32), so runs repeat. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A record batch from named single-chunk columns, e.g. `batchOf({ id: vectorFromArray(ids, new Int64()) })`. */
export function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new RecordBatch(Object.fromEntries(Object.entries(columns).map(([name, v]) => [name, v.data[0]])));
}

/** A batch of just the `id` key column, for `delete` and lookups. */
export function idBatch(ids: readonly bigint[]): RecordBatch {
  return batchOf({ id: vectorFromArray([...ids], new Int64()) });
}

/** Groups `id` keys by the shard their key hashes to (one writer per shard takes each group). */
export function idsByShard(table: Table, ids: readonly bigint[]): Map<number, bigint[]> {
  const shards = table.shardsOf(encodeKeys(idBatch(ids), table.primaryKey));
  const out = new Map<number, bigint[]>();
  ids.forEach((id, i) => {
    const list = out.get(shards[i]) ?? [];
    list.push(id);
    out.set(shards[i], list);
  });
  return out;
}

/** Arrow rows as plain objects (64-bit integers as numbers, timestamps as ISO text). */
export function rowsOf(table: ArrowTable): Record<string, unknown>[] {
  return table.toArray().map((row) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row.toJSON())) o[k] = typeof v === 'bigint' ? Number(v) : v;
    return o;
  });
}

/** Prints rows as an aligned text table. */
export function printRows(rows: readonly Record<string, unknown>[], columns = rows[0] ? Object.keys(rows[0]) : [], indent = '  '): void {
  const cell = (v: unknown) => (v === null || v === undefined ? '∅' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => indent + vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(columns));
  console.log(line(widths.map((w) => '─'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
}
