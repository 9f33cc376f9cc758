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
import { Schema, Type, type DataType } from 'apache-arrow';
import { sameType } from '../arrow/arrow-util.js';
import { z } from 'zod';
import { SchemaChangeRefusedError } from '../errors.js';
import { AGGREGATE_FUNCTIONS, mergeSpecIssues, storedMergeSpec, type AggregateFunction } from '../merge/merge-spec.js';
import { draftOf, type Refuse } from './schema-change-rules.js';
import { schemaRecordOf, tableSchemaOf, type TableSchema } from './schema-record.js';
import { isWellFormed } from '../table/column-names.js';

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
  && typeof (t as DataType).toString === 'function' && !String(t).startsWith('[object'), 'an Arrow DataType (for example new Int64())')
  .superRefine((t, ctx) => {
    const problem = typeProblem(t);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const TIME_UNITS = [0, 1, 2, 3];

/**
 * Why a column type is not one a schema change takes (undefined: it is): the primitive types
 * of schema files, each with parameters Arrow defines. Nested, decimal and dictionary columns
 * are created with the table or not at all.
 */
function typeProblem(t: DataType): string | undefined {
  const x = t as unknown as { bitWidth?: unknown; isSigned?: unknown; precision?: unknown; unit?: unknown; timezone?: unknown };
  switch (t.typeId) {
    case Type.Bool: case Type.Utf8: case Type.LargeUtf8: case Type.Binary: case Type.LargeBinary: return undefined;
    case Type.Int: return [8, 16, 32, 64].includes(x.bitWidth as number) && typeof x.isSigned === 'boolean' ? undefined : 'an integer type is 8, 16, 32 or 64 bits wide';
    case Type.Float: return [0, 1, 2].includes(x.precision as number) ? undefined : 'a float type is Float16, Float32 or Float64';
    case Type.Date: return [0, 1].includes(x.unit as number) ? undefined : 'a date type is DateDay or DateMillisecond';
    case Type.Duration: return TIME_UNITS.includes(x.unit as number) ? undefined : 'a duration unit is s, ms, us or ns';
    case Type.Time: return TIME_UNITS.includes(x.unit as number) && x.bitWidth === ((x.unit as number) < 2 ? 32 : 64) ? undefined : 'a time type is Time32 in s or ms, or Time64 in us or ns';
    case Type.Timestamp: return TIME_UNITS.includes(x.unit as number) && (x.timezone === null || x.timezone === undefined || (typeof x.timezone === 'string' && isWellFormed(x.timezone)))
      ? undefined : 'a timestamp unit is s, ms, us or ns, its zone a string or none';
    default: return `${String(t)} columns cannot be added or widened to; use bool, integers, floats, dates, times, timestamps, durations, utf8, large_utf8, binary or large_binary`;
  }
}
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
  const next: TableSchema = {
    version, arrow, fields: draft.fields, primaryKey: draft.primaryKey, mergeSpec: storedMergeSpec(draft.mergeSpec),
    lastFieldId: draft.lastFieldId, lastVersion: version, history, parents: new Map([...state.parents, [version, state.version]]),
  };
  assertStorable(next, refuse);
  return next;
}

/**
 * The record a reader will decode must say exactly what was asked: a type Arrow IPC cannot
 * carry (a 128-bit Int, a look-alike object) or a name UTF-8 cannot hold would be committed
 * and then make every open of the table fail. So the new version is encoded and decoded, as a
 * reader will, before anything is written.
 */
function assertStorable(next: TableSchema, refuse: Refuse): void {
  let back: TableSchema;
  try {
    back = tableSchemaOf(schemaRecordOf(next), '(the new schema)');
  } catch (e) {
    throw refuse(`the new schema would not read back (${e instanceof Error ? e.message : String(e)})`, 'Use one of the types the schema file takes (docs: README "Schema files")');
  }
  next.arrow.fields.forEach((f, i) => {
    const got = back.arrow.fields[i];
    if (got.name !== f.name || !sameType(got.type, f.type) || got.nullable !== f.nullable) {
      throw refuse(`column "${f.name}" (${String(f.type)}) would read back as "${got.name}" (${String(got.type)})`, 'Use one of the types the schema file takes (docs: README "Schema files")');
    }
  });
}
