/**
 * Regression (CLI side of packages/writer/test/regression-reserved-column-names.test.ts): a
 * schema file naming a column with the reserved `_ft_` prefix created a table whose flushes
 * dropped rows. `freshtier init` now refuses it (through `Table.create`), for JSON and Arrow
 * IPC schema files alike, and creates nothing.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Int64, Table as ArrowTable, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regression: init refuses reserved column names', () => {
  it.each(['_ft_tombstone', '_ft_batch', '_ft_x'])('a JSON schema file naming %s', async (name) => {
    const schema = JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name, type: 'bool' }], primaryKey: ['id'] });
    const target = join(dir, `json-${name}`);
    const r = await run(['init', target, '--schema', write(dir, `${name}.json`, schema)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`"${name}" starts with "_ft_", the prefix reserved for freshtier's system columns`);
    expect(existsSync(join(target, '_table.json'))).toBe(false);
  });

  it('an Arrow IPC schema file naming _ft_tombstone', async () => {
    const t = new ArrowTable({ id: vectorFromArray([1n], new Int64()), _ft_tombstone: vectorFromArray([true], new Bool()) });
    const target = join(dir, 'arrow');
    const r = await run(['init', target, '--schema', write(dir, 'schema.arrow', tableToIPC(t, 'file')), '--primary-key', 'id']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"_ft_tombstone" starts with "_ft_"');
    expect(existsSync(join(target, '_table.json'))).toBe(false);
  });
});
