/**
 * One Parquet file written as its batches arrive, in bounded memory: parquet-wasm's
 * `transformParquetStream` (arrow-rs's ArrowWriter) buffers at most one row group and
 * emits its bytes once the group is full, then the footer at the end. So exporting a
 * scan of any size holds about one row group (plus one input batch), where
 * {@link writeParquetFile} holds the whole table and its encoding.
 */
import { RecordBatch, Struct, Table, makeData, tableToIPC, vectorFromArray, type Schema } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { withWritableAllNullBools } from './all-null-bool.js';
import type { ParquetWriteOptions } from './parquet-codec.js';
import { uniqueColumns } from './parquet-dictionary.js';

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
  let pending: RecordBatch | undefined = first;
  // the writer ends the file at an error of its input as at its end: keep the error and throw it
  let failure: { error: unknown } | undefined;
  const source = new ReadableStream<pq.RecordBatch>({
    async pull(controller) {
      try {
        const batch = pending ?? (await nextWithRows(input));
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
