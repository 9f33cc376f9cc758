/**
 * The flushed-generation file format: how one frozen memtable becomes a Parquet
 * data file plus its key index (DESIGN.md "Write path").
 *
 * 1. Merge within the generation: one row per key, its state under the table's merge
 *    policy (the one merge, merge-versions.ts); a deleted key keeps its newest version,
 *    a tombstone, which hides the key's versions in older tiers.
 * 2. Sort by encoded primary key, so scans can merge sorted runs and lookups binary-search.
 * 3. Gather the rows into the data file's schema: the table's fields (all nullable,
 *    a tombstone holds only its key) plus system columns
 *    - `_ft_batch` (Int32): the batch of the generation the row version came from;
 *    - `_ft_tombstone` (Bool): the row is a delete.
 *    Other Parquet readers see two extra columns and can ignore them.
 * 4. Build the key index: keys ascending, their row, the *first* batch of the
 *    generation that held the key (so `containsPksAsOf` stays exact after the
 *    flush, invariant 10), and the tombstone flag.
 *
 * Append-only tables skip 1, 2 and 4: rows keep their order and there is no index.
 * When step 3 would take every row of every batch in order (keys that arrived ascending,
 * each once, no delete), the file is written from the batches themselves, without a copy.
 *
 * Engines other than deduplicate-without-sequence-field (docs/merge-engines.md) store each
 * key's merged state, built by the merge (`StateAssembler`): a row whose columns may come
 * from several versions, plus the state columns of merge-state-columns.ts after the two
 * above — `_ft_cut` (a tombstone in this generation cut the key's history: older tiers are
 * not merged in) and, with a sequence field, `_ft_seq_<column>`. `_ft_batch` is then the
 * batch of the key's newest version.
 *
 * Folder `format/`: the bytes of stored objects — this file (flushed generations), the
 * key index (key-index.ts), Parquet (parquet-codec.ts, parquet-dictionary.ts, all-null-bool.ts)
 * and WAL entries (wal-codec.ts, checksummed with crc32.ts).
 */
import { Bool, Field, Int32, RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';
import { nullableSchema, sameType } from '../arrow/arrow-util.js';
import { gatherColumn, type RowSelection } from '../arrow/gather.js';
import type { KeyIndex } from './key-index.js';
import type { Memtable, MemtableBatch } from '../memtable/memtable.js';
import { writeParquetFile, type ParquetWriteOptions } from './parquet-codec.js';
import { sortKeyIds } from '../keys/key-sort.js';
import { DEDUPLICATE, DELETED, MergedState, type MergePolicy } from '../merge/merge-versions.js';
import { StateAssembler } from '../merge/merge-assembler.js';
import { stateFields, type StateLayout } from '../merge/merge-state-columns.js';
import { MemtableVersions, batchOfOrdinal } from '../memtable/memtable-versions.js';
import { keyToHex } from '../keys/pk-encoding.js';

/** Name of the system column holding each row's batch index within its generation. */
export const BATCH_COLUMN = '_ft_batch';
/** Name of the system column flagging tombstones. */
export const TOMBSTONE_COLUMN = '_ft_tombstone';

/**
 * The schema of a flushed generation's data file (with `layout`, a policy's: its state columns too).
 *
 * @example
 * ```ts
 * const fileSchema = generationFileSchema(table.schema, mergePolicyOf(table));
 * ```
 */
export function generationFileSchema(schema: Schema, layout?: StateLayout): Schema {
  const state = layout ? stateFields(layout, schema, 'generation') : [];
  return nullableSchema(schema, [new Field(BATCH_COLUMN, new Int32(), false), new Field(TOMBSTONE_COLUMN, new Bool(), false), ...state]);
}

/**
 * What encoding reads from a memtable: a `Memtable`, or a `MemtableImage` of one
 * rebuilt in another thread (the writer's flush worker).
 */
export type GenerationInput = Pick<Memtable, 'keyCount' | 'rowCount' | 'batchRowOffsets' | 'keyEntries' | 'firstBatchOfEntry' | 'newestOfEntry' | 'previousVersion'> & {
  batch(i: number): Pick<MemtableBatch, 'batch' | 'op'>;
};

/** A generation ready to upload. */
export interface EncodedGeneration {
  parquet: Uint8Array;
  /** Absent on append-only tables. */
  keyIndex: KeyIndex | undefined;
  rows: number;
  pkMin?: string;
  pkMax?: string;
}

/**
 * Encodes the first `batchCount` batches of a memtable as a generation file, each
 * key's versions merged by `policy` (the table's, `mergePolicyOf(table)`).
 *
 * @example
 * ```ts
 * declare const frozen: Memtable;
 * const dataPath = layout.generationFile(0, frozen.generation, 1); // shard 0, epoch 1
 * const g = encodeGeneration(frozen, table.schema, frozen.batchCount, { rowGroupSize: 65_536 });
 * await store.putIfAbsent(dataPath, g.parquet);
 * ```
 */
export function encodeGeneration(
  memtable: GenerationInput, schema: Schema, batchCount: number, options: ParquetWriteOptions = {}, policy: MergePolicy & Partial<StateLayout> = DEDUPLICATE,
): EncodedGeneration {
  if (!policy.newestDecides && memtable.keyCount > 0) return encodeMerged(memtable, schema, batchCount, options, policy as MergePolicy & StateLayout);
  const picked = memtable.keyCount > 0 || memtable.rowCount === 0 ? mergedSorted(memtable, batchCount, policy) : allRows(memtable, batchCount);
  const batches = Array.from({ length: batchCount }, (_, i) => memtable.batch(i).batch);
  const sel: RowSelection = { count: picked.count, batchOf: picked.batchOf, rowOf: picked.rowOf };
  const fileSchema = generationFileSchema(schema);
  const whole = wholeBatches(memtable, batches, schema, sel);
  if (whole) {
    const parts = whole.map((columns, b) => fileBatch(fileSchema, columns, sel, b, batches)).filter((p) => p.numRows > 0);
    return encoded(writeParquetFile(parts, options), picked.index, sel.count);
  }
  const children = schema.fields.map((f) => gatherColumn(batches, f.name, f.type, sel));
  children.push(makeData({ type: new Int32(), length: sel.count, data: sel.batchOf }));
  children.push(tombstoneData(memtable, sel, picked.index?.tombstone));
  const data = makeData({ type: new Struct(fileSchema.fields), length: sel.count, nullCount: 0, children });
  return encoded(writeParquetFile([new RecordBatch(fileSchema, data)], options), picked.index, sel.count);
}

/**
 * The columns of every batch, when the selection is every row of every batch in order
 * (keys that arrived ascending, each once, and no delete): the file is the batches
 * themselves, and gathering would only copy them. Otherwise undefined.
 */
function wholeBatches(m: GenerationInput, batches: readonly RecordBatch[], schema: Schema, sel: RowSelection): Data[][] | undefined {
  let i = 0;
  for (let b = 0; b < batches.length; b++) {
    if (m.batch(b).op === 'delete') return undefined;
    for (let r = 0; r < batches[b].numRows; r++, i++) if (sel.batchOf[i] !== b || sel.rowOf[i] !== r) return undefined;
  }
  if (i !== sel.count || sel.count === 0) return undefined;
  const columns = batches.map((batch) => schema.fields.map((f) => {
    const v = batch.getChild(f.name);
    return v && v.data.length === 1 && sameType(v.type, f.type) ? v.data[0] : undefined;
  }));
  return columns.every((c) => c.every((d) => d !== undefined)) ? (columns as Data[][]) : undefined;
}

/** Batch `b` of the data file: its own columns, then its rows' `_ft_batch` (all `b`) and `_ft_tombstone` (none). */
function fileBatch(fileSchema: Schema, columns: Data[], sel: RowSelection, b: number, batches: readonly RecordBatch[]): RecordBatch {
  const n = batches[b].numRows;
  let from = 0;
  for (let k = 0; k < b; k++) from += batches[k].numRows;
  const system = [makeData({ type: new Int32(), length: n, data: sel.batchOf.subarray(from, from + n) }), makeData({ type: new Bool(), length: n, data: new Uint8Array((n + 7) >> 3) })];
  return new RecordBatch(fileSchema, makeData({ type: new Struct(fileSchema.fields), length: n, nullCount: 0, children: [...columns, ...system] }));
}

function encoded(parquet: Uint8Array, keyIndex: KeyIndex | undefined, rows: number): EncodedGeneration {
  const last = keyIndex && keyIndex.count > 0 ? keyIndex.count - 1 : -1;
  return {
    parquet, keyIndex, rows,
    pkMin: last >= 0 ? keyToHex(keyIndex!.keyBytes.subarray(keyIndex!.keyOffsets[0], keyIndex!.keyOffsets[1])) : undefined,
    pkMax: last >= 0 ? keyToHex(keyIndex!.keyBytes.subarray(keyIndex!.keyOffsets[last], keyIndex!.keyOffsets[last + 1])) : undefined,
  };
}

/** Engines that are not newest-decides: each key's merged state (see the module doc), sorted by key. */
function encodeMerged(m: GenerationInput, schema: Schema, batchCount: number, options: ParquetWriteOptions, policy: MergePolicy & StateLayout): EncodedGeneration {
  const { arena, offsets, order } = sortedEntries(m, batchCount);
  const n = order.length;
  const index = keyIndexOf(m, order, arena, offsets);
  const batchOf = new Int32Array(n);
  const versions = new MemtableVersions(m);
  const state = new MergedState(schema.fields.length);
  const out = new StateAssembler(policy, schema, schema.fields, 'generation');
  for (let i = 0; i < n; i++) {
    const newest = m.newestOfEntry(order[i], batchCount);
    policy.merge(versions.load(newest), state);
    out.add(versions, state);
    batchOf[i] = batchOfOrdinal(m.batchRowOffsets, newest, versions.lastBatch);
    index.tombstone[i] = state.deleted ? 1 : 0;
  }
  const body = out.finish();
  const fileSchema = generationFileSchema(schema, policy);
  const own = schema.fields.length;
  const children = [...body.data.children.slice(0, own), makeData({ type: new Int32(), length: n, data: batchOf }), bitsData(index.tombstone), ...body.data.children.slice(own)];
  const data = makeData({ type: new Struct(fileSchema.fields), length: n, nullCount: 0, children });
  return encoded(writeParquetFile([new RecordBatch(fileSchema, data)], options), index, n);
}

interface Picked {
  count: number;
  batchOf: Int32Array;
  rowOf: Int32Array;
  index: KeyIndex | undefined;
}

function allRows(m: GenerationInput, batchCount: number): Picked {
  const n = m.batchRowOffsets[batchCount];
  const batchOf = new Int32Array(n);
  const rowOf = new Int32Array(n);
  for (let b = 0, i = 0; b < batchCount; b++) {
    for (let r = 0; r < m.batch(b).batch.numRows; r++, i++) {
      batchOf[i] = b;
      rowOf[i] = r;
    }
  }
  return { count: n, batchOf, rowOf, index: undefined };
}

function mergedSorted(m: GenerationInput, batchCount: number, policy: MergePolicy): Picked {
  const { arena, offsets, order } = sortedEntries(m, batchCount);
  return pickInOrder(m, order, arena, offsets, batchCount, policy);
}

/** The key entries held within the first `batchCount` batches, in key order. */
function sortedEntries(m: GenerationInput, batchCount: number): { arena: Uint8Array; offsets: Uint32Array; order: Uint32Array } {
  const { arena, offsets, count } = m.keyEntries();
  const ids = new Uint32Array(count);
  let n = 0;
  for (let e = 0; e < count; e++) if (m.firstBatchOfEntry(e) < batchCount) ids[n++] = e;
  return { arena, offsets, order: sortKeyIds(arena, offsets, ids.subarray(0, n)) };
}

/** The key index of entries `order` (rows = positions; tombstone flags left for the caller). */
function keyIndexOf(m: GenerationInput, order: Uint32Array, arena: Uint8Array, offsets: Uint32Array): KeyIndex & { tombstone: Uint8Array } {
  const n = order.length;
  // entries already in key order (keys that arrive ascending): `keyEntries` gave a fresh arena, used as it is
  const inOrder = offsets[0] === 0 && order.every((e, i) => e === i);
  const keyOffsets = inOrder ? Int32Array.from(offsets.subarray(0, n + 1)) : new Int32Array(n + 1);
  if (!inOrder) for (let i = 0; i < n; i++) keyOffsets[i + 1] = keyOffsets[i] + offsets[order[i] + 1] - offsets[order[i]];
  const keyBytes = inOrder ? arena.subarray(0, keyOffsets[n]) : new Uint8Array(keyOffsets[n]);
  const firstBatch = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = order[i];
    if (!inOrder) for (let k = offsets[e], p = keyOffsets[i]; k < offsets[e + 1]; k++) keyBytes[p++] = arena[k]; // no view per key
    firstBatch[i] = m.firstBatchOfEntry(e);
  }
  return { count: n, keyBytes, keyOffsets, rows: Uint32Array.from({ length: n }, (_, i) => i), firstBatch, tombstone: new Uint8Array(n) };
}

function pickInOrder(m: GenerationInput, order: Uint32Array, arena: Uint8Array, offsets: Uint32Array, batchCount: number, policy: MergePolicy): Picked {
  const n = order.length;
  const batchOf = new Int32Array(n);
  const rowOf = new Int32Array(n);
  const index = keyIndexOf(m, order, arena, offsets);
  const rowOffsets = m.batchRowOffsets;
  const versions = new MemtableVersions(m);
  for (let i = 0; i < n; i++) {
    const newest = m.newestOfEntry(order[i], batchCount);
    const winner = versions.winner(newest, policy);
    const ord = winner === DELETED ? newest : winner; // a deleted key is stored as its newest version, a tombstone
    const b = batchOfOrdinal(rowOffsets, ord, versions.lastBatch); // the merge has usually just looked this ordinal up
    batchOf[i] = b;
    rowOf[i] = ord - rowOffsets[b];
    index.tombstone[i] = winner === DELETED ? 1 : 0;
  }
  return { count: n, batchOf, rowOf, index };
}

/** The tombstone bits: the merge's answer per key (keyed), or each row's batch op (append-only). */
function tombstoneData(m: GenerationInput, sel: RowSelection, merged: Uint8Array | undefined) {
  if (merged) return bitsData(merged);
  const bits = new Uint8Array((sel.count + 7) >> 3);
  for (let i = 0; i < sel.count; i++) if (m.batch(sel.batchOf[i]).op === 'delete') bits[i >> 3] |= 1 << (i & 7);
  return makeData({ type: new Bool(), length: sel.count, data: bits });
}

function bitsData(flags: Uint8Array) {
  const bits = new Uint8Array((flags.length + 7) >> 3);
  for (let i = 0; i < flags.length; i++) if (flags[i]) bits[i >> 3] |= 1 << (i & 7);
  return makeData({ type: new Bool(), length: flags.length, data: bits });
}
