/**
 * Point lookups (`get`) and membership (`containsPks`) over one collected view.
 *
 * For each key we look for its state from the newest source down, stopping at the
 * first source that holds it (each source's own state comes from the one merge). This
 * finds the row of the key's state while the table's merge policy says the newest version
 * decides (`newestDecides`); under every other engine it still answers liveness — a key
 * is live exactly when its newest version is not a tombstone — and `get` merges the rows
 * of every tier instead (merged-lookup.ts):
 *
 * 1. memtables, newest generation first: the memtable's key index, bounded by
 *    the captured batch count (`lookup`), and the key's version chain there merged
 *    by the policy (a row, or deleted);
 * 2. flushed generations, newest first: skip unless the key is within the file's
 *    `pkMin..pkMax`, then the key index (`FileReader.findKeys`: its directory, then only
 *    the blocks that can hold the keys; it carries the tombstone flag);
 * 3. base files of the key's shard: `pkMin..pkMax`, then the key index. Their lookups
 *    run at once (each key still takes its answer from the newest file holding it).
 *
 * Membership never opens a data file when indexes exist: the key index tells
 * "put" from "tombstone". `get` then reads only the row groups that hold the
 * rows found (row = position in the file, row group = row / rowGroupSize).
 */
import {
  DELETED, MemtableVersions, conformBatch, gatherColumn, keyInRange, keyRangeOf, type DataFile, type FileReader, type KeyEntry, type MergePolicy,
} from '@freshtier/core';
import { RecordBatch, Schema, Struct, Table as ArrowTable, makeData, type Field } from 'apache-arrow';
import { inKeyOrder, type NormalizedKeys } from './key-input.js';
import type { InMemorySource, ReadView, ShardView } from './sources.js';

/**
 * Where the newest live version of a key is.
 *
 * @example
 * ```ts
 * const found = await findNewest(view, keys, reader, mergePolicyOf(table));
 * if (found[0]?.kind === 'file') console.log(found[0].file.path, found[0].row);
 * ```
 */
export type Found =
  | { readonly kind: 'memtable'; readonly src: InMemorySource; readonly ordinal: number }
  | { readonly kind: 'file'; readonly file: DataFile; readonly row: number };

/** `undefined`: no version; `null`: the newest version is a tombstone. */
type Slot = Found | null | undefined;

/**
 * The newest version of every key: a `Found` for a live row, `undefined` when the
 * key is absent or deleted.
 *
 * @example
 * ```ts
 * const live = (await findNewest(view, keys, reader, mergePolicyOf(table))).map((f) => f !== undefined);
 * ```
 */
export async function findNewest(view: ReadView, keys: NormalizedKeys, reader: FileReader, policy: MergePolicy): Promise<(Found | undefined)[]> {
  const slots: Slot[] = new Array(keys.count).fill(undefined);
  for (const shard of view.shards) {
    const todo = [];
    // an absent key (no value of its column type equals it) has no version anywhere
    for (let i = 0; i < keys.count; i++) if (keys.shards[i] === shard.shard && !keys.absent?.[i]) todo.push(i);
    if (todo.length) await resolveShard(shard, keys, inKeyOrder(keys, todo), reader, policy, slots);
  }
  return slots.map((s) => s ?? undefined);
}

/** Newest source first; a key leaves `open` at the first source holding it (the policy's `newestDecides`). */
async function resolveShard(shard: ShardView, keys: NormalizedKeys, todo: number[], reader: FileReader, policy: MergePolicy, slots: Slot[]): Promise<void> {
  let open = todo;
  for (let i = shard.fresh.length - 1; i >= 0 && open.length; i--) {
    const src = shard.fresh[i];
    if (src.kind === 'memtable') inMemtable(src, keys, open, policy, slots);
    else await inFile(src.file, 'flushed', keys, open, reader, slots);
    open = open.filter((k) => slots[k] === undefined);
  }
  if (!open.length) return;
  // base files of one shard rarely overlap, so reading them all at once costs no extra reads and
  // saves a round trip per file; answers are applied newest file first, as a sequential walk would
  const files = [...shard.baseFiles].reverse();
  const found = await Promise.all(files.map(async (file) => {
    const local: Slot[] = new Array(keys.count).fill(undefined);
    await inFile(file, 'base', keys, open, reader, local);
    return local;
  }));
  for (const local of found) for (const k of open) if (slots[k] === undefined && local[k] !== undefined) slots[k] = local[k];
}

function inMemtable(src: InMemorySource, keys: NormalizedKeys, open: number[], policy: MergePolicy, slots: Slot[]): void {
  const m = src.ref.memtable;
  const versions = new MemtableVersions(m);
  const { bytes, offsets } = keys.keys;
  for (const k of open) {
    const newest = m.lookup(bytes, offsets[k], offsets[k + 1], src.ref.batchCount);
    if (newest < 0) continue;
    // liveness only when the newest version does not decide (the Found then names the newest version, not the state)
    const ord = policy.newestDecides ? versions.winner(newest, policy) : m.isTombstone(newest) ? DELETED : newest;
    slots[k] = ord === DELETED ? null : { kind: 'memtable', src, ordinal: ord };
  }
}

async function inFile(file: DataFile, kind: 'base' | 'flushed', keys: NormalizedKeys, open: number[], reader: FileReader, slots: Slot[]): Promise<void> {
  await eachFileHit(file, kind, keys, open, reader, (k, h) => (slots[k] = h.tombstone ? null : { kind: 'file', file, row: h.row }));
}

/**
 * Looks the `open` keys up in one data file's key index — only those inside the file's key
 * range, and only the index blocks that can hold them — and hands each key found to `found`.
 * The one file probe of `containsPks`, `get` and the merged lookups.
 *
 * @example
 * ```ts
 * await eachFileHit(file, 'base', keys, [0, 1, 2], reader, (k, h) => console.log(k, h.row, h.tombstone));
 * ```
 */
export async function eachFileHit(file: DataFile, kind: 'base' | 'flushed', keys: NormalizedKeys, open: readonly number[], reader: FileReader, found: (k: number, hit: KeyEntry) => void): Promise<void> {
  const range = keyRangeOf(file);
  const { bytes, offsets } = keys.keys;
  const candidates = range ? open.filter((k) => keyInRange(range, bytes, offsets[k], offsets[k + 1])) : open;
  if (candidates.length === 0 || file.rows === 0) return;
  const hits = await reader.findKeys(file, kind, keys.keys, candidates);
  candidates.forEach((k, j) => {
    const h = hits[j];
    if (h) found(k, h);
  });
}

/**
 * Reads the rows found, in the order of the first key that found each, as a
 * table of `fields` (table types). Reads only the row groups that hold them.
 *
 * @example
 * ```ts
 * const table = await gatherFound(found, table.schema.fields, reader);
 * ```
 */
export async function gatherFound(found: readonly (Found | undefined)[], fields: readonly Field[], reader: FileReader): Promise<ArrowTable> {
  const order = distinct(found);
  const batches: RecordBatch[] = [];
  const where = new Map<Found, [number, number]>();
  for (const [file, hits] of groupByFile(order)) {
    batches.push(await readRows(file, hits.map((h) => h.row), fields, reader));
    hits.forEach((h, r) => where.set(h, [batches.length - 1, r]));
  }
  for (const f of order) {
    if (f.kind !== 'memtable') continue;
    const { batchIndex, row } = f.src.ref.memtable.locate(f.ordinal);
    batches.push(f.src.ref.memtable.batch(batchIndex).batch);
    where.set(f, [batches.length - 1, row]);
  }
  const schema = new Schema([...fields]);
  if (order.length === 0) return new ArrowTable(schema);
  const sel = { count: order.length, batchOf: Int32Array.from(order, (f) => where.get(f)![0]), rowOf: Int32Array.from(order, (f) => where.get(f)![1]) };
  const children = fields.map((f) => gatherColumn(batches, f.name, f.type, sel));
  return new ArrowTable([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: sel.count, nullCount: 0, children }))]);
}

/** Found rows without repeats (a key asked twice is returned once), first occurrence first. */
function distinct(found: readonly (Found | undefined)[]): Found[] {
  const seen = new Set<string>();
  const out: Found[] = [];
  for (const f of found) {
    if (!f) continue;
    const id = f.kind === 'file' ? `f:${f.file.path}:${f.row}` : `m:${f.src.ref.memtable.shard}:${f.src.generation}:${f.ordinal}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(f);
    }
  }
  return out;
}

function groupByFile(order: Found[]): Map<DataFile, Extract<Found, { kind: 'file' }>[]> {
  const groups = new Map<DataFile, Extract<Found, { kind: 'file' }>[]>();
  for (const f of order) {
    if (f.kind !== 'file') continue;
    let g = groups.get(f.file);
    if (!g) groups.set(f.file, (g = []));
    g.push(f);
  }
  return groups;
}

/** Rows `rows` of a data file as one compact batch (row i of the result = rows[i]). */
async function readRows(file: DataFile, rows: number[], fields: readonly Field[], reader: FileReader): Promise<RecordBatch> {
  const bytes = await reader.dataFile(file);
  const groups = [...new Set(rows.map((r) => Math.floor(r / file.rowGroupSize)))].sort((a, b) => a - b);
  const decoded = groups.flatMap((rg) => decodeGroup(bytes, file, rg, fields, reader));
  const batchOf = new Int32Array(rows.length);
  const rowOf = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    const b = decoded.findIndex((d) => d.first <= row && row < d.first + d.batch.numRows);
    batchOf[i] = b;
    rowOf[i] = row - decoded[b].first;
  });
  const schema = new Schema([...fields]);
  const batches = decoded.map((d) => d.batch);
  const children = fields.map((f) => gatherColumn(batches, f.name, f.type, { count: rows.length, batchOf, rowOf }));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** The batches of one row group, conformed to `fields`, each with the file row of its first row. */
function decodeGroup(bytes: Uint8Array, file: DataFile, rg: number, fields: readonly Field[], reader: FileReader): { batch: RecordBatch; first: number }[] {
  let first = rg * file.rowGroupSize;
  return reader.readRowGroup(bytes, file, rg).map((raw) => {
    const out = { batch: conformBatch(raw, fields), first };
    first += raw.numRows;
    return out;
  });
}
