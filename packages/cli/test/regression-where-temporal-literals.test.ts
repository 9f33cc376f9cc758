/**
 * Regression: `--where` turned a quoted date/timestamp literal into `new Date(text)`:
 * micro- and nanoseconds were dropped (equality on a timestamp[ns] key found nothing
 * or the wrong row), zone-less text was read in the machine's time zone, and
 * `'2024-02-30'` meant March 1st. The literal now goes through the input cells'
 * exact ISO-8601 parser and reaches the scanner as an integer in the column's unit.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonl, run, tempDir } from './support.js';
import { appendText, initTable } from './text-support.js';

const dir = tempDir('freshtier-where-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

let uri: string;
beforeAll(async () => {
  uri = await initTable(dir, 'events', [['ts', 'timestamp[ns]'], ['z', 'timestamp[us, UTC]'], ['sec', 'timestamp[s]'], ['d', 'date32'], ['n', 'int64']], ['ts']);
  const csv = [
    'ts,z,sec,d,n',
    '2024-05-01T12:00:00.000000001Z,2024-05-01T12:00:00.000001Z,2024-05-01T12:00:00Z,2024-02-29,1',
    '2024-05-01T12:00:00.000000002Z,2024-05-01T12:00:00.000002Z,2024-05-01T12:00:01Z,2024-03-01,2',
    '2024-05-01T12:00:00.000001Z,2024-05-01T12:00:00Z,2024-05-01T11:59:59Z,2024-02-28,3',
  ].join('\n');
  expect((await appendText(dir, uri, 'events.csv', csv)).code).toBe(0);
});

async function where(expr: string): Promise<number[]> {
  const r = await run(['scan', uri, '--format', 'jsonl', '--where', expr]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return jsonl(r.stdout).map((x) => x.n as number).sort();
}

describe('--where date/timestamp literals are exact', () => {
  it.each([
    ["ts = '2024-05-01T12:00:00.000000001Z'", [1]],
    ["ts = '2024-05-01T12:00:00.000000002Z'", [2]],
    ["ts < '2024-05-01T12:00:00.000000002Z'", [1]],
    ["ts >= '2024-05-01T12:00:00.000001'", [3]], // zone-less on a naive column: UTC
    ["ts = '2024-05-01T14:00:00.000000001+02:00'", [1]],
    ["ts between '2024-05-01T12:00:00.000000001Z' and '2024-05-01T12:00:00.000000002Z'", [1, 2]],
    ["z in ('2024-05-01T12:00:00.000001Z', '2024-05-01T12:00:00.000002+00:00')", [1, 2]],
    ["sec > '2024-05-01T12:00:00Z'", [2]],
    ["sec <= '2024-05-01T12:00:00.000Z'", [1, 3]],
    ["d = '2024-02-29'", [1]],
    ["d > '2024-02-29'", [2]],
    // an integer means what it means in an input cell: epoch milliseconds (it was the stored unit)
    ['sec <= 1714564800000', [1, 3]],
    ['d = 1709164800000', [1]],
  ])('%s', async (expr, expected) => {
    process.env.TZ = 'America/Los_Angeles'; // zone-less text must not depend on it
    expect(await where(expr)).toEqual(expected);
  });

  it.each([
    ["z = '2024-05-01T12:00:00.000001'", /'2024-05-01T12:00:00\.000001' is not a Timestamp<MICROSECOND, UTC> value: has no time zone.*add "Z"/],
    ["sec < '2024-05-01T12:00:00.5Z'", /finer than the column's unit \(s: whole seconds\).*refused rather than truncated/],
    ["d = '2024-02-30'", /'2024-02-30' is not a Date32<DAY> value: February 2024 has 29 days/],
    ["d = '2024-02-29T12:00:00Z'", /a date column stores a calendar day/],
    ["ts = '2024-01-01T24:00:00Z'", /24:00 is refused/],
    ["ts = 'yesterday'", /not an ISO-8601 date/],
    ['ts = 1714564800000000002', /an integer here is epoch milliseconds, as in input cells/],
    ['d = 1709164800001', /an integer here is epoch milliseconds/],
  ])('refuses %s (exit 2, pointing at the literal)', async (expr, message) => {
    const r = await run(['scan', uri, '--where', expr]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('^');
  });
});
