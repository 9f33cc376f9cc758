/**
 * `freshtier alter <uri> <change> …`: one schema change, committed as a new schema version
 * (`evolveSchema` of @freshtier/writer; docs/format.md "Schema versions"). The forms:
 *
 * ```
 * freshtier alter <uri> add-column <name> <type> [--not-null --default <literal>] [--aggregate <fn>]
 * freshtier alter <uri> widen-column <name> <type>
 * freshtier alter <uri> rename-column <name> <to>
 * freshtier alter <uri> drop-column <name>
 * freshtier alter <uri> make-nullable <name>
 * ```
 * Types are the schema file's type names (schema-file.ts); defaults are read exactly
 * (default-literal.ts). A malformed command line is a usage error (exit 2) before the table
 * is opened; a change freshtier refuses is `SCHEMA_CHANGE_REFUSED` (exit 2, nothing changed).
 */
import { AGGREGATE_FUNCTIONS, describeChange, type AggregateFunction, type SchemaChange } from '@freshtier/core';
import { evolveSchema } from '@freshtier/writer';
import type { DataType } from 'apache-arrow';
import type { Context } from '../context.js';
import { defaultLiteral } from '../default-literal.js';
import { UsageError } from '../errors.js';
import { TYPE_NAMES, parseTypeName } from '../schema-file.js';
import { renderSchemaFields, schemaReport } from '../schema-report.js';
import { openTable } from '../table-uri.js';

/** Each change form and the words it takes after its name. */
export const ALTER_FORMS = {
  'add-column': ['name', 'type'],
  'widen-column': ['name', 'type'],
  'rename-column': ['name', 'to'],
  'drop-column': ['name'],
  'make-nullable': ['name'],
} as const satisfies Record<SchemaChange['kind'], readonly string[]>;

/** The flags of `alter` (only `add-column` takes any). */
export interface AlterOptions {
  notNull?: boolean;
  default?: string;
  aggregate?: string;
}

const USAGE_HINT = 'forms: ' + Object.entries(ALTER_FORMS).map(([k, w]) => `${k} ${w.map((x) => `<${x}>`).join(' ')}`).join(' | ');

/**
 * The `SchemaChange` a command line names; every problem is a {@link UsageError}.
 *
 * @example
 * ```ts
 * parseAlter('add-column', ['score', 'float64'], { default: '1.5' });
 * // { kind: 'add-column', name: 'score', type: Float64, nullable: true, default: 1.5 }
 * parseAlter('rename-column', ['name', 'full_name'], {}); // { kind: 'rename-column', name: 'name', to: 'full_name' }
 * ```
 */
export function parseAlter(form: string, words: readonly string[], opts: AlterOptions): SchemaChange {
  if (!(form in ALTER_FORMS)) throw new UsageError(`"${form}" is not a schema change`, USAGE_HINT);
  const kind = form as SchemaChange['kind'];
  const expected = ALTER_FORMS[kind];
  if (words.length !== expected.length) {
    throw new UsageError(`${kind} takes ${expected.map((w) => `<${w}>`).join(' ')}, got ${words.length} word${words.length === 1 ? '' : 's'}${words.length ? ` (${words.join(' ')})` : ''}`, USAGE_HINT);
  }
  if (kind !== 'add-column') {
    const extra = (['notNull', 'default', 'aggregate'] as const).filter((k) => opts[k] !== undefined && opts[k] !== false);
    if (extra.length) throw new UsageError(`--${extra.map(flagName).join(', --')} only go${extra.length === 1 ? 'es' : ''} with add-column`, USAGE_HINT);
  }
  const [name, second] = words;
  switch (kind) {
    case 'add-column': return addColumn(name, typeOf(second), opts);
    case 'widen-column': return { kind, name, type: typeOf(second) };
    case 'rename-column': return { kind, name, to: second };
    case 'drop-column': return { kind, name };
    case 'make-nullable': return { kind, name };
  }
}

function addColumn(name: string, type: DataType, opts: AlterOptions): SchemaChange {
  // a --not-null column without --default is refused by applySchemaChange (SCHEMA_CHANGE_REFUSED), the one home of that rule
  const nullable = opts.notNull !== true;
  const aggregate = opts.aggregate === undefined ? undefined : aggregateOf(opts.aggregate);
  return {
    kind: 'add-column', name, type, nullable,
    ...(opts.default !== undefined ? { default: defaultLiteral(type, name, opts.default) } : {}),
    ...(aggregate !== undefined ? { aggregate } : {}),
  };
}

function aggregateOf(fn: string): AggregateFunction {
  if (!(AGGREGATE_FUNCTIONS as readonly string[]).includes(fn)) throw new UsageError(`--aggregate ${JSON.stringify(fn)} is not an aggregate function`, `use one of ${AGGREGATE_FUNCTIONS.join(', ')}`);
  return fn as AggregateFunction;
}

function typeOf(name: string): DataType {
  const type = parseTypeName(name);
  if (!type) throw new UsageError(`unknown type "${name}"`, `use one of ${TYPE_NAMES.join(', ')}`);
  return type;
}

function flagName(k: keyof AlterOptions): string {
  return k === 'notNull' ? 'not-null' : k;
}

/**
 * Runs `freshtier alter`: checks the command line, opens the table, commits the change and
 * prints the new schema version with its columns (and, with `--json`, one document).
 *
 * @example
 * ```ts
 * await alterCommand(ctx, './users', 'add-column', ['score', 'float64'], { default: '1.5' });
 * ```
 */
export async function alterCommand(ctx: Context, uri: string, form: string, words: readonly string[], opts: AlterOptions): Promise<void> {
  const change = parseAlter(form, words, opts); // usage errors before touching the table
  const opened = await openTable(uri, ctx.cwd);
  try {
    const table = await evolveSchema(opened.table, change);
    const report = schemaReport(table);
    ctx.emit({ uri, store: table.store.uri, change: changeJson(change), ...report });
    ctx.say(`altered ${table.store.uri}: ${describeChange(change)}${addNote(change, opts)}; schema version ${report.schemaVersion}`);
    ctx.say(renderSchemaFields(report));
  } finally {
    opened.close();
  }
}

/** The change as JSON (the type as its name; a BigInt default stays exact through toJson). */
function changeJson(change: SchemaChange): Record<string, unknown> {
  return 'type' in change ? { ...change, type: String(change.type) } : { ...change };
}

/** ` default 2024-05-01` / ` (aggregate sum)` after core's description of an add-column (the literal as given). */
function addNote(change: SchemaChange, opts: AlterOptions): string {
  if (change.kind !== 'add-column') return '';
  const literal = typeof change.default === 'string' ? JSON.stringify(opts.default) : opts.default;
  return `${opts.default !== undefined ? ` default ${literal}` : ''}${change.aggregate ? ` (aggregate ${change.aggregate})` : ''}`;
}
