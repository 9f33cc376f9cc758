/**
 * Encoding one frozen generation's files, either here or in the flush worker
 * (`flush-pool.ts`). Both paths run the same code — core's `encodeGeneration`
 * and `encodeKeyIndex` — the worker's on a `MemtableImage` (copies of the
 * memtable's batches and key index), so they produce the same bytes.
 */
import {
  DEDUPLICATE, encodeGeneration, encodeKeyIndex, imageInput, memtableImage, policyFor, schemaFromBase64,
  type EncodedGeneration, type GenerationInput, type Memtable, type MemtableImage, type MergePolicy, type MergeSpec, type ParquetWriteOptions,
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
  /** The table's primary key and merge options, from which the worker builds the same merge policy (default: deduplicate). */
  readonly merge?: FlushMerge;
}

/**
 * What a flush needs to merge like its table: the primary key and the stored merge options
 * (plain data, so it crosses to the flush worker).
 *
 * @example
 * ```ts
 * const merge: FlushMerge = { primaryKey: table.primaryKey, spec: table.mergeSpec };
 * ```
 */
export interface FlushMerge {
  readonly primaryKey: readonly string[];
  readonly spec: MergeSpec;
}

/**
 * Builds the job for memtable `m` (copies: `m` stays readable) and the buffers to transfer.
 *
 * @example
 * ```ts
 * const { job, transfer } = flushJob(slot.memtable, table.schema, { compression: 'zstd' });
 * ```
 */
export function flushJob(m: Memtable, schema: Schema, options: ParquetWriteOptions, merge?: FlushMerge): { job: FlushJob; transfer: ArrayBuffer[] } {
  const { image, transfer } = memtableImage(m, schema);
  return { job: { image, options, merge }, transfer };
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
  const schema = schemaFromBase64(job.image.schema);
  return encodeFiles(imageInput(job.image), schema, job.image.batchCount, job.options, policyOf(schema, job.merge));
}

/**
 * Encodes a generation on this thread (`flushInWorker: false`, or no worker could start).
 *
 * @example
 * ```ts
 * const files = encodeInProcess(slot.memtable, table.schema, { rowGroupSize: 65_536 });
 * ```
 */
export function encodeInProcess(m: Memtable, schema: Schema, options: ParquetWriteOptions, merge?: FlushMerge): EncodedFiles {
  return encodeFiles(m, schema, m.batchCount, options, policyOf(schema, merge));
}

/** The table's merge policy, rebuilt from plain data (the same on both threads). */
function policyOf(schema: Schema, merge: FlushMerge | undefined): MergePolicy {
  return merge ? policyFor(schema, merge.primaryKey, merge.spec) : DEDUPLICATE;
}

function encodeFiles(input: GenerationInput, schema: Schema, batchCount: number, options: ParquetWriteOptions, policy: MergePolicy): EncodedFiles {
  const g: EncodedGeneration = encodeGeneration(input, schema, batchCount, options, policy);
  return { parquet: g.parquet, keyIndex: g.keyIndex ? encodeKeyIndex(g.keyIndex) : undefined, rows: g.rows, pkMin: g.pkMin, pkMax: g.pkMax };
}
