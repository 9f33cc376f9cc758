/**
 * `freshtier append <uri> <file>`: loads a file into the table through one
 * `ShardWriter` per shard (rows routed with `splitByShard`), durable puts, then
 * closes the writers, which flushes everything to Parquet.
 *
 * The file is checked in full first (types, nulls, keys), so a bad row at the end
 * of a big file is reported before anything is written (`--no-validate` skips
 * the check). Opening a shard's writer fences any writer another process has open
 * on that shard: run append while no service writes the table, or expect that
 * service to get `ShardFencedError`.
 */
import { resolve } from 'node:path';
import { type Table } from '@freshtier/core';
import { ShardWriter, splitByShard, type Durability } from '@freshtier/writer';
import type { RecordBatch } from 'apache-arrow';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { openInput, type InputSource } from '../input.js';
import { openTable } from '../table-uri.js';

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
    if (opts.validate) await check(ctx, table, input, file, opts);
    const result = await load(ctx, table, input, file, opts);
    ctx.emit({ uri, file, format: input.format, rows: result.rows, shards: result.perShard });
    const parts = Object.entries(result.perShard).map(([s, n]) => `shard ${s}: ${n}`).join(', ');
    ctx.say(`appended ${result.rows.toLocaleString('en-US')} rows from ${file} to ${table.store.uri}${parts ? ` (${parts})` : ''}; flushed and durable`);
  } finally {
    opened.close();
  }
}

/** First pass: convert every row and encode every key, writing nothing. */
async function check(ctx: Context, table: Table, input: InputSource, file: string, opts: AppendOptions): Promise<void> {
  const bar = ctx.progress();
  bar.start(`checking ${file}`, input.total, input.unit);
  try {
    for await (const batch of input.read((d) => bar.update(d))) {
      if (batch.numRows === 0) continue;
      if (!table.appendOnly) splitByShard(table, batch); // checks key nulls and types
    }
  } finally {
    bar.stop();
  }
}

async function load(ctx: Context, table: Table, input: InputSource, file: string, opts: AppendOptions): Promise<{ rows: number; perShard: Record<number, number> }> {
  const writers = new Map<number, Promise<ShardWriter>>();
  const writerOf = (shard: number) => {
    let w = writers.get(shard);
    if (!w) writers.set(shard, (w = ShardWriter.open(table, { shard, durability: opts.durability })));
    return w;
  };
  const perShard: Record<number, number> = {};
  let rows = 0;
  let nextShard = 0;
  const bar = ctx.progress();
  bar.start(`appending ${file}`, input.total, input.unit);
  try {
    for await (const batch of input.read((d) => bar.update(d, `${rows.toLocaleString('en-US')} rows`))) {
      const parts: [number, RecordBatch][] = table.appendOnly
        ? [[opts.shard ?? nextShard++ % table.shardCount, batch]] // no key to route by: spread batches over the shards
        : [...splitByShard(table, batch)];
      // shards in parallel; each put resolves once its WAL entry is persisted
      await Promise.all(parts.map(async ([shard, part]) => (await writerOf(shard)).put(part)));
      for (const [shard, part] of parts) perShard[shard] = (perShard[shard] ?? 0) + part.numRows;
      rows += batch.numRows;
    }
    bar.stop();
    bar.start('flushing', writers.size, 'items');
    let closed = 0;
    // close() freezes and flushes the memtables into committed Parquet generations
    await Promise.all([...writers.values()].map(async (w) => {
      await (await w).close();
      bar.update(++closed);
    }));
  } catch (e) {
    bar.stop();
    await Promise.allSettled([...writers.values()].map(async (w) => (await w).close()));
    if (rows > 0) {
      ctx.note(`note: ${rows.toLocaleString('en-US')} rows of ${file} were appended (and acknowledged as durable) before this error.`);
      ctx.note(table.appendOnly
        ? 'note: this table is append-only: appending the whole file again would add those rows twice; append only the rest.'
        : 'note: appending the whole file again is safe: rows with the same key are overwritten.');
    }
    throw e;
  } finally {
    bar.stop();
  }
  return { rows, perShard };
}
