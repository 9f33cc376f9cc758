/**
 * What `append` and `delete` share: reading an input through one `ShardWriter` per
 * shard (rows, or delete keys, routed with `splitByShard`), durable writes, then
 * closing the writers, which flushes everything to Parquet. An optional first pass
 * checks the whole input (types, nulls, keys) before anything is written.
 *
 * Opening a shard's writer fences any writer another process has open on that shard:
 * run these commands while no service writes the table, or expect that service to get
 * `ShardFencedError`.
 */
import { type Table } from '@freshtier/core';
import { ShardWriter, splitByShard, type Durability } from '@freshtier/writer';
import type { RecordBatch } from 'apache-arrow';
import type { Context } from '../context.js';
import type { InputSource } from '../input.js';

/**
 * How {@link loadThroughWriters} writes.
 *
 * @example
 * ```ts
 * const how: LoadOptions = { op: 'delete', durability: 'durable' };
 * ```
 */
export interface LoadOptions {
  /** `put` (append/upsert the rows) or `delete` (the batches hold keys: write tombstones). */
  readonly op: 'put' | 'delete';
  readonly durability: Durability;
  /** Append-only tables: the shard to write (default: spread batches over all shards). */
  readonly shard?: number;
}

/**
 * Batches the check pass found to go whole to one shard, with that shard: when the input
 * keeps its batches for the second read (text up to 64 MiB, Parquet and Arrow always;
 * input.ts), the load pass takes the routing from here instead of encoding and hashing every
 * key again. A batch split over shards is not kept (its parts would be a second copy).
 */
const routed = new WeakMap<RecordBatch, [number, RecordBatch][]>();

/** Batches written at once by {@link loadThroughWriters} on a keyed table: the writer's WAL syncs one entry while the next is encoded. */
const WRITES_IN_FLIGHT = 4;

/** Inputs up to this size on disk are flushed in the CLI's own thread (the writer's default memtable size). */
const SMALL_INPUT_BYTES = 64 << 20;

/**
 * The first pass: converts every row and encodes every key, writing nothing, so a bad
 * row at the end of a big file is reported before anything is written.
 *
 * @example
 * ```ts
 * await checkInput(ctx, table, input, 'rows.csv');
 * ```
 */
export async function checkInput(ctx: Context, table: Table, input: InputSource, file: string): Promise<void> {
  const bar = ctx.progress();
  bar.start(`checking ${file}`, input.total, input.unit);
  try {
    for await (const batch of input.read((d) => bar.update(d))) {
      if (batch.numRows === 0) continue;
      if (table.appendOnly) continue;
      const parts = [...splitByShard(table, batch)]; // checks key nulls and types
      if (parts.length === 1) routed.set(batch, parts); // kept only when it is the batch itself: a split would be a second copy of the input
    }
  } finally {
    bar.stop();
  }
}

/**
 * Writes the input's batches through one writer per shard and closes them (flushing).
 * On an error, says how many rows were already written (and acknowledged) before it.
 *
 * @example
 * ```ts
 * const { rows, perShard } = await loadThroughWriters(ctx, table, input, 'rows.csv', { op: 'put', durability: 'durable' });
 * ```
 */
export async function loadThroughWriters(ctx: Context, table: Table, input: InputSource, file: string, opts: LoadOptions): Promise<{ rows: number; perShard: Record<number, number> }> {
  const writers = new Map<number, Promise<ShardWriter>>();
  // a file that fits one memtable is flushed once, at close, when nothing else runs: a flush
  // worker would only add its start-up (about 0.7 s and 45 MB); a bigger one overlaps parsing and encoding
  const flushInWorker = input.fileBytes > SMALL_INPUT_BYTES;
  const writerOf = (shard: number) => {
    let w = writers.get(shard);
    if (!w) writers.set(shard, (w = ShardWriter.open(table, { shard, durability: opts.durability, flushInWorker })));
    return w;
  };
  const perShard: Record<number, number> = {};
  let rows = 0;
  let nextShard = 0;
  const inFlight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const bar = ctx.progress();
  const verb = opts.op === 'put' ? 'appending' : 'deleting keys of';
  bar.start(`${verb} ${file}`, input.total, input.unit);
  try {
    for await (const batch of input.read((d) => bar.update(d, `${rows.toLocaleString('en-US')} rows`))) {
      if (failure) break; // nothing more is sent once a write failed
      const parts: [number, RecordBatch][] = table.appendOnly
        ? [[opts.shard ?? nextShard++ % table.shardCount, batch]] // no key to route by: spread batches over the shards
        : routed.get(batch) ?? [...splitByShard(table, batch)];
      // shards in parallel; each write resolves once its WAL entry is persisted. On a keyed table
      // up to WRITES_IN_FLIGHT batches are written at once, so the next entry is encoded while one
      // syncs; an append-only table writes one at a time, so what was acknowledged before an error
      // is the start of the file (its note tells the user to append only the rest)
      const written = Promise.allSettled(parts.map(async ([shard, part]) => {
        const w = await writerOf(shard);
        await (opts.op === 'put' ? w.put(part) : w.delete(part));
      }));
      inFlight.push(written.then((results) => results.forEach((r, i) => {
        const [shard, part] = parts[i];
        if (r.status === 'rejected') failure ??= { error: r.reason };
        else {
          perShard[shard] = (perShard[shard] ?? 0) + part.numRows;
          rows += part.numRows;
        }
      })));
      if (inFlight.length >= (table.appendOnly ? 1 : WRITES_IN_FLIGHT)) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
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
    await Promise.all(inFlight); // every write is settled (they never reject): `rows` counts exactly what was acknowledged, part by part
    await Promise.allSettled([...writers.values()].map(async (w) => (await w).close()));
    if (rows > 0) noteWritten(ctx, table, file, rows, opts.op);
    throw failure?.error ?? e; // a failed write outranks an input error read after it: the table is not what the user asked for
  } finally {
    bar.stop();
  }
  return { rows, perShard };
}

function noteWritten(ctx: Context, table: Table, file: string, rows: number, op: 'put' | 'delete'): void {
  const what = op === 'put' ? 'rows' : 'keys';
  ctx.note(`note: ${rows.toLocaleString('en-US')} ${what} of ${file} were ${op === 'put' ? 'appended' : 'deleted'} (and acknowledged as durable) before this error.`);
  if (op === 'delete') ctx.note('note: running the delete again is safe: deleting a key twice leaves it deleted.');
  else ctx.note(table.appendOnly
    ? 'note: this table is append-only: appending the whole file again would add those rows twice; append only the rest.'
    : 'note: appending the whole file again is safe: rows with the same key are overwritten.');
}
