/**
 * `freshtier delete <uri> <file>`: deletes the rows whose primary keys a file lists
 * (CSV/TSV, JSON Lines, Parquet or Arrow holding the key columns; other columns of the
 * table may be there and are ignored, so a `scan` export can be fed back). Keys are
 * routed to their shards and written as tombstones through one `ShardWriter` per
 * shard, durably, then the writers close, which flushes them (shard-load.ts). A key
 * that is not in the table is a no-op. The file is checked in full first (every key
 * present, typed, not null), so nothing is deleted when one key is bad.
 */
import { resolve } from 'node:path';
import type { Durability } from '@freshtier/writer';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { openInput } from '../input.js';
import { openTable } from '../table-uri.js';
import { checkInput, loadThroughWriters } from './shard-load.js';

/**
 * Options of `freshtier delete`.
 *
 * @example
 * ```ts
 * const o: DeleteOptions = { batchRows: 50_000, validate: true, durability: 'durable' };
 * ```
 */
export interface DeleteOptions {
  inputFormat?: string;
  batchRows: number;
  validate: boolean;
  durability: Durability;
}

/**
 * Deletes the keys listed in `file` from the table at `uri`.
 *
 * @example
 * ```ts
 * await deleteCommand(ctx, './users', 'gone.csv', { batchRows: 50_000, validate: true, durability: 'durable' });
 * ```
 */
export async function deleteCommand(ctx: Context, uri: string, file: string, opts: DeleteOptions): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  const { table } = opened;
  try {
    if (table.appendOnly) throw new UsageError(`${table.store.uri} is an append-only table (no primary key): its rows have no key to delete by`, 'deleting needs a table created with --primary-key');
    const input = await openInput(resolve(ctx.cwd, file), table, { format: opts.inputFormat, batchRows: opts.batchRows, keysOnly: true });
    if (opts.validate) await checkInput(ctx, table, input, file);
    const result = await loadThroughWriters(ctx, table, input, file, { op: 'delete', durability: opts.durability });
    ctx.emit({ uri, file, format: input.format, keys: result.rows, shards: result.perShard });
    const parts = Object.entries(result.perShard).map(([s, n]) => `shard ${s}: ${n}`).join(', ');
    ctx.say(`deleted the ${result.rows.toLocaleString('en-US')} key(s) of ${file} from ${table.store.uri}${parts ? ` (${parts})` : ''} (keys not in the table change nothing); flushed and durable`);
  } finally {
    opened.close();
  }
}
