/**
 * A service that keeps users by id: it upserts and deletes through one durable
 * `ShardWriter` per shard, while scans and point lookups (`get`, `containsPks`)
 * read the latest state. Every read is checked against an in-memory model (a Map
 * applied in the same order), first in a narrated walk-through, then under random
 * traffic with freezes and flushes, and finally from storage alone after closing.
 *
 *   node --conditions=freshtier-src --import tsx examples/upsert-scan.ts [uri] [--size operations]
 */
import { Table } from '@freshtier/core';
import { LsmScanner, and, col } from '@freshtier/scanner';
import { ShardWriter, splitByShard } from '@freshtier/writer';
import { Field, Int32, Int64, Schema, Utf8, vectorFromArray } from 'apache-arrow';
import { batchOf, cleanStore, closeStore, idBatch, idsByShard, parseArgs, printRows, random, rowsOf } from './shared.js';

const { uri, size: operations } = parseArgs('.freshtier-examples/upsert-scan', 200);
const SHARDS = 2;
const PLANS = ['free', 'pro', 'team'];

interface User { id: number; name: string; plan: string; visits: number }

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), false),
  new Field('plan', new Utf8(), false),
  new Field('visits', new Int32(), false),
]);
const store = await cleanStore(uri);
const table = await Table.create(store, { schema, primaryKey: ['id'], shards: SHARDS });
const writers = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => ShardWriter.open(table, { shard, durability: 'durable' })));
// The scanner reads the writers' memtables too: a read sees every write acknowledged before it.
const scanner = new LsmScanner(table, { writers });
const model = new Map<number, User>();

async function upsert(users: User[]): Promise<void> {
  const batch = batchOf({
    id: vectorFromArray(users.map((u) => BigInt(u.id)), new Int64()),
    name: vectorFromArray(users.map((u) => u.name), new Utf8()),
    plan: vectorFromArray(users.map((u) => u.plan), new Utf8()),
    visits: vectorFromArray(users.map((u) => u.visits), new Int32()),
  });
  // each row goes to the shard its key hashes to; each shard has exactly one writer
  await Promise.all([...splitByShard(table, batch)].map(([shard, part]) => writers[shard].put(part)));
  for (const u of users) model.set(u.id, u); // later rows of a batch win, as in the table
}

async function remove(ids: number[]): Promise<void> {
  await Promise.all([...idsByShard(table, ids.map(BigInt))].map(([shard, keys]) => writers[shard].delete(idBatch(keys))));
  for (const id of ids) model.delete(id);
}

const byId = (a: object, b: object) => Number((a as User).id) - Number((b as User).id);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
let checks = 0;
let failures = 0;
function check(what: string, got: unknown, want: unknown): void {
  checks++;
  if (same(got, want)) return;
  failures++;
  console.log(`  MISMATCH in ${what}:\n    got  ${JSON.stringify(got)}\n    want ${JSON.stringify(want)}`);
}

// ── a narrated walk-through ────────────────────────────────────────────────────
console.log(`users table at ${store.uri} (${SHARDS} shards, one durable writer each)\n`);
await upsert([1, 2, 3, 4, 5].map((id) => ({ id, name: `user${id}`, plan: 'free', visits: 0 })));
console.log('upsert users 1..5; scan:');
const first = rowsOf(await scanner.scan().toTable()).sort(byId);
printRows(first);
check('scan', first, [...model.values()].sort(byId));

await upsert([{ id: 2, name: 'user2', plan: 'pro', visits: 3 }, { id: 6, name: 'user6', plan: 'team', visits: 1 }]);
const got = rowsOf(await scanner.get([{ id: 2n }, { id: 6n }]));
console.log(`\nupsert id 2 (now pro) and add id 6; get([2, 6]) →\n  ${got.map((r) => JSON.stringify(r)).join('\n  ')}`);
check('get', got, [model.get(2), model.get(6)]);

await remove([3]);
const live = await scanner.containsPks([{ id: 1n }, { id: 3n }, { id: 99n }]);
console.log(`\ndelete id 3; containsPks([1, 3, 99]) → ${JSON.stringify(live)}`);
check('containsPks', live, [true, false, false]);

// Freeze + flush: the upserts above move from memory to Parquet. A rewrite afterwards goes
// to the new active memtable and must win over the flushed version (invariant 3).
await Promise.all(writers.map((w) => w.flush()));
await upsert([{ id: 2, name: 'user2', plan: 'team', visits: 4 }]);
const [two] = rowsOf(await scanner.get([{ id: 2n }]));
console.log(`\nflush both shards, then upsert id 2 again (now team); get([2]) → ${JSON.stringify(two)}`);
check('get after flush', two, model.get(2));

// ── random traffic ────────────────────────────────────────────────────────────
console.log(`\n${operations} random operations (upserts, deletes, flushes), checking reads as they go…`);
const rand = random(7);
const pick = (n: number) => 1 + Math.floor(rand() * n);
const KEYS = 300;
for (let op = 1; op <= operations; op++) {
  const r = rand();
  if (r < 0.6) {
    await upsert(Array.from({ length: pick(20) }, () => {
      const id = pick(KEYS);
      const old = model.get(id);
      return { id, name: `user${id}`, plan: PLANS[Math.floor(rand() * 3)], visits: (old?.visits ?? 0) + 1 };
    }));
  } else if (r < 0.9) {
    await remove(Array.from({ length: pick(5) }, () => pick(KEYS)));
  } else {
    const w = writers[Math.floor(rand() * SHARDS)];
    if (rand() < 0.5) w.freeze(); // frozen stays readable while its flush runs in the background
    else await w.flush();
  }
  // point lookups: a few present and absent keys
  const ids = Array.from({ length: 5 }, () => pick(KEYS));
  check('get', rowsOf(await scanner.get(ids.map((id) => ({ id: BigInt(id) })))), [...new Set(ids)].filter((id) => model.has(id)).map((id) => model.get(id)));
  check('containsPks', await scanner.containsPks(ids.map((id) => ({ id: BigInt(id) }))), ids.map((id) => model.has(id)));
  if (op % 20 === 0 || op === operations) {
    const all = rowsOf(await scanner.scan().toTable()).sort(byId);
    check('scan', all, [...model.values()].sort(byId));
    const busy = rowsOf(await scanner.scan({ filter: and(col('plan').eq('pro'), col('visits').ge(2)) }).toTable()).sort(byId);
    check('filtered scan', busy, [...model.values()].filter((u) => u.plan === 'pro' && u.visits >= 2).sort(byId));
    console.log(`  after ${String(op).padStart(4)} ops: ${all.length} live users, ${busy.length} pro users with ≥ 2 visits — ${failures ? `${failures} MISMATCHES` : 'all reads match the model'}`);
  }
}

// ── durability: close (flushes everything), then read storage alone ───────────
await Promise.all(writers.map((w) => w.close()));
const stored = rowsOf(await new LsmScanner(table).scan().toTable()).sort(byId);
check('scan after close', stored, [...model.values()].sort(byId));
console.log(`\nclosed the writers; a scanner without writers reads ${stored.length} users from storage — ${same(stored, [...model.values()].sort(byId)) ? 'same as the model' : 'DIFFERENT from the model'}`);
console.log(`${checks} checks, ${failures} mismatches`);
closeStore(store);
process.exitCode = failures === 0 ? 0 : 1;
