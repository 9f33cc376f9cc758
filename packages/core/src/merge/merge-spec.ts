/**
 * A table's merge options (DESIGN.md "Concepts": merge engine, sequence field), as
 * `Table.create` takes them and `_table.json` stores them, and the rules that check
 * them against the table's schema before anything is written:
 * - the engine is one of {@link MERGE_ENGINES} (an unknown one is refused);
 * - the sequence field is a non-key integer, float, date or timestamp column;
 * - `aggregates` (engine `aggregate` only) names non-key columns other than the
 *   sequence field, each with a function that fits its type (see {@link AGGREGATE_TYPES});
 * - under `partial-update` every non-key column but the sequence field is nullable,
 *   because a null (or a column the put leaves out) means "keep the older value";
 * - an append-only table (no primary key) has no versions to merge: deduplicate only.
 *
 * docs/merge-engines.md describes what each engine does.
 */
import { Type, type DataType, type Field, type Schema } from 'apache-arrow';
import { z } from 'zod';

/** The merge engines, fixed per table at creation. */
export const MERGE_ENGINES = ['deduplicate', 'partial-update', 'first-row', 'aggregate'] as const;

/** The per-column functions of the `aggregate` engine. */
export const AGGREGATE_FUNCTIONS = ['sum', 'min', 'max', 'count', 'last', 'last-non-null', 'first', 'bool_and', 'bool_or'] as const;

/**
 * A merge engine's name.
 *
 * @example
 * ```ts
 * const engine: MergeEngineName = 'partial-update';
 * ```
 */
export type MergeEngineName = (typeof MERGE_ENGINES)[number];

/**
 * An aggregate function's name.
 *
 * @example
 * ```ts
 * const aggregates: Record<string, AggregateFunction> = { clicks: 'sum', seen: 'max' };
 * ```
 */
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** The function of an `aggregate` column that `aggregates` does not name (Paimon's default). */
export const DEFAULT_AGGREGATE: AggregateFunction = 'last-non-null';

/**
 * The merge options as stored in `_table.json` (absent fields: deduplicate, no sequence field).
 *
 * @example
 * ```ts
 * const spec: MergeSpec = { mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { v: 'sum' } };
 * ```
 */
export interface MergeSpec {
  mergeEngine?: MergeEngineName;
  sequenceField?: string;
  aggregates?: Record<string, AggregateFunction>;
}

const engineSchema = z.enum(MERGE_ENGINES, { error: () => `must be one of ${MERGE_ENGINES.join(', ')}` });
const functionSchema = z.enum(AGGREGATE_FUNCTIONS, { error: () => `must be one of ${AGGREGATE_FUNCTIONS.join(', ')}` });

/** The zod fields of the merge options, shared by `Table.create`'s options and `_table.json`. */
export const mergeSpecFields = {
  mergeEngine: engineSchema.optional(),
  sequenceField: z.string().min(1).optional(),
  aggregates: z.record(z.string().min(1), functionSchema).optional(),
};

const INTEGER = [Type.Int];
const ORDERED = [Type.Int, Type.Float, Type.Date, Type.Timestamp, Type.Time, Type.Duration, Type.Utf8, Type.LargeUtf8, Type.Binary, Type.LargeBinary];

/**
 * The column types each aggregate function takes; `undefined` = any type. `sum` and
 * `count` are integer only: their results are exact (BigInt) and a float sum would
 * depend on the order it is taken in, so a key would read differently per tier.
 */
export const AGGREGATE_TYPES: Readonly<Record<AggregateFunction, readonly Type[] | undefined>> = {
  sum: INTEGER, count: INTEGER, min: ORDERED, max: ORDERED,
  bool_and: [Type.Bool], bool_or: [Type.Bool],
  last: undefined, 'last-non-null': undefined, first: undefined,
};

/** The types a sequence field may have. */
export const SEQUENCE_TYPES: readonly Type[] = [Type.Int, Type.Float, Type.Date, Type.Timestamp];

/** One problem with merge options: the option path and what is wrong. */
export interface MergeSpecIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The problems of merge options against a table's schema and primary key (none: valid).
 *
 * @example
 * ```ts
 * const issues = mergeSpecIssues({ mergeEngine: 'aggregate', aggregates: { name: 'sum' } }, schema, ['id']);
 * // [{ path: 'aggregates.name', message: 'sum takes an integer column; "name" is Utf8' }]
 * ```
 */
export function mergeSpecIssues(spec: MergeSpec, schema: Schema, primaryKey: readonly string[]): MergeSpecIssue[] {
  const engine = spec.mergeEngine ?? 'deduplicate';
  const issues: MergeSpecIssue[] = [];
  if (primaryKey.length === 0 && (engine !== 'deduplicate' || spec.sequenceField !== undefined)) {
    issues.push({ path: spec.sequenceField !== undefined ? 'sequenceField' : 'mergeEngine', message: 'an append-only table (no primaryKey) keeps every row: merge engines and sequence fields need a primary key' });
  }
  if (spec.sequenceField !== undefined) issues.push(...sequenceIssues(spec.sequenceField, schema, primaryKey));
  if (spec.aggregates !== undefined && engine !== 'aggregate') {
    issues.push({ path: 'aggregates', message: `only the aggregate engine takes aggregate functions (this table's engine is ${engine}); set mergeEngine: 'aggregate' or drop aggregates` });
  }
  if (engine === 'aggregate') issues.push(...aggregateIssues(spec, schema, primaryKey));
  if (engine === 'partial-update') {
    for (const f of schema.fields) {
      if (f.nullable || primaryKey.includes(f.name) || f.name === spec.sequenceField) continue;
      issues.push({ path: 'schema', message: `partial-update reads a null (or a column a put leaves out) as "keep the older value", so every non-key column must be nullable; make "${f.name}" nullable` });
    }
  }
  return issues;
}

function sequenceIssues(name: string, schema: Schema, primaryKey: readonly string[]): MergeSpecIssue[] {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) return [{ path: 'sequenceField', message: `"${name}" is not a column of the schema` }];
  if (primaryKey.includes(name)) return [{ path: 'sequenceField', message: `"${name}" is a primary-key column; the sequence field orders the versions of one key, so it must be a non-key column` }];
  if (!SEQUENCE_TYPES.includes(field.type.typeId)) return [{ path: 'sequenceField', message: `"${name}" is ${String(field.type)}; a sequence field is an integer, float, date or timestamp column` }];
  return [];
}

function aggregateIssues(spec: MergeSpec, schema: Schema, primaryKey: readonly string[]): MergeSpecIssue[] {
  const issues: MergeSpecIssue[] = [];
  for (const [name, fn] of Object.entries(spec.aggregates ?? {})) {
    const path = `aggregates.${name}`;
    const field = schema.fields.find((f) => f.name === name);
    if (!field) issues.push({ path, message: `"${name}" is not a column of the schema` });
    else if (primaryKey.includes(name)) issues.push({ path, message: `"${name}" is a primary-key column: keys are not aggregated` });
    else if (name === spec.sequenceField) issues.push({ path, message: `"${name}" is the sequence field, which always holds the newest version's value; it takes no aggregate function` });
    else if (!fits(fn, field.type)) issues.push({ path, message: `${fn} takes ${typesOf(fn)}; "${name}" is ${String(field.type)}` });
  }
  return issues;
}

function fits(fn: AggregateFunction, type: DataType): boolean {
  const allowed = AGGREGATE_TYPES[fn];
  return allowed === undefined || allowed.includes(type.typeId);
}

function typesOf(fn: AggregateFunction): string {
  if (fn === 'sum' || fn === 'count') return 'an integer column';
  if (fn === 'bool_and' || fn === 'bool_or') return 'a Bool column';
  return 'an integer, float, date, time, timestamp, duration, string or binary column';
}

/**
 * The aggregate function of every non-key column of an `aggregate` table, by field
 * index (`undefined` for key columns and the sequence field).
 *
 * @example
 * ```ts
 * aggregateOf(spec, schema.fields, ['id']); // [undefined, 'sum', 'last-non-null']
 * ```
 */
export function aggregateOf(spec: MergeSpec, fields: readonly Field[], primaryKey: readonly string[]): (AggregateFunction | undefined)[] {
  return fields.map((f) => (primaryKey.includes(f.name) || f.name === spec.sequenceField ? undefined : aggregateFunctionOf(spec, f.name)));
}

/**
 * The options as `_table.json` stores them: only what differs from the default, so a
 * deduplicate table's document is the same as before merge engines existed.
 *
 * @example
 * ```ts
 * storedMergeSpec({ mergeEngine: 'deduplicate' }); // {}
 * ```
 */
export function storedMergeSpec(spec: MergeSpec): MergeSpec {
  const out: MergeSpec = {};
  if (spec.mergeEngine !== undefined && spec.mergeEngine !== 'deduplicate') out.mergeEngine = spec.mergeEngine;
  if (spec.sequenceField !== undefined) out.sequenceField = spec.sequenceField;
  if (spec.aggregates !== undefined && Object.keys(spec.aggregates).length > 0) out.aggregates = { ...spec.aggregates };
  return out;
}

/**
 * The aggregate function `spec` gives column `name` (`last-non-null` when it names none). An own
 * property only: a column called `constructor` or `toString` must not find Object.prototype's.
 *
 * @example
 * ```ts
 * aggregateFunctionOf({ mergeEngine: 'aggregate', aggregates: { clicks: 'sum' } }, 'clicks'); // 'sum'
 * aggregateFunctionOf({ mergeEngine: 'aggregate' }, 'constructor'); // 'last-non-null'
 * ```
 */
export function aggregateFunctionOf(spec: MergeSpec, name: string): AggregateFunction {
  return spec.aggregates !== undefined && Object.hasOwn(spec.aggregates, name) ? spec.aggregates[name] : DEFAULT_AGGREGATE;
}
