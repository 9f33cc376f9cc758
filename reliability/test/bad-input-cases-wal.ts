/**
 * Bad-input cases for the pipelined WAL (issue 16), run by bad-input.test.ts on the shared
 * fixture (ids 0..19 flushed, 20..49 in the WAL of a "crashed" writer).
 *
 * `walWindow` is validated with the other writer options before the open claims an epoch:
 * a bad value changes nothing stored. The bounds are rules, not errors: 1 (one entry in
 * flight, as before) and `WAL_WINDOW_MAX` (8, the fence block every open reserves) both
 * write and read back every row.
 */
import { ShardWriter } from '@freshtier/writer';
import { expect } from 'vitest';
import { rangeBatch } from '../src/data.js';
import { scanAll } from '../src/recover.js';
import type { Fixture, InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);

/** Puts ten 1-row batches at once with `walWindow`, then checks every row reads back, with the writer and after close. */
async function putsReadBack(f: Fixture, mark: () => Promise<void>, walWindow: number): Promise<undefined> {
  const w = await ShardWriter.open(f.table, { shard: 0, walWindow });
  await mark();
  await Promise.all(range(0, 10).map((i) => w.put(rangeBatch(1_000 + i, 1_001 + i, i))));
  const ids = async (writer?: ShardWriter) => (await scanAll(f.table, writer ? [writer] : [])).rows.map((r) => r.id).sort((a, b) => a - b);
  const expected = [...range(0, 50), ...range(1_000, 1_010)];
  expect(await ids(w)).toEqual(expected);
  await w.close();
  expect(await ids()).toEqual(expected);
  return undefined;
}

export const WAL_INPUTS: InputCase[] = [
  { name: 'walWindow 0', expected: { code: 'INVALID_OPTIONS', message: /walWindow: .*>=\s*1|walWindow.*too small/i },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 0, walWindow: 0 })) },
  { name: 'walWindow 9 (above WAL_WINDOW_MAX)', expected: { code: 'INVALID_OPTIONS', message: /walWindow: .*<=\s*8|walWindow.*too big/i },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 0, walWindow: 9 })) },
  { name: 'walWindow 2.5', expected: { code: 'INVALID_OPTIONS', message: /walWindow: .*expected int/i },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 0, walWindow: 2.5 })) },
  { name: 'walWindow "4" (a string)', expected: { code: 'INVALID_OPTIONS', message: /walWindow: .*number/i },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 0, walWindow: '4' } as never)) },
  { name: 'walWindow 1: one entry in flight, every row reads back', expected: 'rule', act: (f, mark) => putsReadBack(f, mark, 1) },
  { name: 'walWindow 8: the most entries in flight, every row reads back', expected: 'rule', act: (f, mark) => putsReadBack(f, mark, 8) },
];
