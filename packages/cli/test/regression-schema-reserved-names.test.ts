/**
 * Regression: `freshtier init` accepted a column named `_ft_tombstone` (after the
 * first flush every row whose value was true was gone) and, from an Arrow IPC schema
 * file, two columns of one name (a table that never flushed). Core's `Table.create`
 * refuses both with a typed `InvalidOptionsError`; the CLI surfaces it with exit
 * code 2 and its code in `--json` output, and creates nothing. (A JSON schema file
 * with a repeated name is refused by the CLI's own schema check, before core is asked.)
 * regression-reserved-column-names.test.ts covers more reserved names; this file
 * covers the repeated name in an Arrow IPC schema and the typed error as `--json` reports it.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Field, Int64, Schema, Table as ArrowTable, Utf8, tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';

const dir = tempDir('freshtier-names-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ipcSchema = (fields: Field[]) => tableToIPC(new ArrowTable(new Schema(fields)), 'file');
const id = new Field('id', new Int64(), false);

describe('reserved and repeated column names in a schema file', () => {
  it.each([
    ['JSON, _ft_tombstone', 'a.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: '_ft_tombstone', type: 'bool' }], primaryKey: ['id'] }), /"_ft_tombstone" starts with "_ft_", the prefix reserved for freshtier's system columns/],
    ['Arrow IPC, _ft_tombstone', 'c.arrow', ipcSchema([id, new Field('_ft_tombstone', new Bool(), true)]), /"_ft_tombstone" starts with "_ft_"/],
    ['Arrow IPC, a name twice', 'd.arrow', ipcSchema([id, new Field('v', new Utf8(), true), new Field('v', new Int64(), true)]), /"v" is named twice/],
  ])('%s: exit 2, typed INVALID_OPTIONS, no table', async (_label, file, content, message) => {
    const target = join(dir, `t-${file}`);
    const r = await run(['--json', 'init', target, '--schema', write(dir, file, content), '--primary-key', 'id']);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INVALID_OPTIONS', exitCode: 2 });
    expect(existsSync(join(target, '_table.json'))).toBe(false);
  });

  it('JSON with a name twice: the schema check names the field (exit 2)', async () => {
    const r = await run(['init', join(dir, 'dup'), '--schema', write(dir, 'dup.json', JSON.stringify({ fields: [{ name: 'a', type: 'utf8' }, { name: 'a', type: 'int8' }] }))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fields\[1\]\.name: "a" is named twice/);
  });
});
