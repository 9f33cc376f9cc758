/**
 * The `freshtier` CLI end to end, in-process through `main(argv, io)`:
 * init → append (CSV, JSONL, Parquet, Arrow) → scan in every format → inspect,
 * and the failures a user hits first (bad schema file, URI, --where, input).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetFile, writeParquetFile } from '@freshtier/core';
import { Bool, Float64, Int32, Int64, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray, Table as ArrowTable } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, jsonl, run, tempDir, write } from './support.js';

const dir = tempDir();
const uri = join(dir, 'users');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the table should hold after every append below (the model). */
const expected = new Map<number, Record<string, unknown>>();
const put = (rows: Record<string, unknown>[]) => rows.forEach((r) => expected.set(r.id as number, r));
const ids = (text: string) => jsonl(text).map((r) => r.id as number).sort((a, b) => a - b);

describe('init → append → scan → inspect', () => {
  beforeAll(async () => {
    write(dir, 'users.json', USERS_SCHEMA);
  });

  it('init creates a sharded table and prints what it made', async () => {
    const r = await run(['init', uri, '--schema', join(dir, 'users.json'), '--primary-key', 'id', '--shards', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('primary key: id');
    expect(r.stdout).toContain('shards:      3');
    const again = await run(['--json', 'init', uri, '--schema', join(dir, 'users.json')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a table already exists at .*users; nothing was changed/);
    expect(JSON.parse(again.stdout).error.code).toBe('ALREADY_EXISTS');
  });

  it('appends a CSV file (quotes, empty cells as nulls, "" as the empty string)', async () => {
    const csv = [
      'id,name,age,score,active,joined',
      '1,alice,31,9.5,true,2024-01-02T03:04:05Z',
      '2,"bob, jr",25,7,false,',
      '3,,40,,t,2024-05-01T00:00:00+00:00',
      '4,"",,1e3,0,1700000000000',
      '5,"line',
      'break",50,0.5,yes,2024-02-29T12:00:00.250Z',
    ].join('\n') + '\n';
    const r = await run(['append', uri, write(dir, 'a.csv', csv)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/appended 5 rows from .*a\.csv/);
    put([
      { id: 1, name: 'alice', age: 31, score: 9.5, active: true, joined: '2024-01-02T03:04:05.000Z' },
      { id: 2, name: 'bob, jr', age: 25, score: 7, active: false, joined: null },
      { id: 3, name: null, age: 40, score: null, active: true, joined: '2024-05-01T00:00:00.000Z' },
      { id: 4, name: '', age: null, score: 1000, active: false, joined: '2023-11-14T22:13:20.000Z' },
      { id: 5, name: 'line\nbreak', age: 50, score: 0.5, active: true, joined: '2024-02-29T12:00:00.250Z' },
    ]);
  });

  it('appends JSON Lines, upserting existing keys (64-bit ids may be strings)', async () => {
    const lines = [
      { id: 2, name: 'bob', age: 26, score: 7.5, active: true, joined: '2024-06-01T00:00:00Z' },
      { id: '6', name: 'frank', age: 61, score: null, active: null, joined: null },
      { id: 7, name: 'grace', age: 29, score: null, active: false, joined: 1717200000000 },
    ].map((o) => JSON.stringify(o)).join('\n') + '\n\n';
    const r = await run(['--json', 'append', uri, write(dir, 'b.jsonl', lines)]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ rows: 3, format: 'jsonl' });
    expect(Object.values(out.shards as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(3);
    put([
      { id: 2, name: 'bob', age: 26, score: 7.5, active: true, joined: '2024-06-01T00:00:00.000Z' },
      { id: 6, name: 'frank', age: 61, score: null, active: null, joined: null },
      { id: 7, name: 'grace', age: 29, score: null, active: false, joined: '2024-06-01T00:00:00.000Z' },
    ]);
  });

  it('appends Parquet and Arrow files, converting compatible column types (int32 ids → int64)', async () => {
    // columns in another order, id as Int32: matched by name, converted
    const pq = new ArrowTable({
      name: vectorFromArray(['heidi', 'ivan'], new Utf8()),
      id: vectorFromArray([8, 1], new Int32()),
      age: vectorFromArray([44, 32], new Int32()),
      score: vectorFromArray([1.25, null], new Float64()),
      active: vectorFromArray([true, true], new Bool()),
      joined: vectorFromArray([null, null], new TimestampMillisecond()),
    });
    const r1 = await run(['append', uri, write(dir, 'c.parquet', writeParquetFile(pq))]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    put([
      { id: 8, name: 'heidi', age: 44, score: 1.25, active: true, joined: null },
      { id: 1, name: 'ivan', age: 32, score: null, active: true, joined: null },
    ]);
    // no `age` and `score` columns: refused unless --allow-missing-columns, then filled with nulls
    const arrow = new ArrowTable({
      id: vectorFromArray([9n, 10n], new Int64()),
      name: vectorFromArray(['judy', null], new Utf8()),
      active: vectorFromArray([true, false], new Bool()),
      joined: vectorFromArray([new Date('2025-01-01T00:00:00Z'), null], new TimestampMillisecond()),
    });
    const r2 = await run(['append', uri, write(dir, 'd.arrow', tableToIPC(arrow, 'file')), '--allow-missing-columns']);
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    put([
      { id: 9, name: 'judy', age: null, score: null, active: true, joined: '2025-01-01T00:00:00.000Z' },
      { id: 10, name: null, age: null, score: null, active: false, joined: null },
    ]);
  });

  it('appends a file whose bool column is null in every row (regression: such a batch could never flush)', async () => {
    const t = new ArrowTable({ id: vectorFromArray([11n], new Int64()), active: vectorFromArray([null], new Bool()) });
    const r = await run(['--json', 'append', uri, write(dir, 'null-bool.arrow', tableToIPC(t, 'file')), '--allow-missing-columns']);
    expect(r.code).toBe(0);
    put([{ id: 11, name: null, age: null, score: null, active: null, joined: null }]);
  });

  it('scan --format jsonl returns exactly the model (newest version per key)', async () => {
    const r = await run(['scan', uri, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const rows = jsonl(r.stdout).sort((a, b) => (a.id as number) - (b.id as number));
    expect(rows).toEqual([...expected.values()].sort((a, b) => (a.id as number) - (b.id as number)));
    // --json alone means jsonl
    expect(jsonl((await run(['scan', uri, '--json'])).stdout)).toHaveLength(expected.size);
  });

  it('scan --format csv round-trips nulls, empty strings, quotes and newlines', async () => {
    const r = await run(['scan', uri, '--format', 'csv', '--columns', 'id,name', '--where', 'id <= 5']);
    expect(r.code).toBe(0);
    const [header, ...body] = r.stdout.replace(/\n$/, '').split(/\n(?=\d)/);
    expect(header).toBe('id,name');
    expect(body.sort()).toEqual(['1,ivan', '2,bob', '3,', '4,""', '5,"line\nbreak"']);
  });

  it('scan --format table prints aligned columns and a row count', async () => {
    const r = await run(['scan', uri, '--columns', 'id,name,age', '--where', "name in ('alice', 'bob', 'frank')"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+age$/);
    expect(lines[1]).toMatch(/^─+\s+─+\s+─+$/);
    expect(lines.at(-1)).toBe('(2 rows)');
    expect(r.stdout).toMatch(/2\s+bob\s+26/);
    expect(r.stdout).toMatch(/6\s+frank\s+61/);
  });

  it('scan --format parquet writes a Parquet file (to --out or to stdout)', async () => {
    const out = join(dir, 'out.parquet');
    const r = await run(['scan', uri, '--format', 'parquet', '--out', out, '--where', 'age >= 40']);
    expect(r.code).toBe(0);
    const want = [...expected.values()].filter((x) => x.age !== null && (x.age as number) >= 40).map((x) => x.id as number).sort((a, b) => a - b);
    expect(r.stderr).toMatch(new RegExp(`wrote ${want.length} rows to .*out\\.parquet \\(parquet\\)`));
    const t = readParquetFile(readFileSync(out), out);
    expect([...t.getChild('id')!].map(Number).sort((a, b) => a - b)).toEqual(want);
    const piped = await run(['scan', uri, '--format', 'parquet', '--limit', '3']);
    expect(readParquetFile(piped.bytes, 'stdout').numRows).toBe(3);
  });

  it.each([
    ['age > 30', (r: Record<string, unknown>) => r.age !== null && (r.age as number) > 30],
    ["age > 30 and name = 'alice'", () => false],
    ["age >= 30 AND (name = 'frank' OR name IS NULL)", (r: Record<string, unknown>) => r.age !== null && (r.age as number) >= 30 && (r.name === 'frank' || r.name === null)],
    ['name is null', (r: Record<string, unknown>) => r.name === null],
    ['name is not null and not active', (r: Record<string, unknown>) => r.name !== null && r.active === false],
    ['id in (1, 3, 99) or id between 8 and 9', (r: Record<string, unknown>) => [1, 3, 8, 9].includes(r.id as number)],
    ['id not in (1, 2, 3)', (r: Record<string, unknown>) => ![1, 2, 3].includes(r.id as number)],
    ['score != 7.5', (r: Record<string, unknown>) => r.score !== null && r.score !== 7.5],
    ["joined >= '2024-05-01T00:00:00Z'", (r: Record<string, unknown>) => r.joined !== null && (r.joined as string) >= '2024-05-01'],
    ["\"name\" = 'it''s'", () => false],
  ])('--where %s', async (where, pred) => {
    const r = await run(['scan', uri, '--format', 'jsonl', '--where', where]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(ids(r.stdout)).toEqual([...expected.values()].filter(pred).map((x) => x.id as number).sort((a, b) => a - b));
  });

  it('scan --limit and --columns', async () => {
    const r = await run(['scan', uri, '--format', 'jsonl', '--columns', 'name,id', '--limit', '4']);
    const rows = jsonl(r.stdout);
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0])).toEqual(['name', 'id']);
  });

  it('inspect shows shards, epochs, generations, sizes and WAL backlog', async () => {
    const r = await run(['inspect', uri]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('primary key: id');
    expect(r.stdout).toMatch(/shard\s+version\s+epoch\s+next gen\s+flushed gens/);
    expect(r.stdout).toContain('tags: none');
    const j = JSON.parse((await run(['inspect', uri, '--json'])).stdout);
    expect(j.shardCount).toBe(3);
    expect(j.shards).toHaveLength(3);
    // every append closed its writers: all rows flushed, nothing left in the WAL backlog
    expect(j.totals.walBacklogEntries).toBe(0);
    expect(j.totals.rowsInFlushedGenerations + j.totals.rowsInBase).toBeGreaterThanOrEqual(expected.size);
    // each append opened (and so fenced) one writer per shard it wrote to
    expect(Math.max(...j.shards.map((s: { epoch: number }) => s.epoch))).toBeGreaterThan(1);
    for (const s of j.shards) expect(s.flushed.generations.length).toBe(s.flushed.count);
  });
});

describe('append checks the whole file before writing', () => {
  it('a bad value on the last line: exit 2, line number, nothing written', async () => {
    const before = jsonl((await run(['scan', uri, '--format', 'jsonl'])).stdout);
    const csv = 'id,name,age,score,active,joined\n100,x,1,,,\n101,y,2,,,\n102,z,old,,,\n';
    const r = await run(['append', uri, write(dir, 'bad.csv', csv)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 4: column "age" expected an integer');
    expect(r.stderr).toContain('nothing was written');
    expect(jsonl((await run(['scan', uri, '--format', 'jsonl'])).stdout)).toEqual(before);
  });

  it.each([
    ['unknown CSV header', 'x.csv', 'id,nickname\n1,a\n', /header names column\(s\) the table does not have: "nickname"/],
    ['missing non-null key', 'y.csv', 'id,name,age,score,active,joined\n1,a,,,,\n,b,,,,\n', /line 3: column "id" is empty\/null but the column is not nullable/],
    ['bad JSON', 'z.jsonl', '{"id": 1, "name": null, "age": null, "score": null, "active": null, "joined": null}\n{"id": 2,\n', /line 2: not valid JSON/],
    ['unknown JSON key', 'w.jsonl', '{"id": 1, "nick": "a"}\n', /key "nick" is not a column/],
    ['ragged CSV', 'v.csv', 'id,name,age,score,active,joined\n1,a,,,,,extra\n', /Invalid Record Length/i],
  ])('%s', async (_label, name, content, message) => {
    const r = await run(['append', uri, write(dir, name, content)]);
    expect(r.code).toBe(2); // the input's content is refused before anything is written
    expect(r.stderr).toMatch(message);
  });

  it('unknown extension and missing file are usage errors', async () => {
    expect((await run(['append', uri, write(dir, 'data.txt', 'x')])).code).toBe(2);
    const missing = await run(['append', uri, join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read input file');
  });
});

describe('usage errors exit 2 with a helpful message', () => {
  it.each([
    ['unknown type', '{"fields":[{"name":"id","type":"int65"}]}', /fields\[0\]\.type: unknown type "int65" \(use one of int8/],
    ['not JSON', 'fields: id', /neither JSON nor an Arrow IPC file/],
    ['no fields', '{"fields":[]}', /fields: expected a non-empty array/],
    ['duplicate column', '{"fields":[{"name":"a","type":"utf8"},{"name":"a","type":"int8"}]}', /"a" is named twice/],
    ['unknown key', '{"fields":[{"name":"a","type":"utf8","nulable":true}]}', /fields\[0\]\.nulable: unknown key/],
  ])('bad schema file: %s', async (_label, content, message) => {
    const r = await run(['init', join(dir, 'never'), '--schema', write(dir, 'bad-schema.json', content)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('hint: a schema file looks like');
  });

  it('schema file problems: missing file, unknown primary key', async () => {
    const missing = await run(['init', join(dir, 'never'), '--schema', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read schema file');
    const pk = await run(['init', join(dir, 'never'), '--schema', join(dir, 'users.json'), '--primary-key', 'uid']);
    expect(pk.code).toBe(2);
    expect(pk.stderr).toContain('--primary-key names column(s) not in the schema: uid');
  });

  it('an Arrow IPC file works as a schema file', async () => {
    const t = new ArrowTable({ k: vectorFromArray(['a'], new Utf8()), v: vectorFromArray([1], new Int32()) });
    const target = join(dir, 'from-arrow');
    const r = await run(['init', target, '--schema', write(dir, 'schema.arrow', tableToIPC(t, 'file')), '--primary-key', 'k', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).fields.map((f: { type: string }) => f.type)).toEqual(['Utf8', 'Int32']);
    expect(tableFromIPC(tableToIPC(t)).numRows).toBe(1);
  });

  it.each([
    ['unknown scheme', 'ftp://host/t', /bad table URI "ftp:\/\/host\/t": unknown scheme "ftp"/],
    ['malformed s3 uri', 's3://', /bad table URI "s3:\/\/"/],
    ['no table there', '__DIR__/nothing-here', /no freshtier table at .*nothing-here.*\n.*freshtier init/],
  ])('bad uri: %s', async (_label, target, message) => {
    const r = await run(['scan', target.replace('__DIR__', dir)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ['age >', /column "age" is Int32: compare it with an integer, found the end of the expression/],
    ['agee > 3', /unknown column "agee"/],
    ['Age > 3', /did you mean "age"\?/],
    ['name > 3', /column "name" is Utf8: compare it with a quoted string/],
    ['(age > 3', /expected "\)" to close the parenthesis/],
    ["name = 'x", /unterminated string/],
    ['age > 3 age < 5', /unexpected "age": join conditions with AND \/ OR/],
    ['age = null', /write "age is null"/],
    ['age is 5', /expected NULL after IS/],
    ['', /the expression is empty/],
  ])('bad --where %j', async (where, message) => {
    const r = await run(['scan', uri, '--where', where]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('hint: write conditions like');
  });

  it('the error points at the offending token', async () => {
    const r = await run(['scan', uri, '--where', "age > 3 and name = 4"]);
    expect(r.stderr).toContain("  age > 3 and name = 4\n                     ^");
  });

  it.each([
    [['frob'], /unknown command 'frob'/],
    [['init', 'x'], /required option '--schema <file>' not specified/],
    [['scan'], /missing required argument 'uri'/],
    [['scan', 'x', '--limit', '-1'], /argument '-1' is invalid/],
    [['init', 'x', '--schema', 's', '--shards', '0'], /expected a shard count/],
    [['scan', 'x', '--format', 'xml'], /Allowed choices are table, csv, jsonl, parquet/],
    [[], /Usage: freshtier/],
  ])('commander usage errors: %j', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--help and --version exit 0', async () => {
    const help = await run(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--where <expr>');
    expect(help.stdout).toContain('IS [NOT] NULL');
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('append-only tables', () => {
  it('appends twice → twice the rows; --shard picks the shard', async () => {
    const target = join(dir, 'events');
    write(dir, 'events.json', JSON.stringify({ fields: [{ name: 'type', type: 'utf8', nullable: false }, { name: 'n', type: 'int32' }] }));
    const init = await run(['init', target, '--schema', join(dir, 'events.json'), '--shards', '2']);
    expect(init.stdout).toContain('append-only');
    const file = write(dir, 'events.jsonl', '{"type":"click","n":1}\n{"type":"view","n":2}\n');
    expect((await run(['append', target, file])).code).toBe(0);
    expect((await run(['append', target, file, '--shard', '1'])).code).toBe(0);
    const rows = jsonl((await run(['scan', target, '--json'])).stdout);
    expect(rows).toHaveLength(4);
    const j = JSON.parse((await run(['inspect', target, '--json'])).stdout);
    expect(j.shards[1].flushed.rows).toBeGreaterThanOrEqual(2);
    const bad = await run(['append', target, file, '--shard', '5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard 5 does not exist');
  });
});

describe('progress bars', () => {
  it('are drawn on stderr when it is a terminal, never with --no-progress', async () => {
    const target = join(dir, 'progress');
    await run(['init', target, '--schema', join(dir, 'users.json'), '--primary-key', 'id']);
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, name: `u${i}`, active: i % 2 === 0 })).join('\n');
    const file = write(dir, 'many.jsonl', lines);
    const tty = await run(['append', target, file, '--batch-rows', '500', '--allow-missing-columns'], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('appending');
    expect(tty.stderr).toContain('\r\x1b[2K');
    const quiet = await run(['--no-progress', 'append', target, file, '--allow-missing-columns'], { tty: true });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});

describe('compact, gc, tag, rollback', () => {
  const scanIds = async () => ids((await run(['scan', uri, '--format', 'jsonl'])).stdout);

  it('compact moves flushed generations into the base table; the scan does not change', async () => {
    const before = await scanIds();
    const c = await run(['compact', uri]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/shard \d: compacted generations [\d, ]+ into base version \d+/);
    expect(await scanIds()).toEqual(before);
    const j = JSON.parse((await run(['inspect', uri, '--json'])).stdout);
    expect(j.base.version).toBeGreaterThan(0);
    expect(j.totals.rowsInBase).toBe(before.length);
    for (const s of j.shards) expect(s.flushed.uncompacted).toEqual([]);
    const again = await run(['--json', 'compact', uri, '--shard', '0']);
    expect(JSON.parse(again.stdout).results[0].committed).toBe(false);
  });

  it('tag, then rollback to the tag or to a table version from inspect', async () => {
    const tagged = await scanIds();
    const t = await run(['tag', uri, 'after-compact']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/tagged table version \d+:[\d,]+ \(base:shards\)/);
    expect((await run(['tag', uri, 'after-compact'])).code).toBe(1); // tags are create-once
    const report = JSON.parse((await run(['inspect', uri, '--json'])).stdout);
    expect(report.tags.map((x: { name: string }) => x.name)).toEqual(['after-compact']);
    const taggedVersion = report.tags[0].tableVersion as string;
    expect(report.versions[0].tableVersion).toBe(taggedVersion);

    await run(['append', uri, write(dir, 'later.jsonl', '{"id": 500, "name": "later", "active": true}\n'), '--allow-missing-columns']);
    expect(await scanIds()).toContain(500);
    const rb = await run(['rollback', uri, 'after-compact']);
    expect(rb.stderr).toContain('fenced');
    expect(rb.code).toBe(0);
    expect(await scanIds()).toEqual(tagged);
    expect((await run(['inspect', uri])).stdout).toContain('excluded by rollback');

    // writes after a rollback count again; a table version from inspect works as a target too
    await run(['append', uri, write(dir, 'later2.jsonl', '{"id": 501, "name": "later", "active": true}\n'), '--allow-missing-columns']);
    expect(await scanIds()).toContain(501);
    expect((await run(['rollback', uri, taggedVersion])).code).toBe(0);
    expect(await scanIds()).toEqual(tagged);
  });

  it('gc --dry-run lists garbage and deletes nothing; gc then keeps the scan result', async () => {
    const before = await scanIds();
    const dry = await run(['--json', 'gc', uri, '--dry-run', '--older-than', '0s']);
    expect(dry.code).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.objects).toBeGreaterThan(0);
    const real = await run(['gc', uri, '--older-than', '0s']);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/gc: deleted \d+ object\(s\)/);
    expect(await scanIds()).toEqual(before);
    expect((await run(['rollback', uri, 'after-compact'])).code).toBe(0); // the tag kept its files
  });

  it('argument checks come first', async () => {
    expect((await run(['tag', uri, '../escape'])).stderr).toContain('bad tag name');
    expect((await run(['gc', uri, '--older-than', 'soon'])).code).toBe(2);
    expect((await run(['rollback', uri, 'no/such'])).code).toBe(2);
    const missingBase = await run(['rollback', uri, '999']);
    expect(missingBase.code).toBe(2);
    expect(missingBase.stderr).toContain('base version 999 is not stored');
    expect((await run(['rollback', uri, '1:1'])).stderr).toContain('names 1 shard version(s), the table has 3 shards');
    expect((await run(['rollback', uri, 'no-such-tag'])).stderr).toContain('There is no tag "no-such-tag"');
    expect((await run(['compact', uri, '--shard', '9'])).code).toBe(2);
  });
});

describe('bench', () => {
  it('delegates to the bench package (--dry-run prints the command)', async () => {
    const r = await run(['--json', 'bench', '--dry-run', '--quick']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.command).toEqual(['npx', '-y', 'pnpm@10', 'bench', '--quick']);
    expect(readFileSync(join(j.cwd, 'pnpm-workspace.yaml'), 'utf8')).toContain('bench');
  });
});
