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
 * - the version links and where each batch's keys are read (its key column, or the encoded
 *   keys kept for it: `KeySpec`), so the other thread neither hashes nor re-encodes keys: it
 *   derives the distinct keys from the links (memtable-entries.ts).
 * Every array is a fresh copy owning its buffer: `transfer` lists them for `postMessage`.
 */
import { Data, RecordBatch, Schema, Struct, Vector, type DataType, type Dictionary } from 'apache-arrow';
import { schemaFromBase64, schemaToBase64 } from '../arrow/arrow-util.js';
import type { GenerationInput } from '../format/generation-file.js';
import { entriesOf, entryKeys, type EntryView } from './memtable-entries.js';
import type { Memtable, MemtableIndexImage } from './memtable.js';
import { batchFrom } from './memtable-versions.js';
import { rowKeysFromSpec, type KeySpec, type RowKeys } from './row-keys.js';

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
  /** Absent on append-only tables. See `Memtable.indexImage`. */
  readonly index: MemtableIndexImage | undefined;
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
  const index = m.indexImage(batchCount);
  if (index) index.specs.forEach((spec, i) => (index.specs[i] = ownedSpec(spec, transfer)));
  transfer.push(...[rowOffsets, ...(index ? [index.prev] : [])].map((a) => a.buffer as ArrayBuffer));
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
  private readonly rowKeys: RowKeys[] = [];
  private view: EntryView | undefined;

  constructor(private readonly image: MemtableImage) {
    this.batchRowOffsets = Array.from(image.rowOffsets);
    const schema = schemaFromBase64(image.schema);
    const schemas = new Map<string, Schema>(); // one Schema object per column layout, as batches share theirs
    image.batches.forEach((b, i) => {
      const layout = b.fields.join();
      let s = schemas.get(layout);
      if (!s) schemas.set(layout, (s = new Schema(b.fields.map((f) => schema.fields[f]), schema.metadata)));
      const children = b.columns.map((c, j) => revive(s!.fields[j].type, c));
      const batch = new RecordBatch(s, new Data(new Struct(s.fields), 0, b.length, 0, undefined, children));
      this.batches.push({ batch, op: b.op });
      if (image.index) this.rowKeys.push(rowKeysFromSpec(batch, image.index.specs[i]));
    });
  }

  get keyCount(): number {
    return this.image.index?.keyCount ?? 0;
  }

  get rowCount(): number {
    return this.batchRowOffsets[this.batchRowOffsets.length - 1];
  }

  batch(i: number): { batch: RecordBatch; op: 'put' | 'delete' } {
    const b = this.batches[i];
    if (!b) throw new Error(`memtable image holds ${this.batches.length} batches, not batch ${i}`);
    return b;
  }

  /** As `Memtable.keyEntries`, over the image's batches. */
  keyEntries(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    if (!this.image.index) return { arena: new Uint8Array(0), offsets: new Uint32Array(1), count: 0 };
    const view = this.entries();
    return { ...entryKeys(view, this.batchRowOffsets, this.rowKeys), count: view.count };
  }

  firstBatchOfEntry(entry: number): number {
    return (this.firstGuess = batchFrom(this.batchRowOffsets, this.entries().first[entry], this.firstGuess));
  }

  private firstGuess = 0;

  /** As `Memtable.previousVersion`. */
  previousVersion(ordinal: number): number {
    return this.image.index!.prev[ordinal];
  }

  /** As `Memtable.newestOfEntry`: follow the version links back below the batch limit. */
  newestOfEntry(entry: number, batchLimit = this.batches.length): number {
    const prev = this.image.index!.prev;
    const limit = this.batchRowOffsets[Math.min(batchLimit, this.batches.length)];
    let ord = this.entries().newest[entry];
    while (ord >= limit) ord = prev[ord];
    return ord;
  }

  private entries(): EntryView {
    return (this.view ??= entriesOf(this.image.index!.prev, this.image.index!.prev.length));
  }
}

/** A spec whose stored keys the image owns (copies, listed in `transfer`): the memtable keeps its own. */
function ownedSpec(spec: KeySpec, transfer: ArrayBuffer[]): KeySpec {
  if (!('stored' in spec)) return spec;
  const { count, bytes, offsets } = spec.stored;
  const copy = { count, bytes: bytes.slice(), offsets: offsets.slice() };
  transfer.push(copy.bytes.buffer as ArrayBuffer, copy.offsets.buffer as ArrayBuffer);
  return { stored: copy };
}

/** A `Data` from its raw buffers, typed by `type` (the table schema's type of the column). */
function revive(type: DataType, r: RawData): Data {
  const children = r.children.map((c, i) => revive(type.children[i].type, c));
  const dictionary = r.dictionary ? new Vector(r.dictionary.map((d) => revive((type as Dictionary).dictionary, d))) : undefined;
  return new Data(type, r.offset, r.length, r.nullCount, r.buffers as never, children, dictionary);
}
