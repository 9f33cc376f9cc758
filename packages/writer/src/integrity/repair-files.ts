/**
 * Rebuilding damaged files from rows that still exist elsewhere (repair.ts decides when):
 * - a flushed generation's data file or key index, from the WAL entries that logged the
 *   generation, if they are all still stored (GC has not collected them): the same
 *   memtable replay rebuilds, encoded by the same flush code, published in a fresh
 *   directory and swapped into the shard manifest in one epoch-guarded commit. The rows,
 *   batch coordinates and key index come out equal to the original's, so every answer
 *   (including `containsPksAsOf` inside the generation) is what it was;
 * - a base file's key index, from the base data file itself: base key indexes hold
 *   only each key and its row (`firstBatch` -1, no tombstones), all in the data file.
 */
import {
  CorruptEntryError, FileReader, Memtable, conformBatch, walBatchAt, listWal, compareBytes, emptyStats, encodeKeyIndex, encodeKeys, rowGroupCount,
  type DataFile, type FlushedGeneration, type KeyIndex, type ShardId, type Table,
} from '@freshtier/core';
import { commitGuarded, type ShardHead } from '../shard/fencing.js';
import { MemtableSlot } from '../shard/memtable-slot.js';
import { writeGenerationFiles } from '../flush/write-files.js';
import { decodeWalEntryOf } from './table-objects.js';

/**
 * The memtable of a flushed generation rebuilt from its WAL records, or why it cannot be.
 *
 * @example
 * ```ts
 * const r = await generationFromWal(table, 0, flushedEntry);
 * if ('memtable' in r) console.log(r.memtable.rowCount);
 * ```
 */
export async function generationFromWal(table: Table, shard: ShardId, flushed: FlushedGeneration): Promise<{ slot: MemtableSlot } | { reason: string }> {
  if (flushed.source !== 'flush') return { reason: `generation ${flushed.generation} was ingested from files, so no WAL entry holds its rows` };
  if (flushed.walLast < 0) return { reason: `generation ${flushed.generation} was written without a WAL (durability 'none')` };
  const memtable = new Memtable(shard, flushed.generation, !table.appendOnly);
  let first = -1;
  for (const listing of await listWal(table.store, shard, -1, table.walSuffix)) {
    if (listing.position > flushed.walLast) break;
    let entry;
    try {
      entry = decodeWalEntryOf(await table.store.get(listing.key), listing.key, shard);
    } catch {
      continue; // a damaged entry (another shard's too): if it held batches of this generation, the count check below says so
    }
    for (const r of entry.records) {
      if (r.generation !== flushed.generation || r.batchIndex !== memtable.batchCount) continue;
      const batch = walBatchAt(r.batch, r.op, entry.schemaVersion ?? 0, table.schemaState, listing.key);
      memtable.append(batch, r.op, table.appendOnly ? undefined : encodeKeys(batch, table.primaryKey), listing.position);
      if (first < 0) first = listing.position;
    }
  }
  const expected = flushed.batchRowOffsets;
  const same = memtable.batchCount === expected.length - 1 && memtable.batchRowOffsets.every((o, i) => o === expected[i]);
  if (!same) return { reason: `the WAL no longer holds every batch of generation ${flushed.generation} (found ${memtable.batchCount} of ${expected.length - 1}); GC collected them after the flush` };
  return { slot: MemtableSlot.replayed(memtable, first, flushed.walLast) };
}

/**
 * Writes the rebuilt generation's files and swaps them into the shard manifest in place
 * of `damaged` (one epoch-guarded commit); returns the new entry.
 *
 * @example
 * ```ts
 * const fresh = await replaceGeneration(table, head, epoch, flushedEntry, slot);
 * ```
 */
export async function replaceGeneration(table: Table, head: ShardHead, epoch: number, damaged: FlushedGeneration, slot: MemtableSlot): Promise<FlushedGeneration> {
  const shard = head.doc.shard;
  const written = await writeGenerationFiles({ store: table.store, table, shard, epoch, rowGroupSize: damaged.file.rowGroupSize, compression: 'snappy' }, slot);
  const fresh: FlushedGeneration = { ...damaged, file: written.file };
  await commitGuarded({
    manifests: table.shardManifests(shard), shard, epoch, head,
    build: (doc) => ({
      ...doc,
      flushed: doc.flushed.map((f) => (f.generation === damaged.generation && f.file.path === damaged.file.path ? fresh : f)),
      committedAt: new Date().toISOString(),
      note: `repair: generation ${damaged.generation} rebuilt from the WAL (was ${damaged.file.path})`,
    }),
    landed: (doc) => doc.flushed.some((f) => f.file.path === fresh.file.path),
  });
  return fresh;
}

/**
 * Rebuilds a base file's key index from its data file and stores it under its own name
 * (the bytes a compaction would write for it; a reader sees the damaged or the new object).
 *
 * @example
 * ```ts
 * await rebuildBaseKeyIndex(table, baseFile);
 * ```
 */
export async function rebuildBaseKeyIndex(table: Table, file: DataFile): Promise<void> {
  if (!file.keyIndexPath) throw new CorruptEntryError(file.path, 'this base file has no key index to rebuild');
  const index = await keyIndexFromData(table, file);
  await table.store.put(file.keyIndexPath, encodeKeyIndex(index));
}

async function keyIndexFromData(table: Table, file: DataFile): Promise<KeyIndex> {
  const reader = new FileReader(table, emptyStats(), 0);
  const bytes = await reader.dataFile(file);
  const keyFields = table.schema.fields.filter((f) => table.primaryKey.includes(f.name));
  const parts: Uint8Array[] = [];
  for (let rg = 0; rg < rowGroupCount(file); rg++) {
    for (const raw of reader.readRowGroup(bytes, file, rg)) {
      const keys = encodeKeys(conformBatch(raw, keyFields, []), table.primaryKey);
      for (let r = 0; r < keys.count; r++) parts.push(keys.bytes.subarray(keys.offsets[r], keys.offsets[r + 1]));
    }
  }
  return ascendingIndex(parts, file.path);
}

/** The index of keys that must be strictly ascending (a base file is sorted and unique by key). */
function ascendingIndex(keys: readonly Uint8Array[], path: string): KeyIndex {
  const n = keys.length;
  const keyOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (i > 0 && compareBytes(keys[i - 1], 0, keys[i - 1].length, keys[i], 0, keys[i].length) >= 0) throw new CorruptEntryError(path, `keys are not strictly ascending at row ${i}; the key index cannot be rebuilt from it`);
    keyOffsets[i + 1] = keyOffsets[i] + keys[i].length;
  }
  const keyBytes = new Uint8Array(keyOffsets[n]);
  keys.forEach((k, i) => keyBytes.set(k, keyOffsets[i]));
  return { count: n, keyBytes, keyOffsets, rows: Uint32Array.from({ length: n }, (_, i) => i), firstBatch: new Int32Array(n).fill(-1), tombstone: new Uint8Array(n) };
}
