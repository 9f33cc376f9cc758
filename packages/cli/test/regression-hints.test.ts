/**
 * Regression: every refused cell got the same hint, "fix that value (or make the column
 * nullable in a new table)" — for a value out of range, a fraction in an integer column
 * or a timestamp finer than its unit, where a nullable column would not help at all.
 * Each refusal now says what would: a wider or finer column, the form the column takes,
 * or (for a null) a value — and a key column is never told it could be nullable.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int8, Int64, TimestampMillisecond, Uint32 } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { valueHint } from '../src/input-errors.js';
import { ConvertError, converterFor } from '../src/values.js';
import { shell } from './bin-support.js';
import { tempDir } from './support.js';
import { expectRefused, initTable } from './text-support.js';

const dir = tempDir('freshtier-hints-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS: [string, string, boolean?][] = [['id', 'int64'], ['small', 'int8'], ['u', 'uint32'], ['n', 'int32', false], ['ts', 'timestamp[ms]'], ['z', 'timestamp[s, UTC]'], ['ok', 'bool']];
const HEADER = 'id,small,u,n,ts,z,ok\n';

describe('hints of refused input say what would help', () => {
  it.each([
    ['out of range', '1,300,,1,,,\n', /hint: Int8 cannot hold that value: correct it, or widen the column first \(stored values stay as they are\): freshtier alter <table> widen-column small int64/],
    ['negative into unsigned', '1,,-1,1,,,\n', /hint: Uint32 cannot hold that value: .*widen-column [a-z]+ int64/],
    ['fraction into an integer', '1,1.5,,1,,,\n', /hint: "small" holds whole numbers: correct the value, or load the data into a new table whose column is float64/],
    ['finer than the unit', '1,,,1,2024-05-01T12:00:00.0001Z,,\n', /hint: round the value in the input, or load the data into a new table whose "ts" column has a finer unit/],
    ['zone-less on a zoned column', '1,,,1,,2024-05-01T12:00:00,\n', /hint: add "Z" \(UTC\) or an offset like \+02:00 to the value/],
    ['not a boolean', '1,,,1,,,maybe\n', /hint: write the value as true or false/],
    ['null key', ',,,1,,,\n', /hint: every row needs a value in each primary-key column: give that row its key, or leave the row out/],
    ['null in a not-nullable column', '1,,,,,,\n', /hint: give that row a value for "n"/],
  ])('%s', async (what, row, hint) => {
    const uri = await initTable(dir, `t-${what.replace(/\W+/g, '-')}`, FIELDS, ['id']);
    const r = await expectRefused(dir, uri, 'bad.csv', HEADER + row, hint);
    const hintLine = r.stderr.slice(r.stderr.indexOf('hint: '));
    if (what !== 'null in a not-nullable column') expect(hintLine).not.toMatch(/nullable/);
    expect(r.stderr).toMatch(/nothing was written/);
  });

  it('as the real program prints it', async () => {
    const uri = await initTable(dir, 'real', FIELDS, ['id']);
    const r = shell(`printf '${HEADER}1,300,,1,,,\\n' > '${join(dir, 'real.csv')}'; freshtier append '${uri}' '${join(dir, 'real.csv')}'`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^freshtier append: error: .*real\.csv line 2: column "small" expected an integer in \[-128, 127\], got "300" \(out of range\)/);
    expect(r.stderr).toMatch(/\nhint: Int8 cannot hold that value: correct it, or widen the column first \(stored values stay as they are\): freshtier alter <table> widen-column small int64; nothing was written\n$/);
  });

  it('property (seeded): no refused value is told to make its column nullable', () => {
    const fields = [new Field('a', new Int8()), new Field('b', new Uint32()), new Field('c', new Int64()), new Field('d', new TimestampMillisecond())];
    fc.assert(fc.property(fc.constantFrom(...fields), fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.bigInt().map(String)), (field, text) => {
      try {
        converterFor(field.type)(text);
      } catch (e) {
        if (!(e instanceof ConvertError)) throw e;
        const hint = valueHint(field, e);
        expect(hint).not.toMatch(/nullable/);
        expect(hint.length).toBeGreaterThan(10);
      }
    }), { seed: 909, numRuns: 2000 });
  });
});
