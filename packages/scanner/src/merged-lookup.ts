/**
 * `get` under merge engines that are not newest-decides (docs/merge-engines.md): a
 * key's state may take values from every tier holding it, so each key's versions are
 * gathered from the newest source down — memtable version chains, then flushed
 * generations and base files through their key indexes — stopping at the first
 * tombstone (nothing older counts), then the rows found are read and merged oldest
 * first by core's one merge. Membership (`containsPks`) needs none of this: a key is
 * live when its newest version is not a tombstone, under every engine (lookup.ts).
 */
import {
  ListRun, MemtableVersions, MergedState, StateAssembler, mergePolicyOf,
  type DataFile, type FileReader, type MergePolicy, type StateLayout, type Table,
} from '@freshtier/core';
import { Table as ArrowTable, type Field, type RecordBatch } from 'apache-arrow';
import { inKeyOrder, type NormalizedKeys } from './key-input.js';
import { eachFileHit, findNewest, gatherFound } from './lookup.js';
import { decodeStates, stateReadFields } from './merged-rows.js';
import type { ReadView, ShardView } from './sources.js';

/** One version of a key: in memory (batch and row known) or in a file (row to read). */
type Hit = { batch: RecordBatch; row: number; tombstone: boolean } | { file: DataFile; kind: 'base' | 'flushed'; row: number; tombstone: boolean };

/**
 * The merged state of each distinct live key, in the order keys were first given, as a table of `fields`.
 *
 * @example
 * ```ts
 * const rows = await mergedGet(table, view, keys, reader, mergePolicyOf(table), table.schema.fields);
 * ```
 */
export async function mergedGet(table: Table, view: ReadView, keys: NormalizedKeys, reader: FileReader, policy: MergePolicy & StateLayout, fields: readonly Field[]): Promise<ArrowTable> {
  const order = distinctKeys(keys);
  const hits = new Map<number, Hit[]>();
  for (const shard of view.shards) {
    const mine = order.filter((k) => keys.shards[k] === shard.shard);
    if (mine.length) await collectShard(shard, keys, inKeyOrder(keys, mine), reader, hits);
  }
  const resolved = await readHits(table, policy, [...hits.values()].flat(), reader);
  const run = new ListRun();
  const state = new MergedState(table.schema.fields.length);
  const out = new StateAssembler(policy, table.schema, fields, 'none');
  for (const k of order) {
    const versions = hits.get(k);
    if (!versions?.length) continue;
    run.clear();
    for (let i = versions.length - 1; i >= 0; i--) { // collected newest first
      const v = resolved.get(versions[i]) ?? (versions[i] as { batch: RecordBatch; row: number });
      run.push(v.batch, v.row, versions[i].tombstone);
    }
    policy.merge(run, state);
    if (!state.deleted) out.add(run, state);
  }
  return new ArrowTable([out.finish()]);
}

/** Positions of the keys to answer: each distinct key once (first occurrence), never an absent one. */
function distinctKeys(keys: NormalizedKeys): number[] {
  const { bytes, offsets } = keys.keys;
  const seen = new Set<string>();
  const out: number[] = [];
  for (let k = 0; k < keys.count; k++) {
    if (keys.absent?.[k]) continue;
    const id = Buffer.from(bytes.subarray(offsets[k], offsets[k + 1])).toString('latin1');
    if (!seen.has(id)) {
      seen.add(id);
      out.push(k);
    }
  }
  return out;
}

/** Versions of each key, newest first, down to (and with) its newest tombstone. */
async function collectShard(shard: ShardView, keys: NormalizedKeys, todo: number[], reader: FileReader, hits: Map<number, Hit[]>): Promise<void> {
  const { bytes, offsets } = keys.keys;
  const ended = new Set<number>();
  const add = (k: number, h: Hit) => {
    (hits.get(k) ?? hits.set(k, []).get(k)!).push(h);
    if (h.tombstone) ended.add(k);
  };
  for (let i = shard.fresh.length - 1; i >= 0; i--) {
    const src = shard.fresh[i];
    const open = todo.filter((k) => !ended.has(k));
    if (src.kind === 'flushed') await inFile(src.file, 'flushed', keys, open, reader, add);
    else {
      const m = src.ref.memtable;
      const versions = new MemtableVersions(m);
      for (const k of open) {
        const newest = m.lookup(bytes, offsets[k], offsets[k + 1], src.ref.batchCount);
        if (newest < 0) continue;
        versions.load(newest);
        for (let p = versions.count - 1; p >= 0 && !ended.has(k); p--) add(k, { batch: versions.batchOf(p), row: versions.rowOf(p), tombstone: versions.isTombstone(p) });
      }
    }
  }
  for (const file of shard.baseFiles) await inFile(file, 'base', keys, todo.filter((k) => !ended.has(k)), reader, add);
}

async function inFile(file: DataFile, kind: 'base' | 'flushed', keys: NormalizedKeys, open: number[], reader: FileReader, add: (k: number, h: Hit) => void): Promise<void> {
  await eachFileHit(file, kind, keys, open, reader, (k, h) => add(k, { file, kind, row: h.row, tombstone: h.tombstone }));
}

/** The rows of file hits, read a row group at a time (tombstones need no row: the merge reads only their flag). */
async function readHits(table: Table, policy: MergePolicy & StateLayout, hits: Hit[], reader: FileReader): Promise<Map<Hit, { batch: RecordBatch; row: number }>> {
  const out = new Map<Hit, { batch: RecordBatch; row: number }>();
  const byFile = new Map<DataFile, Extract<Hit, { file: DataFile }>[]>();
  for (const h of hits) if ('file' in h) (byFile.get(h.file) ?? byFile.set(h.file, []).get(h.file)!).push(h);
  for (const [file, list] of byFile) {
    const fields = stateReadFields(table, policy, list[0].kind);
    const bytes = await reader.dataFile(file);
    const groups = [...new Set(list.map((h) => Math.floor(h.row / file.rowGroupSize)))].sort((a, b) => a - b);
    const decoded = groups.flatMap((rg) => decodeStates(bytes, file, rg, fields, reader));
    for (const h of list) {
      const d = decoded.find((x) => x.first <= h.row && h.row < x.first + x.batch.numRows)!;
      out.set(h, { batch: d.batch, row: h.row - d.first });
    }
  }
  return out;
}

/**
 * `get`'s rows under any engine: the newest version's row where it decides
 * (`findNewest`, `gatherFound`), the merge of every tier's rows otherwise.
 *
 * @example
 * ```ts
 * const rows = await lookupRows(table, view, normalizeKeys(table, keys), reader, table.schema.fields);
 * ```
 */
export async function lookupRows(table: Table, view: ReadView, keys: NormalizedKeys, reader: FileReader, fields: readonly Field[]): Promise<ArrowTable> {
  const policy = mergePolicyOf(table);
  if (policy.newestDecides) return gatherFound(await findNewest(view, keys, reader, policy), fields, reader);
  return mergedGet(table, view, keys, reader, policy, fields);
}
