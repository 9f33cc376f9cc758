/**
 * A deliberately simple reader of one shard for tests (the real one is
 * `@freshtier/scanner`): the flushed generations of the latest shard manifest
 * (read with core's `readParquetFile`) plus a writer's in-memory memtables,
 * applied in ascending generation order so the newest version of each key wins
 * and tombstones hide older versions. A generation both flushed and still in
 * memory is read once (from its file). The memtables are captured BEFORE the
 * manifest is loaded, so a flush committing in between shows up in both, never in neither.
 *
 * @example
 * ```ts
 * const state = await readShard(table, 0, writer);
 * expect(state.rows.get('7')?.v).toBe(3);
 * ```
 */
import { TOMBSTONE_COLUMN, readParquetFile, type ShardMemtableRefs, type Table } from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';

/** A row as plain values (`id` as a decimal string, so it can key a Map). */
export interface Row {
  id: string;
  v: number | null;
  s: string | null;
}

/** What a shard holds. */
export interface ShardState {
  /** Keyed tables: key → newest live row. */
  rows: Map<string, Row>;
  /** Every row version read, in application order (append-only tables: all rows). */
  all: Row[];
  /** Generations read from files / from memory. */
  flushedGenerations: number[];
  memoryGenerations: number[];
}

interface Source {
  generation: number;
  apply(state: ShardState, keyed: boolean): void;
}

/** Reads the shard as a reader with `source`'s memtables (or without any) would. */
export async function readShard(table: Table, shard: number, source?: { inMemoryMemtableRefs(): ShardMemtableRefs }): Promise<ShardState> {
  const refs = source?.inMemoryMemtableRefs();
  const { doc } = await table.shardManifests(shard).latest();
  const sources: Source[] = [];
  const flushed = new Set(doc.flushed.map((f) => f.generation));
  for (const f of doc.flushed) {
    const bytes = await table.store.get(f.file.path);
    const rows = readParquetFile(bytes, f.file.path).toArray().map((r) => r.toJSON() as Record<string, unknown>);
    sources.push({ generation: f.generation, apply: (state, keyed) => rows.forEach((r) => applyRow(state, keyed, toRow(r), r[TOMBSTONE_COLUMN] === true)) });
  }
  const memoryGenerations: number[] = [];
  for (const ref of refs?.refs ?? []) {
    const m = ref.memtable;
    if (flushed.has(m.generation)) continue;
    memoryGenerations.push(m.generation);
    const batches = Array.from({ length: ref.batchCount }, (_, i) => m.batch(i));
    sources.push({ generation: m.generation, apply: (state, keyed) => batches.forEach((b) => applyBatch(state, keyed, b.batch, b.op === 'delete')) });
  }
  sources.sort((a, b) => a.generation - b.generation);
  const state: ShardState = { rows: new Map(), all: [], flushedGenerations: [...flushed], memoryGenerations };
  for (const s of sources) s.apply(state, !table.appendOnly);
  return state;
}

function applyBatch(state: ShardState, keyed: boolean, batch: RecordBatch, tombstones: boolean): void {
  for (const r of batch.toArray()) applyRow(state, keyed, toRow(r.toJSON() as Record<string, unknown>), tombstones);
}

function applyRow(state: ShardState, keyed: boolean, row: Row, tombstone: boolean): void {
  state.all.push(row);
  if (!keyed) return;
  if (tombstone) state.rows.delete(row.id);
  else state.rows.set(row.id, row);
}

function toRow(r: Record<string, unknown>): Row {
  return { id: String(r.id), v: (r.v ?? null) as number | null, s: (r.s ?? null) as string | null };
}
