/**
 * Deterministic benchmark data. Every system gets the same rows: Arrow 21 record
 * batches here, converted per peer (IPC bytes for peers with their own Arrow,
 * plain columns for DuckDB) before any clock starts.
 */
import type { Sizes } from './peers/types.js';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray } from 'apache-arrow';

/** The benchmark table: `id` is the primary key; `label` is ~20 ASCII bytes. */
export const benchSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('qty', new Int32(), false),
  new Field('price', new Float64(), false),
  new Field('label', new Utf8(), false),
]);

/** Shape of one stream of batches. */
export interface StreamSpec {
  /** Total rows emitted, updates included. */
  rows: number;
  /** Rows per batch (default 1,000). */
  batchRows?: number;
  /** Fraction of each batch that rewrites keys already written (default 0.1). */
  updateFraction?: number;
  /** Producers sharing the key space (default 1) and which one this stream is. */
  producers?: number;
  producer?: number;
  /** Keys already in the table (producer-local indexes below this exist), so updates may hit them. */
  existingKeys?: number;
  /** Seed of the stream's PRNG; the same spec always yields the same rows. */
  seed?: number;
  /** Distinguishes rewrites of the same key (goes into `label`), e.g. the generation number. */
  version?: number;
}

/** splitmix32: tiny, fast and good enough to pick keys reproducibly. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/**
 * Producer `p` of `P` owns the keys `local * P + p`, so concurrent producers never
 * write the same key and no system has to resolve cross-producer conflicts.
 */
function keyOf(local: number, producers: number, producer: number): bigint {
  return BigInt(local * producers + producer);
}

/**
 * Yields batches of {@link benchSchema}. Each batch holds `updateFraction` rewrites of
 * distinct earlier keys (none in the very first batch of an empty table) and fresh keys
 * for the rest; keys are distinct within a batch, because LanceDB's `mergeInsert` and
 * DuckDB's `INSERT OR REPLACE` reject a source that names a key twice.
 */
export function* batchStream(spec: StreamSpec): Generator<RecordBatch> {
  const batchRows = spec.batchRows ?? 1_000;
  const fraction = spec.updateFraction ?? 0.1;
  const producers = spec.producers ?? 1;
  const producer = spec.producer ?? 0;
  const version = spec.version ?? 0;
  const rand = prng((spec.seed ?? 1) * 7919 + producer);
  let known = spec.existingKeys !== undefined ? Math.ceil((spec.existingKeys - producer) / producers) : 0;
  let emitted = 0;
  while (emitted < spec.rows) {
    const n = Math.min(batchRows, spec.rows - emitted);
    const updates = Math.min(Math.round(n * fraction), known);
    const locals: number[] = [];
    const picked = new Set<number>();
    while (picked.size < updates) picked.add(Math.floor(rand() * known));
    for (const k of picked) locals.push(k);
    for (let i = locals.length; i < n; i++) locals.push(known++);
    yield makeBatch(locals.map((l) => keyOf(l, producers, producer)), version, rand);
    emitted += n;
  }
}

const encoder = new TextEncoder();

/** Builds one batch with exact-size buffers, so `arrowBytes` is the data's real size. */
function makeBatch(ids: bigint[], version: number, rand: () => number): RecordBatch {
  const n = ids.length;
  const id = BigInt64Array.from(ids);
  const qty = new Int32Array(n);
  const price = new Float64Array(n);
  const offsets = new Int32Array(n + 1);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    qty[i] = Math.floor(rand() * 1_000_000);
    price[i] = Math.round(rand() * 1e6) / 100;
    // 20 bytes: "sku-" + 10-digit id + "-v" + 4-digit version.
    const text = encoder.encode(`sku-${ids[i].toString().padStart(10, '0')}-v${String(version % 10_000).padStart(4, '0')}`);
    chunks.push(text);
    offsets[i + 1] = offsets[i] + text.length;
  }
  const values = new Uint8Array(offsets[n]);
  chunks.forEach((c, i) => values.set(c, offsets[i]));
  const children = [
    makeData({ type: new Int64(), length: n, data: id }),
    makeData({ type: new Int32(), length: n, data: qty }),
    makeData({ type: new Float64(), length: n, data: price }),
    makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: values }),
  ];
  return new RecordBatch(benchSchema, makeData({ type: new Struct(benchSchema.fields), length: n, nullCount: 0, children }));
}

/**
 * Arrow bytes of one row of {@link benchSchema}: 8 (id) + 4 (qty) + 8 (price) + 20 (label)
 * + 4 (label offset). Used for results a system does not hand back as our Arrow batches.
 */
export const ROW_BYTES = 44;

/** All batches of a stream, materialized before a clock starts. */
export function collect(spec: StreamSpec): RecordBatch[] {
  return [...batchStream(spec)];
}

/** Bytes of the batches' Arrow buffers: the unit of every MB/s figure. */
export function arrowBytes(batches: RecordBatch | RecordBatch[] | Table): number {
  const list = batches instanceof Table ? batches.batches : Array.isArray(batches) ? batches : [batches];
  return list.reduce((sum, b) => sum + b.data.byteLength, 0);
}

/** Rows in a list of batches. */
export function rowCount(batches: RecordBatch[]): number {
  return batches.reduce((sum, b) => sum + b.numRows, 0);
}

/** Arrow IPC stream bytes, for peers that re-read them with their own Arrow version. */
export function toIpc(batches: RecordBatch | RecordBatch[]): Uint8Array {
  return tableToIPC(new Table(Array.isArray(batches) ? batches : [batches]), 'stream');
}

/** Plain columns, for APIs that take JS values (DuckDB's data chunks). */
export interface Columns {
  id: bigint[];
  qty: number[];
  price: number[];
  label: string[];
}

/** Converts a batch to {@link Columns}. */
export function toColumns(batch: RecordBatch): Columns {
  const col = <T>(name: string) => Array.from(batch.getChild(name)!.toArray() as ArrayLike<T>);
  return { id: col<bigint>('id'), qty: col<number>('qty'), price: col<number>('price'), label: [...batch.getChild('label')!] as string[] };
}

/**
 * The "latest state" fixture shared by scan, containsPks and compaction: a base of
 * `tableRows` keys, then `generations` flushed generations and one more for the
 * memtables, each `tableRows / 20` rows (10% rewrites of earlier keys), one batch each so
 * a peer can apply a generation as one `mergeInsert`/`INSERT OR REPLACE`.
 */
export function stateFixture(tableRows: number, generations: number): { base: StreamSpec; deltas: StreamSpec[] } {
  const base: StreamSpec = { rows: tableRows, batchRows: 65_536, updateFraction: 0, seed: 11 };
  const deltaRows = Math.max(1, Math.floor(tableRows / 20));
  const deltas: StreamSpec[] = [];
  for (let g = 0; g <= generations; g++) {
    // Each generation's fresh keys start after those of the base and earlier generations.
    const existing = tableRows + g * (deltaRows - Math.round(deltaRows * 0.1));
    deltas.push({ rows: deltaRows, batchRows: deltaRows, existingKeys: existing, seed: 100 + g, version: g + 1 });
  }
  return { base, deltas };
}

/**
 * Keys for a membership check: `count` distinct keys, half of them present in the
 * fixture's base, half beyond any key ever written, so half the answers are "absent".
 */
export function lookupKeys(count: number, tableRows: number): bigint[] {
  const rand = prng(4242);
  const present = new Set<number>();
  const wanted = Math.min(Math.ceil(count / 2), tableRows);
  while (present.size < wanted) present.add(Math.floor(rand() * tableRows));
  const keys = [...present].map(BigInt);
  for (let i = 0; keys.length < count; i++) keys.push(BigInt(tableRows * 4 + i));
  return keys;
}

/**
 * The stream workloads' producers: `producers` streams sharing `streamRows`; `upsert`
 * rewrites `updateFraction` of each batch, `append` writes only fresh keys.
 */
export function producerSpecs(sizes: Sizes, kind: 'upsert' | 'append'): StreamSpec[] {
  const per = Math.ceil(sizes.streamRows / sizes.producers);
  return Array.from({ length: sizes.producers }, (_, p) => ({
    rows: Math.min(per, sizes.streamRows - p * per),
    batchRows: sizes.batchRows,
    updateFraction: kind === 'upsert' ? sizes.updateFraction : 0,
    producers: sizes.producers,
    producer: p,
    seed: kind === 'upsert' ? 21 : 31,
  }));
}

/** The table of the compaction benches: `id` key, and values that say which version wrote them. */
export const versionedSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('v', new Int32(), true),
  new Field('f', new Float64(), true),
  new Field('s', new Utf8(), true),
]);

/**
 * Rows `ids` of {@link versionedSchema}, every value stamped with `version` (an update round
 * rewrites the same keys with the next version, so a merge that keeps an older row shows).
 *
 * @example
 * ```ts
 * const b = versionedBatch(BigInt64Array.from([1n, 2n]), 3); // v = 3, s = 'user-1-v3', …
 * ```
 */
export function versionedBatch(ids: BigInt64Array, version: number): RecordBatch {
  const n = ids.length;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: new Int32Array(n).fill(version) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: Float64Array.from(ids, (id) => Number(id) * 0.5 + version) }),
    vectorFromArray(Array.from(ids, (id) => `user-${id}-v${version}`), new Utf8()).data[0],
  ];
  return new RecordBatch(versionedSchema, makeData({ type: new Struct(versionedSchema.fields), length: n, nullCount: 0, children }));
}
