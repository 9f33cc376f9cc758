/**
 * How a scan reads the rows of one data file (scan.ts): which rows are their key's state
 * (`Winners`), and the decoding itself — consecutive row groups a few at a time, and only
 * the columns the scan needs when that is a small part of the file.
 *
 * - Dedup is skipped where no fresh key can hide a row: a base file whose `[pkMin, pkMax]`
 *   holds no fresh key is read without its key columns and without encoding a key; in the
 *   other base files, a row group is probed only when a fresh key lies between its first
 *   and last key (files are sorted by key, docs/format.md §6.2), and then only its blocks
 *   of rows that a fresh key falls in. Flushed rows are matched to
 *   their key's state through their key index (dedup.ts `flushedWinnersAt`): no key needed.
 * - Row groups are decoded up to {@link CHUNK_ROWS} rows per call (parquet-wasm copies the
 *   whole file into WebAssembly on every call), starting with one group and doubling, and
 *   never more than the rows a `limit` still allows: memory stays bounded by a chunk.
 */
import { conformBatch, encodeKeys, keyRangeOf, type BaseFile, type DataFile, type FileReader, type Table } from '@freshtier/core';
import { RecordBatch, Schema, Struct, makeData, type Field } from 'apache-arrow';
import type { FreshIndex } from './dedup.js';

/**
 * 1 for the rows of a decoded batch (file rows `firstRow`…) that are their key's state, 0
 * for the others; undefined: every row is.
 *
 * @example
 * ```ts
 * const allLive: Winners = () => undefined;
 * ```
 */
export type Winners = (batch: RecordBatch, firstRow: number) => Uint8Array | undefined;

/** Files with fewer rows are decoded whole-column even when few columns are needed (see {@link worthProjecting}). */
const PROJECTED_MIN_ROWS = 16_384;

/** Most rows decoded by one call (a few row groups of the default 65,536). */
export const CHUNK_ROWS = 262_144;

/**
 * Test switch: with `shortcuts` off, a scan takes the paths it took before they existed —
 * every base and flushed key encoded and probed, every column decoded one row group at a
 * time, every batch gathered — so tests can check that the shortcuts change no result.
 * Not exported by the package.
 *
 * @example
 * ```ts
 * scanPaths.shortcuts = false; // in a test only
 * ```
 */
export const scanPaths = { shortcuts: true };

/**
 * The winners of a base file's rows, or undefined when no fresh key falls in the file's
 * key range (then every row is its key's state and the keys need not even be decoded).
 *
 * @example
 * ```ts
 * const winners = baseWinners(table, file, index);
 * const needsKeys = winners !== undefined;
 * ```
 */
export function baseWinners(table: Table, file: BaseFile, index: FreshIndex | undefined): Winners | undefined {
  const range = keyRangeOf(file);
  if (!index) return undefined;
  const skip = scanPaths.shortcuts;
  if (skip && (index.size === 0 || (range && !index.anyKeyIn(range.min, range.max)))) return undefined;
  return (batch) => {
    const n = batch.numRows;
    if (skip && (n === 0 || !index.anyKeyIn(keyAt(table, batch, 0), keyAt(table, batch, n - 1)))) return undefined;
    const out = new Uint8Array(n);
    const keys = encodeKeys(batch, table.primaryKey);
    if (!skip) index.baseWinners(keys, out);
    else if (index.sortedBaseWinners(keys, out) === n) return undefined; // nothing masked: no gather
    return out;
  };
}

/** The encoded key of row `r` of a batch (a one-row batch of the key columns: no copy of the other columns). */
function keyAt(table: Table, batch: RecordBatch, r: number): Uint8Array {
  const fields = table.primaryKey.map((name) => batch.schema.fields.find((f) => f.name === name)!);
  const schema = new Schema(fields);
  const children = table.primaryKey.map((name) => batch.getChild(name)!.data[0].slice(r, 1));
  const k = encodeKeys(new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children })), table.primaryKey);
  return k.bytes.subarray(k.offsets[0], k.offsets[1]);
}

/**
 * The winners of a flushed generation's rows (source `ordinal` of the fresh index): found
 * through its key index, or — without shortcuts — by encoding and probing every key.
 * Whether the key columns must be decoded is `needsKeys`.
 *
 * @example
 * ```ts
 * const { winners, needsKeys } = flushedWinners(table, 2, index);
 * ```
 */
export function flushedWinners(table: Table, ordinal: number, index: FreshIndex | undefined): { winners: Winners; needsKeys: boolean } {
  if (!index) return { winners: () => undefined, needsKeys: false };
  if (scanPaths.shortcuts) return { winners: (batch, firstRow) => index.flushedWinnersAt(ordinal, firstRow, batch.numRows), needsKeys: false };
  const winners: Winners = (batch, firstRow) => {
    const out = new Uint8Array(batch.numRows);
    index.flushedWinners(ordinal, encodeKeys(batch, table.primaryKey), firstRow, out);
    return out;
  };
  return { winners, needsKeys: true };
}

/**
 * Decoded, conformed batches of row groups `groups` (ascending) of a data file, each with
 * the file row of its first row. `rowsWanted()` is asked before each chunk (a limit).
 *
 * @example
 * ```ts
 * for await (const { batch, firstRow } of fileBatches(reader, bytes, file, [0, 1, 2], fields, false, () => Infinity)) use(batch, firstRow);
 * ```
 */
export async function* fileBatches(
  reader: FileReader, bytes: Uint8Array, file: DataFile, groups: readonly number[], fields: readonly Field[], projected: boolean, rowsWanted: () => number,
): AsyncGenerator<{ batch: RecordBatch; firstRow: number }> {
  const cap = scanPaths.shortcuts ? Math.max(1, Math.floor(CHUNK_ROWS / file.rowGroupSize)) : 1;
  const names = fields.map((f) => f.name);
  for (let at = 0, chunk = 1; at < groups.length; chunk = Math.min(2 * chunk, cap)) {
    const wanted = rowsWanted();
    if (wanted <= 0) return;
    let n = Math.min(chunk, groups.length - at, Math.max(1, Math.ceil(wanted / file.rowGroupSize)));
    for (let k = 1; k < n; k++) if (groups[at + k] !== groups[at] + k) n = k; // consecutive groups only: file rows stay contiguous
    const part = groups.slice(at, at + n);
    at += n;
    const raws = projected ? await reader.readRowGroupColumns(bytes, file, part, names) : reader.readRowGroup(bytes, file, part);
    let firstRow = part[0] * file.rowGroupSize;
    for (const raw of raws) {
      yield { batch: conformBatch(raw, fields), firstRow }; // tombstones: the fresh index knows them from the key index
      firstRow += raw.numRows;
    }
  }
}

/**
 * Whether to decode only `needed` columns (parquet-wasm's asynchronous reader) rather than
 * every column (its faster synchronous one): when they are at most half the file's columns,
 * in a file of at least {@link PROJECTED_MIN_ROWS} rows.
 *
 * @example
 * ```ts
 * worthProjecting(table, 'base', 1, 100_000); // true on a table of two or more columns
 * ```
 */
export function worthProjecting(table: Table, kind: 'base' | 'flushed', needed: number, rows: number): boolean {
  // opening a file for the asynchronous reader costs about as much as decoding a few thousand rows
  if (!scanPaths.shortcuts || rows < PROJECTED_MIN_ROWS) return false;
  const stored = table.schema.fields.length + (kind === 'flushed' ? 2 : 0); // _ft_batch, _ft_tombstone
  return 2 * needed <= stored;
}
