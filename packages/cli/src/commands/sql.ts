/**
 * `freshtier sql <uri> [--version v | --tag t] [--dialect duckdb] [--name view]`: prints a
 * ready `CREATE OR REPLACE VIEW … AS …` over exactly the live files of a table version,
 * returning its latest state (`latestStateSql`, docs/format.md "Reading a table version")
 * under the table's merge engine, whichever it is (an aggregate's sum or count outside its
 * column type fails the query with AGGREGATE_OVERFLOW, as a scan fails):
 *
 *   freshtier sql ./events --name events > events.sql && duckdb -c ".read events.sql" -c "select count(*) from events"
 */
import { latestStateSql, liveFiles } from '@freshtier/writer';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { openTable } from '../table-uri.js';
import { versionFromFlags, type VersionFlags } from './files.js';

/** The SQL dialects `--dialect` takes. */
export const SQL_DIALECTS = ['duckdb'] as const;

/**
 * Options of `freshtier sql`.
 *
 * @example
 * ```ts
 * const opts: SqlOptions = { dialect: 'duckdb', name: 'events', tag: 'nightly' };
 * ```
 */
export interface SqlOptions extends VersionFlags {
  dialect?: string;
  name?: string;
}

/**
 * Runs `freshtier sql`: the view on stdout (with `--json`, `{ uri, version, files, sql }`).
 *
 * @example
 * ```ts
 * await sqlCommand(ctx, './events', { name: 'events' });
 * ```
 */
export async function sqlCommand(ctx: Context, uri: string, opts: SqlOptions): Promise<void> {
  const dialect = opts.dialect ?? 'duckdb';
  if (dialect !== 'duckdb') throw new UsageError(`--dialect ${dialect} is not supported`, `use one of: ${SQL_DIALECTS.join(', ')}`);
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    const live = await liveFiles(table, await versionFromFlags(table, opts));
    const sql = latestStateSql(table, live, { dialect, name: opts.name ?? viewName(uri) });
    ctx.emit({ uri: table.store.uri, version: live.version, files: live.files.length, sql });
    if (!ctx.json) ctx.io.stdout.write(sql);
    const pending = live.shards.reduce((n, s) => n + (s.pendingWal ?? 0), 0);
    if (pending > 0) ctx.note(`note: ${pending} WAL entr${pending === 1 ? 'y' : 'ies'} may hold acked rows no file holds yet; the view shows committed files only (\`freshtier scan\` reads the WAL too)`);
  } finally {
    opened.close();
  }
}

/** The default view name: the table directory's last segment, as an identifier (else `freshtier_table`). */
function viewName(uri: string): string {
  const last = uri.replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? '';
  const name = last.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(name) ? name : 'freshtier_table';
}
