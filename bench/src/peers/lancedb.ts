/**
 * LanceDB's TypeScript SDK (`@lancedb/lancedb`) on a local directory. Upserts are
 * `mergeInsert('id')`, appends `add`; each call commits a new table version. Data arrives as
 * Arrow IPC re-read with LanceDB's own Arrow 18 (it rejects tables from our Arrow 21).
 * LanceDB has no WAL (each commit is the durability), so it has no replay workload. Its local
 * commits are not fsynced (strace shows none), unlike DuckDB's and freshtier's durable writes.
 */
import { join } from 'node:path';
import { ROW_BYTES, arrowBytes, collect, lookupKeys, producerSpecs, rowCount, stateFixture, toIpc } from '../data.js';
import { importPeer } from './load.js';
import { peerStream, startClock, type Adapter, type Result, type WorkloadContext } from './types.js';

/* The few SDK shapes used here, typed locally: bench/peers is outside tsc's reach. */
interface ArrowTable { numRows: number; schema: unknown; getChild(name: string): { toArray(): ArrayLike<bigint> } | null }
interface Query { where(predicate: string): Query; select(columns: string[]): Query; toArrow(): Promise<ArrowTable> }
interface MergeInsert { whenMatchedUpdateAll(): MergeInsert; whenNotMatchedInsertAll(): MergeInsert; execute(data: ArrowTable): Promise<unknown> }
interface LanceTable {
  add(data: ArrowTable): Promise<unknown>;
  mergeInsert(on: string): MergeInsert;
  query(): Query;
  optimize(): Promise<{ compaction: { fragmentsRemoved: number; fragmentsAdded: number } }>;
  countRows(): Promise<number>;
  close(): void;
}
interface Connection {
  createTable(name: string, data: ArrowTable): Promise<LanceTable>;
  createEmptyTable(name: string, schema: unknown): Promise<LanceTable>;
  openTable(name: string): Promise<LanceTable>;
}
interface Lance { connect(uri: string): Promise<Connection> }
interface Arrow18 { tableFromIPC(bytes: Uint8Array): ArrowTable }

async function libs(): Promise<{ lance: Lance; arrow: Arrow18 }> {
  return { lance: await importPeer<Lance>('@lancedb/lancedb'), arrow: await importPeer<Arrow18>('apache-arrow') };
}

const connect = async (ctx: WorkloadContext) => (await libs()).lance.connect(join(ctx.dir, 'lancedb'));
const upsert = (table: LanceTable, data: ArrowTable) => table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);

/**
 * Rows of LanceDB's upsert stream at most: without a scalar index each `mergeInsert` joins
 * its batch against the whole table, so a batch costs more the bigger the table is and the
 * stream's time grows faster than its length (200,000 rows took ~3 s in earlier runs; 2 M
 * would dominate the whole bench). Capping it flatters LanceDB: its rows/s over the first
 * 200,000 rows is higher than it would be over 2 M.
 */
export const LANCEDB_UPSERT_ROWS = 200_000;

/** Upsert or append stream: ten producers calling the SDK concurrently on one table handle. */
async function stream(ctx: WorkloadContext, kind: 'upsert' | 'append'): Promise<Result> {
  const { arrow } = await libs();
  const { sizes, note } = peerStream(ctx.sizes, kind === 'upsert' ? LANCEDB_UPSERT_ROWS : Infinity);
  const batches = producerSpecs(sizes, kind).map(collect);
  const tables = batches.map((list) => list.map((b) => arrow.tableFromIPC(toIpc(b))));
  const table = await (await connect(ctx)).createEmptyTable('t', tables[0][0].schema);
  const elapsed = startClock();
  await Promise.all(tables.map(async (list) => {
    for (const t of list) await (kind === 'upsert' ? upsert(table, t) : table.add(t));
  }));
  const seconds = elapsed();
  const all = batches.flat();
  const expected = new Set(all.flatMap((b) => [...(b.getChild('id')!.toArray() as BigInt64Array)])).size;
  const rows = await table.countRows();
  if (rows !== expected) throw new Error(`lancedb ${kind}: ${rows} rows, expected ${expected}`);
  return { rows: rowCount(all), bytes: arrowBytes(all), seconds, notes: `${kind === 'upsert' ? 'mergeInsert(id)' : 'add'} per batch, a version each; no fsync (seen with strace); no close work${note}${note && kind === 'upsert' ? ' (each mergeInsert joins its batch with the whole table)' : ''}` };
}

/** The fixture: base created in one call, then one mergeInsert per generation (each a new version and fragment). */
async function writeFixture(ctx: WorkloadContext): Promise<void> {
  const { arrow } = await libs();
  const { base, deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const table = await (await connect(ctx)).createTable('t', arrow.tableFromIPC(toIpc(collect(base))));
  for (const spec of deltas) await upsert(table, arrow.tableFromIPC(toIpc(collect(spec))));
  table.close();
}

/** The LanceDB adapter. */
export const lancedbAdapter: Adapter = {
  name: 'lancedb',
  needsPeers: true,
  prepare: { scan: writeFixture, containsPks: writeFixture, compaction: writeFixture },
  workloads: {
    upsert: (ctx) => stream(ctx, 'upsert'),
    append: (ctx) => stream(ctx, 'append'),
    async scan(ctx) {
      const table = await (await connect(ctx)).openTable('t');
      const read = async () => {
        const elapsed = startClock();
        const result = await table.query().toArrow();
        return { rows: result.numRows, bytes: result.numRows * ROW_BYTES, seconds: elapsed() };
      };
      const cold = await read();
      const warm = await read();
      const what = 'query().toArrow() over base + 9 mergeInsert versions';
      return { ...cold, notes: `cold: first query in a fresh process; ${what}`, also: { scanWarm: { ...warm, notes: `warm: the same table handle again; ${what}` } } };
    },
    async containsPks(ctx) {
      const keys = lookupKeys(ctx.sizes.lookupKeys, ctx.sizes.tableRows);
      const table = await (await connect(ctx)).openTable('t');
      const elapsed = startClock();
      const found = await table.query().where(`id IN (${keys.join(',')})`).select(['id']).toArrow();
      const seconds = elapsed();
      if (found.numRows !== Math.ceil(keys.length / 2)) throw new Error(`lancedb containsPks found ${found.numRows} of ${keys.length} keys`);
      return { rows: keys.length, bytes: keys.length * 8, seconds, notes: "where('id IN (…)'), no scalar index" };
    },
    async compaction(ctx) {
      const table = await (await connect(ctx)).openTable('t');
      const elapsed = startClock();
      const stats = await table.optimize();
      const seconds = elapsed();
      const rows = await table.countRows();
      const { fragmentsRemoved, fragmentsAdded } = stats.compaction;
      return { rows, bytes: rows * ROW_BYTES, seconds, notes: `optimize(): ${fragmentsRemoved} fragments rewritten into ${fragmentsAdded} (it leaves large ones with few deletions alone)` };
    },
  },
};
