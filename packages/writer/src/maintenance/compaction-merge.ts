/**
 * The merge step of compaction (docs/base-table.md "Compaction", step 4), in memory:
 * sorted runs in, one sorted, deduplicated selection of live rows out. Compaction
 * itself streams the same merge (compaction-merge-stream.ts: a row group at a time,
 * whatever the shard's size); this whole-input form serves repair (repair-base-file.ts
 * picks one file's key range out of it) and is the reference the streamed one is
 * tested against (compaction-streaming-property.test.ts).
 *
 * A *run* is one data file decoded with its encoded keys: a rewritten base file
 * (priority 0) or a picked generation (priority 1, 2, … in ascending generation).
 * Every run is sorted by key with one row per key (flush and compaction both write
 * them so), so a k-way merge over a heap ordered by (key, newest priority first)
 * meets the versions of each key one after another, newest first; they are handed,
 * oldest first, to the one merge (core's `MergePolicy`, DESIGN.md invariant 14),
 * which picks the row that stays. A key it finds deleted is dropped with its
 * tombstone: nothing older survives it (every older version of the key is in this
 * merge), and base files hold no tombstones (the scanner relies on that).
 *
 * Engines that are not newest-decides (docs/merge-engines.md) build each key's state from
 * several rows: the merge's states are assembled into new rows (core's `StateAssembler`,
 * with the `_ft_seq_<column>` state columns a base file keeps), and the output selects
 * those. Base files need no `_ft_cut`: every older version of a key written here is in
 * this merge.
 *
 * Append-only tables have no keys: their runs are concatenated in generation order.
 */
import {
  DELETED, MergedState, MinHeap, StateAssembler, TOMBSTONE_COLUMN, compareBytes, conformBatch, encodeKeys, mergePolicyOf, rowGroupCount, stateFields,
  type DataFile, type EncodedKeys, type FileReader, type MergePolicy, type RowRun, type StateLayout, type Table,
} from '@freshtier/core';
import type { Data, RecordBatch } from 'apache-arrow';

/**
 * One decoded data file, in key order.
 *
 * @example
 * ```ts
 * const run = await readRun(table, reader, gen.file, 'flushed', 3);
 * ```
 */
export interface Run {
  readonly batches: RecordBatch[];
  /** Encoded keys per batch (absent on append-only tables). */
  readonly keys: (EncodedKeys | undefined)[];
  /** `_ft_tombstone` per batch (absent in base files). */
  readonly tombstones: (Data | undefined)[];
  /** Larger is newer: 0 for base files, 1.. for generations in ascending order. */
  readonly priority: number;
  readonly rows: number;
}

/**
 * Decodes a data file row group by row group into the table's types.
 *
 * @example
 * ```ts
 * const base = await readRun(table, reader, file, 'base', 0);
 * ```
 */
export async function readRun(table: Table, reader: FileReader, file: DataFile, kind: 'base' | 'flushed', priority: number): Promise<Run> {
  const run: Run = { batches: [], keys: [], tombstones: [], priority, rows: file.rows };
  if (file.rows === 0) return run;
  const bytes = await reader.dataFile(file);
  // the state columns a stored state of this table carries (none for deduplicate)
  const fields = [...table.schema.fields, ...stateFields(mergePolicyOf(table), table.schema, kind === 'flushed' ? 'generation' : 'base')];
  for (let rg = 0; rg < rowGroupCount(file); rg++) {
    for (const raw of reader.readRowGroup(bytes, file, rg)) {
      const batch = conformBatch(raw, fields, kind === 'flushed' ? [TOMBSTONE_COLUMN] : []);
      run.batches.push(batch);
      run.keys.push(table.appendOnly ? undefined : encodeKeys(batch, table.primaryKey));
      run.tombstones.push(batch.getChild(TOMBSTONE_COLUMN)?.data[0]);
    }
  }
  return run;
}

/**
 * The merged rows: row i is `batches[batchOf[i]]` at `rowOf[i]`, ascending by key.
 *
 * @example
 * ```ts
 * const merged = mergeRuns([baseRun, gen7, gen8], true);
 * console.log(merged.count, merged.tombstonesDropped);
 * ```
 */
export interface Merged {
  readonly batches: RecordBatch[];
  readonly keys: (EncodedKeys | undefined)[];
  readonly count: number;
  readonly batchOf: Int32Array;
  readonly rowOf: Int32Array;
  /** Older versions skipped (replaced by a newer one). */
  readonly versionsReplaced: number;
  readonly tombstonesDropped: number;
}

interface Cursor {
  readonly run: Run;
  /** Index of the run's first batch in `Merged.batches`. */
  readonly first: number;
  b: number;
  r: number;
}

/**
 * Merges runs: each key's state under `policy`, deleted keys dropped (keyed), or
 * every row in run order (append-only).
 *
 * @example
 * ```ts
 * const merged = mergeRuns(runs, !table.appendOnly, mergePolicyOf(table));
 * ```
 */
export function mergeRuns(runs: readonly Run[], keyed: boolean, policy: MergePolicy & StateLayout, table?: Table): Merged {
  if (keyed && !policy.newestDecides) return mergeStates(runs, policy, table!);
  const batches = runs.flatMap((r) => r.batches);
  const keys = runs.flatMap((r) => r.keys);
  const total = runs.reduce((n, r) => n + r.rows, 0);
  const out = { batchOf: new Int32Array(total), rowOf: new Int32Array(total), count: 0, replaced: 0, dropped: 0 };
  let first = 0;
  const cursors = runs.map((run) => {
    const c: Cursor = { run, first, b: 0, r: 0 };
    first += run.batches.length;
    return c;
  });
  if (keyed) mergeKeyed(cursors, out, policy);
  else for (const c of cursors) for (; skipEmpty(c); c.r++) emit(c, out);
  return { batches, keys, count: out.count, batchOf: out.batchOf.subarray(0, out.count), rowOf: out.rowOf.subarray(0, out.count), versionsReplaced: out.replaced, tombstonesDropped: out.dropped };
}

type Out = { batchOf: Int32Array; rowOf: Int32Array; count: number; replaced: number; dropped: number };

/** Calls `onKey` with the versions of each key in turn, in key order (a k-way merge of the runs). */
function forEachKey(cursors: Cursor[], onKey: (versions: KeyVersions) => void): void {
  const heap = new MinHeap(cursors.filter(skipEmpty), before);
  const versions = new KeyVersions();
  while (heap.size > 0) {
    versions.clear();
    do {
      const c = heap.top();
      versions.push(c);
      c.r++;
      if (skipEmpty(c)) heap.siftDown();
      else heap.pop();
    } while (heap.size > 0 && versions.holdsKeyOf(heap.top()));
    onKey(versions);
  }
}

function mergeKeyed(cursors: Cursor[], out: Out, policy: MergePolicy): void {
  forEachKey(cursors, (versions) => {
    const w = policy.chooseVersion(versions);
    out.replaced += versions.count - 1;
    if (w === DELETED) out.dropped++;
    else versions.emit(w, out);
  });
}

/** Engines that build rows: each live key's merged state as a new row (with the base file's state columns). */
function mergeStates(runs: readonly Run[], policy: MergePolicy & StateLayout, table: Table): Merged {
  const cursors = runs.map((run) => ({ run, first: 0, b: 0, r: 0 }));
  const state = new MergedState(table.schema.fields.length);
  const asm = new StateAssembler(policy, table.schema, table.schema.fields, 'base');
  let replaced = 0;
  let dropped = 0;
  forEachKey(cursors, (versions) => {
    policy.merge(versions, state);
    replaced += versions.count - 1;
    if (state.deleted) dropped++;
    else asm.add(versions, state);
  });
  const count = asm.count;
  const batch = asm.finish();
  const identity = Int32Array.from({ length: count }, (_, i) => i);
  return {
    batches: [batch], keys: [encodeKeys(batch, table.primaryKey)], count,
    batchOf: new Int32Array(count), rowOf: identity, versionsReplaced: replaced, tombstonesDropped: dropped,
  };
}

/**
 * The versions of one key as the heap yields them (newest first), read oldest first
 * by the merge policy. Reused for every key: its arrays keep their length, so only
 * the first key with more versions than any before it grows them.
 */
class KeyVersions implements RowRun {
  count = 0;
  private readonly cursors: Cursor[] = [];
  private readonly b: number[] = [];
  private readonly r: number[] = [];

  clear(): void {
    this.count = 0;
  }

  /** Records the version at the cursor's current position (before it advances). */
  push(c: Cursor): void {
    this.cursors[this.count] = c;
    this.b[this.count] = c.b;
    this.r[this.count] = c.r;
    this.count++;
  }

  /** Whether the cursor is at the key of the versions held. */
  holdsKeyOf(c: Cursor): boolean {
    return compareAt(c, c.b, c.r, this.cursors[0], this.b[0], this.r[0]) === 0;
  }

  isTombstone(position: number): boolean {
    const k = this.count - 1 - position;
    return isSet(this.cursors[k].run.tombstones[this.b[k]], this.r[k]);
  }

  batchOf(position: number): RecordBatch {
    const k = this.count - 1 - position;
    return this.cursors[k].run.batches[this.b[k]];
  }

  rowOf(position: number): number {
    return this.r[this.count - 1 - position];
  }

  /** Appends the version at `position` to the merged rows. */
  emit(position: number, out: Out): void {
    const k = this.count - 1 - position;
    out.batchOf[out.count] = this.cursors[k].first + this.b[k];
    out.rowOf[out.count] = this.r[k];
    out.count++;
  }
}

function emit(c: Cursor, out: Out): void {
  out.batchOf[out.count] = c.first + c.b;
  out.rowOf[out.count] = c.r;
  out.count++;
}

/** Moves past exhausted batches; false once the run is done. */
function skipEmpty(c: Cursor): boolean {
  while (c.b < c.run.batches.length && c.r >= c.run.batches[c.b].numRows) {
    c.b++;
    c.r = 0;
  }
  return c.b < c.run.batches.length;
}

function compareAt(a: Cursor, ab: number, ar: number, b: Cursor, bb: number, br: number): number {
  const ka = a.run.keys[ab]!;
  const kb = b.run.keys[bb]!;
  return compareBytes(ka.bytes, ka.offsets[ar], ka.offsets[ar + 1], kb.bytes, kb.offsets[br], kb.offsets[br + 1]);
}

/** Cursor order: key ascending, then the newest run first. */
function before(a: Cursor, b: Cursor): boolean {
  const c = compareAt(a, a.b, a.r, b, b.b, b.r);
  return c < 0 || (c === 0 && a.run.priority > b.run.priority);
}

/** A set, valid bit of a boolean column (absent column: never set). */
function isSet(d: Data | undefined, r: number): boolean {
  if (!d) return false;
  const i = d.offset + r;
  return d.getValid(r) && ((d.values as Uint8Array)[i >> 3] & (1 << (i & 7))) !== 0;
}
