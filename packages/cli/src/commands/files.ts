/**
 * `freshtier files <uri> [--version v | --tag t]`: the live files of a table version —
 * what another engine reads to get its latest state (docs/format.md "Reading a table
 * version"), each with its kind, shard, generation, rows, bytes, checksum and key index.
 * Reads manifests only (and, for the newest version, lists the WAL), never data files.
 */
import { liveFiles, type LiveFiles, type VersionRef } from '@freshtier/writer';
import type { Table } from '@freshtier/core';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { formatBytes } from '../progress.js';
import { openTable } from '../table-uri.js';
import { formatTableVersion, resolveTarget } from './maintenance.js';

/**
 * `--version` / `--tag` of the commands that read one table version.
 *
 * @example
 * ```ts
 * const opts: VersionFlags = { version: '3:8,5' };
 * ```
 */
export interface VersionFlags {
  /** A table version `3:8,5` or a base version `3` (what `--version` arrives as). */
  version?: string;
  tag?: string;
}

/**
 * The version `--version` or `--tag` names (undefined: the newest); a tag given as
 * `--version`, or both flags, is a usage error.
 *
 * @example
 * ```ts
 * const ref = await versionFromFlags(table, { tag: 'nightly' }); // 'nightly'
 * ```
 */
export async function versionFromFlags(table: Table, opts: VersionFlags): Promise<VersionRef | undefined> {
  if (opts.version !== undefined && opts.tag !== undefined) throw new UsageError('--version and --tag both given', 'name one table version: pass only one of them');
  if (opts.tag !== undefined) return opts.tag;
  if (opts.version === undefined) return undefined;
  const ref = await resolveTarget(table, opts.version);
  if (typeof ref === 'string') throw new UsageError(`--version ${opts.version} is not a version`, 'pass a table version like 3:8,5 or a base version like 3 (see `freshtier inspect`); a tag goes in --tag');
  if (ref.shardVersions.length !== table.shardCount) throw new UsageError(`table version ${opts.version} names ${ref.shardVersions.length} shard version(s), the table has ${table.shardCount} shards`, 'copy a version from `freshtier inspect <uri>`');
  return ref;
}

/**
 * Runs `freshtier files`.
 *
 * @example
 * ```ts
 * await filesCommand(ctx, './t', { tag: 'nightly' });
 * ```
 */
export async function filesCommand(ctx: Context, uri: string, opts: VersionFlags): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    const live = await liveFiles(table, await versionFromFlags(table, opts));
    ctx.emit({ uri: table.store.uri, ...live });
    if (!ctx.json) ctx.say(render(table.store.uri, live));
  } finally {
    opened.close();
  }
}

function render(uri: string, live: LiveFiles): string {
  const rows = live.files.reduce((n, f) => n + f.rows, 0);
  const bytes = live.files.reduce((n, f) => n + f.bytes, 0);
  const schema = live.schema ? `, schema version ${live.schema.version}` : '';
  const lines = [`${uri}, table version ${formatTableVersion(live.version)} (base:shards)${live.newest ? ', the newest' : ''}${schema}: ${live.files.length} live file(s), ${rows.toLocaleString('en-US')} stored row(s), ${formatBytes(bytes)}`];
  // `schema`: the schema version each file was written with (readers project it onto the table's, by field id)
  const table = [['shard', 'kind', 'generation', 'schema', 'rows', 'bytes', 'checksum', 'path', 'key index']];
  for (const f of live.files) {
    table.push([String(f.shard), f.kind, f.generation === null ? '-' : String(f.generation), String(f.schemaVersion ?? 0), String(f.rows), String(f.bytes), f.checksum === undefined ? '-' : `crc32:${f.checksum.toString(16).padStart(8, '0')}`, f.path, f.keyIndexPath ?? '-']);
  }
  if (live.files.length) lines.push(...columns(table));
  for (const s of live.shards) {
    if (s.pendingWal) lines.push(`shard ${s.shard}: ${s.pendingWal} WAL entr${s.pendingWal === 1 ? 'y' : 'ies'} after position ${s.replayAfter} may hold acked rows no file holds yet (scan reads them from the WAL; a flush puts them in a file)`);
  }
  return lines.join('\n');
}

/** Left-aligned columns, two spaces apart. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
}
