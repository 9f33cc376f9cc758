/**
 * The state columns: what a stored state (a flushed generation's row, a base file's
 * row) carries beyond the table's columns so that it can later be merged with older
 * tiers exactly as its versions would have been (docs/merge-engines.md "Stored state").
 *
 * - `_ft_cut` (Bool, generation files of every table whose merge is not newest-decides):
 *   a tombstone in this generation ended the key's history before the versions the row
 *   merges, so no older tier may be merged in. Base files need none: compaction merges
 *   every older version of the keys it writes.
 * - `_ft_seq_<column>` (the sequence field's type, generation and base files of
 *   `partial-update` and `aggregate` tables with a sequence field): for each column whose
 *   value follows the sequence order (every non-key column of partial-update; `last`,
 *   `first` and `last-non-null` aggregates), the sequence value of the version that
 *   provided it (null when none did). A merged row alone loses it: a late event with a
 *   smaller sequence value still fills a column every newer version left null.
 * - `_ft_sum_<column>` (Utf8, generation and base files of `aggregate` tables, for `sum` and
 *   `count` columns): the exact sum as a decimal string (null: no value). A partial sum may
 *   leave the column's type where the whole one does not (100 + 100 − 100 in an Int8), so a
 *   stored state keeps it exactly; the column itself then holds the sum where it fits, else
 *   null. Only a read's answer is checked against the type (`AggregateOverflowError`).
 *
 * Raw versions (memtable rows) carry none: their sequence value is their own.
 */
import { Bool, Field, Utf8, type Schema } from 'apache-arrow';

/** The state column flagging a history cut by a tombstone. */
export const CUT_COLUMN = '_ft_cut';

/** Prefix of the per-column sequence state columns (`_ft_seq_<column name>`). */
export const SEQUENCE_COLUMN_PREFIX = '_ft_seq_';

/** Prefix of the exact-sum state columns (`_ft_sum_<column name>`). */
export const SUM_COLUMN_PREFIX = '_ft_sum_';

/**
 * What a policy stores beyond the table's columns.
 *
 * @example
 * ```ts
 * const layout: StateLayout = { storesCut: true, tracked: [2, 3], sequenceIndex: 1, summed: [4], counted: [] };
 * ```
 */
export interface StateLayout {
  /** Generation files carry `_ft_cut`. */
  readonly storesCut: boolean;
  /** Table field indexes whose provider's sequence value a stored state records. */
  readonly tracked: readonly number[];
  /** Field index of the sequence field (-1: none). */
  readonly sequenceIndex: number;
  /** Table field indexes of `sum` and `count` columns, whose exact sum a stored state records. */
  readonly summed: readonly number[];
  /** Those of {@link summed} that are `count` columns. */
  readonly counted: readonly number[];
}

/**
 * The state columns of a stored file: `_ft_cut` (generation files only), `_ft_seq_<c>`, `_ft_sum_<c>`.
 *
 * @example
 * ```ts
 * const extra = stateFields(mergePolicyOf(table), table.schema, 'generation');
 * ```
 */
export function stateFields(layout: StateLayout, schema: Schema, file: 'generation' | 'base'): Field[] {
  const out: Field[] = [];
  if (layout.storesCut && file === 'generation') out.push(new Field(CUT_COLUMN, new Bool(), false));
  for (const i of layout.tracked) out.push(new Field(SEQUENCE_COLUMN_PREFIX + schema.fields[i].name, schema.fields[layout.sequenceIndex].type, true));
  for (const i of layout.summed) out.push(new Field(SUM_COLUMN_PREFIX + schema.fields[i].name, new Utf8(), true));
  return out;
}
