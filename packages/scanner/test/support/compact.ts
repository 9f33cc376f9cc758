/**
 * Simulated compaction (the real one lives in the writer package): merges a
 * shard's base files and its flushed generations `(compacted, through]` into one
 * base file — the user schema without system columns, sorted by key, newest
 * version per key, tombstones dropped — writes its key index (firstBatch -1) and
 * commits a base manifest recording `compacted[shard] = through`. Shard manifests
 * are left alone: their flushed lists keep the compacted generations.
 */
import {
  TOMBSTONE_COLUMN, compareBytes, encodeKeyIndex, encodeKeys, gatherColumn, keyIndexPathFor, keyToHex, layout, readParquetFile, writeParquetFile,
  type DataFile, type Table,
} from '@freshtier/core';
import { RecordBatch, Struct, makeData } from 'apache-arrow';

interface Version {
  key: Uint8Array;
  batch: number;
  row: number;
  tombstone: boolean;
}

export async function compactShard(table: Table, shard: number, through?: number, rowGroupSize = 1000): Promise<number> {
  const base = await table.baseManifests.latest();
  const { doc: manifest } = await table.shardManifests(shard).latest();
  const compacted = base.doc.compacted[String(shard)] ?? -1;
  const gens = manifest.flushed.filter((f) => f.generation > compacted && (through === undefined || f.generation <= through));
  const upTo = through ?? gens.reduce((m, g) => Math.max(m, g.generation), compacted);
  if (gens.length === 0) return compacted; // nothing new to compact
  const batches: RecordBatch[] = [];
  const newest = new Map<string, Version>();
  const absorb = async (file: DataFile) => {
    const t = readParquetFile(await table.store.get(file.path), file.path);
    for (const b of t.batches) {
      const idx = batches.push(b) - 1;
      const keys = encodeKeys(b, table.primaryKey);
      const tomb = b.getChild(TOMBSTONE_COLUMN);
      for (let r = 0; r < b.numRows; r++) {
        const key = keys.bytes.slice(keys.offsets[r], keys.offsets[r + 1]);
        newest.set(keyToHex(key), { key, batch: idx, row: r, tombstone: Boolean(tomb?.get(r)) });
      }
    }
  };
  for (const f of base.doc.files.filter((x) => x.shard === shard)) await absorb(f);
  for (const g of [...gens].sort((a, b) => a.generation - b.generation)) await absorb(g.file);
  const live = [...newest.values()].filter((v) => !v.tombstone).sort((a, b) => compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length));
  const files = base.doc.files.filter((x) => x.shard !== shard);
  if (live.length > 0) files.push({ ...(await writeBaseFile(table, batches, live, rowGroupSize)), shard });
  await table.baseManifests.commit(base.version + 1, {
    ...base.doc, files, compacted: { ...base.doc.compacted, [String(shard)]: upTo }, committedAt: new Date().toISOString(), note: `compact shard ${shard} through ${upTo}`,
  });
  return upTo;
}

async function writeBaseFile(table: Table, batches: RecordBatch[], live: Version[], rowGroupSize: number): Promise<DataFile> {
  const sel = { count: live.length, batchOf: Int32Array.from(live, (v) => v.batch), rowOf: Int32Array.from(live, (v) => v.row) };
  const children = table.schema.fields.map((f) => gatherColumn(batches, f.name, f.type, sel));
  const batch = new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: live.length, nullCount: 0, children }));
  const parquet = writeParquetFile([batch], { rowGroupSize });
  const path = layout.baseDataFile();
  const keyIndexPath = keyIndexPathFor(path);
  const keyOffsets = new Int32Array(live.length + 1);
  live.forEach((v, i) => (keyOffsets[i + 1] = keyOffsets[i] + v.key.length));
  const keyBytes = new Uint8Array(keyOffsets[live.length]);
  live.forEach((v, i) => keyBytes.set(v.key, keyOffsets[i]));
  const index = { count: live.length, keyBytes, keyOffsets, rows: Uint32Array.from(live, (_, i) => i), firstBatch: new Int32Array(live.length).fill(-1), tombstone: new Uint8Array(live.length) };
  await table.store.putIfAbsent(path, parquet);
  await table.store.putIfAbsent(keyIndexPath, encodeKeyIndex(index));
  return { path, keyIndexPath, rows: live.length, bytes: parquet.byteLength, rowGroupSize, pkMin: keyToHex(live[0].key), pkMax: keyToHex(live[live.length - 1].key) };
}
