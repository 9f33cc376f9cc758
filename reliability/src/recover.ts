/**
 * Reading a table back the way a user would after a crash: `ShardWriter.open`
 * (claims the shard, fences, replays the WAL) and an `LsmScanner` over the table and
 * the new writers' memtables. Recovery is checked through the real read path, not a
 * test-only reader, so a bug in either side shows up.
 */
import { Table, type ObjectStore } from '@freshtier/core';
import { LsmScanner, type AsOfCut } from '@freshtier/scanner';
import { ShardWriter, type ShardWriterOptions } from '@freshtier/writer';
import { rowsOf, type ReadRow } from './data.js';

/** Every row a scan returns (append-only tables: every row version), with the cuts it observed. */
export async function scanAll(table: Table, writers: readonly ShardWriter[] = []): Promise<{ rows: ReadRow[]; cuts: readonly AsOfCut[] }> {
  const result = new LsmScanner(table, { writers }).scan({ columns: ['id', 'v'] });
  const rows: ReadRow[] = [];
  for await (const batch of result) rows.push(...rowsOf(batch));
  return { rows, cuts: await result.cuts };
}

/** A reopened table: its writers (one per shard, replayed) and what a scan sees. */
export interface Recovered {
  table: Table;
  writers: ShardWriter[];
  rows: ReadRow[];
}

/**
 * Opens the table at `store` with a fresh writer per shard and scans it.
 *
 * @example
 * ```ts
 * const r = await recover(new LocalStore(root));
 * expect(check(r.rows)).toEqual([]);
 * await closeAll(r.writers);
 * ```
 */
export async function recover(store: ObjectStore, options: Omit<ShardWriterOptions, 'shard'> = {}): Promise<Recovered> {
  const table = await Table.open(store);
  const writers: ShardWriter[] = [];
  for (let shard = 0; shard < table.shardCount; shard++) writers.push(await ShardWriter.open(table, { ...options, shard }));
  const { rows } = await scanAll(table, writers);
  return { table, writers, rows };
}

/** Closes writers (flushing what replay brought back); the first failure is rethrown after all were tried. */
export async function closeAll(writers: readonly ShardWriter[]): Promise<void> {
  const results = await Promise.allSettled(writers.map((w) => w.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
