/**
 * Scans under merge engines that are not newest-decides (docs/merge-engines.md): a key's
 * state may take values from the base and from every fresh source, so per shard the
 * sources are merged as sorted runs, by key — the base files (disjoint, in key order),
 * each flushed generation (sorted by key at flush) and each memtable (its keys sorted
 * here, within the captured batch count) — and each key's versions, oldest source first,
 * go to core's one merge; the states are assembled into batches of the scan's read fields.
 *
 * Memory stays at one decoded row group per file source, the memtables (already in memory)
 * and one output batch, whatever the table size; the output of a shard comes in key order.
 * A key constraint skips row groups and keys in every source alike, so a key is merged
 * either from all its versions or not at all.
 */
import {
  ListRun, MemtableVersions, MergedState, MinHeap, StateAssembler, compareBytes, encodeKeys, keyRangeOf, rowGroupCount, sortKeyIds,
  type DataFile, type EncodedKeys, type FileReader, type MergePolicy, type StateLayout, type Table,
} from '@freshtier/core';
import type { Field, RecordBatch } from 'apache-arrow';
import { fileMayMatch, indexPositions, keyAllowed, type KeyConstraint } from './key-constraint.js';
import { decodeStates, isStoredTombstone, stateReadFields } from './merged-rows.js';
import type { InMemorySource, ShardView } from './sources.js';

/** A sorted source of one shard, positioned at a key. */
interface Cursor {
  readonly priority: number;
  bytes: Uint8Array;
  s: number;
  e: number;
  /** Pushes the source's versions of the current key, oldest first. */
  push(run: ListRun): void;
  /** Moves to the next key; false when done. */
  next(): boolean | Promise<boolean>;
}

/**
 * The merged state of every live key of one shard, as batches of `fields`.
 *
 * @example
 * ```ts
 * for await (const batch of mergedShard(table, shard, plan.readFields, plan.constraint, 65_536, reader, policy)) use(batch);
 * ```
 */
export async function* mergedShard(
  table: Table, shard: ShardView, fields: readonly Field[], constraint: KeyConstraint | undefined, batchSize: number, reader: FileReader, policy: MergePolicy & StateLayout,
): AsyncGenerator<RecordBatch> {
  const cursors: Cursor[] = [];
  const add = async (c: Cursor) => void ((await c.next()) && cursors.push(c));
  const base = [...shard.baseFiles].filter((f) => f.rows > 0).sort((a, b) => Buffer.compare(keyRangeOf(a)?.min ?? new Uint8Array(0), keyRangeOf(b)?.min ?? new Uint8Array(0)));
  await add(new FileCursor(table, policy, base, 'base', 0, constraint, reader));
  for (let i = 0; i < shard.fresh.length; i++) {
    const src = shard.fresh[i];
    await add(src.kind === 'flushed' ? new FileCursor(table, policy, [src.file], 'flushed', i + 1, constraint, reader) : new MemtableCursor(src, i + 1, constraint));
  }
  const heap = new MinHeap(cursors, before);
  const run = new ListRun();
  const state = new MergedState(table.schema.fields.length);
  const out = new StateAssembler(policy, table.schema, fields, 'none');
  while (heap.size > 0) {
    run.clear();
    const first = heap.top();
    const [bytes, s, e] = [first.bytes, first.s, first.e];
    do {
      const c = heap.top();
      c.push(run);
      let more = c.next();
      if (more instanceof Promise) more = await more;
      if (more) heap.siftDown();
      else heap.pop();
    } while (heap.size > 0 && compareBytes(heap.top().bytes, heap.top().s, heap.top().e, bytes, s, e) === 0);
    policy.merge(run, state);
    if (!state.deleted) out.add(run, state);
    if (out.count >= batchSize) yield out.finish();
  }
  if (out.count > 0) yield out.finish();
}

/** Data files of one kind in key order (the base files of a shard, or one flushed generation), row group by row group. */
class FileCursor implements Cursor {
  bytes: Uint8Array = new Uint8Array(0);
  s = 0;
  e = 0;
  private readonly fields: Field[];
  private groups: { file: DataFile; rg: number }[] | undefined;
  private batches: { batch: RecordBatch; keys: EncodedKeys }[] = [];
  private b = 0;
  private r = -1;

  constructor(
    private readonly table: Table, policy: MergePolicy & StateLayout, private readonly files: readonly DataFile[], private readonly kind: 'base' | 'flushed',
    readonly priority: number, private readonly constraint: KeyConstraint | undefined, private readonly reader: FileReader,
  ) {
    this.fields = stateReadFields(table, policy, kind);
  }

  push(run: ListRun): void {
    const { batch } = this.batches[this.b];
    run.push(batch, this.r, isStoredTombstone(batch, this.r));
  }

  next(): boolean | Promise<boolean> {
    for (;;) {
      const cur = this.batches[this.b];
      if (cur && ++this.r < cur.batch.numRows) {
        const o = cur.keys.offsets;
        if (this.constraint && !keyAllowed(this.constraint, cur.keys.bytes, o[this.r], o[this.r + 1])) continue;
        [this.bytes, this.s, this.e] = [cur.keys.bytes, o[this.r], o[this.r + 1]];
        return true;
      }
      if (cur && this.b + 1 < this.batches.length) {
        this.b++;
        this.r = -1;
        continue;
      }
      return this.load();
    }
  }

  /** Decodes the next row group that may hold an allowed key; false when none is left. */
  private async load(): Promise<boolean> {
    this.groups ??= await this.plan();
    const next = this.groups.shift();
    if (!next) return false;
    const bytes = await this.reader.dataFile(next.file);
    this.batches = decodeStates(bytes, next.file, next.rg, this.fields, this.reader).map(({ batch }) => ({ batch, keys: encodeKeys(batch, this.table.primaryKey) }));
    this.b = 0;
    this.r = -1;
    return this.next();
  }

  private async plan(): Promise<{ file: DataFile; rg: number }[]> {
    const out: { file: DataFile; rg: number }[] = [];
    for (const file of this.files) {
      const c = this.constraint;
      if (file.rows === 0 || (c && !fileMayMatch(c, keyRangeOf(file)))) continue;
      let groups = Array.from({ length: rowGroupCount(file) }, (_, i) => i);
      if (c && file.keyIndexPath) {
        const index = await this.reader.keyIndexOf(file, this.kind);
        const hit = new Set(indexPositions(index, c).map((pos) => Math.floor(index.rows[pos] / file.rowGroupSize)));
        groups = groups.filter((rg) => hit.has(rg));
      }
      out.push(...groups.map((rg) => ({ file, rg })));
    }
    return out;
  }
}

/** A memtable's keys within its captured batch count, sorted; each key's whole version chain. */
class MemtableCursor implements Cursor {
  bytes: Uint8Array;
  s = 0;
  e = 0;
  private readonly order: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly versions: MemtableVersions;
  private i = -1;

  constructor(private readonly src: InMemorySource, readonly priority: number, constraint: KeyConstraint | undefined) {
    const m = src.ref.memtable;
    const { arena, offsets, count } = m.keyEntries();
    const ids: number[] = [];
    for (let e = 0; e < count; e++) {
      if (m.firstBatchOfEntry(e) >= src.ref.batchCount) continue; // appended after the capture
      if (!constraint || keyAllowed(constraint, arena, offsets[e], offsets[e + 1])) ids.push(e);
    }
    this.bytes = arena;
    this.offsets = offsets;
    this.order = sortKeyIds(arena, offsets, Uint32Array.from(ids));
    this.versions = new MemtableVersions(m);
  }

  push(run: ListRun): void {
    const v = this.versions.load(this.src.ref.memtable.newestOfEntry(this.order[this.i], this.src.ref.batchCount));
    for (let p = 0; p < v.count; p++) run.push(v.batchOf(p), v.rowOf(p), v.isTombstone(p));
  }

  next(): boolean {
    if (++this.i >= this.order.length) return false;
    const e = this.order[this.i];
    [this.s, this.e] = [this.offsets[e], this.offsets[e + 1]];
    return true;
  }
}

/** Cursor order: key ascending, then the oldest source first (its versions go first into the run). */
function before(a: Cursor, b: Cursor): boolean {
  const c = compareBytes(a.bytes, a.s, a.e, b.bytes, b.s, b.e);
  return c < 0 || (c === 0 && a.priority < b.priority);
}
