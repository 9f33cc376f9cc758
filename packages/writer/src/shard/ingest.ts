/**
 * Bulk ingest (DESIGN.md invariant 9; docs/base-table.md "Bulk ingest"): data goes
 * straight into one generation file — no WAL, no memtable on the write path — and
 * takes effect at its commit.
 *
 * 1. Read the whole source (batches, Arrow tables, Parquet bytes or file paths, or
 *    an (async) iterable of those) and check every batch — schema, null keys, the
 *    shard each key belongs to — before anything is written.
 * 2. Encode it exactly like a flush (core's `encodeGeneration` over a temporary
 *    memtable: dedup, sort by key, `_ft_` system columns, key index) and write the
 *    data file and key index under `shards/<id>/ingest-e<epoch>-<uuid>/`: the generation
 *    number is not known yet, it is taken at the commit.
 * 3. Commit through the writer (`ShardWriter.ingest`, ingest-commit.ts): under its
 *    lock, freeze the active memtable, wait until every older generation is committed,
 *    take the next generation and commit the files as it (`source: 'ingest'`). Writes
 *    acked before are in lower generations, writes after in higher ones — also after a
 *    crash, as replay keeps every record's generation.
 */
import {
  Memtable, SchemaMismatchError, assertBatchColumnNames, conformBatch, encodeGeneration, encodeKeyIndex, isArrowRecordBatch, isArrowTable, layout, mergePolicyOf, publishDataFile, readParquetFile,
  type FlushedGeneration, type Generation, type ShardId, type Table, schemaVersionField,
} from '@freshtier/core';
import type { RecordBatch, Table as ArrowTable } from 'apache-arrow';
import { readFile } from 'node:fs/promises';
import { preparePut, type PreparedBatch } from './batches.js';
import type { GenerationFileTarget } from '../flush/write-files.js';

/**
 * One piece of ingest input: a batch, an Arrow table, Parquet file bytes, or the
 * path of a local Parquet file.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { tableFromIPC } from 'apache-arrow';
 * const inputs: IngestInput[] = [batch, tableFromIPC(readFileSync('/data/day-0.arrow')), readFileSync('/data/day-1.parquet'), '/data/day-2.parquet'];
 * ```
 */
export type IngestInput = RecordBatch | ArrowTable | Uint8Array | string;

/**
 * What `ShardWriter.ingest` accepts: one input, or an iterable / async iterable of inputs.
 *
 * @example
 * ```ts
 * declare const batchA: RecordBatch, batchB: RecordBatch;
 * async function* batches() { yield batchA; yield batchB; }
 * await writer.ingest(batches());
 * ```
 */
export type IngestSource = IngestInput | Iterable<IngestInput> | AsyncIterable<IngestInput>;

/**
 * What an ingest committed.
 *
 * @example
 * ```ts
 * const { generation, rows } = await writer.ingest(['/data/day-1.parquet', '/data/day-2.parquet']);
 * ```
 */
export interface IngestResult {
  /** The generation the ingest took (undefined when the source held no rows: nothing was committed). */
  readonly generation: Generation | undefined;
  /** Rows read from the source (before dedup). */
  readonly rows: number;
  /** Rows in the generation file (one per key on keyed tables). */
  readonly fileRows: number;
  readonly batches: number;
  /** Bytes of the data file and key index written. */
  readonly bytesWritten: number;
}

/**
 * The generation files of an ingest, waiting for their generation number.
 *
 * @example
 * ```ts
 * const generation = await commit({ ...files, generation: 12 });
 * ```
 */
export type IngestFiles = Omit<FlushedGeneration, 'generation'>;

/**
 * Reads and checks the whole source, then writes its generation files; returns
 * them with the prepared batches' row count. Throws before writing on bad input.
 *
 * @example
 * ```ts
 * const written = await writeIngestFiles(target, source);
 * if (written) await commit(written.files);
 * ```
 */
export async function writeIngestFiles(target: GenerationFileTarget, source: IngestSource): Promise<{ files: IngestFiles; rows: number; batches: number; bytesWritten: number } | undefined> {
  const prepared = await readSource(target.table, target.shard, source);
  const memtable = new Memtable(target.shard, 0, !target.table.appendOnly);
  for (const p of prepared) memtable.append(p.batch, p.op, p.keys, -1);
  if (memtable.rowCount === 0) return undefined;
  memtable.freeze();
  const g = encodeGeneration(memtable, target.table.schema, memtable.batchCount, { rowGroupSize: target.rowGroupSize, compression: target.compression }, mergePolicyOf(target.table));
  const path = layout.ingestFile(target.shard, target.epoch);
  const index = g.keyIndex ? encodeKeyIndex(g.keyIndex) : undefined;
  // the directory is a fresh random name: 'exists' can only be a collision
  const { keyIndexPath, bytesWritten, checksum } = await publishDataFile(target.store, { dataPath: path, data: g.parquet, keyIndex: index, onCollision: 'the ingest directory name collided; retry the ingest' });
  return {
    files: {
      file: { path, keyIndexPath, rows: g.rows, bytes: g.parquet.byteLength, checksum, rowGroupSize: target.rowGroupSize, pkMin: g.pkMin, pkMax: g.pkMax, ...schemaVersionField(target.table.schemaVersion) },
      batchRowOffsets: [...memtable.batchRowOffsets],
      walLast: -1,
      source: 'ingest',
    },
    rows: memtable.rowCount,
    batches: memtable.batchCount,
    bytesWritten,
  };
}

/** Step 1: every batch of the source, checked for `shard`. */
async function readSource(table: Table, shard: ShardId, source: IngestSource): Promise<PreparedBatch[]> {
  const out: PreparedBatch[] = [];
  for await (const input of inputsOf(source)) {
    for (const batch of await batchesOf(table, input)) {
      if (batch.numRows > 0) out.push(preparePut(table, shard, batch));
    }
  }
  return out;
}

async function* inputsOf(source: IngestSource): AsyncGenerator<IngestInput> {
  if (isSingle(source)) yield source;
  else yield* source as AsyncIterable<IngestInput>; // yield* also takes sync iterables in an async generator
}

function isSingle(source: IngestSource): source is IngestInput {
  return typeof source === 'string' || source instanceof Uint8Array || isArrowRecordBatch(source) || isArrowTable(source);
}

async function batchesOf(table: Table, input: IngestInput): Promise<RecordBatch[]> {
  if (isArrowRecordBatch(input)) return castToTable(table, input.schema, [input], '(ingest batch)');
  if (isArrowTable(input)) return castToTable(table, input.schema, input.batches, '(ingest Arrow table)');
  if (typeof input === 'string') return parquetBatches(table, await readFile(input), input);
  if (input instanceof Uint8Array) return parquetBatches(table, input, '(ingest Parquet bytes)');
  throw new SchemaMismatchError('ingest expects Arrow RecordBatches or Tables, Parquet file bytes or paths, or an (async) iterable of them');
}

function parquetBatches(table: Table, bytes: Uint8Array, name: string): RecordBatch[] {
  const t = readParquetFile(bytes, name);
  return castToTable(table, t.schema, t.batches, name);
}

/**
 * Every ingest source is matched to the table by column name and cast to its types
 * exactly or refused (core's conformBatch; docs/decisions.md "Ingest casts exactly"):
 * Parquet writers pick their own physical types (int64 for every integer, large
 * strings, other timestamp units), and bulk data from other tools arrives the same way.
 * Missing or extra columns are refused.
 */
function castToTable(table: Table, schema: { fields: readonly { name: string }[] }, batches: readonly RecordBatch[], name: string): RecordBatch[] {
  const names = schema.fields.map((f) => f.name);
  assertBatchColumnNames(names, name); // before conformBatch, which would keep one copy of a repeated column
  const missing = table.schema.fields.filter((f) => !names.includes(f.name)).map((f) => f.name);
  if (missing.length) throw new SchemaMismatchError(`${name} lacks column(s) ${missing.join(', ')}`, { missing });
  const extra = names.filter((n) => !table.schema.fields.some((f) => f.name === n));
  if (extra.length) throw new SchemaMismatchError(`${name} has unexpected column(s) ${extra.join(', ')}`, { extra });
  return batches.map((b) => conformBatch(b, table.schema.fields));
}
