/**
 * What a put must satisfy, and how it is stored, under the table's merge options
 * (docs/merge-engines.md). `Table.conform` applies it to every put and ingested batch
 * before anything is written, so the WAL, memtables and files only ever hold
 * checked versions:
 * - partial-update: a column the batch leaves out (not a key, not the sequence field)
 *   becomes nulls — "keep the older value", the same as a null;
 * - the sequence field holds a value on every row (never null; a float never NaN): a
 *   version without one could not be ordered;
 * - aggregate `count` columns store 1 where the put holds a value and 0 where it holds
 *   null: a version counts once, and merging states then sums their counts.
 */
import { Field, Type, type Data, type RecordBatch, type Schema } from 'apache-arrow';
import { conformBatch } from '../batch-cast.js';
import { SchemaMismatchError } from '../errors.js';
import { integerData } from '../merge/merge-assembler.js';
import { aggregateOf, type MergeSpec } from '../merge/merge-spec.js';
import { isValid, valueAt } from '../merge/merge-values.js';

/**
 * Whether a put may leave column `name` out (partial-update, non-key, not the sequence field).
 *
 * @example
 * ```ts
 * if (!mayOmit(doc, 'name')) throw new SchemaMismatchError('missing column "name"');
 * ```
 */
export function mayOmit(doc: MergeSpec & { primaryKey: readonly string[] }, name: string): boolean {
  return doc.mergeEngine === 'partial-update' && !doc.primaryKey.includes(name) && name !== doc.sequenceField;
}

/**
 * An all-null column of `field`'s type, `rows` long (a column a partial put left out).
 *
 * @example
 * ```ts
 * const nulls = omittedColumn(table.schema.fields[2], batch.numRows);
 * ```
 */
export function omittedColumn(field: Field, rows: number, like: RecordBatch): Data {
  return conformBatch(like, [new Field(field.name, field.type, true)]).data.children[0];
}

/**
 * Checks the sequence field and stores `count` cells as 1/0: the columns of a conformed put
 * (table order) as the table keeps them. Throws `SchemaMismatchError` before anything is written.
 *
 * @example
 * ```ts
 * const children = mergeInput(doc, schema, children);
 * ```
 */
export function mergeInput(doc: MergeSpec & { primaryKey: readonly string[] }, schema: Schema, children: Data[]): Data[] {
  if (doc.sequenceField !== undefined) checkSequence(doc.sequenceField, schema, children);
  if (doc.mergeEngine !== 'aggregate') return children;
  const fns = aggregateOf(doc, schema.fields, doc.primaryKey);
  return children.map((d, i) => (fns[i] === 'count' ? countCells(schema.fields[i], d) : d));
}

function checkSequence(name: string, schema: Schema, children: Data[]): void {
  const i = schema.fields.findIndex((f) => f.name === name);
  const d = children[i];
  const isFloat = schema.fields[i].type.typeId === Type.Float;
  for (let r = 0; r < d.length; r++) {
    if (!isValid(d, r)) throw new SchemaMismatchError(`column "${name}" is the table's sequence field and is null at row ${r}: every put must give each row a sequence value, which orders the versions of its key`, { column: name, row: r });
    if (isFloat && Number.isNaN(valueAt(schema.fields[i].type, d, r) as number)) throw new SchemaMismatchError(`column "${name}" is the table's sequence field and is NaN at row ${r}: NaN orders nowhere, give a number`, { column: name, row: r });
  }
}

function countCells(field: Field, d: Data): Data {
  const values: bigint[] = [];
  for (let r = 0; r < d.length; r++) values.push(isValid(d, r) ? 1n : 0n);
  return integerData(field.type, values);
}
