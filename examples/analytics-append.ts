/**
 * An analytics pipeline: producers append event batches to an append-only table,
 * one `ShardWriter` per shard, while a reader keeps aggregating (events per type)
 * with an `LsmScanner` over the same writers. Every scan sees every event
 * acknowledged before it started — frozen and flushing memtables included — and
 * after the writers close, the counts match what was appended, exactly.
 *
 *   node --conditions=freshtier-src --import tsx examples/analytics-append.ts [uri] [--size batchesPerShard]
 */
import { Table } from '@freshtier/core';
import { LsmScanner, col } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Float64, Int32, RecordBatch, Schema, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { batchOf, cleanStore, closeStore, parseArgs, printRows, random } from './shared.js';

const { uri, size: batchesPerShard } = parseArgs('.freshtier-examples/analytics-append', 40);
const SHARDS = 4;
const ROWS_PER_BATCH = 500;
const TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'signup'];

// No primary key: an append-only table. Nothing is deduplicated, every put is new rows,
// and the caller chooses the shard (here: each producer owns one).
const schema = new Schema([
  new Field('ts', new TimestampMillisecond(), false),
  new Field('type', new Utf8(), false),
  new Field('user', new Int32(), false),
  new Field('amount', new Float64(), true),
]);
const store = await cleanStore(uri);
const table = await Table.create(store, { schema, shards: SHARDS });

// Small memtables so the run freezes and flushes while the reader reads (invariant 2:
// a frozen memtable stays readable until its flush is committed). `async` durability
// acks at once and writes the WAL within 5 ms: fine for events a source can replay.
const writers = await Promise.all(Array.from({ length: SHARDS }, (_, shard) =>
  ShardWriter.open(table, { shard, durability: 'async', walFlushIntervalMs: 5, maxMemtableRows: 4 * ROWS_PER_BATCH })));
const acked = new Map<string, number>(TYPES.map((t) => [t, 0]));
let ackedTotal = 0;

function eventBatch(rand: () => number): { batch: RecordBatch; types: string[] } {
  // skewed like real traffic: many views, few purchases
  const types = Array.from({ length: ROWS_PER_BATCH }, () => TYPES[Math.min(TYPES.length - 1, Math.floor(-Math.log(1 - rand()) * 1.2))]);
  const batch = batchOf({
    ts: vectorFromArray(types.map(() => new Date()), new TimestampMillisecond()),
    type: vectorFromArray(types, new Utf8()),
    user: vectorFromArray(types.map(() => Math.floor(rand() * 10_000)), new Int32()),
    amount: vectorFromArray(types.map((t) => (t === 'purchase' ? Math.round(rand() * 10_000) / 100 : null)), new Float64()),
  });
  return { batch, types };
}

async function produce(writer: ShardWriter): Promise<void> {
  const rand = random(1000 + writer.shard);
  for (let b = 0; b < batchesPerShard; b++) {
    const { batch, types } = eventBatch(rand);
    await writer.put(batch);
    // count only after the ack: the reader's lower bound is what was acknowledged
    for (const t of types) acked.set(t, acked.get(t)! + 1);
    ackedTotal += types.length;
    await new Promise((r) => setTimeout(r, 10)); // events arrive over time (and the reader gets turns)
  }
}

async function countByType(scanner: LsmScanner): Promise<Map<string, number>> {
  const counts = new Map<string, number>(TYPES.map((t) => [t, 0]));
  for await (const batch of scanner.scan({ columns: ['type'] })) {
    const type = batch.getChild('type')!;
    for (let i = 0; i < batch.numRows; i++) counts.set(type.get(i), counts.get(type.get(i))! + 1);
  }
  return counts;
}

console.log(`appending ${SHARDS} × ${batchesPerShard} batches of ${ROWS_PER_BATCH} events to ${store.uri}, one writer per shard, while a reader aggregates:`);
const live = new LsmScanner(table, { writers });
let producing = true;
const producers = Promise.all(writers.map(produce)).finally(() => (producing = false));
let scans = 0;
let bad = false;
while (producing) {
  const before = ackedTotal; // scan() captures the memtables synchronously: everything acked so far is in
  const counts = await countByType(live);
  const seen = [...counts.values()].reduce((a, b) => a + b, 0);
  const after = ackedTotal;
  const ok = before <= seen && seen <= after;
  bad ||= !ok;
  scans++;
  {
    console.log(`  reader: ${String(seen).padStart(7)} events (acked before scan ${before}, after ${after}) ${ok ? 'ok' : 'WRONG'}  ` +
      TYPES.map((t) => `${t}=${counts.get(t)}`).join(' '));
  }
}
await producers;

// Closing flushes every memtable: from now on the table on storage alone holds every event.
await Promise.all(writers.map((w) => w.close()));
const final = await countByType(new LsmScanner(table));
const purchases = (await new LsmScanner(table).scan({ columns: ['amount'], filter: col('type').eq('purchase') }).toTable()).numRows;
const rows = TYPES.map((t) => ({ type: t, appended: acked.get(t), scanned: final.get(t), match: acked.get(t) === final.get(t) ? 'yes' : 'NO' }));
console.log(`\nafter close (${scans} live scans), from storage only:`);
printRows(rows);
const total = [...final.values()].reduce((a, b) => a + b, 0);
console.log(`total: appended ${ackedTotal}, scanned ${total}; purchases via a filtered scan: ${purchases}`);
const allMatch = rows.every((r) => r.match === 'yes') && total === ackedTotal && purchases === acked.get('purchase') && !bad;
console.log(allMatch ? 'counts match what was appended' : 'MISMATCH');
closeStore(store);
process.exitCode = allMatch ? 0 : 1;
