/**
 * Arrow IPC stream output (`--format arrow`), written batch by batch. apache-arrow's
 * `RecordBatchStreamWriter` queues its output until the end (no way to take bytes
 * between batches without reading its internals), so each batch is encoded on its own
 * with `tableToIPC(…, 'stream')` — a schema message, the batch's messages, an
 * end-of-stream marker — and the pieces are joined into one stream: the schema once
 * (first), each batch's messages, one end-of-stream marker (last). Each message is
 * framed as the IPC format specifies (continuation 0xFFFFFFFF, int32 metadata length,
 * metadata, body), so stripping is exact. Dictionaries of a later batch are sent again
 * as replacements, which the stream format allows.
 */
import { Table, tableToIPC, type RecordBatch, type Schema } from 'apache-arrow';

/** The end-of-stream marker: continuation token and a zero metadata length. */
const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/**
 * Encodes `batches` as one Arrow IPC stream of `schema`, yielding bytes as batches
 * arrive (the schema first, even with no batch).
 *
 * @example
 * ```ts
 * for await (const bytes of ipcByteStream(scanner.scan(), schema)) out.write(bytes);
 * ```
 */
export async function* ipcByteStream(batches: AsyncIterable<RecordBatch>, schema: Schema): AsyncGenerator<Uint8Array> {
  const head = tableToIPC(new Table(schema), 'stream');
  const schemaBytes = messageLength(head, 0);
  yield head.subarray(0, schemaBytes);
  for await (const batch of batches) {
    const bytes = tableToIPC(new Table(schema, [batch] as never), 'stream');
    const skip = messageLength(bytes, 0); // this batch's own schema message
    if (!endsWithEndOfStream(bytes)) throw new Error('apache-arrow wrote an IPC stream without its end-of-stream marker');
    yield bytes.subarray(skip, bytes.length - END_OF_STREAM.length);
  }
  yield END_OF_STREAM;
}

/** The length of the (body-less) schema message at `at`: 8 framing bytes plus its padded metadata. */
function messageLength(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  if (view.getUint32(0, true) !== 0xffffffff) throw new Error('unexpected IPC framing from apache-arrow (no continuation marker)');
  return 8 + view.getInt32(4, true);
}

function endsWithEndOfStream(bytes: Uint8Array): boolean {
  const tail = bytes.subarray(bytes.length - END_OF_STREAM.length);
  return tail.length === END_OF_STREAM.length && tail.every((b, i) => b === END_OF_STREAM[i]);
}
