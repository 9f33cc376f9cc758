/**
 * The table the corruption campaign damages: a keyed LocalStore table with two shards
 * holding every kind of object a read may need — base files from a compaction,
 * flushed generations on top of them, a tag, and per shard WAL entries of acked
 * durable writes that were never flushed (the writers are abandoned, as after a
 * crash, so only a reopened writer's replay brings those rows back).
 *
 * Operations, by sequence number `v` (a row read back names the write it came from):
 * - v1: put ids 0..239, delete 0..19; flush; compact (base files, 50-row groups)
 * - v2: put 200..319 (rewrites base rows 200..239), delete base rows 100..129;
 *   v3: put 320..359; flush (one generation per shard over the base); tag `campaign`
 * - v4 (WAL only): put 360..399, put 50..59 (rewrites base rows), delete 60..64
 *
 * {@link expectedAnswers} is the same history as a model, so the campaign's baseline
 * read of the pristine table is itself checked before any bit is flipped.
 */
import { LocalStore, Table, keyIndexPathFor, layout, type DataFile, type ObjectStore } from '@freshtier/core';
import { ShardWriter, compact, listWal, readWalEntry, tag } from '@freshtier/writer';
import { keysBatch, makeTable, rowsBatch, shardsOfIds } from './data.js';

/**
 * The tag the campaign reads through `checkout`.
 *
 * @example
 * ```ts
 * const scanner = await checkout(table, TAG);
 * ```
 */
export const TAG = 'campaign';
/**
 * The keys `get`, `containsPks` and `containsPksAsOf` ask for: deleted, rewritten, WAL-only and absent ones.
 *
 * @example
 * ```ts
 * await scanner.containsPks(PROBE_IDS.map((id) => ({ id: BigInt(id) })));
 * ```
 */
export const PROBE_IDS = [5, 50, 60, 110, 150, 210, 330, 370, 999] as const;

/**
 * The object kinds the campaign flips bits in.
 *
 * @example
 * ```ts
 * for (const kind of KINDS) console.log(kind, catalogue[kind].length);
 * ```
 */
export const KINDS = ['table-doc', 'shard-manifest', 'base-manifest', 'tag', 'wal-entry', 'gen-data', 'gen-key-index', 'base-data', 'base-key-index'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * One object: its store key (relative to the table root) and the shard it belongs to (none: the whole table's).
 *
 * @example
 * ```ts
 * const e: CatalogueEntry = { key: 'shards/1/wal/00000000000000000021.ftw', shard: 1 };
 * ```
 */
export interface CatalogueEntry {
  key: string;
  shard?: number;
}
/** Per kind, the objects of that kind. */
export type Catalogue = Record<Kind, CatalogueEntry[]>;

const DELETE = 0;
type Op = [lo: number, hi: number, seq: number];
/** The history, in order; `seq` {@link DELETE} deletes the ids. */
const STEPS: (Op | 'flush' | 'compact' | 'tag')[] = [
  [0, 240, 1], [0, 20, DELETE], 'flush', 'compact',
  [200, 320, 2], [100, 130, DELETE], [320, 360, 3], 'flush', 'tag',
  [360, 400, 4], [50, 60, 4], [60, 65, DELETE],
];
const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);

/** Puts ids `[lo, hi)` with `v = seq` (or deletes them, `seq` 0) through the writer of each id's shard. */
async function apply(table: Table, writers: ShardWriter[], lo: number, hi: number, seq: number): Promise<void> {
  const ids = range(lo, hi);
  const shards = shardsOfIds(table, ids);
  for (const [shard, w] of writers.entries()) {
    const mine = ids.filter((_, i) => shards[i] === shard);
    if (mine.length > 0) await (seq === DELETE ? w.delete(keysBatch(mine)) : w.put(rowsBatch(mine, seq)));
  }
}

/**
 * Builds the campaign table at `root` (an empty directory) and returns its catalogue.
 * The v4 writers are left open without `close`: their WAL entries stay unflushed.
 *
 * @example
 * ```ts
 * const catalogue = await buildCampaignTable(dir);
 * catalogue['wal-entry'][0]; // { key: 'shards/0/wal/00000000000000000021.ftw', shard: 0 }
 * ```
 */
export async function buildCampaignTable(root: string): Promise<Catalogue> {
  const store = new LocalStore(root);
  const table = await makeTable(store, { shards: 2 });
  const open = () => Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, durability: 'durable', autoFlush: false, flushInWorker: false })));
  let writers = await open();
  for (const step of STEPS) {
    if (step === 'flush') await Promise.all(writers.map((w) => w.flush()));
    else if (step === 'compact') for (const shard of [0, 1]) await compact(table, { shard, rowGroupSize: 50 });
    else if (step === 'tag') {
      await Promise.all(writers.map((w) => w.close()));
      await tag(table, TAG);
      writers = await open(); // abandoned after the WAL steps: their acked rows live only in the WAL
    } else await apply(table, writers, ...step);
  }
  return catalogueOf(table, store);
}

/**
 * A model answer of each read (see corruption-reads.ts), from {@link STEPS}; `shardOf` is the table's hash of an id.
 *
 * @example
 * ```ts
 * expectedAnswers((id) => shards[id], 0).containsPks; // '011011100'
 * ```
 */
export function expectedAnswers(shardOf: (id: number) => number, writerShard: number): Record<string, string> {
  const flushed = new Map<number, number>();
  const replayed = new Map<number, number>();
  const fresh = new Set<number>(); // ids written to the fresh tier after the compaction, before the tag
  let inWal = false;
  let compacted = false;
  for (const step of STEPS) {
    if (step === 'tag') inWal = true;
    if (step === 'compact') compacted = true;
    if (typeof step === 'string') continue;
    const [lo, hi, seq] = step;
    for (const id of range(lo, hi)) {
      if (compacted && !inWal) fresh.add(id);
      // a WAL step reaches only the replay of its own shard's writer
      const into = !inWal ? [flushed, replayed] : shardOf(id) === writerShard ? [replayed] : [];
      for (const m of into) {
        if (seq === DELETE) m.delete(id);
        else m.set(id, seq);
      }
    }
  }
  const rows = (m: Map<number, number>, ids: readonly number[]) => ids.filter((id) => m.has(id)).map((id) => `${id}:${m.get(id)}:s${id}`).join(',');
  const all = (m: Map<number, number>) => rows(m, [...m.keys()].sort((a, b) => a - b));
  return {
    scan: all(flushed),
    get: rows(flushed, PROBE_IDS),
    containsPks: PROBE_IDS.map((id) => Number(flushed.has(id))).join(''),
    containsPksAsOf: PROBE_IDS.map((id) => Number(fresh.has(id))).join(''),
    'tag-scan': all(flushed),
    'writer-open': all(replayed),
  };
}

/** The objects of each kind the table's newest version needs. */
async function catalogueOf(table: Table, store: ObjectStore): Promise<Catalogue> {
  const base = await table.baseManifests.latest();
  const heads = await Promise.all([0, 1].map((s) => table.shardManifests(s).latest()));
  // generations a compaction merged into the base are not read by this version (nor listed by verify)
  const gens = heads.flatMap((h, shard) => h.doc.flushed.filter((g) => g.generation > (base.doc.compacted[shard] ?? -1)).map((g) => ({ ...g.file, shard })));
  const wal: CatalogueEntry[] = [];
  for (const [shard, h] of heads.entries()) {
    for (const e of await listWal(store, shard, h.doc.replayAfter, '.ftw')) {
      if ((await readWalEntry(store, shard, e.position, '.ftw')).kind === 'data') wal.push({ key: e.key, shard }); // not the abandoned writers' fences
    }
  }
  const data = (files: (DataFile & { shard: number })[]) => files.map((f) => ({ key: f.path, shard: f.shard }));
  const keyIndex = (files: (DataFile & { shard: number })[]) => files.map((f) => ({ key: f.keyIndexPath ?? keyIndexPathFor(f.path), shard: f.shard }));
  return {
    'table-doc': [{ key: layout.tableDoc }],
    'shard-manifest': heads.map((h, shard) => ({ key: layout.manifest(layout.shardManifests(shard), h.version), shard })),
    'base-manifest': [{ key: layout.manifest(layout.baseManifests, base.version) }],
    tag: [{ key: layout.tag(TAG) }],
    'wal-entry': wal,
    'gen-data': data(gens),
    'gen-key-index': keyIndex(gens),
    'base-data': data(base.doc.files),
    'base-key-index': keyIndex(base.doc.files),
  };
}
