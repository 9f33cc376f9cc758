/**
 * Readers and writers around a schema change (issue 17), one story each:
 * - a pinned read (`checkout` of a tag or table version taken before a change) sees that
 *   version's schema and rows, also after compaction rewrote the files;
 * - a tailing reader on a handle opened after the change sees acked rows of WAL entries
 *   written under the older schema, projected onto the new one (renamed by id, widened
 *   exactly, added columns as their default, dropped ones gone);
 * - the change feed between versions on both sides of a change (a change of schema alone, or
 *   in a column dropped since, is no change);
 * - compaction writes its files at the current schema version;
 * - a stale writer's put fails with SchemaChangedError after its next flush, and what it
 *   acked stays readable; a stale handle's scanner, writer open and schema change are refused
 *   (a compaction through it works, at the current schema).
 */
import { MemoryStore, Table, isFreshtierError, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, Table as ArrowTable, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, changes, checkout, compact, evolveSchema, head, tag } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';
import { expectCode, refusedUnchanged } from './support/refusals.js';
import { canon } from './support/schema-values.js';

/** Rows as `name=value` texts (bigints as `5n`), sorted by the first column. */
function show(t: ArrowTable): string[] {
  const names = t.schema.fields.map((f) => f.name);
  return t.toArray().map((r) => names.map((n) => `${n}=${canon(r[n] ?? null)}`).join(' ')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

const names = (t: ArrowTable) => t.schema.fields.map((f) => `${f.name}:${String(f.type)}`);
const open = (table: Table) => ShardWriter.open(table, { shard: 0, autoFlush: false });

/** v1: rename v → w; v2: widen w Int32 → Int64; v3: add c Int32 default 5; v4: drop s. */
async function evolveFourTimes(table: Table): Promise<Table> {
  let t = await evolveSchema(table, { kind: 'rename-column', name: 'v', to: 'w' });
  t = await evolveSchema(t, { kind: 'widen-column', name: 'w', type: new Int64() });
  t = await evolveSchema(t, { kind: 'add-column', name: 'c', type: new Int32(), default: 5 });
  return evolveSchema(t, { kind: 'drop-column', name: 's' });
}

/** A put of the v4 schema (id, w Int64, c Int32). */
const v4Rows = (ids: number[], w: bigint, c: number | null) =>
  batchOf([['id', new Int64(), ids.map(BigInt), false], ['w', new Int64(), ids.map(() => w)], ['c', new Int32(), ids.map(() => c)]]);

describe('pinned reads see the schema of their version', () => {
  it('checkout of a tag and of a table version taken before four changes, also after compaction', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rowsBatch([1, 2], 7));
    await w.flush();
    await tag(table, 'v0');
    const at0 = await head(table);
    await w.close();
    const t4 = await evolveFourTimes(table);
    const w4 = await open(t4);
    await w4.put(v4Rows([2, 3], 9n, null));
    await w4.flush();
    await compact(t4, { shard: 0 });
    for (const ref of ['v0', at0] as const) {
      const old = await (await checkout(t4, ref)).scan().toTable();
      expect(names(old)).toEqual(['id:Int64', 'v:Int32', 's:Utf8']);
      expect(show(old)).toEqual(['id=1n v=7 s="s1"', 'id=2n v=7 s="s2"']);
      expect(show(await (await checkout(t4, ref)).get([{ id: 2n }]))).toEqual(['id=2n v=7 s="s2"']);
    }
    const now = await new LsmScanner(t4).scan().toTable();
    expect(names(now)).toEqual(['id:Int64', 'w:Int64', 'c:Int32']);
    expect(show(now)).toEqual(['id=1n w=7n c=5', 'id=2n w=9n c=null', 'id=3n w=9n c=null']);
    await w4.close();
  });
});

describe('a tailing reader projects WAL entries of an older schema', () => {
  it('sees acked rows written under version 0 through a handle opened at version 4', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const stale = await open(table);
    await stale.put(rowsBatch([1, 2, 3], -4));
    await stale.delete(keysBatch([3]));
    await stale.put(rowsBatch([4], [null]));
    await evolveFourTimes(await Table.open(store));
    const reader = new LsmScanner(await Table.open(store), { tail: true });
    const t = await reader.scan().toTable();
    expect(names(t)).toEqual(['id:Int64', 'w:Int64', 'c:Int32']);
    expect(show(t)).toEqual(['id=1n w=-4n c=5', 'id=2n w=-4n c=5', 'id=4n w=null c=5']);
    expect(show(await reader.get([{ id: 4n }, { id: 3n }]))).toEqual(['id=4n w=null c=5']);
    // the new writer replays the same entries (fencing the stale one), and writes at version 4
    const w4 = await open(await Table.open(store));
    await w4.put(v4Rows([2], 11n, 1));
    expect(show(await reader.scan().toTable())).toEqual(['id=1n w=-4n c=5', 'id=2n w=11n c=1', 'id=4n w=null c=5']);
    await w4.close();
  });
});

describe('the change feed across a schema change', () => {
  it('gives the rows that changed, in the newer version\'s columns', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rowsBatch([1, 2, 3], 7));
    await w.flush();
    await tag(table, 'a');
    await w.close();
    let t = await evolveSchema(table, { kind: 'rename-column', name: 'v', to: 'w' });
    t = await evolveSchema(t, { kind: 'add-column', name: 'c', type: new Int32(), default: 5 });
    const w2 = await open(t);
    const put = (id: number, v: number, c: number) =>
      w2.put(batchOf([['id', new Int64(), [BigInt(id)], false], ['w', new Int32(), [v]], ['s', new Utf8(), [`s${id}`]], ['c', new Int32(), [c]]]));
    await put(1, 7, 5); // the same row as version 0's projected onto version 2: no change
    await put(2, 8, 5);
    await put(4, 1, 2);
    await w2.delete(keysBatch([3]));
    await w2.flush();
    await tag(t, 'b');
    const out: string[] = [];
    let columns: string[] = [];
    for await (const b of changes(t, { from: 'a', to: 'b' })) {
      columns = b.schema.fields.map((f) => f.name);
      for (let r = 0; r < b.numRows; r++) out.push(columns.map((n) => `${n}=${canon(b.getChild(n)!.get(r) ?? null)}`).join(' '));
    }
    expect(columns).toEqual(['id', 'w', 's', 'c', '_ft_op']);
    expect(out).toEqual([
      'id=2n w=7 s="s2" c=5 _ft_op="update_before"', 'id=2n w=8 s="s2" c=5 _ft_op="update_after"',
      'id=3n w=7 s="s3" c=5 _ft_op="delete"', 'id=4n w=1 s="s4" c=2 _ft_op="insert"',
    ]);
    await w2.close();
  });
  it('a change only in a column dropped later, or only in width, is no change; a pinned feed reads its own schema', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rowsBatch([1, 2], 7));
    await w.flush();
    await tag(table, 'a');
    await w.put(rowsBatch([1], 7)); // s is the same, but the put is a new version of key 1
    await w.put(batchOf([['id', new Int64(), [2n], false], ['v', new Int32(), [7]], ['s', new Utf8(), ['changed']]]));
    await w.flush();
    await tag(table, 'a2');
    await w.close();
    const t4 = await evolveFourTimes(table); // v → w Int64, c added (default 5), s dropped
    await tag(t4, 'b');
    const rows = async (from: string, to: string) => {
      const out: string[] = [];
      for await (const b of changes(t4, { from, to })) out.push(...show(new ArrowTable(b)));
      return out;
    };
    expect(await rows('a', 'b')).toEqual([]); // key 2 differs only in s, which b does not have
    expect(await rows('a2', 'b')).toEqual([]); // a schema change alone changes no row
    expect(await rows('a', 'a2')).toEqual(['id=2n v=7 s="changed" _ft_op="update_after"', 'id=2n v=7 s="s2" _ft_op="update_before"']);
  });
});

describe('compaction writes files at the current schema version', () => {
  it('rewrites base files of version 0 as version 4 and reads the same rows', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rowsBatch(Array.from({ length: 40 }, (_, i) => i), 3));
    await w.flush();
    await compact(table, { shard: 0, maxFileRows: 10 });
    await w.close();
    const t4 = await evolveFourTimes(table);
    const w4 = await open(t4);
    await w4.put(v4Rows(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === 0), 1n, 1)); // a key in every base file
    await w4.flush();
    const before = show(await new LsmScanner(t4).scan().toTable());
    await compact(t4, { shard: 0, maxFileRows: 10 });
    const files = (await t4.baseManifests.latest()).doc.files;
    expect(files.map((f) => (f as { schemaVersion?: number }).schemaVersion ?? 0)).toEqual(files.map(() => 4));
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(before);
    expect(before).toContain('id=1n w=3n c=5');
    await w4.close();
  });
});

describe('stale writers and handles', () => {
  async function staleSetup(store: ObjectStore): Promise<{ table: Table; stale: ShardWriter; t4: Table }> {
    const table = await makeTable(store);
    const stale = await open(table);
    await stale.put(rowsBatch([1, 2], 6));
    const t4 = await evolveFourTimes(await Table.open(store));
    return { table, stale, t4 };
  }

  it('a stale writer\'s put after its next flush is SCHEMA_CHANGED (reopen), nothing written; its acked rows read projected', async () => {
    const store = new MemoryStore();
    const { stale, t4 } = await staleSetup(store);
    await stale.flush();
    const err = await refusedUnchanged(store, () => stale.put(rowsBatch([3], 1)));
    expectCode(err, 'SCHEMA_CHANGED');
    expect(err.message).toMatch(/reopen/i);
    await stale.close();
    expect(show(await new LsmScanner(t4).scan().toTable())).toEqual(['id=1n w=6n c=5', 'id=2n w=6n c=5']);
  });

  it('a stale writer with nothing to flush also learns of the change at flush()', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const stale = await open(table);
    await evolveFourTimes(await Table.open(store));
    await stale.flush();
    expectCode(await refusedUnchanged(store, () => stale.put(rowsBatch([3], 1))), 'SCHEMA_CHANGED');
  });

  it('a scanner, a tailing scanner, a writer open and a schema change on a stale handle are SCHEMA_CHANGED (reopen), nothing written', async () => {
    const store = new MemoryStore();
    const { table, stale } = await staleSetup(store);
    await stale.close();
    const refusals: [string, () => Promise<unknown>][] = [
      ['scan', () => new LsmScanner(table).scan().toTable()],
      ['get', () => new LsmScanner(table).get([{ id: 1n }])],
      ['tailing scan', () => new LsmScanner(table, { tail: true }).scan().toTable()],
      ['ShardWriter.open', () => open(table)],
      ['evolveSchema', () => evolveSchema(table, { kind: 'add-column', name: 'z', type: new Int32() })],
    ];
    const got: string[] = [];
    for (const [what, act] of refusals) {
      const err = await refusedUnchanged(store, act);
      got.push(`${what}: ${isFreshtierError(err, 'SCHEMA_CHANGED') && /reopen/i.test(err.message) ? 'SCHEMA_CHANGED, reopen' : String(err)}`);
    }
    expect(got).toEqual(refusals.map(([what]) => `${what}: SCHEMA_CHANGED, reopen`));
  });

  it('a compaction through a stale handle writes at the current schema version', async () => {
    const store = new MemoryStore();
    const { table, stale } = await staleSetup(store);
    await stale.close();
    await compact(table, { shard: 0 });
    const files = (await table.baseManifests.latest()).doc.files;
    expect(files.map((f) => (f as { schemaVersion?: number }).schemaVersion)).toEqual([4]);
    const now = await Table.open(store);
    expect(now.schemaVersion).toBe(4);
    expect(show(await new LsmScanner(now).scan().toTable())).toEqual(['id=1n w=6n c=5', 'id=2n w=6n c=5']);
  });
});
