/**
 * A SQL view over a table version's live files that returns its latest state
 * (docs/format.md "Reading a table version"), for engines that read Parquet: DuckDB now.
 *
 * The view reads every live file with its generation (base files: -1, below every
 * generation), keeps per key the version the table's merge would keep, drops keys whose
 * state is a tombstone and projects the table's columns:
 *
 * - `deduplicate` without a sequence field: the row of the newest generation holding the
 *   key; a tombstone there means the key is deleted.
 * - every other table (a sequence field, or `first-row`, `partial-update`, `aggregate`):
 *   its files carry stored state (`_ft_cut`, `_ft_seq_<c>`, `_ft_sum_<c>`), which the view
 *   merges per key as freshtier's merge does (merged-sql.ts).
 * - append-only tables: every stored row but tombstones.
 *
 * Data files are named by {@link LiveFile.url}. The view has the columns of the schema
 * version the table version reads at (`live.schema`): each file is projected onto them by
 * field id (view-projection.ts), so files written at older schema versions read renamed,
 * widened, with added columns' defaults and without dropped columns.
 */
import { InvalidOptionsError, mergePolicyOf, stateFields, type Table } from '@freshtier/core';
import type { Field } from 'apache-arrow';
import { liveTableSchema, type LiveFile, type LiveFiles } from './live-files.js';
import { duckdbType } from './duckdb-types.js';
import { GEN, keyList, mergedBody } from './merged-sql.js';
import { ident, literal } from './sql-text.js';
import { projectedColumns } from './view-projection.js';
import { viewTable, type ViewTable } from './view-schema.js';

/**
 * Options of {@link latestStateSql}.
 *
 * @example
 * ```ts
 * const opts: LatestStateSqlOptions = { dialect: 'duckdb', name: 'events' };
 * ```
 */
export interface LatestStateSqlOptions {
  /** Only `duckdb` so far (its `read_parquet`, windows, ordered `first()`, HUGEINT and `error()`); the default. */
  readonly dialect?: 'duckdb';
  /** The view's name (default `freshtier_table`). */
  readonly name?: string;
}

const RANK = '_ft_rank';

/**
 * `CREATE OR REPLACE VIEW <name> AS …` over exactly `live.files`, returning the latest state.
 *
 * @example
 * ```ts
 * const sql = latestStateSql(table, await liveFiles(table), { name: 'events' });
 * declare const duckdb: { run(sql: string): Promise<unknown> }; // a @duckdb/node-api connection
 * await duckdb.run(sql); // then: SELECT * FROM events
 * ```
 */
export function latestStateSql(table: Table, live: LiveFiles, options: LatestStateSqlOptions = {}): string {
  const vt = checkRequest(table, live, options);
  const columns = vt.schema.fields.map((f) => ident(f.name));
  const state = stateFields(mergePolicyOf(vt), vt.schema, 'base'); // `_ft_seq_<c>`, `_ft_sum_<c>`: in every file
  const withCut = mergePolicyOf(vt).storesCut; // generation files carry `_ft_cut`
  const header = [
    `-- the latest state of freshtier table ${table.store.uri}, table version ${live.version.baseVersion}:${live.version.shardVersions.join(',')} (base:shards)`,
    `-- schema version ${vt.state.version}: files of older schema versions are projected onto its columns by field id`,
    `-- ${live.files.length} live file(s); regenerate after every commit (flush, compaction, rollback, gc): the view names files, and gc deletes files no version needs`,
    ...(live.files.some((f) => f.url.startsWith('s3://')) ? ['-- s3:// files: LOAD httpfs and CREATE SECRET for the bucket first'] : []),
  ];
  const stored = live.files.length === 0 ? [emptyBranch(vt.schema.fields, state, withCut)] : branches(live.files, vt, withCut);
  const body = vt.appendOnly ? appendOnlyBody(columns) : withCut ? mergedBody(vt) : newestBody(vt, columns);
  return [...header, `CREATE OR REPLACE VIEW ${ident(options.name ?? 'freshtier_table')} AS`, 'WITH stored AS (', stored.map((b) => `  ${b}`).join('\n  UNION ALL\n'), `)${body};`, ''].join('\n');
}

/** The request's problems as one `InvalidOptionsError`; else the table at the schema version `live` reads at. */
function checkRequest(table: Table, live: LiveFiles, options: LatestStateSqlOptions): ViewTable {
  const issues: { path: string; message: string }[] = [];
  if (options.dialect !== undefined && options.dialect !== 'duckdb') issues.push({ path: 'dialect', message: `"${String(options.dialect)}" is not supported: use duckdb` });
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) issues.push({ path: 'name', message: 'give a non-empty view name' });
  const unreadable = live.files.find((f) => !f.url.startsWith('/') && !f.url.startsWith('s3://'));
  if (unreadable) issues.push({ path: 'uri', message: `the table lives in ${table.store.uri}, which no SQL engine can read: use a local or s3:// table` });
  const ts = liveTableSchema(table, live);
  if (!ts) issues.push({ path: 'live', message: `schema version ${live.schema?.version} is not the table's current one: pass liveFiles(table, ref)'s answer itself` });
  if (issues.length) throw new InvalidOptionsError('SQL view request', issues);
  return viewTable(ts!);
}

/**
 * One SELECT per generation file and one per schema version of base files, each with the
 * generation its rows hold, projected onto the viewed schema (identical column lists, so a
 * positional UNION ALL).
 */
function branches(files: readonly LiveFile[], vt: ViewTable, withCut: boolean): string[] {
  const out: string[] = [];
  const base = new Map<number, LiveFile[]>();
  for (const f of files) if (f.kind === 'base') base.set(f.schemaVersion ?? 0, [...(base.get(f.schemaVersion ?? 0) ?? []), f]);
  const own = (f: LiveFile) => projectedColumns(vt, f.schemaVersion ?? 0, f.path).join(', ');
  for (const group of [...base.values()]) {
    out.push(`SELECT ${own(group[0])}, CAST(-1 AS BIGINT) AS ${GEN}, false AS _ft_tombstone${withCut ? ', false AS _ft_cut' : ''} FROM read_parquet([${group.map((f) => literal(f.url)).join(', ')}])`);
  }
  for (const f of files) {
    if (f.kind !== 'base') out.push(`SELECT ${own(f)}, CAST(${f.generation} AS BIGINT) AS ${GEN}, _ft_tombstone${withCut ? ', _ft_cut' : ''} FROM read_parquet(${literal(f.url)})`);
  }
  return out;
}

/** No file yet: no rows, but the columns (table columns, then state columns) with their types. */
function emptyBranch(fields: readonly Field[], state: readonly Field[], withCut: boolean): string {
  const cols = [...fields, ...state].map((f) => `CAST(NULL AS ${typeFor(f)}) AS ${ident(f.name)}`);
  return `SELECT ${cols.join(', ')}, CAST(NULL AS BIGINT) AS ${GEN}, false AS _ft_tombstone${withCut ? ', false AS _ft_cut' : ''} WHERE false`;
}

function typeFor(f: Field): string {
  const t = duckdbType(f.type);
  if (t === undefined) throw new InvalidOptionsError('SQL view request', [{ path: f.name, message: `the table has no data file yet and column "${f.name}" (${String(f.type)}) has no DuckDB type name here: write rows first, then generate the view` }]);
  return t;
}

function newestBody(table: ViewTable, columns: readonly string[]): string {
  return [
    `, newest AS (`,
    `  SELECT *, row_number() OVER (PARTITION BY ${keyList(table)} ORDER BY ${GEN} DESC) AS ${RANK} FROM stored`,
    `)`,
    `SELECT ${columns.join(', ')} FROM newest WHERE ${RANK} = 1 AND NOT _ft_tombstone`,
  ].join('\n');
}

function appendOnlyBody(columns: readonly string[]): string {
  return `\nSELECT ${columns.join(', ')} FROM stored WHERE NOT _ft_tombstone`;
}
