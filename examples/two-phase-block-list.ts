/**
 * A two-phase reader. Phase 1, the read arm, scans the table (base table + fresh
 * tier) and keeps the scan's cut. Phase 2 asks, for base rows (say, hits of an
 * index built over the base files), "did the fresh tier supersede this row?" —
 * and drops those. Both phases must describe the SAME moment, or the reader
 * drops rows it returned nowhere else, or keeps stale ones.
 *
 * Between the phases, writes keep landing: they flush, a compaction moves the
 * fresh tier into the base table, more writes arrive. `freshTierBlockList(keys,
 * cut)` still answers as of the arm's cut and agrees with the arm exactly; the
 * same question asked of the live tier (a fresh cut, or `containsPks` now) does not.
 *
 *   node --conditions=freshtier-src --import tsx examples/two-phase-block-list.ts [uri] [--size baseRows]
 */
import { Table } from '@freshtier/core';
import { LsmScanner, type AsOfCut } from '@freshtier/scanner';
import { ShardWriter, compact, splitByShard } from '@freshtier/writer';
import { Field, Int32, Int64, Schema, Utf8, vectorFromArray } from 'apache-arrow';
import { batchOf, cleanStore, closeStore, idBatch, idsByShard, parseArgs, printRows } from './shared.js';

const { uri, size } = parseArgs('.freshtier-examples/two-phase-block-list', 1000);
const N = Math.max(40, size);
const SHARDS = 2;
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const slice = (k: number) => Math.floor((N * k) / 20); // N/20 steps, so every set below is non-empty

const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), false), new Field('body', new Utf8(), true)]);
const store = await cleanStore(uri);
const table = await Table.create(store, { schema, primaryKey: ['id'], shards: SHARDS });
const writers = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => ShardWriter.open(table, { shard, durability: 'durable' })));
const scanner = new LsmScanner(table, { writers });

async function upsert(ids: number[], v: number): Promise<void> {
  const batch = batchOf({
    id: vectorFromArray(ids.map(BigInt), new Int64()),
    v: vectorFromArray(ids.map(() => v), new Int32()),
    body: vectorFromArray(ids.map((id) => `doc ${id} v${v}`), new Utf8()),
  });
  await Promise.all([...splitByShard(table, batch)].map(([s, part]) => writers[s].put(part)));
}
async function remove(ids: number[]): Promise<void> {
  await Promise.all([...idsByShard(table, ids.map(BigInt))].map(([s, keys]) => writers[s].delete(idBatch(keys))));
}
async function compactAll(): Promise<number> {
  let version = 0;
  for (let shard = 0; shard < SHARDS; shard++) version = (await compact(table, { shard })).baseVersion;
  return version;
}

// ── the base table: N documents at v1, flushed and compacted ────────────────────
const baseKeys = range(0, N);
await upsert(baseKeys, 1);
await Promise.all(writers.map((w) => w.flush()));
console.log(`base table: ${N} documents at v1, compacted into base version ${await compactAll()}  (${store.uri})`);

// ── the fresh tier before the read: a flushed generation, then the active memtable ──
const updatedFlushed = range(0, slice(2)); //        v2, flushed
const updatedActive = range(slice(2), slice(2)); //  v2, still in the active memtable
const deleted = range(slice(4), slice(1)); //        tombstones in the active memtable
await upsert(updatedFlushed, 2);
await Promise.all(writers.map((w) => w.flush()));
await upsert(updatedActive, 2);
await remove(deleted);
console.log(`fresh tier: ${updatedFlushed.length} updates flushed, ${updatedActive.length} updates + ${deleted.length} deletes in the active memtables`);

// ── phase 1: the read arm ────────────────────────────────────────────────────────
const result = scanner.scan({ columns: ['id', 'v'] });
const armRows = (await result.toTable()).toArray().map((r) => ({ id: Number(r.id), v: r.v as number }));
const cuts: readonly AsOfCut[] = await result.cuts;
const armVersion = new Map(armRows.map((r) => [r.id, r.v]));
// what the arm decided for each base key: superseded unless it returned the base version itself
const armSuperseded = new Set(baseKeys.filter((id) => armVersion.get(id) !== 1));
console.log(`\nphase 1 — read arm: ${armRows.length} rows; of the ${N} base rows it superseded ${armSuperseded.size} (newer version or deleted)`);
for (const c of cuts) console.log(`  cut of shard ${c.shard}: base ≤ generation ${c.compactedThrough}, fresh tier up to generation ${c.activeGeneration} batch ${c.activeBatchCount}`);

// ── meanwhile: writes land in the same active memtables, flush, get compacted ────
const updatedLater = range(slice(6), slice(2)); //                 base keys the arm saw at v1
const rewritten = updatedActive.slice(0, Math.ceil(updatedActive.length / 2)); // keys the arm saw at v2
const deletedLater = range(slice(9), slice(1));
await upsert([...updatedLater, ...rewritten], 3);
await remove(deletedLater);
await Promise.all(writers.map((w) => w.flush()));
const baseVersion = await compactAll(); // the generations the arm read as fresh tier are now base files
const updatedAfterCompaction = range(slice(12), slice(1));
await upsert(updatedAfterCompaction, 4);
console.log(`\nmeanwhile: ${updatedLater.length} base keys updated, ${rewritten.length} of the arm's fresh keys rewritten, ${deletedLater.length} deleted`);
console.log(`           (in the generation the arm was reading), flushed, compacted into base version ${baseVersion}; then ${updatedAfterCompaction.length} more updates`);

// ── phase 2: which base rows does the fresh tier supersede? ───────────────────────
const keys = baseKeys.map((id) => ({ id: BigInt(id) }));
const asIds = (indices: number[]) => new Set(indices.map((i) => baseKeys[i]));
const asOfCut = asIds(await scanner.freshTierBlockList(keys, cuts));
const freshCut = asIds(await scanner.freshTierBlockList(keys, await scanner.scan({ limit: 0 }).cuts));
const liveNow = await scanner.containsPks(keys);
const goneNow = new Set(baseKeys.filter((_, i) => !liveNow[i]));

const minus = (a: Set<number>, b: Set<number>) => [...a].filter((x) => !b.has(x)).sort((x, y) => x - y);
const verdict = (s: Set<number>) => {
  const dropped = minus(s, armSuperseded);
  const kept = minus(armSuperseded, s);
  return dropped.length + kept.length === 0 ? 'yes' : `NO: drops ${dropped.length} rows the arm returned, keeps ${kept.length} stale base rows`;
};
console.log('\nphase 2 — the supersession check over the base rows:');
printRows([
  { check: 'freshTierBlockList(keys, the arm\'s cut)', superseded: asOfCut.size, 'agrees with the arm': verdict(asOfCut) },
  { check: 'freshTierBlockList(keys, a fresh cut)', superseded: freshCut.size, 'agrees with the arm': verdict(freshCut) },
  { check: 'not containsPks(keys) now', superseded: goneNow.size, 'agrees with the arm': verdict(goneNow) },
]);

// The damage of the wrong answer: base rows the arm returned (at v1) that the live-tier
// check calls superseded. A reader trusting it drops them — they vanish from its result.
const lost = minus(freshCut, armSuperseded);
console.log(`\nrows the fresh-cut check would drop although the arm returned them (${lost.length}; first 5):`);
const newest = new Map((await scanner.get(lost.slice(0, 5).map((id) => ({ id: BigInt(id) })))).toArray().map((r) => [Number(r.id), r.v as number]));
printRows(lost.slice(0, 5).map((id) => ({ id, 'arm returned': `v${armVersion.get(id)}`, 'newest now': `v${newest.get(id)} (written after the cut)` })));
const stale = minus(armSuperseded, freshCut);
console.log(`…and base rows it would keep although the arm read a newer version or a delete (${stale.length}; first 5):`);
printRows(stale.slice(0, 5).map((id) => ({ id, 'base row': 'v1', 'arm returned': armVersion.has(id) ? `v${armVersion.get(id)}` : 'deleted' })));

await Promise.all(writers.map((w) => w.close()));
closeStore(store);
const agrees = verdict(asOfCut) === 'yes';
console.log(agrees ? '\nthe as-of-cut block list agrees with the read arm exactly' : '\nTHE AS-OF-CUT BLOCK LIST DISAGREES WITH THE READ ARM');
process.exitCode = agrees ? 0 : 1;
