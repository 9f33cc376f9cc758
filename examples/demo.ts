/**
 * The README demo: one table, one durable writer, one scanner — the whole life
 * of a row through freshtier's fresh tier.
 *
 *   npx -y pnpm@10 demo                       # table under .freshtier-demo/
 *   node --conditions=freshtier-src --import tsx examples/demo.ts s3://bucket/demo
 */
import { Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Int32, Int64, RecordBatch, Schema, Utf8, vectorFromArray } from 'apache-arrow';
import { batchOf, cleanStore, closeStore, idBatch, parseArgs, printRows, rowsOf } from './shared.js';

const { uri } = parseArgs('.freshtier-demo', 1);

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), false),
  new Field('city', new Utf8(), true),
  new Field('age', new Int32(), true),
]);

function users(rows: { id: number; name: string; city: string | null; age: number | null }[]): RecordBatch {
  return batchOf({
    id: vectorFromArray(rows.map((r) => BigInt(r.id)), new Int64()),
    name: vectorFromArray(rows.map((r) => r.name), new Utf8()),
    city: vectorFromArray(rows.map((r) => r.city), new Utf8()),
    age: vectorFromArray(rows.map((r) => r.age), new Int32()),
  });
}

// 1. A table: schema, primary key, shard count. `_table.json` is created once (put-if-absent).
const store = await cleanStore(uri);
const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
console.log(`1. created table ${store.uri} (primary key id, 1 shard)`);

// 2. The shard's writer. Opening claims a new epoch, so a stale writer elsewhere is fenced.
//    `durable`: put() resolves only once the WAL entry holding the batch is persisted.
const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
await writer.put(users([
  { id: 1, name: 'Ada', city: 'London', age: 36 },
  { id: 2, name: 'Grace', city: 'New York', age: 45 },
  { id: 3, name: 'Edsger', city: 'Rotterdam', age: 72 },
  { id: 4, name: 'Barbara', city: 'Boston', age: 30 },
  { id: 5, name: 'Ken', city: null, age: null },
]));
console.log(`2. put 5 rows into generation ${writer.activeGeneration} (acknowledged after the WAL write)`);

// 3. Upserts and a delete. Same key → the newer coordinate (generation, batch, row) wins;
//    a delete is a tombstone that hides every older version.
await writer.put(users([
  { id: 2, name: 'Grace', city: 'Arlington', age: 45 },
  { id: 4, name: 'Barbara', city: 'Boston', age: 31 },
]));
await writer.delete(idBatch([5n]));
console.log('3. upserted ids 2 and 4, deleted id 5');

// 4. Freeze + flush: the active memtable becomes frozen (still readable), then it is written
//    as a Parquet generation with a key index, and only then committed in the shard manifest.
const frozen = writer.freeze();
await writer.flush();
console.log(`4. froze and flushed generation ${frozen} → Parquet, committed in shard manifest v${writer.manifest.version}`);

// A write after the flush lands in the new active memtable: the scan below unions both.
await writer.put(users([{ id: 6, name: 'Donald', city: 'Stanford', age: 84 }]));
console.log(`   put id 6 into the new active generation ${writer.activeGeneration}`);

// 5. The latest state: flushed generation + active memtable, deduplicated, tombstones hidden.
const scanner = new LsmScanner(table, { writers: [writer] });
const result = scanner.scan({ columns: ['id', 'name', 'city', 'age'] });
const latest = rowsOf(await result.toTable()).sort((a, b) => (a.id as number) - (b.id as number));
console.log(`5. scan of the latest state (${latest.length} rows; id 5 is gone, ids 2 and 4 show their new values):`);
printRows(latest);

// 6. A point lookup reads key indexes first and decodes only what it needs.
const [grace] = rowsOf(await scanner.get([{ id: 2n }]));
console.log(`6. get(id = 2) → ${JSON.stringify(grace)}`);
console.log(`   containsPks([1, 5, 7]) → ${JSON.stringify(await scanner.containsPks([{ id: 1n }, { id: 5n }, { id: 7n }]))}`);

// 7. The cut: how far into the fresh tier the scan saw, per shard. It is what keeps
//    `containsPksAsOf` / `freshTierBlockList` exact after later flushes and compactions.
const [cut] = await result.cuts;
console.log(`7. the scan's cut: ${JSON.stringify(cut)}`);

await writer.close(); // freezes and flushes the active memtable too
console.log(`8. closed the writer (flushed generation ${writer.status().activeGeneration - 1}); objects in ${store.uri}:`);
for (const o of await store.list('')) console.log(`   ${o.key.padEnd(58)} ${String(o.size).padStart(6)} B`);
closeStore(store);
