/**
 * The rules of each schema change (schema-change.ts): what it does to the columns, the key and
 * the merge options, and when it is refused.
 * - add-column: a valid, unused name; a required column needs a default (older rows have no value);
 *   an aggregate function only on an `aggregate` table.
 * - widen-column: a widening schema-widen.ts takes; never on a key column (keys are stored in
 *   their type's key encoding) or the sequence field (its stored state has the old type).
 * - rename-column: to a valid, unused name; also key columns and the sequence field.
 * - drop-column: not a key column, not the sequence field, not the only column.
 * - make-nullable: a required column that is neither a key column nor the sequence field.
 * The resulting merge options are checked against the new schema by the caller.
 */
import { Field, type DataType } from 'apache-arrow';
import type { SchemaChangeRefusedError } from '../errors.js';
import type { MergeSpec } from '../merge/merge-spec.js';
import { columnNameProblems } from '../table/column-names.js';
import type { SchemaChange } from './schema-change.js';
import { encodeDefault } from './schema-default.js';
import type { SchemaField, TableSchema } from './schema-record.js';
import { WIDENINGS, wideningProblem, widenedDefault } from './schema-widen.js';

/**
 * Makes the refusal of the change being applied (reason, what to do, extra context).
 *
 * @example
 * ```ts
 * throw refuse('"id" is a primary-key column', 'Key columns can only be renamed');
 * ```
 */
export type Refuse = (reason: string, todo: string, context?: Record<string, unknown>) => SchemaChangeRefusedError;

/**
 * The columns, key and merge options after a change, before they are numbered as a version.
 *
 * @example
 * ```ts
 * const draft = draftOf(state, { kind: 'drop-column', name: 'old' }, refuse);
 * ```
 */
export interface Draft {
  readonly fields: SchemaField[];
  readonly arrowFields: Field[];
  readonly primaryKey: string[];
  readonly mergeSpec: MergeSpec;
  readonly lastFieldId: number;
}

/** One column of the current schema, by name. */
interface Column { readonly index: number; readonly field: Field; readonly isKey: boolean; readonly isSequence: boolean }

/**
 * Applies one change's rules to `state`, or throws `refuse(...)`.
 *
 * @example
 * ```ts
 * const draft = draftOf(state, { kind: 'make-nullable', name: 'note' }, refuse);
 * ```
 */
export function draftOf(state: TableSchema, change: SchemaChange, refuse: Refuse): Draft {
  const same: Draft = { fields: [...state.fields], arrowFields: [...state.arrow.fields], primaryKey: [...state.primaryKey], mergeSpec: { ...state.mergeSpec }, lastFieldId: state.lastFieldId };
  switch (change.kind) {
    case 'add-column': return add(state, same, change, refuse);
    case 'widen-column': return widen(same, columnOf(state, change.name, refuse), change.type, refuse);
    case 'rename-column': return rename(state, same, columnOf(state, change.name, refuse), change.to, refuse);
    case 'drop-column': return drop(state, same, columnOf(state, change.name, refuse), refuse);
    case 'make-nullable': return makeNullable(same, columnOf(state, change.name, refuse), refuse);
    default: throw refuse(`"${(change as { kind: unknown }).kind}" is not a kind of schema change`, 'Use add-column, widen-column, rename-column, drop-column or make-nullable');
  }
}

function columnOf(state: TableSchema, name: string, refuse: Refuse): Column {
  const index = state.arrow.fields.findIndex((f) => f.name === name);
  if (index < 0) throw refuse(`the table has no column "${name}" (its columns: ${state.arrow.fields.map((f) => f.name).join(', ')})`, 'Name a column of the current schema (Table.schema)');
  return { index, field: state.arrow.fields[index], isKey: state.primaryKey.includes(name), isSequence: state.mergeSpec.sequenceField === name };
}

/** Refuses a name a new or renamed column cannot take: empty, reserved, or another column's. */
function checkNewName(state: TableSchema, name: string, refuse: Refuse, renamed?: string): void {
  if (name === '') throw refuse('a column name cannot be empty', 'Give the column a name');
  const others = state.arrow.fields.map((f) => f.name).filter((n) => n !== renamed);
  const problem = columnNameProblems([...others, name]).find((p) => p.index === others.length);
  if (problem) throw refuse(problem.message, 'Choose another name');
}

function add(state: TableSchema, d: Draft, c: Extract<SchemaChange, { kind: 'add-column' }>, refuse: Refuse): Draft {
  checkNewName(state, c.name, refuse);
  const nullable = c.nullable ?? true;
  if (!nullable && c.default === undefined) {
    throw refuse('a required (non-null) column needs a default: rows written before it existed have no value for it', 'Give a default, or add the column as nullable');
  }
  const engine = state.mergeSpec.mergeEngine ?? 'deduplicate';
  if (c.aggregate !== undefined && engine !== 'aggregate') {
    throw refuse(`only an aggregate table takes aggregate functions (this table's engine is ${engine})`, 'Leave out aggregate');
  }
  if ((c.aggregate === 'sum' || c.aggregate === 'count') && c.default !== undefined) {
    // a stored state has merged an unknown number of versions: a default counted once per version would
    // read differently from files than from the WAL (invariant 14), and once per key is no sum of versions
    throw refuse(`a ${c.aggregate} column starts empty: a default would count once per stored state but once per version in the WAL`, 'Add the column without a default (and nullable); its sums start with the next puts');
  }
  const stored = c.default === undefined ? undefined : encodeDefault(c.type, c.default, c.name);
  const id = state.lastFieldId + 1;
  const field: SchemaField = { id, name: c.name, type: String(c.type), nullable, ...(stored === undefined ? {} : { default: stored }) };
  const aggregates = c.aggregate === undefined ? d.mergeSpec.aggregates : { ...d.mergeSpec.aggregates, [c.name]: c.aggregate };
  return { ...d, fields: [...d.fields, field], arrowFields: [...d.arrowFields, new Field(c.name, c.type, nullable)], mergeSpec: { ...d.mergeSpec, aggregates }, lastFieldId: id };
}

function widen(d: Draft, col: Column, type: DataType, refuse: Refuse): Draft {
  const name = col.field.name;
  if (col.isKey) throw refuse(`"${name}" is a primary-key column: stored keys are encoded, sorted and indexed by their type`, 'Key columns can only be renamed; to change a key type, create a new table and copy the rows');
  if (col.isSequence) throw refuse(`"${name}" is the sequence field: the sequence values stored with every version keep its type`, 'Keep its type, or create a new table with the wider sequence field');
  const problem = wideningProblem(col.field.type, type);
  if (problem) throw refuse(`${String(col.field.type)} → ${String(type)} is not a widening freshtier takes (${problem})`, `Widen only ${WIDENINGS}`, { from: String(col.field.type), to: String(type) });
  const old = d.fields[col.index];
  const field: SchemaField = { ...old, type: String(type), ...(old.default === undefined ? {} : { default: widenedDefault(col.field.type, type, old.default, name) }) };
  return replace(d, col.index, field, new Field(name, type, col.field.nullable, col.field.metadata));
}

function rename(state: TableSchema, d: Draft, col: Column, to: string, refuse: Refuse): Draft {
  const from = col.field.name;
  if (to === from) throw refuse(`the column is named "${to}" already`, 'Give a new name');
  checkNewName(state, to, refuse, from);
  const follow = (n: string) => (n === from ? to : n);
  const aggregates = d.mergeSpec.aggregates && Object.fromEntries(Object.entries(d.mergeSpec.aggregates).map(([n, fn]) => [follow(n), fn]));
  const sequenceField = d.mergeSpec.sequenceField && follow(d.mergeSpec.sequenceField);
  const renamed = replace(d, col.index, { ...d.fields[col.index], name: to }, new Field(to, col.field.type, col.field.nullable, col.field.metadata));
  return { ...renamed, primaryKey: d.primaryKey.map(follow), mergeSpec: { ...d.mergeSpec, sequenceField, aggregates } };
}

function drop(state: TableSchema, d: Draft, col: Column, refuse: Refuse): Draft {
  const name = col.field.name;
  if (col.isKey) throw refuse(`"${name}" is a primary-key column: every row is identified by it`, 'Key columns can only be renamed');
  if (col.isSequence) throw refuse(`"${name}" is the sequence field: it orders the versions of each key`, 'Keep the sequence field; rename it if its name is the problem');
  if (state.fields.length === 1) throw refuse(`"${name}" is the table's only column`, 'Add another column first');
  const aggregates = Object.fromEntries(Object.entries(d.mergeSpec.aggregates ?? {}).filter(([n]) => n !== name));
  return {
    ...d, fields: d.fields.filter((_, i) => i !== col.index), arrowFields: d.arrowFields.filter((_, i) => i !== col.index),
    mergeSpec: { ...d.mergeSpec, aggregates: Object.keys(aggregates).length > 0 ? aggregates : undefined },
  };
}

function makeNullable(d: Draft, col: Column, refuse: Refuse): Draft {
  const name = col.field.name;
  if (col.isKey) throw refuse(`"${name}" is a primary-key column, which must be set on every row`, 'Key columns can only be renamed');
  if (col.isSequence) throw refuse(`"${name}" is the sequence field, which must hold a value: it orders the versions of each key`, 'Keep it required');
  if (col.field.nullable) throw refuse(`"${name}" is nullable already`, 'Nothing needs changing');
  return replace(d, col.index, { ...d.fields[col.index], nullable: true }, new Field(name, col.field.type, true, col.field.metadata));
}

function replace(d: Draft, index: number, field: SchemaField, arrowField: Field): Draft {
  return { ...d, fields: d.fields.map((f, i) => (i === index ? field : f)), arrowFields: d.arrowFields.map((f, i) => (i === index ? arrowField : f)) };
}
