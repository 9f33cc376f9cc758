/**
 * `freshtier changes <uri> --from <ref> [--to <ref>]`: the change feed between two table
 * versions (`changes` of @freshtier/writer): the table's columns plus `_ft_op`
 * (`insert`, `update_before`, `update_after`, `delete`), in any output format. Applying
 * it to a scan of `--from` gives a scan of `--to`.
 */
import { resolve } from 'node:path';
import { changeSchema, changes } from '@freshtier/writer';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { OUTPUT_FORMATS, refuseBinaryOnTerminal, writeRows, type OutputFormat } from '../output.js';
import { openTable } from '../table-uri.js';
import { resolveTarget } from './maintenance.js';
import { fileSink } from './scan.js';

/**
 * Options of `freshtier changes`.
 *
 * @example
 * ```ts
 * const o: ChangesCommandOptions = { from: 'nightly', format: 'jsonl' };
 * ```
 */
export interface ChangesCommandOptions {
  from: string;
  to?: string;
  format?: string;
  out?: string;
}

/**
 * Writes the change feed from `--from` to `--to` (default: the newest version).
 *
 * @example
 * ```ts
 * await changesCommand(ctx, './t', { from: 'nightly', format: 'csv' });
 * ```
 */
export async function changesCommand(ctx: Context, uri: string, opts: ChangesCommandOptions): Promise<void> {
  const format = (opts.format ?? (ctx.json ? 'jsonl' : 'table')) as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`unknown --format "${opts.format}"`, `use one of ${OUTPUT_FORMATS.join(', ')}`);
  refuseBinaryOnTerminal(format, ctx.io.stdout, opts.out, 'changes'); // Parquet and Arrow IPC
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    const from = await resolveTarget(table, opts.from);
    const to = opts.to === undefined ? undefined : await resolveTarget(table, opts.to);
    const feed = changes(table, { from, ...(to !== undefined ? { to } : {}) });
    const { sink, done, abort } = opts.out ? fileSink(resolve(ctx.cwd, opts.out)) : { sink: ctx.io.stdout, done: async () => {}, abort: async () => {} };
    let rows: number;
    try {
      rows = await writeRows(feed, changeSchema(table), format, sink);
    } catch (e) {
      await abort(); // as in scan: a failed export leaves a file already at --out untouched
      throw e;
    }
    await done();
    ctx.note(`${rows.toLocaleString('en-US')} change row${rows === 1 ? '' : 's'} from ${opts.from} to ${opts.to ?? 'the newest version'}${opts.out ? ` written to ${opts.out} (${format})` : ''}`);
  } finally {
    opened.close();
  }
}
