/**
 * Regression (issue 18, "Wrong reads: literals and keys outside a column's
 * type"): `--where` literals beyond an Int32 key's range were wrapped into the
 * key's typed array when the scan pruned by key, so `id < 1099511627776` (2^40,
 * wrapped to 0) returned no row instead of every row.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonl, run, tempDir, write } from './support.js';

const dir = tempDir();
const uri = join(dir, 'small');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (text: string) => jsonl(text).map((r) => r.id as number).sort((a, b) => a - b);

async function where(expr: string): Promise<number[]> {
  const r = await run(['scan', uri, '--format', 'jsonl', '--where', expr]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return ids(r.stdout);
}

describe('freshtier scan --where on an int32 key with literals beyond its range', () => {
  beforeAll(async () => {
    write(dir, 'schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'int32', nullable: false }, { name: 'name', type: 'utf8' }] }));
    expect((await run(['init', uri, '--schema', join(dir, 'schema.json'), '--primary-key', 'id'])).code).toBe(0);
    // two appends: two flushed generations with disjoint key ranges
    expect((await run(['append', uri, write(dir, 'a.csv', 'id,name\n1,a\n2,b\n')])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'b.csv', 'id,name\n3,c\n4,d\n')])).code).toBe(0);
  });

  it('id < 1099511627776 returns every row', async () => {
    expect(await where('id < 1099511627776')).toEqual([1, 2, 3, 4]);
  });

  it('bounds beyond the range on either side prune nothing or everything', async () => {
    expect(await where('id > -1099511627775')).toEqual([1, 2, 3, 4]); // -2^40 + 1 wrapped to 1
    expect(await where('id between -4294967294 and 2')).toEqual([1, 2]); // -2^32 + 2 wrapped to 2
    expect(await where('id >= 1099511627776')).toEqual([]);
  });

  it('2^32 + 1 is not 1: as a bound it keeps every row, as an equality it matches none', async () => {
    expect(await where('id <= 4294967297')).toEqual([1, 2, 3, 4]);
    expect(await where('id = 4294967297')).toEqual([]);
    expect(await where('id in (4294967297, 4294967299, 4)')).toEqual([4]);
  });
});
