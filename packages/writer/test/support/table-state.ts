/**
 * Reading a whole table back through `LsmScanner` as plain rows, for the base-table
 * stories (compaction, ingest, versions, rollback, GC): `id` as a decimal string,
 * sorted by id, so two states compare with `toEqual`.
 *
 * @example
 * ```ts
 * expect(await tableRows(table, writers)).toEqual(modelRows(model));
 * ```
 */
import type { MemtableSource, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import type { Table as ArrowTable } from 'apache-arrow';

/** A row as plain values. */
export interface PlainRow {
  id: string;
  v: number | null;
  s: string | null;
}

/** Rows of an Arrow table of the test schema, sorted by id. */
export function plainRows(t: ArrowTable): PlainRow[] {
  return t.toArray()
    .map((r) => ({ id: String(r.id), v: (r.v ?? null) as number | null, s: (r.s ?? null) as string | null }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
}

/** Every live row, through a scanner over the stored table and the given writers' memtables. */
export async function tableRows(table: Table, writers: readonly MemtableSource[] = []): Promise<PlainRow[]> {
  return plainRows(await new LsmScanner(table, { writers }).scan().toTable());
}

/** Rows of a model map id → v (with `s` = `s<id>`, as `rowsBatch` writes it), sorted by id. */
export function modelRows(model: ReadonlyMap<number, number>): PlainRow[] {
  return [...model].sort((a, b) => a[0] - b[0]).map(([id, v]) => ({ id: String(id), v, s: `s${id}` }));
}
