/**
 * `freshtier init <uri> --schema <file> [--primary-key id] [--shards N] [--merge-engine E]
 * [--sequence-field c] [--aggregate v=sum,w=max]`: creates a table (docs/merge-engines.md
 * for the merge options, which `Table.create` checks against the schema).
 */
import { AGGREGATE_FUNCTIONS, MERGE_ENGINES, isFreshtierError, type AggregateFunction, type MergeEngineName } from '@freshtier/core';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { readSchemaFile } from '../schema-file.js';
import { createTable } from '../table-uri.js';
import { resolve } from 'node:path';

export interface InitOptions {
  schema: string;
  primaryKey?: string;
  shards: number;
  mergeEngine?: string;
  sequenceField?: string;
  /** `column=function` pairs, comma-separated. */
  aggregate?: string;
}

export async function init(ctx: Context, uri: string, opts: InitOptions): Promise<void> {
  const file = await readSchemaFile(resolve(ctx.cwd, opts.schema));
  const columns = file.schema.fields.map((f) => f.name);
  const primaryKey = opts.primaryKey !== undefined ? splitList(opts.primaryKey) : file.primaryKey ?? [];
  const unknown = primaryKey.filter((k) => !columns.includes(k));
  if (unknown.length) throw new UsageError(`--primary-key names column(s) not in the schema: ${unknown.join(', ')}`, `the schema's columns are ${columns.join(', ')}`);
  const merge = mergeOptions(opts);
  let opened;
  try {
    opened = await createTable(uri, ctx.cwd, { schema: file.schema, primaryKey, shards: opts.shards, ...merge });
  } catch (e) {
    // the key columns' types are checked by Table.create: that is still a problem with the arguments
    if (isFreshtierError(e, 'SCHEMA_MISMATCH')) throw new UsageError(`cannot use that primary key: ${e.message}`, 'primary keys are integer, float, bool, date, time, timestamp, utf8 or binary columns');
    if (isFreshtierError(e, 'ALREADY_EXISTS')) throw new CliError(`a table already exists at ${uri}; nothing was changed`, `add rows with: freshtier append ${uri} <file>, or pick another URI`, { code: 'ALREADY_EXISTS' });
    throw e;
  }
  const { table } = opened;
  opened.close();
  const fields = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
  const spec = table.mergeSpec;
  ctx.emit({ uri, store: table.store.uri, fields, primaryKey: [...table.primaryKey], shards: table.shardCount, appendOnly: table.appendOnly, mergeEngine: spec.mergeEngine ?? 'deduplicate', sequenceField: spec.sequenceField ?? null, aggregates: spec.aggregates ?? {} });
  ctx.say(`created table ${table.store.uri}`);
  ctx.say(`  columns:     ${fields.map((f) => `${f.name} ${f.type}${f.nullable ? '' : ' not null'}`).join(', ')}`);
  ctx.say(`  primary key: ${table.appendOnly ? '(none: append-only table, rows are never deduplicated)' : table.primaryKey.join(', ')}`);
  ctx.say(`  shards:      ${table.shardCount}`);
  if (!table.appendOnly) ctx.say(`  merge:       ${spec.mergeEngine ?? 'deduplicate'}${spec.sequenceField ? `, versions ordered by ${spec.sequenceField}` : ''}${spec.aggregates ? ` (${Object.entries(spec.aggregates).map(([c, f]) => `${c}=${f}`).join(', ')})` : ''}`);
}

/**
 * The merge options of `init`'s flags; a malformed flag is a `UsageError` (whether the options
 * fit the schema is `Table.create`'s check).
 *
 * @example
 * ```ts
 * mergeOptions({ schema: 's.json', shards: 1, mergeEngine: 'aggregate', aggregate: 'v=sum,w=max' });
 * // { mergeEngine: 'aggregate', aggregates: { v: 'sum', w: 'max' } }
 * ```
 */
export function mergeOptions(opts: InitOptions): { mergeEngine?: MergeEngineName; sequenceField?: string; aggregates?: Record<string, AggregateFunction> } {
  const out: ReturnType<typeof mergeOptions> = {};
  if (opts.mergeEngine !== undefined) {
    if (!(MERGE_ENGINES as readonly string[]).includes(opts.mergeEngine)) throw new UsageError(`--merge-engine ${JSON.stringify(opts.mergeEngine)} is not a merge engine`, `use one of ${MERGE_ENGINES.join(', ')}`);
    out.mergeEngine = opts.mergeEngine as MergeEngineName;
  }
  if (opts.sequenceField !== undefined) out.sequenceField = opts.sequenceField;
  if (opts.aggregate !== undefined) out.aggregates = aggregatesOf(opts.aggregate);
  return out;
}

function aggregatesOf(list: string): Record<string, AggregateFunction> {
  const out: Record<string, AggregateFunction> = {};
  for (const item of splitList(list)) {
    const eq = item.lastIndexOf('=');
    const [column, fn] = eq < 0 ? [item, ''] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
    const hint = `write column=function pairs, e.g. --aggregate clicks=sum,seen=max; functions: ${AGGREGATE_FUNCTIONS.join(', ')}`;
    if (column === '' || fn === '') throw new UsageError(`--aggregate item ${JSON.stringify(item)} is not column=function`, hint);
    if (!(AGGREGATE_FUNCTIONS as readonly string[]).includes(fn)) throw new UsageError(`--aggregate ${column}=${fn}: ${JSON.stringify(fn)} is not an aggregate function`, hint);
    if (column in out) throw new UsageError(`--aggregate names column "${column}" twice`, hint);
    out[column] = fn as AggregateFunction;
  }
  return out;
}

export function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
}
