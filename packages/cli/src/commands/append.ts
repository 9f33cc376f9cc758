/**
 * `freshtier append <uri> <file>`: loads a file into the table through one
 * `ShardWriter` per shard (rows routed with `splitByShard`), durable puts, then
 * closes the writers, which flushes everything to Parquet (shard-load.ts).
 *
 * The file is checked in full first (types, nulls, keys), so a bad row at the end
 * of a big file is reported before anything is written (`--no-validate` skips
 * the check). Opening a shard's writer fences any writer another process has open
 * on that shard: run append while no service writes the table, or expect that
 * service to get `ShardFencedError`.
 */
import { resolve } from 'node:path';
import type { Durability } from '@freshtier/writer';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { openInput } from '../input.js';
import { openTable } from '../table-uri.js';
import { checkInput, loadThroughWriters } from './shard-load.js';

export interface AppendOptions {
  inputFormat?: string;
  batchRows: number;
  shard?: number;
  validate: boolean;
  durability: Durability;
  /** Store null in nullable columns the input lacks (refused by default: on a keyed table it overwrites them). */
  allowMissingColumns?: boolean;
}

export async function append(ctx: Context, uri: string, file: string, opts: AppendOptions): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  const { table } = opened;
  try {
    if (opts.shard !== undefined) {
      if (!table.appendOnly) throw new UsageError('--shard only applies to append-only tables', 'rows of a table with a primary key go to the shard their key hashes to');
      if (opts.shard >= table.shardCount) throw new UsageError(`--shard ${opts.shard} does not exist`, `the table has shards 0..${table.shardCount - 1}`);
    }
    const path = resolve(ctx.cwd, file);
    const input = await openInput(path, table, { format: opts.inputFormat, batchRows: opts.batchRows, allowMissingColumns: opts.allowMissingColumns });
    if (opts.validate) await checkInput(ctx, table, input, file);
    const result = await loadThroughWriters(ctx, table, input, file, { op: 'put', durability: opts.durability, shard: opts.shard });
    ctx.emit({ uri, file, format: input.format, rows: result.rows, shards: result.perShard });
    const parts = Object.entries(result.perShard).map(([s, n]) => `shard ${s}: ${n}`).join(', ');
    ctx.say(`appended ${result.rows.toLocaleString('en-US')} rows from ${file} to ${table.store.uri}${parts ? ` (${parts})` : ''}; flushed and durable`);
  } finally {
    opened.close();
  }
}
