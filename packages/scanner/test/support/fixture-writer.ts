/**
 * A test stand-in for one shard's `ShardWriter` (the writer package is written
 * concurrently). It does NOT re-implement flushing: it uses core's `Memtable`,
 * `encodeGeneration`, `encodeKeyIndex` and `ManifestStore.commit` exactly as the
 * writer does — data at `layout.generationDir(shard, g, epoch) + 'data.parquet'`, key
 * index at `keyIndexPathFor(path)`, one `FlushedGeneration` per flush, and the
 * frozen memtable dropped only after the commit succeeds (invariant 2). No WAL.
 */
import {
  Memtable, encodeGeneration, encodeKeyIndex, encodeKeys, keyIndexPathFor, layout,
  type FlushedGeneration, type MemtableSource, type ShardMemtableRefs, type Table,
} from '@freshtier/core';
import { RecordBatch, Schema, Struct, makeData } from 'apache-arrow';

/** Pauses a flush between its steps (to interleave scans with it). */
export interface FlushHooks {
  afterUpload?: () => Promise<void> | void;
  afterCommit?: () => Promise<void> | void;
  /** Upload the files, then fail instead of committing (the memtable stays frozen). */
  failCommit?: boolean;
}

export class FixtureWriter implements MemtableSource {
  private frozenList: Memtable[] = [];
  private active: Memtable;

  private constructor(readonly table: Table, readonly shard: number, readonly epoch: number, firstGeneration: number, readonly rowGroupSize: number) {
    this.active = new Memtable(shard, firstGeneration, !table.appendOnly);
  }

  static async open(table: Table, shard: number, rowGroupSize = 1000): Promise<FixtureWriter> {
    const { doc } = await table.shardManifests(shard).latest();
    const maxFlushed = doc.flushed.reduce((m, f) => Math.max(m, f.generation), 0);
    return new FixtureWriter(table, shard, doc.epoch, Math.max(doc.nextGeneration, maxFlushed + 1), rowGroupSize);
  }

  get activeGeneration(): number {
    return this.active.generation;
  }

  get frozenCount(): number {
    return this.frozenList.length;
  }

  /** Appends a put batch (every row must belong to this shard); returns its coordinate. */
  put(batch: RecordBatch): { generation: number; batchIndex: number } {
    const b = this.table.conform(batch);
    const keys = this.table.appendOnly ? undefined : this.checkShard(encodeKeys(b, this.table.primaryKey));
    return { generation: this.active.generation, batchIndex: this.active.append(b, 'put', keys, -1) };
  }

  /** Appends a delete batch holding only the key columns. */
  delete(keyBatch: RecordBatch): { generation: number; batchIndex: number } {
    const fields = this.table.primaryKey.map((n) => this.table.schema.fields.find((f) => f.name === n)!);
    const schema = new Schema(fields);
    const children = fields.map((f) => keyBatch.getChild(f.name)!.data[0]);
    const b = new RecordBatch(schema, makeData({ type: new Struct(fields), length: keyBatch.numRows, nullCount: 0, children }));
    const keys = this.checkShard(encodeKeys(b, this.table.primaryKey));
    return { generation: this.active.generation, batchIndex: this.active.append(b, 'delete', keys, -1) };
  }

  private checkShard<K extends Parameters<Table['shardsOf']>[0]>(keys: K): K {
    const shards = this.table.shardsOf(keys);
    if (shards.some((s) => s !== this.shard)) throw new Error(`row of another shard given to the writer of shard ${this.shard}`);
    return keys;
  }

  freeze(): void {
    this.active.freeze();
    this.frozenList.push(this.active);
    this.active = new Memtable(this.shard, this.active.generation + 1, !this.table.appendOnly);
  }

  /** Flushes the oldest frozen memtable. */
  async flush(hooks: FlushHooks = {}): Promise<FlushedGeneration> {
    const m = this.frozenList[0];
    if (!m) throw new Error('nothing frozen to flush');
    const enc = encodeGeneration(m, this.table.schema, m.batchCount, { rowGroupSize: this.rowGroupSize });
    const path = layout.generationDir(this.shard, m.generation, 0) + 'data.parquet'; // epoch 0: this fixture claims none
    const keyIndexPath = keyIndexPathFor(path);
    await this.table.store.putIfAbsent(path, enc.parquet);
    if (enc.keyIndex) await this.table.store.putIfAbsent(keyIndexPath, encodeKeyIndex(enc.keyIndex));
    await hooks.afterUpload?.();
    if (hooks.failCommit) throw new Error(`injected commit failure for generation ${m.generation}`);
    const entry: FlushedGeneration = {
      generation: m.generation,
      file: { path, ...(enc.keyIndex ? { keyIndexPath } : {}), rows: enc.rows, bytes: enc.parquet.byteLength, rowGroupSize: this.rowGroupSize, ...(enc.pkMin ? { pkMin: enc.pkMin, pkMax: enc.pkMax } : {}) },
      batchRowOffsets: [...m.batchRowOffsets], walLast: -1, source: 'flush',
    };
    const manifests = this.table.shardManifests(this.shard);
    const { version, doc } = await manifests.latest();
    await manifests.commit(version + 1, {
      ...doc, nextGeneration: Math.max(doc.nextGeneration, m.generation + 1), flushed: [...doc.flushed, entry],
      committedAt: new Date().toISOString(), note: `flush generation ${m.generation}`,
    });
    await hooks.afterCommit?.();
    this.frozenList.shift(); // only after the commit succeeded
    return entry;
  }

  /** Freezes (if the active memtable holds anything) and flushes everything frozen. */
  async flushAll(): Promise<void> {
    if (this.active.batchCount > 0) this.freeze();
    while (this.frozenList.length) await this.flush();
  }

  inMemoryMemtableRefs(): ShardMemtableRefs {
    const refs = [...this.frozenList, this.active].map((memtable) => ({ memtable, batchCount: memtable.batchCount }));
    return { shard: this.shard, epoch: this.epoch, refs };
  }
}

/** A MemtableSource that hands its refs newest first (sources registered out of order). */
export function reversedSource(w: MemtableSource): MemtableSource {
  return { shard: w.shard, inMemoryMemtableRefs: () => ({ ...w.inMemoryMemtableRefs(), refs: [...w.inMemoryMemtableRefs().refs].reverse() }) };
}
