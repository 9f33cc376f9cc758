/**
 * Schema changes (DESIGN.md "Concepts": schema version): one change per commit, and the rules
 * that refuse a change which would make stored data unreadable or break the table's key or
 * merge options. `applySchemaChange` is pure: it turns one schema version into the next, and
 * `evolveSchema` (writer) commits the result.
 *
 * Every change takes a new version number; an added column takes a new field id. Neither is
 * ever reused (after a drop, a column added under the same name is another column: files of
 * the older version do not fill it). The rules per change are in schema-change-rules.ts.
 */
import { Schema, type DataType } from 'apache-arrow';
import { z } from 'zod';
import { SchemaChangeRefusedError } from '../errors.js';
import { AGGREGATE_FUNCTIONS, mergeSpecIssues, storedMergeSpec, type AggregateFunction } from '../merge/merge-spec.js';
import { draftOf, type Refuse } from './schema-change-rules.js';
import type { TableSchema } from './schema-record.js';

/**
 * One schema change. `add-column` columns are nullable unless `nullable: false` (then a `default`
 * is required); `default` is what data written before the column existed reads as (absent: null);
 * `aggregate` is the column's function on an `aggregate` table (absent: last-non-null).
 *
 * @example
 * ```ts
 * const change: SchemaChange = { kind: 'add-column', name: 'score', type: new Float64(), default: 1.5 };
 * ```
 */
export type SchemaChange =
  | { kind: 'add-column'; name: string; type: DataType; nullable?: boolean; default?: bigint | number | string | boolean; aggregate?: AggregateFunction }
  | { kind: 'widen-column'; name: string; type: DataType }
  | { kind: 'rename-column'; name: string; to: string }
  | { kind: 'drop-column'; name: string }
  | { kind: 'make-nullable'; name: string };

// an Arrow DataType checked structurally: another copy of apache-arrow makes instances `instanceof` misses
const dataType = z.custom<DataType>((t) => typeof t === 'object' && t !== null && typeof (t as DataType).typeId === 'number'
  && typeof (t as DataType).toString === 'function' && !String(t).startsWith('[object'), 'an Arrow DataType (for example new Int64())');
const name = z.string().min(1);

/**
 * The zod schema of a {@link SchemaChange} at the API boundary (unknown fields refused).
 *
 * @example
 * ```ts
 * const change = parseOptions(schemaChangeSchema, input, 'schema change');
 * ```
 */
// any JavaScript number: NaN, ±Infinity and -0 are exact float defaults (zod's number() refuses the first two)
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'a number');

export const schemaChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('add-column'), name, type: dataType, nullable: z.boolean().optional(),
    default: z.union([z.bigint(), anyNumber, z.string(), z.boolean()]).optional(), aggregate: z.enum(AGGREGATE_FUNCTIONS).optional(),
  }),
  z.strictObject({ kind: z.literal('widen-column'), name, type: dataType }),
  z.strictObject({ kind: z.literal('rename-column'), name, to: name }),
  z.strictObject({ kind: z.literal('drop-column'), name }),
  z.strictObject({ kind: z.literal('make-nullable'), name }),
]);

// the parsed form is a SchemaChange (a compile-time check that the two stay in step)
const _parsedIsChange = (c: z.output<typeof schemaChangeSchema>): SchemaChange => c;
void _parsedIsChange;

/**
 * A short description of a change, for messages and logs.
 *
 * @example
 * ```ts
 * describeChange({ kind: 'rename-column', name: 'a', to: 'b' }); // 'rename-column a → b'
 * ```
 */
export function describeChange(change: SchemaChange): string {
  switch (change.kind) {
    case 'add-column': return `add-column ${change.name} ${String(change.type)}${change.nullable === false ? ' not null' : ''}`;
    case 'widen-column': return `widen-column ${change.name} → ${String(change.type)}`;
    case 'rename-column': return `rename-column ${change.name} → ${change.to}`;
    default: return `${(change as { kind: string }).kind} ${(change as { name: string }).name}`;
  }
}

/**
 * The schema version `change` makes of `state`: version and `lastVersion` = `state.lastVersion + 1`,
 * added columns numbered from `state.lastFieldId + 1`, the key and merge options following renames
 * and drops, `history` holding the new version's columns too. Throws `SchemaChangeRefusedError`
 * (saying why and what to do) for a change the table cannot take; `state` is never modified.
 *
 * @example
 * ```ts
 * const next = applySchemaChange(table.schemaState, { kind: 'widen-column', name: 'n', type: new Int64() });
 * next.version === table.schemaState.lastVersion + 1; // true
 * ```
 */
export function applySchemaChange(state: TableSchema, change: SchemaChange): TableSchema {
  const refuse: Refuse = (reason, todo, context = {}) => new SchemaChangeRefusedError(describeChange(change), reason, todo, { column: change.name, ...context });
  const draft = draftOf(state, change, refuse);
  const arrow = new Schema(draft.arrowFields, state.arrow.metadata);
  const issues = mergeSpecIssues(draft.mergeSpec, arrow, draft.primaryKey);
  if (issues.length > 0) {
    throw refuse(`the table's merge options would not hold: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      'Choose a change the merge options allow (see docs/merge-engines.md)', { issues: issues.map((i) => i.path) });
  }
  const version = state.lastVersion + 1;
  const history = new Map(state.history);
  history.set(version, new Map(draft.fields.map((f) => [f.name, f.id])));
  return {
    version, arrow, fields: draft.fields, primaryKey: draft.primaryKey, mergeSpec: storedMergeSpec(draft.mergeSpec),
    lastFieldId: draft.lastFieldId, lastVersion: version, history,
  };
}
