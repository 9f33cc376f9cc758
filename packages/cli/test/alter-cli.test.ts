/**
 * `freshtier alter` in-process (issue 17): the command line becomes exactly the
 * `SchemaChange` it names, default literals are taken exactly (property tests over the
 * values each type holds: a literal printed the way `scan` prints a value reads back as
 * that stored value), malformed lines are usage errors, and the two schema error codes map
 * to their exit codes and hints. packages/integration/test/cli/alter.test.ts runs the binary.
 */
import { SchemaChangeRefusedError, SchemaChangedError } from '@freshtier/core';
import { Bool, DateDay, DateMillisecond, Float32, Float64, Int16, Int64, Int8, LargeBinary, LargeUtf8, TimeUnit, Timestamp, Uint64, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAlter } from '../src/commands/alter.js';
import { defaultLiteral } from '../src/default-literal.js';
import { UsageError, describeFailure } from '../src/errors.js';
import { formatDate, type TimeUnitCode } from '../src/iso-time.js';
import { formatInstant } from '../src/iso-time-format.js';
import { run, tempDir, write } from './support.js';

const SEED = { seed: 17, numRuns: 300 };

describe('parseAlter: the command line as a SchemaChange', () => {
  it('names each change kind with its words', () => {
    expect(parseAlter('add-column', ['score', 'float64'], {})).toEqual({ kind: 'add-column', name: 'score', type: new Float64(), nullable: true });
    expect(parseAlter('add-column', ['n', 'int64'], { notNull: true, default: '-12', aggregate: 'sum' }))
      .toEqual({ kind: 'add-column', name: 'n', type: new Int64(), nullable: false, default: -12n, aggregate: 'sum' });
    expect(parseAlter('widen-column', ['n', 'timestamp[ms, UTC]'], {})).toEqual({ kind: 'widen-column', name: 'n', type: new Timestamp(TimeUnit.MILLISECOND, 'UTC') });
    expect(parseAlter('widen-column', ['b', 'large_binary'], {})).toEqual({ kind: 'widen-column', name: 'b', type: new LargeBinary() });
    expect(parseAlter('rename-column', ['a', 'b'], {})).toEqual({ kind: 'rename-column', name: 'a', to: 'b' });
    expect(parseAlter('drop-column', ['a'], {})).toEqual({ kind: 'drop-column', name: 'a' });
    expect(parseAlter('make-nullable', ['a'], {})).toEqual({ kind: 'make-nullable', name: 'a' });
  });

  it.each([
    ['an unknown change', 'frob', ['x'], {}, /"frob" is not a schema change/],
    ['a missing word', 'rename-column', ['a'], {}, /rename-column takes <name> <to>, got 1 word \(a\)/],
    ['an extra word', 'drop-column', ['a', 'b'], {}, /drop-column takes <name>, got 2 words/],
    ['an unknown type', 'add-column', ['x', 'int128'], {}, /unknown type "int128"/],
    ['an unknown widen type', 'widen-column', ['x', 'decimal'], {}, /unknown type "decimal"/],
    ['--default on a rename', 'rename-column', ['a', 'b'], { default: '1' }, /--default only goes with add-column/],
    ['--not-null and --aggregate on a drop', 'drop-column', ['a'], { notNull: true, aggregate: 'sum' }, /--not-null, --aggregate only go with add-column/],
    ['an unknown aggregate function', 'add-column', ['x', 'int32'], { aggregate: 'avg' }, /"avg" is not an aggregate function/],
  ])('refuses %s as a usage error', (_what, form, words, opts, message) => {
    expect(() => parseAlter(form, words, opts)).toThrow(UsageError);
    expect(() => parseAlter(form, words, opts)).toThrow(message);
  });
});

describe('default literals are taken exactly', () => {
  const int64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);

  it('integers: any value of the type, as BigInt, never through a double', () => {
    fc.assert(fc.property(int64, (n) => defaultLiteral(new Int64(), 'n', String(n)) === n), SEED);
    fc.assert(fc.property(fc.bigInt(0n, 2n ** 64n - 1n), (n) => defaultLiteral(new Uint64(), 'n', String(n)) === n), SEED);
    fc.assert(fc.property(fc.integer({ min: -128, max: 127 }), (n) => defaultLiteral(new Int8(), 'n', String(n)) === BigInt(n)), SEED);
    expect(() => defaultLiteral(new Int16(), 'n', '32768')).toThrow(/out of range/);
    expect(() => defaultLiteral(new Uint64(), 'n', '-1')).toThrow(/out of range/);
  });

  it('floats: the shortest text of any double reads back as that double (-0, NaN and infinities included)', () => {
    fc.assert(fc.property(fc.double(), (x) => Object.is(defaultLiteral(new Float64(), 'x', Object.is(x, -0) ? '-0' : String(x)), x)), SEED);
    fc.assert(fc.property(fc.float({ noNaN: true }), (x) => Object.is(defaultLiteral(new Float32(), 'x', Object.is(x, -0) ? '-0' : String(x)), x)), SEED);
    expect(defaultLiteral(new Float32(), 'x', '0.1')).toBe(Math.fround(0.1)); // the nearest float32, which encodeDefault takes exactly
  });

  it('dates and timestamps: ISO text of any stored value reads back as that stored integer', () => {
    const days = fc.bigInt(-(2n ** 31n), 2n ** 31n - 1n);
    fc.assert(fc.property(days, (d) => defaultLiteral(new DateDay(), 'd', formatDate(d)) === d), SEED);
    fc.assert(fc.property(days, (d) => defaultLiteral(new DateMillisecond(), 'd', formatDate(d)) === d * 86_400_000n), SEED);
    // any int64 count of nanoseconds (±292 years), in each unit
    const raw = int64;
    for (const unit of [0, 1, 2, 3] as TimeUnitCode[]) {
      const span = [1n, 1_000n, 1_000_000n, 1_000_000_000n][unit];
      fc.assert(fc.property(raw, (r) => {
        const v = (r * span) / 1_000_000_000n;
        return defaultLiteral(new Timestamp(unit as unknown as TimeUnit, 'UTC'), 't', formatInstant(v, unit)) === v;
      }), SEED);
    }
  });

  it('strings as they are, booleans as true/false', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => defaultLiteral(new Utf8(), 's', s) === s && defaultLiteral(new LargeUtf8(), 's', s) === s), SEED);
    expect(defaultLiteral(new Bool(), 'b', 'false')).toBe(false);
    expect(() => defaultLiteral(new Bool(), 'b', 'maybe')).toThrow(/expected true or false/);
  });

  it.each([
    ['a bare integer for a date (ambiguous unit)', new DateDay(), '19782', /is a bare integer, not a date or time/],
    ['a bare integer for a timestamp', new Timestamp(TimeUnit.MICROSECOND), '1714564800', /is a bare integer/],
    ['a day that does not exist', new DateDay(), '2023-02-29', /February 2023 has 28 days/],
    ['a time on a date', new DateDay(), '2024-05-01T12:00:00Z', /UTC midnight|date alone/],
    ['a fraction finer than seconds', new Timestamp(TimeUnit.SECOND), '2024-05-01T00:00:00.001Z', /finer than the column's unit/],
  ])('refuses %s, saying how to write it', (_what, type, text, message) => {
    expect(() => defaultLiteral(type, 'c', text)).toThrow(message);
    expect(() => defaultLiteral(type, 'c', text)).toThrow(UsageError);
  });
});

describe('the schema errors as the CLI reports them', () => {
  it('SCHEMA_CHANGE_REFUSED is a usage error (exit 2) pointing at inspect; SCHEMA_CHANGED says to run again (exit 1)', () => {
    const refused = describeFailure(new SchemaChangeRefusedError('drop-column id', '"id" is a primary-key column', 'Key columns can only be renamed'));
    expect(refused).toMatchObject({ exitCode: 2, code: 'SCHEMA_CHANGE_REFUSED' });
    expect(refused.hint).toMatch(/freshtier inspect <uri>/);
    const changed = describeFailure(new SchemaChangedError('The writer', 2, 3));
    expect(changed).toMatchObject({ exitCode: 1, code: 'SCHEMA_CHANGED' });
    expect(changed.hint).toMatch(/run the command again/);
  });
});

describe('inspect shows the schema version and field ids', () => {
  it('version 0 numbers the columns 1..n; alter adds a version, renames keep their id, an added column takes the next id', async () => {
    const dir = tempDir('freshtier-alter-inspect-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const schema = write(dir, 's.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'a', type: 'utf8' }, { name: 'b', type: 'int16' }], primaryKey: ['id'] }));
    const uri = `${dir}/t`;
    expect((await run(['init', uri, '--schema', schema])).code).toBe(0);
    const ids = async () => {
      const doc = JSON.parse((await run(['--json', 'inspect', uri])).stdout);
      return [doc.schemaVersion, doc.fields.map((f: { id: number; name: string }) => `${f.id}:${f.name}`).join(' ')];
    };
    expect(await ids()).toEqual([0, '1:id 2:a 3:b']);
    expect((await run(['alter', uri, 'drop-column', 'b'])).code).toBe(0);
    expect((await run(['alter', uri, 'rename-column', 'a', 'b'])).code).toBe(0);
    expect((await run(['alter', uri, 'add-column', 'a', 'int16'])).code).toBe(0);
    expect(await ids()).toEqual([3, '1:id 2:b 4:a']); // the dropped column's id 3 is never given again
    const human = await run(['inspect', uri]);
    expect(human.stdout).toMatch(/schema: {6}version 3; field ids id=1, b=2, a=4\n/);
  });
});

describe('alter through main(), in process: every refusal and bad line, the table unchanged byte for byte', () => {
  const dir = tempDir('freshtier-alter-refusals-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const uri = `${dir}/t`;
  const tree = () => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const name of readdirSync(d).sort()) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    };
    walk(uri);
    return out;
  };
  const ready = (async () => {
    const schema = write(dir, 's.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'full_name', type: 'utf8' }, { name: 'small', type: 'int32' }, { name: 'score', type: 'float64' }], primaryKey: ['id'] }));
    expect((await run(['init', uri, '--schema', schema])).code).toBe(0);
  })();

  it.each([
    ['another family', ['widen-column', 'full_name', 'int64'], 'SCHEMA_CHANGE_REFUSED', /is not a widening/],
    ['dropping a key column', ['drop-column', 'id'], 'SCHEMA_CHANGE_REFUSED', /"id" is a primary-key column/],
    ['int8 out of range', ['add-column', 'x', 'int8', '--default', '300'], 'USAGE', /expected an integer in \[-128, 127\], got "300" \(out of range\)/],
    ['an unknown change', ['frob', 'x'], 'USAGE', /"frob" is not a schema change/],
    ['widening a key column', ['widen-column', 'id', 'float64'], 'SCHEMA_CHANGE_REFUSED', /"id" is a primary-key column/],
    ['a non-null column without a default', ['add-column', 'x', 'int32', '--not-null'], 'SCHEMA_CHANGE_REFUSED', /a required \(non-null\) column needs a default/],
    ['renaming onto a taken name', ['rename-column', 'small', 'score'], 'SCHEMA_CHANGE_REFUSED', /"score" is named twice/],
    ['making a key column nullable', ['make-nullable', 'id'], 'SCHEMA_CHANGE_REFUSED', /primary-key column/],
    ['a column the table lacks', ['drop-column', 'd'], 'SCHEMA_CHANGE_REFUSED', /the table has no column "d"/],
    ['an aggregate function on a deduplicate table', ['add-column', 'x', 'int32', '--aggregate', 'sum'], 'SCHEMA_CHANGE_REFUSED', /only an aggregate table takes aggregate functions/],
    ['a fraction for int64', ['add-column', 'x', 'int64', '--default', '1.5'], 'USAGE', /not an integer/],
    ['a float beyond float64', ['add-column', 'x', 'float64', '--default', '1e400'], 'USAGE', /beyond the largest float64/],
    ['a float beyond float32', ['add-column', 'x', 'float32', '--default', '1e39'], 'USAGE', /beyond the largest float32/],
    ['a date that does not exist', ['add-column', 'x', 'date32', '--default', '2024-02-30'], 'USAGE', /February 2024 has 29 days/],
    ['a zone-less instant for a zoned timestamp', ['add-column', 'x', 'timestamp[ms, UTC]', '--default', '2024-05-01T12:00:00'], 'USAGE', /has no time zone/],
    ['finer than the unit', ['add-column', 'x', 'timestamp[s]', '--default', '2024-05-01T12:00:00.5Z'], 'USAGE', /finer than the column's unit/],
    ['not a boolean', ['add-column', 'x', 'bool', '--default', 'maybe'], 'USAGE', /expected true or false/],
    ['a binary default', ['add-column', 'x', 'binary', '--default', 'AA=='], 'USAGE', /a Binary column takes no default/],
    ['--default on another change', ['drop-column', 'small', '--default', '1'], 'USAGE', /--default only goes with add-column/],
  ])('%s', async (_what, args, code, message) => {
    await ready;
    const before = tree();
    const r = await run(['--json', 'alter', uri, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(tree()).toEqual(before);
  });
});

describe('alter --aggregate, in process', () => {
  it('adds a column with its aggregate function to an aggregate table (a sum takes no default); appends then merge by it', async () => {
    const dir = tempDir('freshtier-alter-agg-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const agg = `${dir}/agg`;
    const schema = write(dir, 'agg.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'page', type: 'utf8' }], primaryKey: ['id'] }));
    expect((await run(['init', agg, '--schema', schema, '--merge-engine', 'aggregate'])).code).toBe(0);
    // a sum column starts empty: a default is refused (it would count once per stored state, once per version in the WAL)
    const refused = await run(['--json', 'alter', agg, 'add-column', 'clicks', 'int64', '--not-null', '--default', '0', '--aggregate', 'sum']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error.code).toBe('SCHEMA_CHANGE_REFUSED');
    expect(refused.stderr).toMatch(/a sum column starts empty/);
    const r = await run(['--json', 'alter', agg, 'add-column', 'clicks', 'int64', '--aggregate', 'sum']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, aggregates: { clicks: 'sum' } });
    const csv = write(dir, 'clicks.csv', 'id,page,clicks\n1,/a,2\n1,/b,40\n');
    expect((await run(['append', agg, csv])).code).toBe(0);
    expect(JSON.parse((await run(['scan', agg, '--format', 'jsonl'])).stdout)).toEqual({ id: 1, page: '/b', clicks: 42 });
  });
});
