/**
 * Encoding one frozen generation's files, either here or in the flush worker
 * (`flush-pool.ts`). Both paths run the same code — core's `encodeGeneration`
 * and `encodeKeyIndex` — the worker's on a `MemtableImage` (copies of the
 * memtable's batches and key index), so they produce the same bytes.
 */
import {
  encodeGeneration, encodeKeyIndex, imageInput, memtableImage, schemaFromBase64,
  type EncodedGeneration, type GenerationInput, type Memtable, type MemtableImage, type ParquetWriteOptions,
} from '@freshtier/core';
import type { Schema } from 'apache-arrow';
import type { EncodedFiles } from '../shard/memtable-slot.js';

/**
 * What the flush worker receives: everything needed to encode one generation.
 *
 * @example
 * ```ts
 * const { job, transfer } = flushJob(frozen, table.schema, { rowGroupSize: 65_536, compression: 'snappy' });
 * worker.postMessage({ id: 1, job }, transfer);
 * ```
 */
export interface FlushJob {
  /** The memtable's batches and key index, and the table schema. */
  readonly image: MemtableImage;
  readonly options: ParquetWriteOptions;
}

/**
 * Builds the job for memtable `m` (copies: `m` stays readable) and the buffers to transfer.
 *
 * @example
 * ```ts
 * const { job, transfer } = flushJob(slot.memtable, table.schema, { compression: 'zstd' });
 * ```
 */
export function flushJob(m: Memtable, schema: Schema, options: ParquetWriteOptions): { job: FlushJob; transfer: ArrayBuffer[] } {
  const { image, transfer } = memtableImage(m, schema);
  return { job: { image, options }, transfer };
}

/**
 * Runs a job (in the flush worker): rebuilds the memtable view, encodes, returns the files.
 *
 * @example
 * ```ts
 * const files = runFlushJob(job);
 * ```
 */
export function runFlushJob(job: FlushJob): EncodedFiles {
  return encodeFiles(imageInput(job.image), schemaFromBase64(job.image.schema), job.image.batchCount, job.options);
}

/**
 * Encodes a generation on this thread (`flushInWorker: false`, or no worker could start).
 *
 * @example
 * ```ts
 * const files = encodeInProcess(slot.memtable, table.schema, { rowGroupSize: 65_536 });
 * ```
 */
export function encodeInProcess(m: Memtable, schema: Schema, options: ParquetWriteOptions): EncodedFiles {
  return encodeFiles(m, schema, m.batchCount, options);
}

function encodeFiles(input: GenerationInput, schema: Schema, batchCount: number, options: ParquetWriteOptions): EncodedFiles {
  const g: EncodedGeneration = encodeGeneration(input, schema, batchCount, options);
  return { parquet: g.parquet, keyIndex: g.keyIndex ? encodeKeyIndex(g.keyIndex) : undefined, rows: g.rows, pkMin: g.pkMin, pkMax: g.pkMax };
}
