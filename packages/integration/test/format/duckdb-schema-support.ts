/**
 * Tables whose schema evolves, for the DuckDB view tests of issue 17: a local table with one
 * test writer per shard that writes random rows of whatever the current schema is, evolves
 * the schema (flushing and reopening its writers around the commit), and the check that the
 * view of a table version in DuckDB equals the scan of it exactly.
 */
import { LocalStore, Table, encodeKeys } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, checkout, evolveSchema, latestStateSql, liveFiles, splitByShard, type VersionRef } from '@freshtier/writer';
import { Field, Int64, RecordBatch, Schema, Struct, Type, makeData, vectorFromArray, type Data, type DataType } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { prng } from '../../../../reliability/src/data.js';
import { arrowRows, duckdb, rawData, viewRows } from './duckdb-support.js';

const dirs: string[] = [];

/**
 * Removes every table directory {@link Fixture.create} made (call it in `afterAll`).
 *
 * @example
 * ```ts
 * afterAll(removeSchemaDirs);
 * ```
 */
export function removeSchemaDirs(): void {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}



/** One column of random values of `f`'s type for `ids` (key columns: the ids). */
function column(f: Field, ids: number[], key: string, next: () => number): Data {
  const maybe = <T>(v: T): T | null => (f.nullable && next() < 0.15 ? null : v);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const t = f.type as DataType & { bitWidth?: number; precision?: number };
  if (f.name === key) return vectorFromArray(ids.map(BigInt), new Int64()).data[0];
  switch (t.typeId) {
    case Type.Int: return t.bitWidth === 64 ? vectorFromArray(ids.map(() => maybe(BigInt(Math.floor(next() * 2 ** 40)) - 2n ** 39n)), t).data[0]
      : vectorFromArray(ids.map(() => maybe(Math.floor(next() * 60_000) - 30_000)), t).data[0];
    case Type.Float: return vectorFromArray(ids.map(() => maybe(t.precision === 1 ? pick([-0, Number.NaN, 1.5, Math.fround(0.1), -3e38]) : pick([-0, Number.NaN, 0.1, -2.25, 1e300]))), t).data[0];
    case Type.Utf8: return vectorFromArray(ids.map(() => maybe(`s${Math.floor(next() * 1e6)}`)), t).data[0];
    case Type.Date: return rawData(t, ids.map(() => maybe(Math.floor(next() * 40_000) - 20_000)), Int32Array);
    case Type.Timestamp: return rawData(t, ids.map(() => maybe(BigInt(Math.floor(next() * 2 ** 44)) - 2n ** 43n)), BigInt64Array);
    default: throw new Error(`no generator for ${String(t)}`);
  }
}

/**
 * A table on local disk, its handle at the current schema, and one test writer per shard.
 *
 * @example
 * ```ts
 * const f = await Fixture.create(schema, 2, 17);
 * await f.upsert(100, 400);
 * await f.evolve({ kind: 'rename-column', name: 'id', to: 'key' });
 * ```
 */
export class Fixture {
  writers: ShardWriter[] = [];
  private constructor(public table: Table, readonly next: () => number) {}

  static async create(schema: Schema, shards: number, seed: number): Promise<Fixture> {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-duckdb-schema-'));
    dirs.push(dir);
    const f = new Fixture(await Table.create(new LocalStore(dir), { schema, primaryKey: [schema.fields[0].name], shards }), prng(seed).next);
    await f.open();
    return f;
  }

  private async open(): Promise<void> {
    this.writers = await Promise.all(Array.from({ length: this.table.shardCount }, (_, shard) => ShardWriter.open(this.table, { shard, durability: 'none', autoFlush: false, flushInWorker: false, rowGroupSize: 16 })));
  }

  /** One schema change: flush and close the writers, commit it, reopen them at the new schema. */
  async evolve(change: Parameters<typeof evolveSchema>[1]): Promise<void> {
    await this.flush();
    await Promise.all(this.writers.map((w) => w.close()));
    this.table = await evolveSchema(this.table, change);
    await this.open();
  }

  private ids(count: number, keySpace: number): number[] {
    return [...new Set(Array.from({ length: count }, () => Math.floor(this.next() * keySpace)))];
  }

  async upsert(count: number, keySpace: number): Promise<void> {
    const ids = this.ids(count, keySpace);
    const schema = this.table.schema;
    const key = this.table.primaryKey[0];
    const children = schema.fields.map((f) => column(f, ids, key, this.next));
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
    for (const [shard, b] of splitByShard(this.table, batch)) await this.writers[shard].put(b);
  }

  async remove(count: number, keySpace: number): Promise<void> {
    const f = this.table.schema.fields.find((x) => x.name === this.table.primaryKey[0])!;
    const ids = this.ids(count, keySpace);
    const keys = new RecordBatch(new Schema([f]), makeData({ type: new Struct([f]), length: ids.length, nullCount: 0, children: [vectorFromArray(ids.map(BigInt), new Int64()).data[0]] }));
    const shards = this.table.shardsOf(encodeKeys(keys, [f.name]));
    for (let shard = 0; shard < this.table.shardCount; shard++) {
      const mine = ids.filter((_, i) => shards[i] === shard);
      if (mine.length) await this.writers[shard].delete(new RecordBatch(new Schema([f]), makeData({ type: new Struct([f]), length: mine.length, nullCount: 0, children: [vectorFromArray(mine.map(BigInt), new Int64()).data[0]] })));
    }
  }

  async flush(): Promise<void> {
    for (const w of this.writers) await w.flush();
  }

  async close(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.close().catch(() => undefined)));
  }
}

/**
 * The view of `ref` in DuckDB (a session whose time zone is not UTC) against the scan of the
 * same version, row for row; returns the schema versions of the live files.
 *
 * @example
 * ```ts
 * expect(await expectViewMatchesScan(f.table)).toEqual([0, 3]);
 * ```
 */
export async function expectViewMatchesScan(table: Table, ref?: VersionRef): Promise<number[]> {
  const live = await liveFiles(table, ref);
  const db = await duckdb();
  await db.run(`SET TimeZone = 'Pacific/Chatham'`); // a widened date→timestamp[s, UTC] must not go through the session's zone
  try {
    await db.run(latestStateSql(table, live, { name: 'v' }));
    const scanner = ref === undefined ? new LsmScanner(table) : await checkout(table, ref);
    const scanned = await scanner.scan().toTable();
    const keyIdx = live.schema!.primaryKey.map((k) => scanned.schema.fields.findIndex((f) => f.name === k));
    expect(scanned.schema.fields.map((f) => f.name)).toEqual(live.schema!.fields.map((f) => f.name));
    const got = await viewRows(db, 'v', scanned.schema.fields, keyIdx);
    expect(got).toEqual(arrowRows(scanned, keyIdx));
  } finally {
    db.closeSync();
  }
  return [...new Set(live.files.map((f) => f.schemaVersion ?? 0))].sort((a, b) => a - b);
}

