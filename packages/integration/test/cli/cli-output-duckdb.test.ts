/**
 * The `freshtier` program's output as DuckDB reads it (issue 15): `scan --json` writes
 * int64 as exact JSON numbers, so `read_json` types the column BIGINT (it typed it JSON
 * when big values came as strings) and reads every value exactly; `scan --format
 * parquet`, streamed row group by row group, is one valid Parquet file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../format/duckdb-support.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-cli-duckdb-'));
const uri = path.join(dir, 't');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real program (as a shell would), returning its exit code and output. */
function freshtier(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const IDS = [1n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 9_007_199_254_740_993n * 1000n];
const ROWS = 150_000; // more than two Parquet row groups

beforeAll(() => {
  writeFileSync(path.join(dir, 's.json'), JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'n', type: 'int32' }], primaryKey: ['id'] }));
  expect(freshtier(['init', uri, '--schema', path.join(dir, 's.json')]).code).toBe(0);
  const lines = IDS.map((id, n) => `{"id": ${id}, "n": ${n}}`);
  for (let k = 0; k < ROWS - IDS.length; k++) lines.push(`{"id": ${k + 10}, "n": ${k}}`);
  writeFileSync(path.join(dir, 'rows.jsonl'), lines.join('\n') + '\n');
  const r = freshtier(['append', uri, path.join(dir, 'rows.jsonl')]);
  expect(r.stderr).toBe('');
});

describe('freshtier output read by DuckDB', () => {
  it('scan --json: read_json types int64 as an integer (BIGINT) and reads every value exactly', async () => {
    const db = await duckdb();
    const typeOf = async (file: string) => (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_json('${file}')`)).getRowObjects().find((t) => t.column_name === 'id')?.column_type;
    const scanTo = (name: string, where: string) => {
      const out = freshtier(['--json', 'scan', uri, '--where', where]);
      expect(out.code).toBe(0);
      writeFileSync(path.join(dir, name), out.stdout);
      return path.join(dir, name);
    };
    // non-negative values up to 2^63-1 (the ones that used to come as strings): BIGINT
    expect(await typeOf(scanTo('pos.jsonl', 'id > 0 and (id < 10 or id > 1000000000)'))).toBe('BIGINT');
    // with negative values too DuckDB widens to HUGEINT (it reads positive JSON integers as unsigned):
    // still an integer column, and exact; `columns={id: 'BIGINT'}` reads it as BIGINT
    const all = scanTo('all.jsonl', 'id < 10 or id > 1000000000');
    expect(await typeOf(all)).toBe('HUGEINT');
    const sorted = [...IDS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const ids = (await db.runAndReadAll(`SELECT id FROM read_json('${all}', columns = {id: 'BIGINT', n: 'INTEGER'}) ORDER BY id`)).getRows().map((r) => r[0]);
    expect(ids).toEqual(sorted);
  });

  it('scan --format parquet (streamed by row group) is one valid Parquet file', async () => {
    const file = path.join(dir, 'out.parquet');
    expect(freshtier(['scan', uri, '--format', 'parquet', '--out', file]).code).toBe(0);
    const db = await duckdb();
    const [[count, sum]] = (await db.runAndReadAll(`SELECT count(*), sum(id::HUGEINT) FROM read_parquet('${file}')`)).getRows();
    expect(count).toBe(BigInt(ROWS));
    const expected = IDS.reduce((s, v) => s + v, 0n) + Array.from({ length: ROWS - IDS.length }, (_, k) => BigInt(k + 10)).reduce((s, v) => s + v, 0n);
    expect(BigInt(String(sum))).toBe(expected);
    const groups = (await db.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file}')`)).getRows()[0][0];
    expect(Number(groups)).toBeGreaterThan(1);
  });

  it('scan --format parquet gives date64 and timestamp[s] their logical types (DuckDB: DATE, TIMESTAMP WITH TIME ZONE)', async () => {
    const t = path.join(dir, 'dates');
    writeFileSync(path.join(dir, 'd.json'), JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'd', type: 'date64' }, { name: 'ts', type: 'timestamp[s, UTC]' }], primaryKey: ['id'] }));
    writeFileSync(path.join(dir, 'd.csv'), 'id,d,ts\n1,2024-02-29,2024-05-01T12:00:00Z\n');
    expect(freshtier(['init', t, '--schema', path.join(dir, 'd.json')]).code).toBe(0);
    expect(freshtier(['append', t, path.join(dir, 'd.csv')]).code).toBe(0);
    const file = path.join(dir, 'dates.parquet');
    expect(freshtier(['scan', t, '--format', 'parquet', '--out', file]).code).toBe(0);
    const db = await duckdb();
    const types = Object.fromEntries((await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects().map((r) => [r.column_name, r.column_type]));
    expect(types).toMatchObject({ d: 'DATE', ts: 'TIMESTAMP WITH TIME ZONE' });
    const [[d, ts]] = (await db.runAndReadAll(`SELECT d::VARCHAR, epoch(ts)::BIGINT FROM read_parquet('${file}')`)).getRows();
    expect([d, ts]).toEqual(['2024-02-29', 1714564800n]);
  });
});
