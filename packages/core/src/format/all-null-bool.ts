/**
 * Works around an apache-arrow IPC writer shortcut that parquet-wasm rejects: a Bool
 * column whose every value is null is written with an EMPTY values buffer, which
 * arrow-rs refuses ("Need at least 1 bytes for bitmap in buffers[0]"). A batch with
 * such a column could be acked and then never flush. The fix hands the IPC writer
 * a copy of that column whose `nullCount` reads as the true count the first time
 * (the field node and validity bitmap) and as 0 afterwards (so the values buffer is
 * written). arrow-rs validates the null count against the bitmap, so if a future
 * apache-arrow reads it in another order the write fails loudly; the round-trip test
 * `parquet-codec.test.ts › all-null bool` guards the behaviour.
 */
import { RecordBatch, Struct, Type, makeData, type Data } from 'apache-arrow';

/** The batch with every all-null Bool column (at any struct depth) made writable. */
export function withWritableAllNullBools(batch: RecordBatch): RecordBatch {
  const fixed = fixData(batch.data);
  return fixed === batch.data ? batch : new RecordBatch(batch.schema, fixed as Data<Struct>);
}

function fixData(d: Data): Data {
  if (d.type.typeId === Type.Bool && d.length > 0 && d.nullCount >= d.length) return patchedBool(d);
  if (d.type.typeId !== Type.Struct || d.children.length === 0) return d;
  const children = d.children.map(fixData);
  if (children.every((c, i) => c === d.children[i])) return d;
  return makeData({ type: d.type as Struct, length: d.length, offset: d.offset, nullCount: d.nullCount, nullBitmap: d.nullBitmap, children });
}

function patchedBool(d: Data): Data {
  const copy = makeData({ type: d.type as never, length: d.length, nullCount: d.length, nullBitmap: new Uint8Array((d.length + 7) >> 3), data: new Uint8Array((d.length + 7) >> 3) });
  let reads = 0;
  Object.defineProperty(copy, 'nullCount', { get: () => (reads++ === 0 ? d.length : 0) });
  return copy;
}
