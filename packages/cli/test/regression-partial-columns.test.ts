/**
 * Regression: a CSV whose header named only some of the table's columns upserted
 * nulls into all the others, wiping what the stored rows held there. An input
 * (CSV, TSV, each JSONL record, a Parquet/Arrow file) must now give every column;
 * one that lacks some is refused with exit code 2, a typed SCHEMA_MISMATCH error
 * naming the missing columns and what to do, and nothing written. A JSONL record
 * states a null with `"col": null`; `--allow-missing-columns` opts in to nulls.
 */
import { rmSync } from 'node:fs';
import { Int64, Table as ArrowTable, tableToIPC, vectorFromArray } from 'apache-arrow';
import { writeParquetFile } from '@freshtier/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-partial-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS: [string, string, boolean?][] = [['id', 'int64'], ['v', 'int64'], ['s', 'utf8']];
const STORED = [{ id: 1, v: 10, s: 'kept' }];
const partialIds = new ArrowTable({ id: vectorFromArray([1n], new Int64()), v: vectorFromArray([11n], new Int64()) });
let uri: string;
let n = 0;

beforeEach(async () => {
  uri = await initTable(dir, `t${n++}`, FIELDS, ['id']);
  expect((await appendText(dir, uri, 'full.csv', 'id,v,s\n1,10,kept\n')).code).toBe(0);
});

const MISSING_S = /no value for column\(s\) "s".*\nhint: appending it would set those columns to null in every row it writes, overwriting what the stored row of each key holds there: add the column\(s\) to the input .*or pass --allow-missing-columns.*partial-update table/;

describe('an input that names only some columns is refused', () => {
  it.each([
    ['CSV', 'p.csv', 'id,v\n1,11\n', /header: /],
    ['TSV', 'p.tsv', 'id\tv\n1\t11\n', /header: /],
    ['JSONL', 'p.jsonl', '{"id": 1, "v": 11}\n', /line 1: /],
    ['JSONL, a later record', 'q.jsonl', '{"id": 2, "v": 2, "s": "x"}\n{"id": 1, "v": 11}\n', /line 2: /],
    ['Parquet', 'p.parquet', writeParquetFile(partialIds), /file: /],
    ['Arrow', 'p.arrow', tableToIPC(partialIds, 'file'), /file: /],
  ])('%s', async (_label, file, content, where) => {
    await expectRefused(dir, uri, file, content, new RegExp(where.source + MISSING_S.source));
    expect(await rows(uri)).toEqual(STORED);
  });

  it('names every missing column, and a missing non-nullable one cannot be allowed', async () => {
    await expectRefused(dir, uri, 'only-s.csv', 's\nx\n', /header: no value for column\(s\) "id", "v" \("id" not nullable\)/, '--allow-missing-columns');
    const r = await expectRefused(dir, uri, 'only-id.csv', 'id\n1\n', /no value for column\(s\) "v", "s"/);
    expect(JSON.parse(r.stdout).error.message).toMatch(/header: no value for column\(s\) "v", "s"$/);
  });

  it('an explicit null (JSONL null, empty CSV cell) is a value, and is stored', async () => {
    expect((await appendText(dir, uri, 'null.jsonl', '{"id": 1, "v": 11, "s": null}\n')).code).toBe(0);
    expect(await rows(uri)).toEqual([{ id: 1, v: 11, s: null }]);
    expect((await appendText(dir, uri, 'empty.csv', 'id,v,s\n1,12,\n')).code).toBe(0);
    expect(await rows(uri)).toEqual([{ id: 1, v: 12, s: null }]);
  });

  it('--allow-missing-columns stores null in the missing nullable columns', async () => {
    const r = await appendText(dir, uri, 'allowed.csv', 'v,id\n11,1\n', '--allow-missing-columns');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await rows(uri)).toEqual([{ id: 1, v: 11, s: null }]);
  });

  it('on an append-only table the refusal says nulls would be stored (nothing to overwrite)', async () => {
    const log = await initTable(dir, 'log', [['k', 'utf8', false], ['n', 'int64']], []);
    await expectRefused(dir, log, 'log.jsonl', '{"k": "a"}\n', /line 1: no value for column\(s\) "n"\nhint: appending it would store null in those columns: add the column\(s\) to the input \("column": null is a null\), or pass --allow-missing-columns to store null in them; nothing was written/);
  });
});
