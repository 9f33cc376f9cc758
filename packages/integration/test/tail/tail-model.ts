/**
 * The plain model and the harness of tail-model.test.ts: one real `ShardWriter` (durable,
 * `autoFlush: false`) of a one-shard table on a `MemoryStore`, and a remote reader
 * (`LsmScanner { tail: true }`, given no writer) that must read what the model says.
 *
 * The model keeps every acknowledged put and delete with the generation it went to
 * (`writer.activeGeneration` when the put was made; puts run one at a time, so no
 * freeze moves it meanwhile). Its visible state is the newest version per key; its
 * fresh tier as of a cut is the keys with a version in a generation the base did not
 * hold then (above `compacted`, read from the base manifest before the cut's scan).
 *
 * @example
 * ```ts
 * const h = await TailHarness.create(24, 7);
 * await h.put([1, 2]);
 * await h.expectReadsModel('scan', [1]);
 * ```
 */
import { MemoryStore, Table, baseCoverage } from '@freshtier/core';
import { LsmScanner, type AsOfCut } from '@freshtier/scanner';
import { ShardWriter, compact, rollback, tag } from '@freshtier/writer';
import { rowsBatch, schema } from '../s3/e2e-support.js';
import { expect } from 'vitest';
import { prng } from '../../../../reliability/src/data.js';
import { DelayStore } from '../support/delay-store.js';

/** One acknowledged write: `v` undefined for a delete. */
interface Logged {
  readonly id: number;
  readonly generation: number;
  readonly v: number | undefined;
}

/** A cut a read took, with the model's fresh tier as of it. */
interface RecordedCut {
  readonly cuts: readonly AsOfCut[];
  readonly fresh: ReadonlySet<number>;
}

/**
 * The acknowledged history and what it implies.
 *
 * @example
 * ```ts
 * const m = new TailModel();
 * m.record([1], 3, 7); // id 1 = 7 in generation 3
 * m.live(); // Map { 1 => 7 }
 * ```
 */
export class TailModel {
  log: Logged[] = [];

  record(ids: readonly number[], generation: number, v: number | undefined): void {
    for (const id of ids) this.log.push({ id, generation, v });
  }

  /** The newest version of each key, tombstones left out. */
  live(): Map<number, number> {
    const out = new Map<number, number>();
    for (const { id, v } of this.log) {
      if (v === undefined) out.delete(id);
      else out.set(id, v);
    }
    return out;
  }

  /** Keys with a version (put or delete) in a generation above `compacted`. */
  freshAbove(compacted: number): Set<number> {
    return new Set(this.log.filter((l) => l.generation > compacted).map((l) => l.id));
  }
}

/**
 * The reads a step may compare with the model.
 *
 * @example
 * ```ts
 * await h.expectReadsModel('contains' satisfies ReadKind, [1, 2]);
 * ```
 */
export type ReadKind = 'scan' | 'get' | 'contains' | 'refresh';

/**
 * A writer, a tailing reader, the model, and the cuts taken so far.
 *
 * @example
 * ```ts
 * const h = await TailHarness.create(24, 7);
 * await h.put([3]);
 * await h.takeCut();
 * await h.writer.flush();
 * await h.expectCutsHold();
 * ```
 */
export class TailHarness {
  readonly model = new TailModel();
  cuts: RecordedCut[] = [];
  /** Tags taken, each with the model's history then (everything acked was committed). */
  private readonly tags: { name: string; log: Logged[] }[] = [];
  private seq = 0;

  private constructor(readonly table: Table, public writer: ShardWriter, public reader: LsmScanner, readonly keys: number) {}

  /** `seed` varies the interleaving of concurrent steps: every store call yields to the event loop first. */
  static async create(keys: number, seed: number): Promise<TailHarness> {
    const store = new DelayStore(new MemoryStore(), 0, prng(seed).next); // 0 ms: setImmediate, no wall-clock wait
    const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
    const reader = new LsmScanner(await Table.open(store), { tail: true }); // a table object of its own, as in another process
    return new TailHarness(table, await TailHarness.open(table), reader, keys);
  }

  static open(table: Table): Promise<ShardWriter> {
    return ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false, flushRetry: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 2 } });
  }

  async put(ids: readonly number[]): Promise<void> {
    const v = ++this.seq;
    const generation = this.writer.activeGeneration;
    await this.writer.put(rowsBatch(ids, v));
    this.model.record(ids, generation, v);
  }

  /** A bulk ingest: no WAL entry; it takes its own generation at commit (invariant 9). */
  async ingest(ids: readonly number[]): Promise<void> {
    const v = ++this.seq;
    const { generation } = await this.writer.ingest(rowsBatch(ids, v));
    this.model.record(ids, generation!, v);
  }

  async delete(ids: readonly number[]): Promise<void> {
    const generation = this.writer.activeGeneration;
    await this.writer.delete(rowsBatch(ids));
    this.model.record(ids, generation, undefined);
  }

  /** Reopens the shard: after `close()` if `clean`, else the old writer is abandoned (fenced by the open, which replays). */
  async reopen(clean: boolean): Promise<void> {
    if (clean) await this.writer.close();
    this.writer = await TailHarness.open(this.table);
  }

  /** Flushes everything, then tags the head: the tagged version holds exactly the model's state. */
  async tag(): Promise<void> {
    await this.writer.flush();
    const name = `t${this.tags.length}`;
    await tag(this.table, name);
    this.tags.push({ name, log: [...this.model.log] });
  }

  /**
   * Rolls back to the newest tag (none: nothing happens): the writer is fenced, a new one
   * opens, the model returns to the tagged history. Cuts taken before are dropped: the
   * generations they saw are excluded now.
   */
  async rollback(): Promise<void> {
    const target = this.tags.at(-1);
    if (!target) return;
    await rollback(this.table, target.name);
    this.writer = await TailHarness.open(this.table);
    this.model.log = [...target.log];
    this.cuts = [];
  }

  compact(): Promise<unknown> {
    return compact(this.table, { shard: 0 });
  }

  /** A new remote reader that never saw the memtables the old one built. */
  async newReader(): Promise<void> {
    this.reader = new LsmScanner(await Table.open(this.table.store), { tail: true });
  }

  /** One read of `kind` by the reader equals the model (`ids` for `get` and `contains`). */
  async expectReadsModel(kind: ReadKind, ids: readonly number[]): Promise<void> {
    const live = this.model.live();
    if (kind === 'scan') expect(await scanRows(this.reader)).toEqual(sortedRows(live));
    if (kind === 'get') {
      const got = (await this.reader.get(ids.map((id) => ({ id: BigInt(id) })))).toArray().map((r) => [Number(r.id), r.v]);
      expect(got).toEqual([...new Set(ids)].filter((id) => live.has(id)).map((id) => [id, live.get(id)]));
    }
    if (kind === 'contains') expect(await this.reader.containsPks(ids.map((id) => ({ id: BigInt(id) })))).toEqual(ids.map((id) => live.has(id)));
    if (kind === 'refresh') {
      await this.reader.refresh();
      expect(await scanRows(this.reader)).toEqual(sortedRows(live));
    }
  }

  /** A scan racing a put or an ingest: it shows the model before the write or after it, nothing else. */
  async expectScanDuringWrite(ids: readonly number[], how: 'put' | 'ingest'): Promise<void> {
    const before = sortedRows(this.model.live());
    const [rows] = await Promise.all([scanRows(this.reader), how === 'put' ? this.put(ids) : this.ingest(ids)]);
    expect([before, sortedRows(this.model.live())]).toContainEqual(rows);
  }

  /** A read of `kind` racing a step that changes no row (flush, compaction, crash and reopen): it reads the model. */
  async expectReadDuring(kind: ReadKind, ids: readonly number[], step: () => Promise<unknown>): Promise<void> {
    await Promise.all([this.expectReadsModel(kind, ids), step()]);
  }

  /** Takes a cut with a scan and records the model's fresh tier as of it. */
  async takeCut(): Promise<void> {
    const compacted = baseCoverage((await this.table.baseManifests.latest()).doc, 0).compacted;
    const result = this.reader.scan({ columns: ['id'] });
    const cuts = JSON.parse(JSON.stringify(await result.cuts)) as AsOfCut[];
    await result.toTable();
    this.cuts.push({ cuts, fresh: this.model.freshAbove(compacted) });
    if (this.cuts.length > 3) this.cuts.shift();
  }

  /** Every recorded cut still gives its fresh tier, to this reader and to a new one. */
  async expectCutsHold(): Promise<void> {
    const ids = Array.from({ length: this.keys }, (_, i) => i);
    const keys = ids.map((id) => ({ id: BigInt(id) }));
    const other = new LsmScanner(await Table.open(this.table.store), { tail: true });
    for (const c of this.cuts) {
      const expected = ids.filter((id) => c.fresh.has(id));
      expect(await this.reader.freshTierBlockList(keys, c.cuts), `cut ${JSON.stringify(c.cuts)}`).toEqual(expected);
      expect(await other.freshTierBlockList(keys, c.cuts)).toEqual(expected);
    }
  }
}

/** `[id, v]` pairs of a scan, ascending by id. */
async function scanRows(reader: LsmScanner): Promise<[number, number][]> {
  const t = await reader.scan({ columns: ['id', 'v'] }).toTable();
  return t.toArray().map((r) => [Number(r.id), r.v] as [number, number]).sort((a, b) => a[0] - b[0]);
}

function sortedRows(live: Map<number, number>): [number, number][] {
  return [...live].sort((a, b) => a[0] - b[0]);
}
