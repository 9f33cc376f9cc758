/**
 * Parquet codec over parquet-wasm. Arrow data crosses into WebAssembly as an
 * IPC stream and back the same way; callers only see apache-arrow objects.
 * Types Parquet has no logical type for are stored as ones it has and restored on
 * read (parquet-types.ts), so other readers see dates and timestamps, and freshtier
 * gets back the Arrow types it wrote.
 */
import { Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { withWritableAllNullBools } from './all-null-bool.js';
import { CorruptEntryError } from '../errors.js';
import { uniqueColumns } from './parquet-dictionary.js';
import { fromParquetTypes, toParquetTypes } from './parquet-types.js';

/** Options for {@link writeParquetFile}. */
export interface ParquetWriteOptions {
  /** Rows per row group (default 65,536): the unit of selective reads. */
  rowGroupSize?: number;
  /** Compression (default `snappy`). */
  compression?: 'uncompressed' | 'snappy' | 'zstd' | 'lz4_raw';
}

const COMPRESSION = { uncompressed: pq.Compression.UNCOMPRESSED, snappy: pq.Compression.SNAPPY, zstd: pq.Compression.ZSTD, lz4_raw: pq.Compression.LZ4_RAW } as const;

/**
 * Writes batches (all of one schema) as one Parquet file.
 *
 * @example
 * ```ts
 * import { Table } from 'apache-arrow';
 * const bytes = writeParquetFile(new Table([batch]), { rowGroupSize: 10_000 });
 * ```
 */
export function writeParquetFile(data: Table | RecordBatch[], options: ParquetWriteOptions = {}): Uint8Array {
  const batches = toParquetTypes(Array.isArray(data) ? data : data.batches).map(withWritableAllNullBools);
  const wasmTable = pq.Table.fromIPCStream(tableToIPC(new Table(batches), 'stream'));
  const rowGroupSize = options.rowGroupSize ?? 65_536;
  let props = new pq.WriterPropertiesBuilder()
    .setMaxRowGroupSize(rowGroupSize)
    .setCompression(COMPRESSION[options.compression ?? 'snappy']);
  // (nearly) unique columns are written plain: a dictionary only costs time and bytes there
  for (const name of uniqueColumns(batches, rowGroupSize)) props = props.setColumnDictionaryEnabled(name, false);
  return pq.writeParquet(wasmTable, props.build());
}

/** Options for {@link readParquetFile}. */
export interface ParquetReadOptions {
  columns?: string[];
  rowGroups?: number[];
  batchSize?: number;
}

/**
 * Reads a Parquet file (optionally some columns and row groups) as an Arrow table.
 * `path` only names the file in a `CorruptEntryError`.
 *
 * @example
 * ```ts
 * const bytes = await store.get('shards/0/gen-00000000000000000003/data.parquet');
 * const t = readParquetFile(bytes, 'gen-3/data.parquet', { columns: ['id'] });
 * ```
 */
export function readParquetFile(bytes: Uint8Array, path: string, options: ParquetReadOptions = {}): Table {
  try {
    const wasmTable = pq.readParquet(bytes, { columns: options.columns, rowGroups: options.rowGroups, batchSize: options.batchSize ?? 65_536 });
    const table = fromParquetTypes(tableFromIPC(wasmTable.intoIPCStream()));
    // parquet-wasm 0.8's synchronous reader ignores `columns` and returns every column: project here.
    // (Not for `[]`: Arrow's select of no columns would also drop the row count.)
    return options.columns?.length ? table.select(options.columns) : table;
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable Parquet file', e);
  }
}
