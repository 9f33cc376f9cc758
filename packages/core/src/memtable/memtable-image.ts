/**
 * A memtable as a few plain buffers, so another thread can encode its generation
 * (the writer's flush worker). Encoding — dedup, sort, gather, Parquet, key index —
 * is long synchronous work that would otherwise hold the writer's event loop while
 * puts wait for their acks.
 *
 * The image holds what `encodeGeneration` reads, as copies (the memtable itself stays
 * readable until its flush commits, DESIGN.md invariant 2):
 * - each batch's Arrow buffers, copied as they are (a `Data` tree: offset, length, null
 *   count, the four buffers, children, dictionary), typed on the other side from the table
 *   schema — the batch's columns are the table's (puts are conformed to it) or its key
 *   columns (deletes). Copying buffers is a memcpy; Arrow IPC would cost ~10x more here;
 * - each batch's op and the batch row offsets;
 * - the key index (keys, newest ordinal and first batch per key, version links), so
 *   the other thread does not hash every key again.
 * Every array is a fresh copy owning its buffer: `transfer` lists them for `postMessage`.
 */
import { Data, RecordBatch, Schema, Struct, Vector, type DataType, type Dictionary } from 'apache-arrow';
import { schemaFromBase64, schemaToBase64 } from '../arrow/arrow-util.js';
import type { GenerationInput } from '../format/generation-file.js';
import type { Memtable } from './memtable.js';

type Buffer4 = [ArrayBufferView | undefined, ArrayBufferView | undefined, ArrayBufferView | undefined, ArrayBufferView | undefined];

/** One `Data` node's buffers (valueOffsets, values, nullBitmap, typeIds) and children, without its type. */
interface RawData {
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  readonly buffers: Buffer4;
  readonly children: RawData[];
  /** The chunks of a dictionary column's dictionary. */
  readonly dictionary: RawData[] | undefined;
}

/** One batch: its columns as indexes of table schema fields, and their data. */
interface RawBatch {
  readonly op: 'put' | 'delete';
  readonly length: number;
  readonly fields: number[];
  readonly columns: RawData[];
}

/** A memtable's first `batchCount` batches and its key index, as transferable buffers. */
export interface MemtableImage {
  /** The table schema (`schemaToBase64`), which types every column. */
  readonly schema: string;
  readonly batchCount: number;
  readonly batches: RawBatch[];
  /** Ordinal of each batch's first row, for every batch of the memtable, plus the row count. */
  readonly rowOffsets: Int32Array;
  /** Absent on append-only tables. See `Memtable.indexCopy`. */
  readonly index: { arena: Uint8Array; offsets: Uint32Array; count: number; lanes: Int32Array; prev: Int32Array } | undefined;
}

/**
 * Copies the first `batchCount` batches of `m` (whose columns are fields of `schema`) and its key index.
 *
 * @example
 * ```ts
 * import { Worker } from 'node:worker_threads';
 * declare const frozen: Memtable, worker: Worker;
 * const { image, transfer } = memtableImage(frozen, table.schema);
 * worker.postMessage({ image }, transfer);
 * ```
 */
export function memtableImage(m: Memtable, schema: Schema, batchCount = m.batchCount): { image: MemtableImage; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const copy = (b: ArrayBufferView | undefined) => {
    if (!b) return undefined;
    const c = (b as unknown as { slice(): ArrayBufferView }).slice(); // a typed array: copies just its view
    transfer.push(c.buffer as ArrayBuffer);
    return c;
  };
  const raw = (d: Data): RawData => ({
    offset: d.offset, length: d.length, nullCount: d.nullCount,
    buffers: (d.buffers as unknown as (ArrayBufferView | undefined)[]).map(copy) as Buffer4,
    children: d.children.map(raw),
    dictionary: d.dictionary ? d.dictionary.data.map(raw) : undefined,
  });
  const batches: RawBatch[] = [];
  for (let i = 0; i < batchCount; i++) {
    const { batch, op } = m.batch(i);
    const fields = batch.schema.fields.map((f) => {
      const at = schema.fields.findIndex((t) => t.name === f.name);
      if (at < 0) throw new Error(`memtable image: column "${f.name}" of batch ${i} is not in the table schema`);
      return at;
    });
    batches.push({ op, length: batch.numRows, fields, columns: batch.data.children.map(raw) });
  }
  const rowOffsets = Int32Array.from(m.batchRowOffsets);
  const index = m.indexCopy();
  transfer.push(...[rowOffsets, ...(index ? [index.arena, index.offsets, index.lanes, index.prev] : [])].map((a) => a.buffer as ArrayBuffer));
  return { image: { schema: schemaToBase64(schema), batchCount, batches, rowOffsets, index }, transfer };
}

/**
 * What `encodeGeneration` needs, read from an image (the receiving side).
 *
 * @example
 * ```ts
 * declare const image: MemtableImage; // received from the writer thread
 * const g = encodeGeneration(imageInput(image), schema, image.batchCount, { rowGroupSize: 65_536 });
 * ```
 */
export function imageInput(image: MemtableImage): GenerationInput {
  return new ImageInput(image);
}

class ImageInput {
  readonly batchRowOffsets: readonly number[];
  private readonly batches: { batch: RecordBatch; op: 'put' | 'delete' }[] = [];

  constructor(private readonly image: MemtableImage) {
    this.batchRowOffsets = Array.from(image.rowOffsets);
    const schema = schemaFromBase64(image.schema);
    const schemas = new Map<string, Schema>(); // one Schema object per column layout, as batches share theirs
    for (const b of image.batches) {
      const layout = b.fields.join();
      let s = schemas.get(layout);
      if (!s) schemas.set(layout, (s = new Schema(b.fields.map((f) => schema.fields[f]), schema.metadata)));
      const children = b.columns.map((c, j) => revive(s!.fields[j].type, c));
      this.batches.push({ batch: new RecordBatch(s, new Data(new Struct(s.fields), 0, b.length, 0, undefined, children)), op: b.op });
    }
  }

  get keyCount(): number {
    return this.image.index?.count ?? 0;
  }

  get rowCount(): number {
    return this.batchRowOffsets[this.batchRowOffsets.length - 1];
  }

  batch(i: number): { batch: RecordBatch; op: 'put' | 'delete' } {
    const b = this.batches[i];
    if (!b) throw new Error(`memtable image holds ${this.batches.length} batches, not batch ${i}`);
    return b;
  }

  keyEntries(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    const ix = this.image.index;
    return ix ? { arena: ix.arena, offsets: ix.offsets, count: ix.count } : { arena: new Uint8Array(0), offsets: new Uint32Array(1), count: 0 };
  }

  firstBatchOfEntry(entry: number): number {
    return this.image.index!.lanes[2 * entry + 1];
  }

  /** As `Memtable.previousVersion`. */
  previousVersion(ordinal: number): number {
    return this.image.index!.prev[ordinal];
  }

  /** As `Memtable.newestOfEntry`: follow the version links back below the batch limit. */
  newestOfEntry(entry: number, batchLimit = this.batchRowOffsets.length - 1): number {
    const ix = this.image.index!;
    const limit = this.batchRowOffsets[Math.min(batchLimit, this.batchRowOffsets.length - 1)];
    let ord = ix.lanes[2 * entry];
    while (ord >= limit) ord = ix.prev[ord];
    return ord;
  }
}

/** A `Data` from its raw buffers, typed by `type` (the table schema's type of the column). */
function revive(type: DataType, r: RawData): Data {
  const children = r.children.map((c, i) => revive(type.children[i].type, c));
  const dictionary = r.dictionary ? new Vector(r.dictionary.map((d) => revive((type as Dictionary).dictionary, d))) : undefined;
  return new Data(type, r.offset, r.length, r.nullCount, r.buffers as never, children, dictionary);
}
