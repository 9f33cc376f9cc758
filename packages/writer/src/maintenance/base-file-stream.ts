/**
 * Writing the base files of a streamed merge (compaction-merge-stream.ts), a row group
 * at a time: each file's Parquet bytes come from core's `parquetByteStream` as its row
 * groups fill, so the decoded rows held are one row group, not one file. The files are
 * those of base-files.ts — the table's columns (all nullable) and the engine's state
 * columns, sorted by key, each with its key index (`firstBatch` -1, no tombstones),
 * `pkMin`/`pkMax`, `rowGroupSize` — published put-if-absent under fresh names.
 *
 * A column whose Parquet type is a stand-in chosen from its values (date64, timestamp[s],
 * time32[s]: parquet-types.ts) cannot be streamed, since the first row group would fix
 * the choice for values not seen yet: such tables write each file in one piece
 * (`writeParquetFile`), bounded by `maxFileRows`.
 */
import {
  encodeKeyIndex, keyToHex, layout, parquetByteStream, publishDataFile, writeParquetFile,
  type BaseFile, type KeyIndex, type Table, schemaVersionField,
} from '@freshtier/core';
import { DateUnit, TimeUnit, Type, type DataType, type RecordBatch, type Schema } from 'apache-arrow';
import type { BaseFileShape } from './base-files.js';
import type { MergeChunk, MergeStream } from './compaction-merge-stream.js';
import type { MergeOutput } from './merge-output.js';

/**
 * Writes every base file the merge yields, calling `onFile` after each; returns them in key order.
 *
 * @example
 * ```ts
 * const files = await writeStreamedBaseFiles(table, 0, merge, output, shape, (f, bytes) => console.log(f.path, bytes));
 * ```
 */
export async function writeStreamedBaseFiles(
  table: Table, shard: number, merge: MergeStream, output: MergeOutput, shape: BaseFileShape, onFile: (file: BaseFile, bytesWritten: number) => void,
): Promise<BaseFile[]> {
  const written: BaseFile[] = [];
  for (;;) {
    let first = await merge.next();
    while (!first.batch && !first.done) first = await merge.next(); // a file that ended on a full row group
    if (!first.batch) return written;
    const state = { done: false, rows: 0 };
    const data = await parquetOf(fileBatches(merge, first, state), output.schema, shape);
    const { file, bytesWritten } = await publish(table, shard, data, state.rows, output, shape);
    written.push(file);
    onFile(file, bytesWritten);
    if (state.done) return written;
  }
}

/** The batches of one file, from its first chunk to the chunk that ends it. */
async function* fileBatches(merge: MergeStream, first: MergeChunk, state: { done: boolean; rows: number }): AsyncGenerator<RecordBatch> {
  for (let c = first; ; c = await merge.next()) {
    if (c.batch) {
      state.rows += c.batch.numRows;
      yield c.batch;
    }
    if (c.endOfFile) {
      state.done = c.done;
      return;
    }
  }
}

/** The Parquet bytes of one file: streamed, or in one piece for a column with a value-chosen stand-in type. */
async function parquetOf(batches: AsyncIterable<RecordBatch>, schema: Schema, shape: BaseFileShape): Promise<Uint8Array> {
  const options = { rowGroupSize: shape.rowGroupSize, compression: shape.compression };
  if (schema.fields.some((f) => hasValueChosenStandIn(f.type))) {
    const whole: RecordBatch[] = [];
    for await (const b of batches) whole.push(b);
    return writeParquetFile(whole, options);
  }
  const chunks: Uint8Array[] = [];
  for await (const bytes of parquetByteStream(batches, schema, options)) chunks.push(bytes);
  return Buffer.concat(chunks);
}

/** date64, timestamp[s], time32[s]: stored as another type only when every value converts exactly. */
function hasValueChosenStandIn(t: DataType): boolean {
  const unit = (t as unknown as { unit?: number }).unit;
  return (t.typeId === Type.Date && unit === DateUnit.MILLISECOND)
    || (t.typeId === Type.Timestamp && unit === TimeUnit.SECOND)
    || (t.typeId === Type.Time && unit === TimeUnit.SECOND);
}

/** Publishes the data file and its key index (the keys the output collected for it). */
async function publish(table: Table, shard: number, data: Uint8Array, rows: number, output: MergeOutput, shape: BaseFileShape): Promise<{ file: BaseFile; bytesWritten: number }> {
  const keys = table.appendOnly ? undefined : output.keys.take();
  const index: KeyIndex | undefined = keys && {
    count: keys.count, keyBytes: keys.bytes, keyOffsets: keys.offsets,
    rows: Uint32Array.from({ length: keys.count }, (_, i) => i), firstBatch: new Int32Array(keys.count).fill(-1), tombstone: new Uint8Array(keys.count),
  };
  const path = layout.baseDataFile();
  // base file names are random UUIDs: 'exists' can only be a collision, never our own earlier write
  const { keyIndexPath, bytesWritten, checksum } = await publishDataFile(table.store, {
    dataPath: path, data, keyIndex: index && encodeKeyIndex(index), onCollision: 'a base file name collided; run the compaction again',
  });
  const file: BaseFile = { path, rows, bytes: data.byteLength, checksum, rowGroupSize: shape.rowGroupSize, shard, ...schemaVersionField(table.schemaVersion) };
  if (!index) return { file, bytesWritten };
  const key = (i: number) => keyToHex(index.keyBytes.subarray(index.keyOffsets[i], index.keyOffsets[i + 1]));
  return { file: { ...file, keyIndexPath, pkMin: key(0), pkMax: key(index.count - 1) }, bytesWritten };
}
