/**
 * Primary-key encoding: the unsigned byte order of encoded keys (compareBytes) must
 * equal the natural order of the key values, and byte equality must equal key
 * equality, for every supported key type and for composite keys.
 *
 * Natural orders used here (what the encoding promises):
 * - integers, timestamps: numeric order;
 * - floats: numeric order with `-0 == 0`; every NaN (any payload, either sign) is ONE key,
 *   and it sorts AFTER +Infinity (NaN is encoded as the canonical quiet NaN 0x7ff8…,
 *   whose sign-flipped bits are above those of +Infinity);
 * - utf8: Unicode code point order (= UTF-8 byte order). Note this is NOT JavaScript's
 *   `<` on strings, which compares UTF-16 code units ("\u{10000}" < "\uffff" in JS,
 *   but "\uffff" < "\u{10000}" here);
 * - binary: unsigned lexicographic byte order (a prefix sorts first);
 * - bool: false < true;
 * - composite keys: lexicographic over the columns, each column in its own order.
 */
import {
  Binary, Bool, Dictionary, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, List, Schema, Struct, Timestamp, TimeUnit, Uint32, Uint64, Utf8,
  Table, makeData, makeVector, vectorFromArray, type DataType, type RecordBatch, type Vector,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NullPrimaryKeyError, SchemaMismatchError, isFreshtierError } from '../src/errors.js';
import { assertKeyColumns, compareBytes, encodeKeys, keyAt, keyToHex, type EncodedKeys } from '../src/keys/pk-encoding.js';

const utf8 = new TextEncoder();

/** Any Unicode scalar value (no lone surrogates): like fc.string's 'binary' unit, without its ~1 s setup. */
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c));

function batchOf(cols: Record<string, Vector>): RecordBatch {
  const t = new Table(cols);
  expect(t.batches.length).toBe(1);
  return t.batches[0];
}

function vec(type: DataType, data: ArrayLike<unknown>): Vector {
  return makeVector(makeData({ type: type as never, length: data.length, data: data as never }));
}

function cmpKeys(keys: EncodedKeys, i: number, j: number): number {
  return compareBytes(keys.bytes, keys.offsets[i], keys.offsets[i + 1], keys.bytes, keys.offsets[j], keys.offsets[j + 1]);
}

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
const cmpNum = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const cmpUtf8 = (a: string, b: string) => cmpBytes(utf8.encode(a), utf8.encode(b));
const cmpBool = (a: boolean, b: boolean) => Number(a) - Number(b);

/** Every pair: sign(byte order) == sign(natural order). Covers "equal bytes <=> equal keys" too. */
function assertSameOrder<T>(values: readonly T[], keys: EncodedKeys, natural: (a: T, b: T) => number): void {
  expect(keys.count).toBe(values.length);
  expect(keys.offsets.length).toBe(values.length + 1);
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      const got = sign(cmpKeys(keys, i, j));
      const want = sign(natural(values[i], values[j]));
      if (got !== want) {
        throw new Error(`order mismatch for ${show(values[i])} vs ${show(values[j])}: bytes say ${got} (${keyToHex(keyAt(keys, i))} vs ${keyToHex(keyAt(keys, j))}), values say ${want}`);
      }
    }
  }
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : Object.is(x, -0) ? '-0' : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
}

/** No encoded key is a proper prefix of another (needed when a column follows). */
function assertPrefixFree(keys: EncodedKeys): void {
  for (let i = 0; i < keys.count; i++) {
    for (let j = 0; j < keys.count; j++) {
      const a = keyAt(keys, i);
      const b = keyAt(keys, j);
      if (a.length < b.length && compareBytes(a, 0, a.length, b, 0, a.length) === 0) throw new Error(`${keyToHex(a)} is a prefix of ${keyToHex(b)}`);
    }
  }
}

const RUNS = { numRuns: 150 };
const values = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 30 });

describe('single-column order and equality', () => {
  it('int8', () => {
    fc.assert(fc.property(values(fc.integer({ min: -128, max: 127 })), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Int8()) }), ['k']), cmpNum);
    }), { ...RUNS, seed: 3801 });
  });

  it('int16', () => {
    fc.assert(fc.property(values(fc.integer({ min: -32768, max: 32767 })), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Int16()) }), ['k']), cmpNum);
    }), { ...RUNS, seed: 3802 });
  });

  it('int32', () => {
    fc.assert(fc.property(values(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Int32()) }), ['k']), cmpNum);
    }), { ...RUNS, seed: 3803 });
  });

  it('int64 (BigInt64Array), including both extremes', () => {
    const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n));
    fc.assert(fc.property(values(int64), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vec(new Int64(), BigInt64Array.from(vs)) }), ['k']), cmpBig);
    }), { ...RUNS, seed: 3804 });
  });

  it('uint32 (values above 2^31 sort above smaller ones)', () => {
    fc.assert(fc.property(values(fc.integer({ min: 0, max: 0xffffffff })), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Uint32()) }), ['k']), cmpNum);
    }), { ...RUNS, seed: 3805 });
  });

  it('uint64', () => {
    fc.assert(fc.property(values(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vec(new Uint64(), BigUint64Array.from(vs)) }), ['k']), cmpBig);
    }), { ...RUNS, seed: 3806 });
  });

  /** A float64 key given as raw bits, so NaN payloads and -0 survive exactly. */
  type F64 = { bits: bigint; value: number };
  const f64FromNumber = (x: number): F64 => {
    const f = new Float64Array([x]);
    return { bits: new BigUint64Array(f.buffer)[0], value: x };
  };
  const f64 = fc.oneof(
    fc.double().map(f64FromNumber),
    fc.constantFrom(-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, NaN).map(f64FromNumber),
    // NaNs with arbitrary payloads and either sign: exponent all ones, mantissa non-zero
    fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: (1n << 52n) - 1n })).map(([neg, mant]): F64 => ({ bits: (neg ? 1n << 63n : 0n) | (0x7ffn << 52n) | mant, value: NaN })),
  );
  /** -0 == 0; all NaNs equal each other and sort after +Infinity. */
  const cmpFloat = (a: number, b: number) => {
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an || bn) return Number(an) - Number(bn);
    return cmpNum(a, b);
  };

  it('float64: -0 == 0, every NaN payload is one key, NaN sorts after +Infinity', () => {
    fc.assert(fc.property(values(f64), (vs) => {
      const data = new Float64Array(new BigUint64Array(vs.map((v) => v.bits)).buffer);
      const keys = encodeKeys(batchOf({ k: vec(new Float64(), data) }), ['k']);
      assertSameOrder(vs.map((v) => v.value), keys, cmpFloat);
    }), { ...RUNS, seed: 3807 });
  });

  it('float64 edge cases, spelled out', () => {
    const xs = [-Infinity, -1, -Number.MIN_VALUE, -0, 0, Number.MIN_VALUE, 1, Infinity, NaN];
    const negNaN = new Float64Array(new BigUint64Array([0xfff8000000000001n]).buffer)[0];
    const data = Float64Array.from([...xs, negNaN]);
    const keys = encodeKeys(batchOf({ k: vec(new Float64(), data) }), ['k']);
    const hex = (i: number) => keyToHex(keyAt(keys, i));
    expect(hex(3)).toBe(hex(4)); // -0 == 0
    expect(hex(8)).toBe(hex(9)); // NaN (positive, canonical) == NaN (negative, payload)
    for (let i = 0; i + 1 < 8; i++) if (i !== 3) expect(cmpKeys(keys, i, i + 1)).toBeLessThan(0);
    expect(cmpKeys(keys, 7, 8)).toBeLessThan(0); // +Infinity < NaN
  });

  it('float32', () => {
    fc.assert(fc.property(values(fc.float()), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vec(new Float32(), Float32Array.from(vs)) }), ['k']), cmpFloat);
    }), { ...RUNS, seed: 3808 });
  });

  const utf8Unit = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('\u0000', '\u0001', 'a', '\u00ff', '\uffff', '\u{10000}', '\u{10ffff}') },
    { weight: 2, arbitrary: codePoint },
  );
  const str = fc.string({ unit: utf8Unit, maxLength: 6 });

  it('utf8 (including "\\u0000" and astral characters), code point order', () => {
    fc.assert(fc.property(values(str), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Utf8()) }), ['k']), cmpUtf8);
    }), { ...RUNS, seed: 3809 });
  });

  it('utf8 edge cases, spelled out (code point order, not UTF-16 order)', () => {
    const sorted = ['', '\u0000', '\u0000\u0000', '\u0000\u0001', 'a', 'a\u0000', 'a\u0000b', 'a\u0001', 'ab', '\uffff', '\u{10000}'];
    const keys = encodeKeys(batchOf({ k: vectorFromArray(sorted, new Utf8()) }), ['k']);
    for (let i = 0; i + 1 < sorted.length; i++) expect(cmpKeys(keys, i, i + 1), `${show(sorted[i])} < ${show(sorted[i + 1])}`).toBeLessThan(0);
    expect('\u{10000}' < '\uffff').toBe(true); // JS string order differs: the encoding must not follow it
  });

  const bytes = fc.oneof(fc.uint8Array({ maxLength: 6, min: 0, max: 2 }), fc.uint8Array({ maxLength: 6 }));

  it('binary', () => {
    fc.assert(fc.property(values(bytes), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Binary()) }), ['k']), cmpBytes);
    }), { ...RUNS, seed: 3810 });
  });

  it('bool', () => {
    fc.assert(fc.property(values(fc.boolean()), (vs) => {
      assertSameOrder(vs, encodeKeys(batchOf({ k: vectorFromArray(vs, new Bool()) }), ['k']), cmpBool);
    }), { ...RUNS, seed: 3811 });
  });

  it('timestamp, every unit, with and without a time zone', () => {
    const unit = fc.constantFrom(TimeUnit.SECOND, TimeUnit.MILLISECOND, TimeUnit.MICROSECOND, TimeUnit.NANOSECOND);
    const ts = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 1000n }));
    fc.assert(fc.property(unit, fc.option(fc.constantFrom('UTC', 'Europe/Paris')), values(ts), (u, tz, vs) => {
      const keys = encodeKeys(batchOf({ k: vec(new Timestamp(u, tz), BigInt64Array.from(vs)) }), ['k']);
      assertSameOrder(vs, keys, cmpBig);
    }), { ...RUNS, seed: 3812 });
  });
});

describe('composite keys', () => {
  const str = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\u0001', '\u00ff', 'a', 'b'), codePoint), maxLength: 4 });
  const i32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -2, max: 2 }));
  const lex = <A, B>(ca: (x: A, y: A) => number, cb: (x: B, y: B) => number) => (x: [A, B], y: [A, B]) => sign(ca(x[0], y[0])) || sign(cb(x[1], y[1]));

  it('(utf8, int32): ordered and prefix-free', () => {
    fc.assert(fc.property(values(fc.tuple(str, i32)), (vs) => {
      const keys = encodeKeys(batchOf({ s: vectorFromArray(vs.map((v) => v[0]), new Utf8()), n: vectorFromArray(vs.map((v) => v[1]), new Int32()) }), ['s', 'n']);
      assertSameOrder(vs, keys, lex(cmpUtf8, cmpNum));
      assertPrefixFree(keys);
    }), { ...RUNS, seed: 3813 });
  });

  it('(int32, utf8): ordered', () => {
    fc.assert(fc.property(values(fc.tuple(i32, str)), (vs) => {
      const keys = encodeKeys(batchOf({ n: vectorFromArray(vs.map((v) => v[0]), new Int32()), s: vectorFromArray(vs.map((v) => v[1]), new Utf8()) }), ['n', 's']);
      assertSameOrder(vs, keys, lex(cmpNum, cmpUtf8));
    }), { ...RUNS, seed: 3814 });
  });

  it('(utf8, utf8): ordered (the first column must not bleed into the second)', () => {
    fc.assert(fc.property(values(fc.tuple(str, str)), (vs) => {
      const keys = encodeKeys(batchOf({ a: vectorFromArray(vs.map((v) => v[0]), new Utf8()), b: vectorFromArray(vs.map((v) => v[1]), new Utf8()) }), ['a', 'b']);
      assertSameOrder(vs, keys, lex(cmpUtf8, cmpUtf8));
    }), { ...RUNS, seed: 3815 });
  });

  it('(binary, bool): ordered and prefix-free', () => {
    const bin = fc.uint8Array({ maxLength: 4, min: 0, max: 2 });
    fc.assert(fc.property(values(fc.tuple(bin, fc.boolean())), (vs) => {
      const keys = encodeKeys(batchOf({ a: vectorFromArray(vs.map((v) => v[0]), new Binary()), b: vectorFromArray(vs.map((v) => v[1]), new Bool()) }), ['a', 'b']);
      assertSameOrder(vs, keys, lex(cmpBytes, cmpBool));
      assertPrefixFree(keys);
    }), { ...RUNS, seed: 3816 });
  });

  it('spelled out: ("a", x) < ("a\\u0000", y) and ("a\\u0000", y) < ("a\\u0001", z) whatever x, y, z', () => {
    const s = ['a', 'a\u0000', 'a\u0001'];
    const n = [2 ** 31 - 1, -(2 ** 31), -(2 ** 31)];
    const keys = encodeKeys(batchOf({ s: vectorFromArray(s, new Utf8()), n: vectorFromArray(n, new Int32()) }), ['s', 'n']);
    expect(cmpKeys(keys, 0, 1)).toBeLessThan(0);
    expect(cmpKeys(keys, 1, 2)).toBeLessThan(0);
  });

  it('key column order follows keyColumns, not the schema', () => {
    const b = batchOf({ n: vectorFromArray([1, 2], new Int32()), s: vectorFromArray(['b', 'a'], new Utf8()) });
    const byS = encodeKeys(b, ['s', 'n']);
    const byN = encodeKeys(b, ['n', 's']);
    expect(cmpKeys(byS, 0, 1)).toBeGreaterThan(0);
    expect(cmpKeys(byN, 0, 1)).toBeLessThan(0);
  });
});

describe('sliced batches (Data with an offset)', () => {
  /** Encodes `batch.slice(a, b)` and the whole batch; the slice's keys must be the whole batch's keys a..b. */
  function assertSliceMatches(batch: RecordBatch, keyColumns: string[], a: number, b: number): void {
    const whole = encodeKeys(batch, keyColumns);
    const sliced = batch.slice(a, b);
    expect(sliced.numRows).toBe(b - a);
    expect(sliced.getChildAt(0)!.data[0].offset).toBe(a);
    const part = encodeKeys(sliced, keyColumns);
    expect(part.count).toBe(b - a);
    for (let i = 0; i < b - a; i++) expect(keyToHex(keyAt(part, i)), `row ${i} of slice [${a}, ${b})`).toBe(keyToHex(keyAt(whole, a + i)));
  }

  const sliceOf = <T>(arb: fc.Arbitrary<T>) =>
    fc.array(arb, { minLength: 1, maxLength: 25 }).chain((vs) => fc.tuple(fc.constant(vs), fc.nat(vs.length - 1)).chain(([v, a]) => fc.tuple(fc.constant(v), fc.constant(a), fc.integer({ min: a + 1, max: v.length }))));

  it('int32, int64, float64, bool, timestamp', () => {
    fc.assert(fc.property(sliceOf(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double(), fc.boolean())), ([vs, a, b]) => {
      const batch = batchOf({
        i: vectorFromArray(vs.map((v) => v[0]), new Int32()),
        l: vec(new Int64(), BigInt64Array.from(vs.map((v) => v[1]))),
        f: vec(new Float64(), Float64Array.from(vs.map((v) => v[2]))),
        t: vectorFromArray(vs.map((v) => v[3]), new Bool()),
        ts: vec(new Timestamp(TimeUnit.MICROSECOND), BigInt64Array.from(vs.map((v) => v[1]))),
      });
      for (const k of [['i'], ['l'], ['f'], ['t'], ['ts'], ['t', 'i', 'f']]) assertSliceMatches(batch, k, a, b);
    }), { seed: 3817, numRuns: 100 });
  });

  it('utf8 and binary, as the last column and as a leading column', () => {
    const s = fc.string({ unit: fc.constantFrom('\u0000', 'a', 'é'), maxLength: 5 });
    fc.assert(fc.property(sliceOf(fc.tuple(s, fc.uint8Array({ maxLength: 4, max: 2 }), fc.integer({ min: -5, max: 5 }))), ([vs, a, b]) => {
      const batch = batchOf({
        s: vectorFromArray(vs.map((v) => v[0]), new Utf8()),
        bin: vectorFromArray(vs.map((v) => v[1]), new Binary()),
        n: vectorFromArray(vs.map((v) => v[2]), new Int32()),
      });
      for (const k of [['s'], ['bin'], ['s', 'n'], ['bin', 's'], ['n', 's']]) assertSliceMatches(batch, k, a, b);
    }), { seed: 3818, numRuns: 100 });
  });

  it('a sliced batch whose nulls lie outside the slice encodes; a null inside names the row within the slice', () => {
    const batch = batchOf({ k: vectorFromArray([null, 1, 2, null, 4], new Int32()) });
    const keys = encodeKeys(batch.slice(1, 3), ['k']);
    expect(keys.count).toBe(2);
    expect(keyToHex(keyAt(keys, 0))).toBe('80000001');
    expect(keyToHex(keyAt(keys, 1))).toBe('80000002');
    const err = captureError(() => encodeKeys(batch.slice(1, 5), ['k']));
    expect(err).toBeInstanceOf(NullPrimaryKeyError);
    expect((err as NullPrimaryKeyError).context).toMatchObject({ column: 'k', row: 2 });
  });
});

describe('known encodings', () => {
  it('pins the byte layout of each type (manifests store these bytes as hex)', () => {
    const b = batchOf({
      i8: vectorFromArray([-1], new Int8()),
      i32: vectorFromArray([1], new Int32()),
      u32: vectorFromArray([1], new Uint32()),
      l: vec(new Int64(), BigInt64Array.of(-2n)),
      f: vec(new Float64(), Float64Array.of(-1)),
      b: vectorFromArray([true], new Bool()),
      s: vectorFromArray(['a\u0000'], new Utf8()),
    });
    const hex = (cols: string[]) => keyToHex(keyAt(encodeKeys(b, cols), 0));
    expect(hex(['i8'])).toBe('7f');
    expect(hex(['i32'])).toBe('80000001');
    expect(hex(['u32'])).toBe('00000001');
    expect(hex(['l'])).toBe('7ffffffffffffffe');
    expect(hex(['f'])).toBe('400fffffffffffff');
    expect(hex(['b'])).toBe('01');
    expect(hex(['s'])).toBe('6100'); // last column: raw bytes
    expect(hex(['s', 'b'])).toBe('6100ff000101'); // leading column: 0x00 escaped, 0x00 0x01 terminator
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('errors', () => {
  it('a null key raises NullPrimaryKeyError naming the column and the row', () => {
    const batch = batchOf({ id: vectorFromArray([1, 2, null, 4], new Int32()), name: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()) });
    const err = captureError(() => encodeKeys(batch, ['name', 'id']));
    expect(err).toBeInstanceOf(NullPrimaryKeyError);
    const e = err as NullPrimaryKeyError;
    expect(e.code).toBe('NULL_PRIMARY_KEY');
    expect(isFreshtierError(e, 'NULL_PRIMARY_KEY')).toBe(true);
    expect(e.context).toMatchObject({ column: 'id', row: 2 });
    expect(e.message).toContain('"id"');
    expect(e.message).toContain('row 2');
  });

  it('a null in a utf8 key column is caught too', () => {
    const batch = batchOf({ s: vectorFromArray(['a', null], new Utf8()) });
    expect(() => encodeKeys(batch, ['s'])).toThrow(NullPrimaryKeyError);
  });

  it('a missing key column raises SchemaMismatchError naming it', () => {
    const batch = batchOf({ id: vectorFromArray([1], new Int32()) });
    const err = captureError(() => encodeKeys(batch, ['id', 'tenant']));
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect((err as SchemaMismatchError).code).toBe('SCHEMA_MISMATCH');
    expect((err as SchemaMismatchError).message).toContain('"tenant"');
    expect((err as SchemaMismatchError).context).toMatchObject({ column: 'tenant' });
  });

  it('an empty batch encodes to zero keys', () => {
    const keys = encodeKeys(batchOf({ id: vectorFromArray([], new Int32()) }), ['id']);
    expect(keys.count).toBe(0);
    expect(Array.from(keys.offsets)).toEqual([0]);
  });
});

describe('assertKeyColumns', () => {
  const schema = new Schema([
    new Field('i8', new Int8()), new Field('i64', new Int64()), new Field('u32', new Uint32()), new Field('f32', new Float32()), new Field('f64', new Float64()),
    new Field('b', new Bool()), new Field('ts', new Timestamp(TimeUnit.NANOSECOND, 'UTC')), new Field('s', new Utf8()), new Field('bin', new Binary()),
    new Field('half', new Float16()),
    new Field('list', new List(new Field('item', new Int32()))),
    new Field('dict', new Dictionary(new Utf8(), new Int32())),
    new Field('struct', new Struct([new Field('x', new Int32())])),
  ]);

  it('accepts every supported key type, alone and together', () => {
    for (const c of ['i8', 'i64', 'u32', 'f32', 'f64', 'b', 'ts', 's', 'bin']) expect(() => assertKeyColumns(schema, [c])).not.toThrow();
    expect(() => assertKeyColumns(schema, ['s', 'i64', 'ts'])).not.toThrow();
    expect(() => assertKeyColumns(schema, [])).not.toThrow();
  });

  it.each(['half', 'list', 'dict', 'struct'])('rejects a %s key column with SchemaMismatchError naming it', (c) => {
    const err = captureError(() => assertKeyColumns(schema, ['i64', c]));
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect((err as SchemaMismatchError).context).toMatchObject({ column: c });
    expect((err as SchemaMismatchError).message).toContain(`"${c}"`);
  });

  it('rejects a key column missing from the schema', () => {
    const err = captureError(() => assertKeyColumns(schema, ['nope']));
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect((err as SchemaMismatchError).message).toContain('"nope"');
  });
});
