/**
 * DuckDB's side of bench/contains-pks.ts: the fixture's final state in a database file
 * (`id BIGINT PRIMARY KEY`, the base appended, each generation applied as one
 * `INSERT OR REPLACE`, then `CHECKPOINT`), and a cold membership check as the bench's
 * DuckDB adapter times it: open the database, append the keys into a temp table,
 * `SEMI JOIN` it with the table (the clock starts after the open, as there).
 */
import type { RecordBatch } from 'apache-arrow';
import { collect, stateFixture } from './src/data.js';
import { semiJoinKeys, type Appender, type DuckDB } from './src/peers/duckdb.js';

export type { DuckDB };

const COLUMNS = 'id BIGINT PRIMARY KEY, qty INTEGER, price DOUBLE, label VARCHAR';

/**
 * `@duckdb/node-api` when it resolves from `require`'s package, else undefined (the comparison is skipped).
 *
 * @example
 * ```ts
 * const duck = await loadDuckdb(createRequire(path.resolve('packages/integration/package.json')));
 * ```
 */
export async function loadDuckdb(require: NodeJS.Require): Promise<DuckDB | undefined> {
  try {
    return (await import(require.resolve('@duckdb/node-api'))) as DuckDB;
  } catch {
    console.log('(@duckdb/node-api does not resolve from packages/integration: DuckDB comparison skipped)');
    return undefined;
  }
}

async function append(db: DuckDB, appender: Appender, batches: RecordBatch[]): Promise<void> {
  const types = [db.BIGINT, db.INTEGER, db.DOUBLE, db.VARCHAR];
  for (const b of batches) {
    const cols = ['id', 'qty', 'price', 'label'].map((n) => b.getChild(n)!.toArray() as ArrayLike<unknown>);
    const label = b.getChild('label')!;
    for (let at = 0; at < b.numRows; at += 2048) {
      const end = Math.min(at + 2048, b.numRows);
      const chunk = db.DuckDBDataChunk.create(types, end - at);
      const strings = Array.from({ length: end - at }, (_, i) => label.get(at + i) as string);
      chunk.setColumns([Array.from((cols[0] as BigInt64Array).subarray(at, end)), Array.from((cols[1] as Int32Array).subarray(at, end)), Array.from((cols[2] as Float64Array).subarray(at, end)), strings]);
      appender.appendDataChunk(chunk);
    }
  }
  appender.flushSync();
}

/**
 * Writes the fixture's final state to the database file `file`.
 *
 * @example
 * ```ts
 * await duckdbFixture(duck, '/tmp/x/bench.duckdb', 1_000_000, 8);
 * ```
 */
export async function duckdbFixture(db: DuckDB, file: string, rows: number, generations: number): Promise<void> {
  const { base, deltas } = stateFixture(rows, generations);
  const instance = await db.DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE t (${COLUMNS})`);
  const appender = await conn.createAppender('t');
  await append(db, appender, collect(base));
  appender.closeSync();
  await conn.run(`CREATE TEMP TABLE tmp (${COLUMNS.replace(' PRIMARY KEY', '')})`);
  const tmp = await conn.createAppender('tmp', 'main', 'temp');
  for (const spec of deltas.slice(0, generations)) {
    await append(db, tmp, collect(spec));
    await conn.run('INSERT OR REPLACE INTO t SELECT * FROM tmp');
    await conn.run('DELETE FROM tmp');
  }
  await conn.run('CHECKPOINT');
  conn.closeSync();
  instance.closeSync();
}

/**
 * Wall and CPU milliseconds of one cold membership check of `keys` (half of which must be present).
 *
 * @example
 * ```ts
 * const { ms, cpuMs } = await duckdbLookup(duck, '/tmp/x/bench.duckdb', [1n, 2n]);
 * ```
 */
export async function duckdbLookup(db: DuckDB, file: string, keys: bigint[]): Promise<{ ms: number; cpuMs: number }> {
  const instance = await db.DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run('CREATE TEMP TABLE keys (id BIGINT)');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const found = await semiJoinKeys(db, conn, keys);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  conn.closeSync();
  instance.closeSync();
  if (found !== Math.ceil(keys.length / 2)) throw new Error(`duckdb found ${found} of ${keys.length} keys`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}
