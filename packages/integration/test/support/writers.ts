/**
 * The real write path for cross-package tests: `ShardWriter`s that keep every write in
 * memory until the test flushes (no WAL, no background flush, no worker thread, one flush
 * attempt), so each freeze, flush and compaction happens exactly when the test says; one
 * writer per shard routing rows by key; and `compactShard`, the real `compact`.
 *
 * `flush()` is the writer's: it freezes the active memtable too and commits every
 * generation in memory.
 *
 * @example
 * ```ts
 * const writers = await Writers.open(await usersTable({ shards: 2 }), 8);
 * await writers.put([user(1), user(2)]);
 * await writers.flushAll();
 * await compactShard(writers.table, 0, 8);
 * ```
 */
import type { MemtableSource, Table } from '@freshtier/core';
import { ShardWriter, compact, type ShardWriterOptions } from '@freshtier/writer';
import type { RecordBatch } from 'apache-arrow';
import { idsBatch, shardOfIds, usersBatch, type User } from '../../../scanner/test/support/data.js';

/**
 * Writer options of these tests: in memory until `flush()`, `rowGroupSize`-row groups.
 *
 * @example
 * ```ts
 * const w = await ShardWriter.open(table, testWriterOptions(0, 10));
 * ```
 */
export function testWriterOptions(shard: number, rowGroupSize = 1000): ShardWriterOptions {
  return {
    shard, rowGroupSize, durability: 'none', autoFlush: false, flushInWorker: false, maxMemtableRows: 1e9,
    flushRetry: { maxAttempts: 1, initialDelayMs: 0 },
  };
}

/**
 * Opens the writer of `shard` with {@link testWriterOptions}.
 *
 * @example
 * ```ts
 * const writer = await openWriter(table, 0);
 * ```
 */
export function openWriter(table: Table, shard: number, rowGroupSize = 1000): Promise<ShardWriter> {
  return ShardWriter.open(table, testWriterOptions(shard, rowGroupSize));
}

/**
 * Where a write landed: its shard, the generation of the memtable and the batch's index in it.
 *
 * @example
 * ```ts
 * const { generation, batchIndex } = await writeAt(writer, usersBatch([user(1)]));
 * ```
 */
export interface WriteAt {
  generation: number;
  batchIndex: number;
}

/**
 * Puts (or deletes) `batch` and says where it landed (read before the write: nothing else writes).
 *
 * @example
 * ```ts
 * await writeAt(writer, idsBatch([6]), 'delete');
 * ```
 */
export async function writeAt(writer: ShardWriter, batch: RecordBatch, kind: 'put' | 'delete' = 'put'): Promise<WriteAt> {
  const at = { generation: writer.activeGeneration, batchIndex: writer.inMemoryMemtableRefs().refs.at(-1)!.batchCount };
  await (kind === 'put' ? writer.put(batch) : writer.delete(batch));
  return at;
}

/**
 * One writer per shard, routing rows by key.
 *
 * @example
 * ```ts
 * const writers = await Writers.open(table);
 * const landed = await writers.put([user(1), user(2)]); // one entry per shard written
 * ```
 */
export class Writers {
  private constructor(readonly table: Table, readonly byShard: ShardWriter[]) {}

  static async open(table: Table, rowGroupSize = 1000): Promise<Writers> {
    return new Writers(table, await Promise.all(Array.from({ length: table.shardCount }, (_, s) => openWriter(table, s, rowGroupSize))));
  }

  async put(rows: readonly User[]): Promise<({ shard: number; ids: bigint[] } & WriteAt)[]> {
    return Promise.all(this.route(rows.map((r) => r.id)).map(async ([s, idx]) => ({
      shard: s, ids: idx.map((i) => rows[i].id), ...(await writeAt(this.byShard[s], usersBatch(idx.map((i) => rows[i])))),
    })));
  }

  async delete(ids: readonly bigint[]): Promise<({ shard: number; ids: bigint[] } & WriteAt)[]> {
    return Promise.all(this.route(ids).map(async ([s, idx]) => ({
      shard: s, ids: idx.map((i) => ids[i]), ...(await writeAt(this.byShard[s], idsBatch(idx.map((i) => ids[i])), 'delete')),
    })));
  }

  /** Freezes every writer's active memtable (a no-op where it is empty). */
  freezeAll(): void {
    for (const w of this.byShard) w.freeze();
  }

  async flushAll(): Promise<void> {
    for (const w of this.byShard) await w.flush();
  }

  private route(ids: readonly bigint[]): [number, number[]][] {
    const shards = shardOfIds(this.table, ids);
    const groups = new Map<number, number[]>();
    shards.forEach((s, i) => (groups.get(s) ?? groups.set(s, []).get(s)!).push(i));
    return [...groups];
  }
}

/**
 * The real compaction of one shard (everything flushed and not yet in the base); returns
 * the generation the base covers afterwards.
 *
 * @example
 * ```ts
 * const through = await compactShard(table, 0, 100); // base files with 100-row groups
 * ```
 */
export async function compactShard(table: Table, shard: number, rowGroupSize = 1000): Promise<number> {
  return (await compact(table, { shard, rowGroupSize })).compactedThrough;
}

/**
 * A MemtableSource that hands its refs newest first (sources registered out of order).
 *
 * @example
 * ```ts
 * new LsmScanner(table, { writers: [reversedSource(writer)] });
 * ```
 */
export function reversedSource(w: MemtableSource): MemtableSource {
  return { shard: w.shard, inMemoryMemtableRefs: () => ({ ...w.inMemoryMemtableRefs(), refs: [...w.inMemoryMemtableRefs().refs].reverse() }) };
}
