/**
 * A profile table fed by several services, each knowing only some columns: a
 * `partial-update` table whose `ts` sequence field orders the versions of a key by event
 * time. Each put holds the key, `ts` and whatever columns its service knows; a column
 * takes its newest non-null value, so a late event (a smaller `ts`, arriving after a newer
 * one) never overwrites the newer value — it only fills columns no newer event gave.
 * Then the change feed between a tag and the latest version lists what changed, and
 * applying it to the tagged scan gives the latest scan (DESIGN.md invariant 15).
 *
 *   node --conditions=freshtier-src --import tsx examples/partial-update.ts [uri] [--size users]
 */
import { Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { CHANGE_OP_COLUMN, ShardWriter, changes, checkout, tag } from '@freshtier/writer';
import { Field, Int32, Int64, Schema, Table as ArrowTable, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { batchOf, cleanStore, closeStore, idBatch, parseArgs, printRows, rowsOf } from './shared.js';

const { uri, size } = parseArgs('.freshtier-examples/partial-update', 4);
const users = Math.max(4, size); // ids 1..4 are the walk-through's
type Row = Record<string, unknown>;

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('ts', new Int64(), false), // the sequence field: event time, in every put
  new Field('email', new Utf8(), true), // partial-update: every other non-key column is nullable
  new Field('city', new Utf8(), true),
  new Field('visits', new Int32(), true),
]);
const store = await cleanStore(uri);
const table = await Table.create(store, { schema, primaryKey: ['id'], mergeEngine: 'partial-update', sequenceField: 'ts' });
const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
const scanner = new LsmScanner(table, { writers: [writer] });

/** Puts events holding `id`, `ts` and only the columns given: a batch of a subset of the schema. */
async function put(events: { id: number; ts: number; email?: string; city?: string; visits?: number }[]): Promise<void> {
  const columns: Record<string, Vector> = {
    id: vectorFromArray(events.map((e) => BigInt(e.id)), new Int64()),
    ts: vectorFromArray(events.map((e) => BigInt(e.ts)), new Int64()),
  };
  if (events.some((e) => e.email !== undefined)) columns.email = vectorFromArray(events.map((e) => e.email ?? null), new Utf8());
  if (events.some((e) => e.city !== undefined)) columns.city = vectorFromArray(events.map((e) => e.city ?? null), new Utf8());
  if (events.some((e) => e.visits !== undefined)) columns.visits = vectorFromArray(events.map((e) => e.visits ?? null), new Int32());
  await writer.put(batchOf(columns));
}

let failures = 0;
function check(what: string, got: unknown, want: unknown): void {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  if (!ok) failures++;
  console.log(`  ${what}: ${ok ? 'ok' : `WRONG\n    got  ${JSON.stringify(got)}\n    want ${JSON.stringify(want)}`}`);
}
const byId = (a: Row, b: Row) => Number(a.id) - Number(b.id);
const scanRows = async (s: LsmScanner) => rowsOf(await s.scan().toTable()).sort(byId);

console.log(`profiles table at ${store.uri} (partial-update, sequence field ts)\n`);
// the signup service knows the email; the geo service the city; the counter the visits
await put(Array.from({ length: users }, (_, i) => ({ id: i + 1, ts: 100, email: `user${i + 1}@example.com` })));
await put([{ id: 1, ts: 120, city: 'Lyon' }, { id: 2, ts: 110, city: 'Oslo' }]);
await put([{ id: 1, ts: 130, visits: 3 }]);
// late: ts 90 is older than every event of id 1 so far — neither its city nor its email wins
await put([{ id: 1, ts: 90, city: 'Paris', email: 'old@example.com' }]);
// late, but it fills a column no newer event gave: id 2's visits
await put([{ id: 2, ts: 105, city: 'Bergen', visits: 7 }]);
const [one, two] = rowsOf(await scanner.get([{ id: 1n }, { id: 2n }]));
console.log('after the puts (two of them late), get([1, 2]) →');
printRows([one, two]);
check('late event for id 1 does not overwrite city or email', [one.city, one.email, one.visits, one.ts], ['Lyon', 'user1@example.com', 3, 130]);
check('late event for id 2 fills visits, keeps the newer city', [two.city, two.visits, two.ts], ['Oslo', 7, 110]);

// Versions exist once flushed (a memtable is not part of any table version): flush, then tag.
await writer.flush();
await tag(table, 'before');
const before = await scanRows(await checkout(table, 'before'));

// more events, another flush
await put([{ id: 2, ts: 200, email: 'two@example.org' }, { id: users + 1, ts: 200, email: 'new@example.com', city: 'Rome' }]);
await put([{ id: 3, ts: 50, city: 'Nowhere' }]); // late but fills id 3's city (never given): a change
await put([{ id: 1, ts: 10, city: 'Paris' }]); // late and loses everywhere: no change for id 1
await writer.delete(idBatch([4n]));
await writer.flush();

console.log(`\nchanges(table, { from: 'before' }) (more puts, a delete of id 4, a flush since the tag):`);
const feed: Row[] = [];
for await (const batch of changes(table, { from: 'before' })) feed.push(...rowsOf(new ArrowTable(batch)));
printRows(feed);
check('ops', feed.map((r) => `${r.id}:${r[CHANGE_OP_COLUMN]}`), ['2:update_before', '2:update_after', '3:update_before', '3:update_after', '4:delete', `${users + 1}:insert`]);

// invariant 15: apply the feed to the scan of `before`, compare with the latest scan
const state = new Map(before.map((r) => [r.id, r]));
for (const r of feed) {
  const { [CHANGE_OP_COLUMN]: op, ...row } = r;
  if (op === 'delete' || op === 'update_before') state.delete(row.id);
  else state.set(row.id, row);
}
await writer.close();
const latest = await scanRows(new LsmScanner(table));
console.log(`\napplying the feed to scan('before') (${before.length} rows) gives the latest scan (${latest.length} rows):`);
check('scan(before) + feed = scan(latest)', [...state.values()].sort(byId), latest);
closeStore(store);
console.log(failures === 0 ? '\nall checks pass' : `\n${failures} checks FAILED`);
process.exitCode = failures === 0 ? 0 : 1;
