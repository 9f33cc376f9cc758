/**
 * A table under maintenance, with a model of every acked row: one durable writer
 * per shard over a fault-injecting MemoryStore (so a test can hold a commit in
 * flight), and `check()` comparing what a scan reads with the model.
 *
 * @example
 * ```ts
 * const h = await MaintenanceHarness.create(2);
 * await h.put(0, 100, 1);
 * const flush = await h.flushInFlight(0);  // files written, commit held
 * await gc(h.table, { olderThan: 0 });
 * await flush.finish();
 * await h.check('after gc');
 * ```
 */
import { MemoryStore, encodeKeys, type Table } from '@freshtier/core';
import { expect } from 'vitest';
import { ShardWriter, compact, splitByShard, type CompactionResult, type IngestResult } from '../../src/index.js';
import { FaultyStore } from './faulty-store.js';
import { keysBatch, makeTable, rowsBatch } from './fixtures.js';
import { holdCall, type HeldCall } from './hold.js';
import { modelRows, tableRows } from './table-state.js';

/**
 * A write or compaction stopped right before its commit.
 *
 * @example
 * ```ts
 * const flush: InFlight<void> = await h.flushInFlight(0);
 * expect(await flush.finish()).toBeUndefined();
 * ```
 */
export interface InFlight<T> {
  /** Lets the commit go and waits for the outcome (a rejection is returned, not thrown). */
  finish(): Promise<T | Error>;
}

/**
 * The harness (see the module doc).
 *
 * @example
 * ```ts
 * const h = await MaintenanceHarness.create(2);
 * ```
 */
export class MaintenanceHarness {
  readonly model = new Map<number, number>();
  private seq = 0;

  private constructor(readonly store: FaultyStore, readonly table: Table, readonly writers: ShardWriter[]) {}

  static async create(shards = 2): Promise<MaintenanceHarness> {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store, { shards });
    const writers = await Promise.all(Array.from({ length: shards }, (_, s) => MaintenanceHarness.open(table, s)));
    return new MaintenanceHarness(store, table, writers);
  }

  static open(table: Table, shard: number): Promise<ShardWriter> {
    return ShardWriter.open(table, { shard, durability: 'durable', autoFlush: false, rowGroupSize: 8 });
  }

  /** Puts ids `[lo, hi)` with value `v` (a fresh one if omitted); the model learns them once acked. */
  async put(lo: number, hi: number, v = ++this.seq): Promise<void> {
    const ids = Array.from({ length: hi - lo }, (_, i) => lo + i);
    await Promise.all([...splitByShard(this.table, rowsBatch(ids, v))].map(([s, part]) => this.writers[s].put(part)));
    for (const id of ids) this.model.set(id, v);
  }

  async remove(ids: readonly number[]): Promise<void> {
    const shards = this.table.shardsOf(encodeKeys(keysBatch(ids), ['id']));
    const byShard = new Map<number, number[]>();
    ids.forEach((id, i) => byShard.set(shards[i], [...(byShard.get(shards[i]) ?? []), id]));
    await Promise.all([...byShard].map(([s, part]) => this.writers[s].delete(keysBatch(part))));
    for (const id of ids) this.model.delete(id);
  }

  async flushAll(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.flush()));
  }

  async compactAll(): Promise<CompactionResult[]> {
    return Promise.all(this.writers.map((_, s) => compact(this.table, { shard: s })));
  }

  /** Ids of `[lo, hi)` that belong to `shard`. */
  idsOf(shard: number, lo: number, hi: number): number[] {
    const all = Array.from({ length: hi - lo }, (_, i) => lo + i);
    const shards = this.table.shardsOf(encodeKeys(keysBatch(all), ['id']));
    return all.filter((_, i) => shards[i] === shard);
  }

  /** A flush of `shard` that wrote its files; its shard-manifest commit waits for `finish()`. */
  async flushInFlight(shard: number): Promise<InFlight<void>> {
    const commit = holdCall(this.store, 'putIfAbsent', new RegExp(`^shards/${shard}/_manifests/v\\d{20}\\.json$`));
    const done = this.writers[shard].flush().then(() => undefined, (e: Error) => e);
    return heldUntil(commit, done);
  }

  /** An ingest of `ids` into `shard` that wrote its files; the model learns the rows if it commits. */
  async ingestInFlight(shard: number, ids: readonly number[]): Promise<InFlight<IngestResult>> {
    const v = ++this.seq;
    const commit = holdCall(this.store, 'putIfAbsent', new RegExp(`^shards/${shard}/_manifests/v\\d{20}\\.json$`));
    const done = this.writers[shard].ingest(rowsBatch(ids, v)).then((r) => {
      for (const id of ids) this.model.set(id, v);
      return r;
    }, (e: Error) => e);
    return heldUntil(commit, done);
  }

  /** A compaction of `shard` that wrote its base files; its base commit waits for `finish()`. */
  async compactionInFlight(shard: number): Promise<InFlight<CompactionResult>> {
    const commit = holdCall(this.store, 'putIfAbsent', /^base\/_manifests\/v\d{20}\.json$/);
    const done = compact(this.table, { shard }).catch((e: Error) => e);
    return heldUntil(commit, done);
  }

  /** Replaces the writer of `shard` by a new one (the old one is fenced, not closed: a crash). */
  async failover(shard: number): Promise<ShardWriter> {
    const old = this.writers[shard];
    this.writers[shard] = await MaintenanceHarness.open(this.table, shard);
    return old;
  }

  /** The scan (with the live writers) equals the model. */
  async check(step: string): Promise<void> {
    expect(await tableRows(this.table, this.writers), step).toEqual(modelRows(this.model));
  }

  /** Flushes and closes every writer, then the table read from storage alone equals the model. */
  async checkDurable(step: string): Promise<void> {
    for (const w of this.writers) await w.close();
    expect(await tableRows(this.table), step).toEqual(modelRows(this.model));
  }
}

/** Waits until the held commit is reached — or the work ended without one (nothing to do): then the hold is dropped. */
async function heldUntil<T>(commit: HeldCall, done: Promise<T | Error>): Promise<InFlight<T>> {
  const first = await Promise.race([commit.reached.then(() => 'held' as const), done.then(() => 'done' as const)]);
  if (first === 'done') commit.handle.remove();
  return { finish: () => (commit.release(), done) };
}
