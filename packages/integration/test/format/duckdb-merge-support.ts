/**
 * Tables of every merge engine on local disk for the DuckDB view tests: the merge-model
 * table (support/merge-model.ts: one value column per aggregate function), one test
 * writer, and the check that the view of a table version in DuckDB equals the scan of it.
 */
import { LocalStore, Table, type MergeEngineName } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, checkout, latestStateSql, liveFiles, type VersionRef } from '@freshtier/writer';
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { mergeTable } from '../support/merge-model.js';
import { arrowRows, viewRows, type Row } from './duckdb-support.js';

/** One engine with or without the `seq` sequence field. */
export interface EngineConfig {
  readonly engine: MergeEngineName;
  readonly sequence: boolean;
}

/**
 * Every engine, with and without a sequence field.
 *
 * @example
 * ```ts
 * it.each(ENGINE_CONFIGS)('$engine, sequence $sequence', async (c) => {});
 * ```
 */
export const ENGINE_CONFIGS: readonly EngineConfig[] = (['deduplicate', 'first-row', 'partial-update', 'aggregate'] as const).flatMap((engine) => [
  { engine, sequence: false }, { engine, sequence: true },
]);

const dirs: string[] = [];

/**
 * A fresh directory under the system's temp dir, removed by {@link removeTempDirs}.
 *
 * @example
 * ```ts
 * const dir = tempDir('freshtier-x-');
 * ```
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Removes every directory {@link tempDir} made (call it in `afterAll`).
 *
 * @example
 * ```ts
 * afterAll(removeTempDirs);
 * ```
 */
export function removeTempDirs(): void {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}

/**
 * The merge-model table of `config` on local disk (one shard).
 *
 * @example
 * ```ts
 * const table = await localMergeTable({ engine: 'aggregate', sequence: true });
 * ```
 */
export function localMergeTable(config: EngineConfig): Promise<Table> {
  return mergeTable(config.engine, config.sequence, new LocalStore(tempDir('freshtier-sql-merge-')));
}

/**
 * A test writer of shard 0: in memory until flushed, no WAL wait.
 *
 * @example
 * ```ts
 * const w = await testWriter(table);
 * ```
 */
export function testWriter(table: Table): Promise<ShardWriter> {
  return ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false, rowGroupSize: 4 });
}

/**
 * The view of `ref` (default: the newest version) created in `db` as `v`, and its rows
 * compared with a scan of the same version, exactly. Returns the row count.
 *
 * @example
 * ```ts
 * expect(await expectViewEqualsScan(db, table)).toBeGreaterThan(0);
 * ```
 */
export async function expectViewEqualsScan(db: DuckDBConnection, table: Table, ref?: VersionRef): Promise<number> {
  const { got, want } = await viewAndScan(db, table, ref);
  expect(got).toEqual(want);
  return want.length;
}

/**
 * The rows of the view of `ref` in DuckDB and of a scan of the same version (sorted by key).
 *
 * @example
 * ```ts
 * const { got, want } = await viewAndScan(db, table);
 * ```
 */
export async function viewAndScan(db: DuckDBConnection, table: Table, ref?: VersionRef): Promise<{ got: Row[]; want: Row[] }> {
  const want = await scanRows(table, ref);
  return { got: await viewRowsOf(db, table, ref), want };
}

/**
 * The view of `ref` created in `db` as `v`, and its rows (exact values, sorted by key).
 *
 * @example
 * ```ts
 * const rows = await viewRowsOf(db, table);
 * ```
 */
export async function viewRowsOf(db: DuckDBConnection, table: Table, ref?: VersionRef): Promise<Row[]> {
  await db.run(latestStateSql(table, await liveFiles(table, ref), { name: 'v' }));
  return viewRows(db, 'v', table.schema.fields, keyIndexes(table));
}

/**
 * A scan's rows of `ref` (default: the newest version) in the same form.
 *
 * @example
 * ```ts
 * const rows = await scanRows(table, 'nightly');
 * ```
 */
export async function scanRows(table: Table, ref?: VersionRef): Promise<Row[]> {
  const scanner = ref === undefined ? new LsmScanner(table) : await checkout(table, ref);
  return arrowRows(await scanner.scan().toTable(), keyIndexes(table));
}

function keyIndexes(table: Table): number[] {
  return table.primaryKey.map((k) => table.schema.fields.findIndex((f) => f.name === k));
}
