/**
 * Regression (review of issue 17): `Table.open` now reads the newest base manifest (it holds
 * the current schema), so `freshtier verify` and `repair` died with CORRUPT_ENTRY when that
 * manifest was the damaged object, and the message told the user to run `freshtier verify`.
 * They now open at the newest base version that loads and report the damaged manifest.
 */
import { LocalStore, Table, layout } from '@freshtier/core';
import { ShardWriter, evolveSchema } from '@freshtier/writer';
import { Field, Int32, Int64, Schema } from 'apache-arrow';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir } from './support.js';
import { batchOf } from '../../writer/test/support/columns.js';

describe('verify and repair of a table whose newest base manifest is damaged', () => {
  it('report the damaged manifest instead of failing to open the table', async () => {
    const dir = tempDir('freshtier-verify-newest-base-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const uri = join(dir, 't');
    const store = new LocalStore(uri);
    let table = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]), primaryKey: ['id'] });
    const w = await ShardWriter.open(table, { shard: 0 });
    await w.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int32(), [1]]]));
    await w.flush();
    await w.close();
    table = await evolveSchema(table, { kind: 'add-column', name: 'z', type: new Int64() });
    const path = layout.manifest(layout.baseManifests, await table.baseManifests.latestVersion());
    const bytes = readFileSync(join(uri, path));
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(join(uri, path), bytes);

    const verified = await run(['--json', 'verify', uri]);
    expect(verified.code, verified.stderr).toBe(1);
    const report = JSON.parse(verified.stdout);
    expect(report.ok).toBe(false);
    expect(report.damaged.map((d: { path: string }) => d.path)).toContain(path);
    const repaired = await run(['repair', uri]);
    expect(repaired.stderr).not.toMatch(/^freshtier repair: error: Corrupt object/);
    expect(repaired.stdout + repaired.stderr).toContain(path);
  });
});
