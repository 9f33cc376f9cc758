/**
 * Reading some columns of some row groups of a data file. parquet-wasm 0.8's synchronous
 * `readParquet` decodes every column whatever `columns` says (parquet-codec.ts projects
 * afterwards), and copies the whole file into WebAssembly memory on every call; its
 * asynchronous `ParquetFile` reader honours the projection and reads only the byte ranges
 * of the column chunks it decodes. So a scan that needs few of a file's columns decodes
 * those only. Types are restored as on every read (`fromParquetTypes`); a column the file
 * lacks (added to the table later) is left out, and `conformBatch` fills it with nulls;
 * when the file has none of them, `undefined` tells the caller to read every column.
 */
import * as pq from 'parquet-wasm';
import { tableFromIPC, type RecordBatch } from 'apache-arrow';
import { CorruptEntryError } from '../errors.js';
import { fromParquetTypes } from '../format/parquet-types.js';

/** Files opened for projected reads, by their bytes (verified before): opened once per fetched file. */
const opened = new WeakMap<Uint8Array, Promise<pq.ParquetFile>>();

/**
 * Decodes `columns` (those the file has) of row groups `rowGroups` of a Parquet file.
 * `path` only names the file in a `CorruptEntryError`.
 *
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a data file, checked against its manifest entry
 * const batches = await readColumns(bytes, 'base/data-1.parquet', [0, 1], ['id', 'age'], 65_536);
 * ```
 */
export async function readColumns(bytes: Uint8Array, path: string, rowGroups: readonly number[], columns: readonly string[], batchSize: number): Promise<RecordBatch[] | undefined> {
  try {
    let file = opened.get(bytes);
    if (!file) opened.set(bytes, (file = pq.ParquetFile.fromFile(new Blob([bytes]))));
    const f = await file;
    const schema = f.schema();
    const present = columns.filter((c) => schema.indexOf(c) >= 0);
    schema.free();
    if (present.length === 0) return undefined; // no column left to carry the row count
    const t = await f.read({ rowGroups: [...rowGroups], columns: present, batchSize });
    return fromParquetTypes(tableFromIPC(t.intoIPCStream())).batches;
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable Parquet file', e);
  }
}
