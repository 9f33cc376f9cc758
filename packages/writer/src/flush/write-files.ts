/**
 * Writing a frozen generation's files (flush round step 1, see flusher.ts): encode the
 * memtable (core's `encodeGeneration`: dedup, sort by key, `_ft_` system columns; in a
 * flush worker thread unless `flushInWorker` is off, see flush-pool.ts), then publish
 * `data.parquet` and its key index in a fresh `gen-<g>-e<epoch>-<rand>/` directory with
 * core's `publishDataFile` (invariant 7: both exist before a manifest names them).
 *
 * Each attempt writes a new directory: files of a failed attempt are orphans that no
 * manifest names (GC removes them), never half-trusted leftovers. The encoded bytes are
 * kept on the slot (and counted as memory) until an upload succeeds, so a store that
 * keeps failing costs retries, not repeated encoding.
 */
import {
  failpoint, layout, publishDataFile,
  type FlushedGeneration, type ObjectStore, type ShardId, type Table, schemaVersionField,
} from '@freshtier/core';
import { encodeInProcess, flushJob, type FlushMerge } from './flush-job.js';
import { sharedFlushPool } from './flush-pool.js';
import type { ResolvedWriterOptions } from '../shard/options.js';
import type { EncodedFiles, MemtableSlot } from '../shard/memtable-slot.js';

/**
 * Where and how generation files are written.
 *
 * @example
 * ```ts
 * const target: GenerationFileTarget = { store, table, shard: 0, epoch: 3, rowGroupSize: 65_536, compression: 'snappy' };
 * ```
 */
export interface GenerationFileTarget {
  readonly store: ObjectStore;
  readonly table: Table;
  readonly shard: ShardId;
  /** The writing writer's epoch: part of every directory name, so GC can tell a fenced writer's files (layout.ts). */
  readonly epoch: number;
  readonly rowGroupSize: number;
  readonly compression: ResolvedWriterOptions['compression'];
  /** Encode in a flush worker thread (flush-pool.ts); default false here, the writer passes its option. */
  readonly flushInWorker?: boolean;
}

/**
 * Writes a frozen slot's data file and key index; returns the manifest entry naming them.
 *
 * @example
 * ```ts
 * slot.files = await writeGenerationFiles({ store, table, shard: 0, epoch: 3, rowGroupSize: 65_536, compression: 'snappy' }, slot);
 * ```
 */
export async function writeGenerationFiles(target: GenerationFileTarget, slot: MemtableSlot): Promise<FlushedGeneration> {
  const m = slot.memtable;
  const encoded = (slot.encoded ??= await encodeFiles(target, slot));
  const path = layout.generationFile(target.shard, m.generation, target.epoch);
  const { keyIndexPath, checksum } = await publishDataFile(target.store, {
    dataPath: path, data: encoded.parquet, keyIndex: encoded.keyIndex,
    afterData: () => failpoint('flush:after-parquet'),
    // the directory name is random and fresh per attempt, so 'exists' can only be a name collision
    onCollision: 'a random directory name collided; the flush will be retried',
  });
  failpoint('flush:after-key-index');
  slot.encoded = undefined;
  return {
    generation: m.generation,
    file: { path, keyIndexPath, rows: encoded.rows, bytes: encoded.parquet.byteLength, checksum, rowGroupSize: target.rowGroupSize, pkMin: encoded.pkMin, pkMax: encoded.pkMax, ...schemaVersionField(target.table.schemaVersion) },
    batchRowOffsets: [...m.batchRowOffsets],
    walLast: slot.walLast,
    source: 'flush',
  };
}

async function encodeFiles(target: GenerationFileTarget, slot: MemtableSlot): Promise<EncodedFiles> {
  const m = slot.memtable;
  const options = { rowGroupSize: target.rowGroupSize, compression: target.compression };
  if (target.flushInWorker) {
    const { job, transfer } = flushJob(m, target.table.schema, options, mergeOf(target.table));
    // a big generation waits for a starting worker (a start is far shorter than its encoding here)
    const files = await sharedFlushPool().run(job, transfer, m.rowCount >= 50_000);
    if (files) return files; // undefined: no worker (ready) in this process
  }
  return encodeInProcess(m, target.table.schema, options, mergeOf(target.table));
}

/** The table's merge, as plain data for the flush worker. */
function mergeOf(table: Table): FlushMerge {
  return { primaryKey: table.primaryKey, spec: table.mergeSpec };
}
