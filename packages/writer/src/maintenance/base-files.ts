/**
 * Writing base files (docs/base-table.md "Compaction", steps 4 and 5): the merged
 * rows of one shard, split into Parquet files of the table's columns (all nullable, as
 * in generation files) — no system columns, sorted by encoded key — each followed by its key index
 * (`keyIndexPathFor(path)`, `firstBatch` -1, no tombstones) and described by its
 * key range (`pkMin`/`pkMax` hex) and `rowGroupSize`.
 *
 * A shard's base files hold disjoint key ranges (the scanner relies on it). Files
 * compaction did not rewrite stay, so a new file is cut wherever the sorted output
 * would otherwise run across one of them, as well as every `maxFileRows` rows.
 */
import {
  compareBytes, encodeKeyIndex, gatherColumn, keyToHex, layout, mergePolicyOf, nullableSchema, publishDataFile, stateFields, writeParquetFile,
  type BaseFile, type KeyIndex, type ParquetWriteOptions, type Table, schemaVersionField,
} from '@freshtier/core';
import { RecordBatch, Struct, makeData } from 'apache-arrow';
import type { Merged } from './compaction-merge.js';

/**
 * How base files are shaped.
 *
 * @example
 * ```ts
 * const shape: BaseFileShape = { maxFileRows: 1_000_000, rowGroupSize: 65_536, compression: 'snappy' };
 * ```
 */
export interface BaseFileShape {
  readonly maxFileRows: number;
  readonly rowGroupSize: number;
  readonly compression: NonNullable<ParquetWriteOptions['compression']>;
}

/**
 * Where the output is cut into files: ascending row positions, the last being
 * `merged.count`. `boundaries` are the `pkMin`s (encoded, ascending) of the shard's
 * files that stay: no output file may span one.
 *
 * @example
 * ```ts
 * splitPoints(merged, [], 1000); // e.g. [1000, 2000, 2345]
 * ```
 */
export function splitPoints(merged: Merged, boundaries: readonly Uint8Array[], maxFileRows: number): number[] {
  const cuts: number[] = [];
  let start = 0;
  let next = 0;
  for (let i = 0; i < merged.count; i++) {
    let crossed = false;
    while (next < boundaries.length && compareKey(merged, i, boundaries[next]) > 0) {
      next++;
      crossed = true;
    }
    if (i > start && (crossed || i - start >= maxFileRows)) {
      cuts.push(i);
      start = i;
    }
  }
  if (merged.count > start) cuts.push(merged.count);
  return cuts;
}

/**
 * Writes rows `[start, end)` of the merged output as one base file of `shard`:
 * data file first, then its key index (core's `publishDataFile`: both put-if-absent
 * under fresh names, `AlreadyExistsError` on a collision).
 *
 * @example
 * ```ts
 * const { file, bytesWritten } = await writeBaseFile(table, 0, merged, 0, merged.count, shape);
 * ```
 */
export async function writeBaseFile(table: Table, shard: number, merged: Merged, start: number, end: number, shape: BaseFileShape): Promise<{ file: BaseFile; bytesWritten: number }> {
  const sel = { count: end - start, batchOf: merged.batchOf.subarray(start, end), rowOf: merged.rowOf.subarray(start, end) };
  // the table's columns, plus the `_ft_seq_<column>` state columns of engines that keep them (docs/merge-engines.md)
  // every column nullable, as in generation files: one Parquet schema for all data files (docs/format.md "Data files")
  const schema = nullableSchema(table.schema, stateFields(mergePolicyOf(table), table.schema, 'base'));
  const children = schema.fields.map((f) => gatherColumn(merged.batches, f.name, f.type, sel));
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: sel.count, nullCount: 0, children }));
  const parquet = writeParquetFile([batch], { rowGroupSize: shape.rowGroupSize, compression: shape.compression });
  const path = layout.baseDataFile();
  const index = table.appendOnly ? undefined : keyIndexOf(merged, start, end);
  // base file names are random UUIDs: 'exists' can only be a collision, never our own earlier write
  const { keyIndexPath, bytesWritten, checksum } = await publishDataFile(table.store, {
    dataPath: path, data: parquet, keyIndex: index && encodeKeyIndex(index), onCollision: 'a base file name collided; run the compaction again',
  });
  const file: BaseFile = { path, rows: sel.count, bytes: parquet.byteLength, checksum, rowGroupSize: shape.rowGroupSize, shard, ...schemaVersionField(table.schemaVersion) };
  if (!index) return { file, bytesWritten };
  const key = (i: number) => keyToHex(index.keyBytes.subarray(index.keyOffsets[i], index.keyOffsets[i + 1]));
  return { file: { ...file, keyIndexPath, pkMin: key(0), pkMax: key(index.count - 1) }, bytesWritten };
}

/** The key index of output rows `[start, end)`: keys ascending, row = position, no tombstones. */
function keyIndexOf(merged: Merged, start: number, end: number): KeyIndex {
  const n = end - start;
  const keyOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const k = merged.keys[merged.batchOf[start + i]]!;
    const r = merged.rowOf[start + i];
    keyOffsets[i + 1] = keyOffsets[i] + k.offsets[r + 1] - k.offsets[r];
  }
  const keyBytes = new Uint8Array(keyOffsets[n]);
  for (let i = 0; i < n; i++) {
    const k = merged.keys[merged.batchOf[start + i]]!;
    const r = merged.rowOf[start + i];
    // keys are a few bytes: a plain loop beats a subarray view per row
    for (let from = k.offsets[r], to = keyOffsets[i]; from < k.offsets[r + 1]; ) keyBytes[to++] = k.bytes[from++];
  }
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  return { count: n, keyBytes, keyOffsets, rows, firstBatch: new Int32Array(n).fill(-1), tombstone: new Uint8Array(n) };
}

function compareKey(merged: Merged, i: number, key: Uint8Array): number {
  const k = merged.keys[merged.batchOf[i]]!;
  const r = merged.rowOf[i];
  return compareBytes(k.bytes, k.offsets[r], k.offsets[r + 1], key, 0, key.length);
}
