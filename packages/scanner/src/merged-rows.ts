/**
 * Reading stored states for the merge of engines that are not newest-decides
 * (docs/merge-engines.md): a data file's rows with every table column, the state columns
 * its kind of file carries (`_ft_cut`, `_ft_seq_<column>`) and the tombstone flag, so
 * core's merge can read them like memtable versions. Used by merged lookups and scans.
 */
import {
  TOMBSTONE_COLUMN, conformBatch, stateFields,
  type DataFile, type FileReader, type MergePolicy, type StateLayout, type Table,
} from '@freshtier/core';
import type { Field, RecordBatch } from 'apache-arrow';

/**
 * The fields a merged read decodes from a data file of `kind`: the table's, then its state columns.
 *
 * @example
 * ```ts
 * const fields = stateReadFields(table, policy, 'flushed');
 * ```
 */
export function stateReadFields(table: Table, policy: MergePolicy & StateLayout, kind: 'base' | 'flushed'): Field[] {
  return [...table.schema.fields, ...stateFields(policy, table.schema, kind === 'flushed' ? 'generation' : 'base')];
}

/**
 * Decodes row group `rg` of `file` for the merge: `fields` cast to their types, plus `_ft_tombstone`
 * (flushed files), each batch with the file row of its first row.
 *
 * @example
 * ```ts
 * for (const { batch, first } of decodeStates(bytes, file, 0, fields, reader)) use(batch, first);
 * ```
 */
export function decodeStates(bytes: Uint8Array, file: DataFile, rg: number, fields: readonly Field[], reader: FileReader): { batch: RecordBatch; first: number }[] {
  let first = rg * file.rowGroupSize;
  return reader.readRowGroup(bytes, file, rg).map((raw) => {
    const out = { batch: conformBatch(raw, fields, [TOMBSTONE_COLUMN]), first };
    first += raw.numRows;
    return out;
  });
}

/**
 * Whether row `row` of a decoded state batch is a tombstone (base files hold none).
 *
 * @example
 * ```ts
 * run.push(batch, r, isStoredTombstone(batch, r));
 * ```
 */
export function isStoredTombstone(batch: RecordBatch, row: number): boolean {
  const d = batch.getChild(TOMBSTONE_COLUMN)?.data[0];
  if (!d || !d.getValid(row)) return false;
  const i = d.offset + row;
  return (((d.values as Uint8Array)[i >> 3] >> (i & 7)) & 1) === 1;
}
