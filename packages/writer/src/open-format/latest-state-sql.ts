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
 * - `deduplicate` with a sequence field: a tombstone (or an `_ft_cut` row) ends the key's
 *   history, so only that generation's row (not a tombstone) and newer ones count; among
 *   them the largest sequence value wins, ties to the newer generation (floats: +0 above -0,
 *   ordered through `+ 0.0`: DuckDB puts out a -0 it sorts on directly as +0).
 * - append-only tables: every stored row but tombstones.
 *
 * Other merge engines combine columns of several versions; the view does not express them
 * yet and is refused (`InvalidOptionsError`). Data files are named by {@link LiveFile.url}.
 */
import { InvalidOptionsError, type Table } from '@freshtier/core';
import { Type, type DataType, type Field } from 'apache-arrow';
import type { LiveFile, LiveFiles } from './live-files.js';
import { duckdbType } from './duckdb-types.js';

/**
 * Options of {@link latestStateSql}.
 *
 * @example
 * ```ts
 * const opts: LatestStateSqlOptions = { dialect: 'duckdb', name: 'events' };
 * ```
 */
export interface LatestStateSqlOptions {
  /** Only `duckdb` so far (its `read_parquet`, `row_number()`); the default. */
  readonly dialect?: 'duckdb';
  /** The view's name (default `freshtier_table`). */
  readonly name?: string;
}

const GEN = '_ft_generation';
const RANK = '_ft_rank';
const CUT_AT = '_ft_cut_at';

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
  checkRequest(table, live, options);
  const spec = table.mergeSpec;
  const columns = table.schema.fields.map((f) => ident(f.name));
  const sequence = spec.sequenceField === undefined ? undefined : table.schema.fields.find((f) => f.name === spec.sequenceField);
  const withCut = sequence !== undefined; // deduplicate with a sequence field stores `_ft_cut` in generation files
  const header = [
    `-- the latest state of freshtier table ${table.store.uri}, table version ${live.version.baseVersion}:${live.version.shardVersions.join(',')} (base:shards)`,
    `-- ${live.files.length} live file(s); regenerate after every commit (flush, compaction, rollback, gc): the view names files, and gc deletes files no version needs`,
    ...(live.files.some((f) => f.url.startsWith('s3://')) ? ['-- s3:// files: LOAD httpfs and CREATE SECRET for the bucket first'] : []),
  ];
  const stored = live.files.length === 0 ? [emptyBranch(table.schema.fields, withCut)] : branches(live.files, columns, withCut);
  const body = table.appendOnly ? appendOnlyBody(columns) : sequence ? sequencedBody(table, columns, sequence) : newestBody(table, columns);
  return [...header, `CREATE OR REPLACE VIEW ${ident(options.name ?? 'freshtier_table')} AS`, 'WITH stored AS (', stored.map((b) => `  ${b}`).join('\n  UNION ALL\n'), `)${body};`, ''].join('\n');
}

function checkRequest(table: Table, live: LiveFiles, options: LatestStateSqlOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (options.dialect !== undefined && options.dialect !== 'duckdb') issues.push({ path: 'dialect', message: `"${String(options.dialect)}" is not supported: use duckdb` });
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) issues.push({ path: 'name', message: 'give a non-empty view name' });
  const engine = table.mergeSpec.mergeEngine ?? 'deduplicate';
  if (engine !== 'deduplicate') {
    issues.push({ path: 'mergeEngine', message: `the table's merge engine is "${engine}", which combines several versions of a key; the SQL view expresses deduplicate tables only so far. Read the table with \`freshtier scan\` (or export it with \`freshtier scan --format parquet\`)` });
  }
  const unreadable = live.files.find((f) => !f.url.startsWith('/') && !f.url.startsWith('s3://'));
  if (unreadable) issues.push({ path: 'uri', message: `the table lives in ${table.store.uri}, which no SQL engine can read: use a local or s3:// table` });
  if (issues.length) throw new InvalidOptionsError('SQL view request', issues);
}

/** One SELECT per data file (base files together), each with the generation the file holds. */
function branches(files: readonly LiveFile[], columns: readonly string[], withCut: boolean): string[] {
  const out: string[] = [];
  const base = files.filter((f) => f.kind === 'base');
  const own = columns.join(', ');
  if (base.length) out.push(`SELECT ${own}, CAST(-1 AS BIGINT) AS ${GEN}, false AS _ft_tombstone${withCut ? ', false AS _ft_cut' : ''} FROM read_parquet([${base.map((f) => literal(f.url)).join(', ')}])`);
  for (const f of files) {
    if (f.kind !== 'base') out.push(`SELECT ${own}, CAST(${f.generation} AS BIGINT) AS ${GEN}, _ft_tombstone${withCut ? ', _ft_cut' : ''} FROM read_parquet(${literal(f.url)})`);
  }
  return out;
}

/** No file yet: no rows, but the columns with their types. */
function emptyBranch(fields: readonly Field[], withCut: boolean): string {
  const cols = fields.map((f) => `CAST(NULL AS ${typeFor(f)}) AS ${ident(f.name)}`);
  return `SELECT ${cols.join(', ')}, CAST(NULL AS BIGINT) AS ${GEN}, false AS _ft_tombstone${withCut ? ', false AS _ft_cut' : ''} WHERE false`;
}

function typeFor(f: Field): string {
  const t = duckdbType(f.type);
  if (t === undefined) throw new InvalidOptionsError('SQL view request', [{ path: f.name, message: `the table has no data file yet and column "${f.name}" (${String(f.type)}) has no DuckDB type name here: write rows first, then generate the view` }]);
  return t;
}

function newestBody(table: Table, columns: readonly string[]): string {
  return [
    `, newest AS (`,
    `  SELECT *, row_number() OVER (PARTITION BY ${keyList(table)} ORDER BY ${GEN} DESC) AS ${RANK} FROM stored`,
    `)`,
    `SELECT ${columns.join(', ')} FROM newest WHERE ${RANK} = 1 AND NOT _ft_tombstone`,
  ].join('\n');
}

function sequencedBody(table: Table, columns: readonly string[], sequence: Field): string {
  const seq = isFloat(sequence.type) ? `${ident(sequence.name)} + 0.0` : ident(sequence.name);
  const zeroOrder = isFloat(sequence.type) ? `, signbit(${ident(sequence.name)}) ASC` : '';
  return [
    `, cut AS (`,
    `  SELECT *, max(CASE WHEN _ft_tombstone OR _ft_cut THEN ${GEN} END) OVER (PARTITION BY ${keyList(table)}) AS ${CUT_AT} FROM stored`,
    `), newest AS (`,
    `  SELECT *, row_number() OVER (PARTITION BY ${keyList(table)} ORDER BY ${seq} DESC${zeroOrder}, ${GEN} DESC) AS ${RANK}`,
    `  FROM cut WHERE ${GEN} >= coalesce(${CUT_AT}, -1) AND NOT _ft_tombstone`,
    `)`,
    `SELECT ${columns.join(', ')} FROM newest WHERE ${RANK} = 1`,
  ].join('\n');
}

function appendOnlyBody(columns: readonly string[]): string {
  return `\nSELECT ${columns.join(', ')} FROM stored WHERE NOT _ft_tombstone`;
}

/**
 * The PARTITION BY list. A float key partitions by `k + 0.0`: the same keys (freshtier
 * encodes -0 as 0 and every NaN as one NaN, DuckDB compares them so too), but DuckDB
 * puts a -0 it partitions or sorts on directly out as +0, and the row must keep its value.
 */
function keyList(table: Table): string {
  return table.primaryKey.map((name) => {
    const f = table.schema.fields.find((x) => x.name === name)!;
    return isFloat(f.type) ? `${ident(name)} + 0.0` : ident(name);
  }).join(', ');
}

function isFloat(t: DataType): boolean {
  return t.typeId === Type.Float;
}

/** A quoted SQL identifier. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A quoted SQL string literal. */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
