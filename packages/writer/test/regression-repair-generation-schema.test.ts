/**
 * Regressions (second review of issue 17): repair rebuilt a damaged generation from its WAL at
 * the current schema, so a generation written before a column was dropped lost that column's
 * values for good (a rollback past the drop then read nulls, after "nothing is lost"); and a
 * damaged generation of an undone widening made the whole repair throw SCHEMA_MISMATCH. Now a
 * rebuild happens only where projecting onto the current schema changes no row: otherwise the
 * generation is planned as `none` with the reason, and the rest of the repair goes on.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchFor } from './support/columns.js';
import { ShardWriter, evolveSchema, repair, rollback, tag, verify } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'freshtier-repair-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const batch = batchFor;
const rows = async (t: Table) => (await new LsmScanner(t).scan().toTable()).toArray().map((r) => r.toJSON()).sort((a, b) => Number(a.id) - Number(b.id));
function flip(root: string, key: string) {
  const f = join(root, key); const b = readFileSync(f); b[Math.floor(b.length / 2)] ^= 0x10; writeFileSync(f, b);
}

describe('repair of generations written at other schema versions', () => {
  it('a generation written before a drop is not rebuilt at the current schema: the rollback past the drop still finds its column', async () => {
    const root = join(dir, 'a');
    const store = new LocalStore(root);
    let table = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('x', new Utf8(), true)]), primaryKey: ['id'] });
    const w = await ShardWriter.open(table, { shard: 0 });
    await w.put(batch(table.schema, { id: [1n, 2n], x: ['keep-1', 'keep-2'] }));
    await w.flush();
    await w.close();
    await tag(table, 'v0');
    table = await evolveSchema(table, { kind: 'drop-column', name: 'x' });
    const gen = (await table.shardManifests(0).latest()).doc.flushed[0].file.path;
    const original = readFileSync(join(root, gen));
    flip(root, gen);
    const rep = await repair(await Table.open(store), { apply: true });
    expect(rep.actions.map((a) => a.action)).toEqual(['none']);
    expect(rep.actions[0].description).toMatch(/column\(s\) x the current schema dropped/);
    // restored from a backup (the test's copy), the generation reads its dropped column again after the rollback
    writeFileSync(join(root, gen), original);
    await rollback(await Table.open(store), 'v0');
    expect(await rows(await Table.open(store))).toEqual([{ id: 1n, x: 'keep-1' }, { id: 2n, x: 'keep-2' }]);
  });

  it('an excluded generation of an undone widening: planned as none, the rest of the repair goes on', async () => {
    const root = join(dir, 't');
    const store = new LocalStore(root);
    const t0 = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]), primaryKey: ['id'] });
    let w = await ShardWriter.open(t0, { shard: 0 });
    await w.put(batch(t0.schema, { id: [1n], n: [1] })); await w.flush(); await w.close();
    await tag(t0, 'v0');
    const t1 = await evolveSchema(t0, { kind: 'widen-column', name: 'n', type: new Int64() });
    w = await ShardWriter.open(t1, { shard: 0 });
    await w.put(batch(t1.schema, { id: [2n], n: [2n ** 40n] })); await w.flush(); await w.close();
    const gen2 = (await t1.shardManifests(0).latest()).doc.flushed.at(-1)!.file.path;
    await rollback(await Table.open(store), 'v0');
    const f = join(root, gen2); const b = readFileSync(f); b[Math.floor(b.length / 2)] ^= 0x10; writeFileSync(f, b);
    const v = await verify(await Table.open(store));
    expect(v.damaged.map((d) => d.path)).toContain(gen2);
    const r = await repair(await Table.open(store));
    expect(r.actions.map((a) => a.action)).toEqual(['none']);
    expect(r.actions[0].description).toMatch(/which a rollback undid/);
  });
});
