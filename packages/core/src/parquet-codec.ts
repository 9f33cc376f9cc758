/**
 * Parquet codec over parquet-wasm. Arrow data crosses into WebAssembly as an
 * IPC stream and back the same way; callers only see apache-arrow objects.
 */
import { Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { withWritableAllNullBools } from './all-null-bool.js';
import { CorruptEntryError } from './errors.js';

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
 * const bytes = writeParquetFile(new Table([batch]), { rowGroupSize: 10_000 });
 * ```
 */
export function writeParquetFile(data: Table | RecordBatch[], options: ParquetWriteOptions = {}): Uint8Array {
  const table = new Table((Array.isArray(data) ? data : data.batches).map(withWritableAllNullBools));
  const wasmTable = pq.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new pq.WriterPropertiesBuilder()
    .setMaxRowGroupSize(options.rowGroupSize ?? 65_536)
    .setCompression(COMPRESSION[options.compression ?? 'snappy'])
    .build();
  return pq.writeParquet(wasmTable, props);
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
 * const t = readParquetFile(bytes, 'gen-3/data.parquet', { columns: ['id'] });
 * ```
 */
export function readParquetFile(bytes: Uint8Array, path: string, options: ParquetReadOptions = {}): Table {
  try {
    const wasmTable = pq.readParquet(bytes, { columns: options.columns, rowGroups: options.rowGroups, batchSize: options.batchSize ?? 65_536 });
    const table = tableFromIPC(wasmTable.intoIPCStream());
    // parquet-wasm 0.8's synchronous reader ignores `columns` and returns every column: project here.
    // (Not for `[]`: Arrow's select of no columns would also drop the row count.)
    return options.columns?.length ? table.select(options.columns) : table;
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable Parquet file', e);
  }
}
