/**
 * One Parquet file written as its batches arrive, in bounded memory: parquet-wasm's
 * `transformParquetStream` (arrow-rs's ArrowWriter) buffers at most one row group and
 * emits its bytes once the group is full, then the footer at the end. So exporting a
 * scan of any size holds about one row group (plus one input batch), where
 * {@link writeParquetFile} holds the whole table and its encoding. Columns get the same
 * Parquet logical types as writeParquetFile's (parquet-types.ts).
 */
import { RecordBatch, Struct, Table, makeData, tableToIPC, vectorFromArray, type Schema } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { withWritableAllNullBools } from './all-null-bool.js';
import type { ParquetWriteOptions } from './parquet-codec.js';
import { uniqueColumns } from './parquet-dictionary.js';
import { toParquetTypes } from './parquet-types.js';
import { sameType } from '../arrow/arrow-util.js';
import { FreshtierError } from '../errors.js';

const COMPRESSION = { uncompressed: pq.Compression.UNCOMPRESSED, snappy: pq.Compression.SNAPPY, zstd: pq.Compression.ZSTD, lz4_raw: pq.Compression.LZ4_RAW } as const;

/**
 * The bytes of one Parquet file holding `batches` (all of `schema`), yielded as row
 * groups fill; concatenated they are the file. Input is pulled only as fast as the
 * output is consumed. With no rows, the file holds `schema` and no rows. An error
 * of `batches` is thrown (after the bytes before it: the file is then incomplete).
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * const out = createWriteStream('latest.parquet');
 * for await (const chunk of parquetByteStream(scanner.scan(), schema)) out.write(chunk);
 * ```
 */
export async function* parquetByteStream(batches: AsyncIterable<RecordBatch>, schema: Schema, options: ParquetWriteOptions = {}): AsyncGenerator<Uint8Array> {
  const input = batches[Symbol.asyncIterator]();
  // with no rows, one empty batch still gives the file its schema
  const first = (await nextWithRows(input)) ?? emptyBatch(schema);
  const rowGroupSize = options.rowGroupSize ?? 65_536;
  let props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(rowGroupSize).setCompression(COMPRESSION[options.compression ?? 'snappy']);
  // the dictionary choice of writeParquetFile, sampled from the first batch
  for (const name of uniqueColumns([first], rowGroupSize)) props = props.setColumnDictionaryEnabled(name, false);
  // the logical-type stand-ins of writeParquetFile (parquet-types.ts), chosen by the first batch for the whole file
  const stored = toParquetTypes([first])[0];
  let pending: RecordBatch | undefined = stored;
  // the writer ends the file at an error of its input as at its end: keep the error and throw it
  let failure: { error: unknown } | undefined;
  const source = new ReadableStream<pq.RecordBatch>({
    async pull(controller) {
      try {
        const next = pending ? undefined : await nextWithRows(input);
        const batch = pending ?? (next && storedLike(stored.schema, next));
        pending = undefined;
        if (!batch) return controller.close();
        for (const b of toWasm(batch)) controller.enqueue(b);
      } catch (error) {
        failure = { error };
        controller.error(error);
      }
    },
    async cancel() {
      await input.return?.();
    },
  }, { highWaterMark: 0 });
  const bytes = (await pq.transformParquetStream(source, props.build())) as ReadableStream<Uint8Array>;
  const reader = bytes.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((e: unknown) => {
        throw failure ? failure.error : e;
      });
      if (failure) throw failure.error;
      if (done) return;
      yield value;
    }
  } finally {
    // stopped early (the consumer left, or an error): stop pulling input
    await reader.cancel().catch(() => {});
    await input.return?.();
  }
}

/**
 * `batch` with the stand-in types the file's first batch got. A later value that does not
 * convert exactly (a `date64` that is not a midnight) cannot join a column the file already
 * declared with the stand-in: refused, never rounded.
 */
function storedLike(schema: Schema, batch: RecordBatch): RecordBatch {
  const out = toParquetTypes([batch])[0];
  const differ = schema.fields.find((f, c) => !sameType(f.type, out.schema.fields[c].type));
  if (!differ) return out;
  throw new FreshtierError('SCHEMA_MISMATCH', `Column "${differ.name}" has a value this streamed Parquet file cannot hold exactly as ${String(differ.type)} (the type its first rows were written with, for a Parquet logical type); nothing was rounded. Export it as Arrow IPC or CSV, or write the rows with writeParquetFile, which chooses the column's type from all of them.`, { context: { column: differ.name } });
}

/** The next batch that has rows (empty ones add nothing to a Parquet file). */
async function nextWithRows(input: AsyncIterator<RecordBatch>): Promise<RecordBatch | undefined> {
  for (;;) {
    const r = await input.next();
    if (r.done) return undefined;
    if (r.value.numRows > 0) return r.value;
  }
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray([], f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}

/** A batch in WebAssembly memory, crossing as an IPC stream like writeParquetFile's. */
function toWasm(batch: RecordBatch): pq.RecordBatch[] {
  const table = pq.Table.fromIPCStream(tableToIPC(new Table([withWritableAllNullBools(batch)]), 'stream'));
  try {
    return table.recordBatches();
  } finally {
    table.free(); // the batches hold their own references to the data
  }
}
