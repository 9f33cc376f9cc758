/**
 * `freshtier scan <uri>`: the table's latest state — base table, flushed generations
 * and, as a remote reader, the WAL entries live writers have not flushed yet
 * (docs/remote-readers.md; `--committed` leaves those out) — newest version per key,
 * filtered with `--where`, projected with `--columns`, in one of the output formats.
 */
import { createWriteStream, lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LsmScanner } from '@freshtier/scanner';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { OutStream } from '../io.js';
import { OUTPUT_FORMATS, refuseBinaryOnTerminal, writeRows, type OutputFormat } from '../output.js';
import { openTable } from '../table-uri.js';
import { parseWhere } from '../where.js';
import { splitList } from './init.js';

export interface ScanCommandOptions {
  columns?: string;
  where?: string;
  limit?: number;
  format?: string;
  out?: string;
  /** Read committed data only (flushed generations and base), not the WAL of live writers. */
  committed?: boolean;
}

export async function scan(ctx: Context, uri: string, opts: ScanCommandOptions): Promise<void> {
  const format = (opts.format ?? (ctx.json ? 'jsonl' : 'table')) as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`unknown --format "${opts.format}"`, `use one of ${OUTPUT_FORMATS.join(', ')}`);
  refuseBinaryOnTerminal(format, ctx.io.stdout, opts.out, 'rows');
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    const names = table.schema.fields.map((f) => f.name);
    const columns = opts.columns === undefined ? undefined : splitList(opts.columns);
    const unknown = columns?.filter((c) => !names.includes(c)) ?? [];
    if (unknown.length) throw new UsageError(`--columns names unknown column(s): ${unknown.join(', ')}`, `the table's columns are ${names.join(', ')}`);
    if (columns && columns.length === 0) throw new UsageError('--columns is empty', `name at least one of ${names.join(', ')}`);
    const filter = opts.where === undefined ? undefined : parseWhere(opts.where, table.schema);
    // by default a remote reader: rows live writers in other processes acked durably, not only flushed ones
    const result = new LsmScanner(table, { tail: opts.committed !== true }).scan({ columns, filter, limit: opts.limit });
    const { sink, done, abort } = opts.out ? fileSink(resolve(ctx.cwd, opts.out)) : { sink: ctx.io.stdout, done: async () => {}, abort: async () => {} };
    let rows: number;
    try {
      rows = await writeRows(result, result.schema, format, sink);
    } catch (e) {
      await abort(); // output is streamed: a failed scan leaves no partial --out file behind, and an existing one as it was
      throw e;
    }
    await done();
    if (opts.out) ctx.note(`wrote ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} to ${opts.out} (${format})`);
  } finally {
    opened.close();
  }
}

/**
 * A file to write output to: a temporary file beside `path` (same directory, so the
 * rename is atomic), renamed over `path` by `done` once complete, so a scan that fails
 * midway leaves a file already at `path` untouched (it used to be truncated, then
 * removed). `done` resolves once the file is in place (or rejects with its write error);
 * `abort` closes and removes the temporary file. A path that exists and is not a regular
 * file (a symlink, a FIFO, `/dev/stdout`) is written through, as it names where output goes:
 * a rename would replace the link or the device instead.
 */
export function fileSink(path: string): { sink: OutStream; done: () => Promise<void>; abort: () => Promise<void> } {
  const existing = lstatSync(path, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) return throughSink(path);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  const stream = createWriteStream(temp);
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {});
  const closed = () => Promise.race([failed, new Promise<void>((r) => stream.end(r))]);
  const abort = async () => {
    await closed().catch(() => {});
    await rm(temp, { force: true });
  };
  const done = async () => {
    try {
      await closed();
      if (existing) await chmod(temp, existing.mode & 0o7777); // the replaced file's permissions
      await rename(temp, path);
    } catch (e) {
      await abort();
      throw e;
    }
  };
  return { sink: stream, done, abort };
}

/** Output written straight to `path` (not a regular file: see {@link fileSink}); nothing to remove on failure. */
function throughSink(path: string): { sink: OutStream; done: () => Promise<void>; abort: () => Promise<void> } {
  const stream = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {});
  const closed = () => Promise.race([failed, new Promise<void>((r) => stream.end(r))]);
  return { sink: stream, done: closed, abort: () => closed().catch(() => {}) };
}
