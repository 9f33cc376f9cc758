/**
 * Regression: text input (CSV, JSON Lines) into columns it has no exact converter for
 * went through doubles and apache-arrow's builders: float16 stored garbage (70000 read
 * back as 2.13, 1e-8 as -Infinity, 65520 as Infinity), struct children were not
 * converted exactly (1.5 into an int32 child became 1, large values wrapped, extra keys
 * were dropped), and decimal, list<int64> and time64 cells crashed with an untyped "this
 * looks like a bug". A value for such a column is now refused with its line (exit 2,
 * nothing written), saying to use Parquet or Arrow IPC input; a null, or an input without
 * the column, is exact and still appends (a first fix refused every text append into such
 * a table, even one that did not name the column). Arrow IPC input still fills the column.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal, Dictionary, Field, Float16, Int32, Int64, List, Schema, Struct, Table as ArrowTable, Time, TimeUnit, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';
import { appendText, fingerprint, rows } from './text-support.js';

const dir = tempDir('freshtier-inexact-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OTHER: [string, Field][] = [
  ['h', new Field('h', new Float16(), true)],
  ['dec', new Field('dec', new Decimal(2, 10, 128), true)],
  ['l', new Field('l', new List(new Field('item', new Int64(), true)), true)],
  ['st', new Field('st', new Struct([new Field('a', new Int32(), true)]), true)],
  ['tm', new Field('tm', new Time(TimeUnit.MICROSECOND, 64), true)],
  ['dict', new Field('dict', new Dictionary(new Utf8(), new Int32()), true)],
];

/** A table with an int64 key and `field`, made with `init --schema <file.arrow>`. */
async function tableWith(name: string, field: Field): Promise<string> {
  const schema = new Schema([new Field('id', new Int64(), false), field]);
  const uri = join(dir, name);
  const r = await run(['init', uri, '--schema', write(dir, `${name}.arrow`, tableToIPC(new ArrowTable(schema), 'file')), '--primary-key', 'id']);
  expect(r.stderr).toBe('');
  return uri;
}

async function expectRefusal(uri: string, file: string, content: string, column: string): Promise<void> {
  const before = fingerprint(uri);
  const r = await appendText(dir, uri, file, content);
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout).error).toMatchObject({ exitCode: 2 });
  expect(r.stderr).toMatch(new RegExp(`line 2|line 1`));
  expect(r.stderr).toContain(column);
  expect(r.stderr).toMatch(/text input has no exact conversion into .*Parquet or Arrow IPC/);
  expect(r.stderr).not.toMatch(/looks like a bug/);
  expect(fingerprint(uri)).toEqual(before);
}

describe('text input into column types without an exact text conversion', () => {
  it.each(OTHER)('a %s value is refused from JSON Lines and CSV; a null or a missing column appends', async (name, field) => {
    const uri = await tableWith(`t-${name}`, field);
    const cell: Record<string, string> = { h: '70000', dec: '1.5', l: '[1, 9007199254740993]', st: '{"a": 1.5, "b": 2}', tm: '"12:00:00.5"', dict: '"x"' };
    await expectRefusal(uri, 'rows.jsonl', `{"id": 1, "${name}": ${cell[name]}}\n`, name);
    await expectRefusal(uri, 'rows.csv', `id,${name}\n1,1\n`, name);
    expect((await appendText(dir, uri, 'nulls.jsonl', `{"id": 1, "${name}": null}\n`)).code).toBe(0);
    expect((await appendText(dir, uri, 'nulls.csv', `id,${name}\n2,\n`)).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'ids.csv', 'id\n3\n'), '--allow-missing-columns'])).code).toBe(0);
    expect((await rows(uri)).map((x) => [x.id, x[name]])).toEqual([[1, null], [2, null], [3, null]]);
  });

  it('Arrow IPC input still fills such a column', async () => {
    const uri = await tableWith('ipc', OTHER[3][1]);
    const schema = new Schema([new Field('id', new Int64(), false), OTHER[3][1]]);
    const data = new ArrowTable(schema, {
      id: vectorFromArray([1n, 2n], new Int64()),
      st: vectorFromArray([{ a: 7 }, null], OTHER[3][1].type),
    });
    const r = await run(['append', uri, write(dir, 'rows.arrow', tableToIPC(data, 'file'))]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await rows(uri)).map((x) => x.st)).toEqual([{ a: 7 }, null]);
  });
});
