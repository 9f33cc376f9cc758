/**
 * Regression (issue 18, "Maintenance that loses rows"): `gc --older-than 0s` while a
 * writer flushes deleted the files of a generation whose manifest commit then
 * succeeded, and every later read failed. The same held for an ingest's files.
 *
 * Each test pauses a real ShardWriter between writing its files and committing them
 * (the shard-manifest commit is held in the store), runs GC with `olderThan: 0` and a
 * `now` far ahead (everything is "old"), lets the commit go, and checks that every
 * read works and every acked row is there — through the writer, from storage alone,
 * and after a crash and replay. A fenced writer's uncommitted files, on the other
 * hand, do go: its commit can never land, and its acked rows are the new writer's.
 */
import { MemoryStore, isFreshtierError, layout, type Table } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, gc } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { holdCall } from './support/hold.js';
import { modelRows, tableRows } from './support/table-state.js';

const FAR_AHEAD = Date.now() + 10 * 365 * 24 * 3_600_000;
const SHARD_COMMIT = /^shards\/0\/_manifests\/v\d{20}\.json$/;

async function setup() {
  const store = new FaultyStore(new MemoryStore());
  const table = await makeTable(store);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  const model = new Map<number, number>();
  const put = async (w: ShardWriter, lo: number, hi: number, v: number) => {
    await w.put(rangeBatch(lo, hi, v));
    for (let id = lo; id < hi; id++) model.set(id, v); // acked
  };
  await put(writer, 0, 50, 1);
  await writer.flush(); // a committed generation, so GC has something to keep
  return { store, table, writer, model, put };
}

/** Every acked row, through `writers`, from storage alone, and after a crash and replay. */
async function expectAllRows(table: Table, model: Map<number, number>, writers: ShardWriter[]): Promise<void> {
  expect(await tableRows(table, writers)).toEqual(modelRows(model));
  expect(await tableRows(table)).toEqual(modelRows(model));
  const reopened = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  expect(await tableRows(table, [reopened])).toEqual(modelRows(model));
  await reopened.close();
  expect(await tableRows(table)).toEqual(modelRows(model));
}

function generationDirsOf(keys: readonly string[]): string[] {
  return keys.filter((k) => /\/(gen|ingest)-[^/]+\/data\.parquet$/.test(k));
}

describe('gc while a flush or an ingest is in flight', () => {
  it('keeps the files of a flush that has not committed yet, whatever olderThan says', async () => {
    const { store, table, writer, model, put } = await setup();
    await put(writer, 25, 75, 2);
    const commit = holdCall(store, 'putIfAbsent', SHARD_COMMIT);
    const flushing = writer.flush();
    await commit.reached; // data file and key index written, the commit waits
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD });
    commit.release();
    await flushing;
    await expectAllRows(table, model, [writer]);
    expect(report.deleted.generationFiles).toEqual([]);
    expect(report.kept.inFlight).toHaveLength(2); // data file and key index of the flush in flight
    await writer.close();
  });

  it('keeps the files of an ingest that has not committed yet', async () => {
    const { store, table, writer, model } = await setup();
    const commit = holdCall(store, 'putIfAbsent', SHARD_COMMIT);
    const ingesting = writer.ingest(rangeBatch(40, 90, 3));
    await commit.reached;
    const inFlight = generationDirsOf((await store.list('shards/0/')).map((m) => m.key)).filter((k) => k.includes('/ingest-'));
    await gc(table, { olderThan: 0, now: FAR_AHEAD });
    commit.release();
    await ingesting;
    for (let id = 40; id < 90; id++) model.set(id, 3); // acked by the ingest
    await expectAllRows(table, model, [writer]);
    expect(inFlight).toHaveLength(1);
    expect(inFlight[0]).toMatch(/\/ingest-e1-[0-9a-f-]{36}\/data\.parquet$/); // named with the writer's epoch
    await writer.close();
  });

  it('deletes a fenced writer\'s uncommitted files; its commit fails and no acked row is lost', async () => {
    const { store, table, writer, model, put } = await setup();
    await put(writer, 60, 80, 4); // acked: in the WAL
    const commit = holdCall(store, 'putIfAbsent', SHARD_COMMIT);
    const flushing = writer.flush().then(() => undefined, (e: unknown) => e);
    const held = await commit.reached;
    const successor = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false }); // fences `writer`
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD });
    const fencedFiles = report.deleted.generationFiles.filter((k) => k.includes(`/gen-`) && layout.parse(k)?.kind === 'generation-file');
    expect(fencedFiles.length).toBeGreaterThanOrEqual(2); // the fenced flush's data file and key index
    commit.release();
    const err = await flushing;
    expect(isFreshtierError(err, 'SHARD_FENCED') || isFreshtierError(err, 'COMMIT_CONFLICT'), String(err)).toBe(true);
    expect(await store.head(held)).toBeDefined(); // the held commit version is the successor's claim, untouched
    expect(await tableRows(table, [successor])).toEqual(modelRows(model)); // replayed from the WAL
    await successor.flush();
    await expectAllRows(table, model, [successor]);
    await successor.close();
  });

  it('a dry run with the same options deletes nothing and commits nothing', async () => {
    const { store, table, writer, put } = await setup();
    await put(writer, 25, 75, 2);
    const commit = holdCall(store, 'putIfAbsent', SHARD_COMMIT);
    const flushing = writer.flush();
    await commit.reached;
    const before = (await store.list('')).map((m) => m.key);
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD, dryRun: true });
    expect(report.deleted.generationFiles).toEqual([]);
    expect((await store.list('')).map((m) => m.key)).toEqual(before);
    commit.release();
    await flushing;
    await writer.close();
  });
});
