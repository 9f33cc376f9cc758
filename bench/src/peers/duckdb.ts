/**
 * DuckDB (`@duckdb/node-api`) on a local database file: a table with `id BIGINT PRIMARY KEY`,
 * upserts as `INSERT OR REPLACE`, commits made durable by DuckDB's own WAL (synced at commit).
 * Rows go in as data chunks through an appender (its fastest ingest path from JS), built from
 * plain columns converted from the Arrow batches before the clock starts.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROW_BYTES, arrowBytes, collect, lookupKeys, producerSpecs, rowCount, stateFixture, toColumns, type Columns, type StreamSpec } from '../data.js';
import { importPeer } from './load.js';
import { peerStream, startClock, type Adapter, type Result, type WorkloadContext } from './types.js';

/* The few node-api shapes used here, typed locally: bench/peers is outside tsc's reach. */
interface Chunk { rowCount: number; getColumns(): unknown[][]; setColumns(columns: unknown[][]): void }
/** An appender of `@duckdb/node-api`, as far as the benches use it. */
export interface Appender { appendDataChunk(chunk: Chunk): void; flushSync(): void; closeSync(): void }
interface Materialized { getRows(): Promise<unknown[][]>; getColumns(): Promise<unknown[][]> }
/** A connection of `@duckdb/node-api`, as far as the benches use it. */
export interface Conn {
  run(sql: string): Promise<Materialized>;
  stream(sql: string): Promise<AsyncIterable<Chunk>>;
  createAppender(table: string, schema?: string | null, catalog?: string | null): Promise<Appender>;
  closeSync(): void;
}
interface Instance { connect(): Promise<Conn>; closeSync(): void }
/** The `@duckdb/node-api` module, as far as the benches use it. */
export interface DuckDB {
  DuckDBInstance: { create(path: string, options?: Record<string, string>): Promise<Instance> };
  DuckDBDataChunk: { create(types: unknown[], rows: number): Chunk };
  BIGINT: unknown; INTEGER: unknown; DOUBLE: unknown; VARCHAR: unknown;
}

const duck = () => importPeer<DuckDB>('@duckdb/node-api');
const COLUMNS = 'id BIGINT PRIMARY KEY, qty INTEGER, price DOUBLE, label VARCHAR';
// Never checkpoint on our behalf: replay and compaction need the WAL left alone until we say so.
const NO_AUTO_CHECKPOINT = { checkpoint_threshold: '1TB' };

async function open(ctx: WorkloadContext, options: Record<string, string> = {}): Promise<Instance> {
  return (await duck()).DuckDBInstance.create(join(ctx.dir, 'bench.duckdb'), options);
}

/** Appends columns through an appender, 2,048 rows (DuckDB's vector size) per data chunk. */
async function append(db: DuckDB, appender: Appender, cols: Columns): Promise<void> {
  const types = [db.BIGINT, db.INTEGER, db.DOUBLE, db.VARCHAR];
  for (let at = 0; at < cols.id.length; at += 2048) {
    const end = Math.min(at + 2048, cols.id.length);
    const chunk = db.DuckDBDataChunk.create(types, end - at);
    chunk.setColumns([cols.id.slice(at, end), cols.qty.slice(at, end), cols.price.slice(at, end), cols.label.slice(at, end)]);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
}

/**
 * One upsert per call: the batch goes into a per-connection temp table through the appender,
 * then `INSERT OR REPLACE INTO t SELECT * FROM tmp`, all in one transaction (one WAL commit).
 */
async function upserter(db: DuckDB, conn: Conn): Promise<(cols: Columns) => Promise<void>> {
  await conn.run(`CREATE TEMP TABLE tmp (${COLUMNS.replace(' PRIMARY KEY', '')})`);
  const appender = await conn.createAppender('tmp', 'main', 'temp');
  return async (cols) => {
    await conn.run('BEGIN');
    await append(db, appender, cols);
    await conn.run('INSERT OR REPLACE INTO t SELECT * FROM tmp');
    await conn.run('DELETE FROM tmp');
    await conn.run('COMMIT');
  };
}

/** Upsert or append stream: one connection per producer, all running at once. */
async function stream(ctx: WorkloadContext, kind: 'upsert' | 'append'): Promise<Result> {
  const db = await duck();
  const { sizes, note } = peerStream(ctx.sizes);
  const batches = producerSpecs(sizes, kind).map(collect);
  const columns = batches.map((list) => list.map(toColumns));
  const instance = await open(ctx);
  const setup = await instance.connect();
  // The analytics table has no key, as freshtier's append-only tables have none.
  await setup.run(`CREATE TABLE t (${kind === 'upsert' ? COLUMNS : COLUMNS.replace(' PRIMARY KEY', '')})`);
  const conns = await Promise.all(columns.map(() => instance.connect()));
  const writers = await Promise.all(conns.map(async (c) => {
    if (kind === 'upsert') return upserter(db, c);
    const appender = await c.createAppender('t');
    return (cols: Columns) => append(db, appender, cols); // each flush commits one batch
  }));
  const elapsed = startClock();
  await Promise.all(columns.map(async (list, p) => { for (const cols of list) await writers[p](cols); }));
  const committedAt = elapsed();
  // Closing checkpoints the WAL into the database file: DuckDB's counterpart of a final flush.
  for (const c of conns) c.closeSync();
  setup.closeSync();
  instance.closeSync();
  const seconds = elapsed();
  const all = batches.flat();
  const how = kind === 'upsert' ? 'per batch: appender into temp table, INSERT OR REPLACE, commit' : 'appender, one commit per batch';
  return { rows: rowCount(all), bytes: arrowBytes(all), seconds, notes: `${how}; WAL synced at each commit; timed to the end of close (last commit at ${committedAt.toFixed(2)} s, close ${(seconds - committedAt).toFixed(2)} s)${note}` };
}

/** Applies the fixture's generations (and memtables' share) as one upsert each. */
async function applyDeltas(db: DuckDB, conn: Conn, deltas: StreamSpec[]): Promise<void> {
  const upsert = await upserter(db, conn);
  for (const spec of deltas) for (const b of collect(spec)) await upsert(toColumns(b));
}

/** The fixture's base, checkpointed into the database file; optionally the generations too. */
async function writeFixture(ctx: WorkloadContext, withDeltas: boolean): Promise<void> {
  const db = await duck();
  const { base, deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const instance = await open(ctx);
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE t (${COLUMNS})`);
  const appender = await conn.createAppender('t');
  for (const b of collect(base)) await append(db, appender, toColumns(b));
  appender.closeSync();
  if (withDeltas) await applyDeltas(db, conn, deltas);
  await conn.run('CHECKPOINT');
  instance.closeSync();
}

const count = async (conn: Conn) => Number((await (await conn.run('SELECT count(*) FROM t')).getRows())[0][0]);

/** The DuckDB adapter. */
export const duckdbAdapter: Adapter = {
  name: 'duckdb',
  needsPeers: true,
  prepare: {
    scan: (ctx) => writeFixture(ctx, true),
    containsPks: (ctx) => writeFixture(ctx, true),
    compaction: (ctx) => writeFixture(ctx, false),
    async replay(ctx) {
      const db = await duck();
      const instance = await open(ctx, NO_AUTO_CHECKPOINT);
      const conn = await instance.connect();
      await conn.run(`CREATE TABLE t (${COLUMNS})`);
      const upsert = await upserter(db, conn);
      for (const b of collect({ rows: ctx.sizes.tableRows, batchRows: ctx.sizes.batchRows, updateFraction: ctx.sizes.updateFraction, seed: 41 })) await upsert(toColumns(b));
      // Crash: DuckDB would checkpoint on a clean close, leaving nothing to replay.
      process.kill(process.pid, 'SIGKILL');
    },
  },
  workloads: {
    upsert: (ctx) => stream(ctx, 'upsert'),
    append: (ctx) => stream(ctx, 'append'),
    async scan(ctx) {
      const conn = await (await open(ctx)).connect();
      const read = async () => {
        const elapsed = startClock();
        let rows = 0;
        // Materialize every value in JS, as the Arrow-producing systems hand back every column.
        for await (const chunk of await conn.stream('SELECT * FROM t')) rows += chunk.getColumns()[0].length;
        return { rows, bytes: rows * ROW_BYTES, seconds: elapsed() };
      };
      const cold = await read();
      const warm = await read();
      const what = 'SELECT * streamed, every chunk converted to JS values';
      return { ...cold, notes: `cold: first query after opening the database in a fresh process; ${what}`, also: { scanWarm: { ...warm, notes: `warm: the same connection again (buffer pool filled); ${what}` } } };
    },
    async containsPks(ctx) {
      const db = await duck();
      const keys = lookupKeys(ctx.sizes.lookupKeys, ctx.sizes.tableRows);
      const conn = await (await open(ctx)).connect();
      await conn.run('CREATE TEMP TABLE keys (id BIGINT)');
      const elapsed = startClock();
      const found = await semiJoinKeys(db, conn, keys);
      const seconds = elapsed();
      if (found !== Math.ceil(keys.length / 2)) throw new Error(`duckdb containsPks found ${found} of ${keys.length} keys`);
      return { rows: keys.length, bytes: keys.length * 8, seconds, notes: 'keys appended to a temp table, SEMI JOIN' };
    },
    async replay(ctx) {
      // A crash that left no WAL would time an empty open: refuse to report that.
      const walBytes = statSync(join(ctx.dir, 'bench.duckdb.wal'), { throwIfNoEntry: false })?.size ?? 0;
      if (walBytes === 0) throw new Error('duckdb replay: the prepare step left no WAL to replay');
      const elapsed = startClock();
      const instance = await open(ctx, NO_AUTO_CHECKPOINT);
      const rows = await count(await instance.connect());
      return { rows: ctx.sizes.tableRows, bytes: ctx.sizes.tableRows * ROW_BYTES, seconds: elapsed(), notes: `open (replays a ${(walBytes / 2 ** 20).toFixed(0)} MiB WAL) + count(*) = ${rows} keys` };
    },
    async compaction(ctx) {
      const db = await duck();
      const instance = await open(ctx, NO_AUTO_CHECKPOINT);
      const conn = await instance.connect();
      await applyDeltas(db, conn, stateFixture(ctx.sizes.tableRows, ctx.sizes.generations).deltas);
      const elapsed = startClock();
      await conn.run('CHECKPOINT');
      const seconds = elapsed();
      const rows = await count(conn);
      return { rows, bytes: rows * ROW_BYTES, seconds, notes: 'generations upserted in-process (untimed), then CHECKPOINT' };
    },
  },
};

/**
 * DuckDB's membership check, as every bench times it: `keys` appended into the temp table
 * `keys` (created by the caller, before its clock starts), then a `SEMI JOIN` with table `t`.
 * Returns how many of the keys `t` holds.
 *
 * @example
 * ```ts
 * await conn.run('CREATE TEMP TABLE keys (id BIGINT)');
 * const found = await semiJoinKeys(db, conn, [1n, 2n]);
 * ```
 */
export async function semiJoinKeys(db: DuckDB, conn: Conn, keys: bigint[]): Promise<number> {
  const appender = await conn.createAppender('keys', 'main', 'temp');
  for (let at = 0; at < keys.length; at += 2048) {
    const slice = keys.slice(at, at + 2048);
    const chunk = db.DuckDBDataChunk.create([db.BIGINT], slice.length);
    chunk.setColumns([slice]);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  const found = await (await conn.run('SELECT k.id FROM keys k SEMI JOIN t ON k.id = t.id')).getColumns();
  return found[0].length;
}
