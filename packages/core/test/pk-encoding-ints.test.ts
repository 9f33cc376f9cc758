/**
 * Integer-like keys are encoded by copying each value's bytes in reverse (no per-row
 * BigInt): the result must equal the definition — big-endian, sign bit flipped for
 * signed types — for every width and type, whole and sliced.
 */
import {
  DateDay, DateMillisecond, Int16, Int32, Int64, Int8, Table, TimeMicrosecond, TimeSecond, Timestamp, TimeUnit, Uint16, Uint32, Uint64, Uint8,
  makeData, makeVector, type DataType, type RecordBatch,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeKeys } from '../src/keys/pk-encoding.js';

interface Case {
  name: string;
  type: () => DataType;
  width: number;
  signed: boolean;
  array: (vals: bigint[]) => ArrayBufferView;
}

const big = (Ctor: BigInt64ArrayConstructor | BigUint64ArrayConstructor) => (v: bigint[]) => Ctor.from(v);
const num = (Ctor: { from(a: number[]): ArrayBufferView }) => (v: bigint[]) => Ctor.from(v.map(Number));

const CASES: Case[] = [
  { name: 'int8', type: () => new Int8(), width: 1, signed: true, array: num(Int8Array) },
  { name: 'int16', type: () => new Int16(), width: 2, signed: true, array: num(Int16Array) },
  { name: 'int32', type: () => new Int32(), width: 4, signed: true, array: num(Int32Array) },
  { name: 'int64', type: () => new Int64(), width: 8, signed: true, array: big(BigInt64Array) },
  { name: 'uint8', type: () => new Uint8(), width: 1, signed: false, array: num(Uint8Array) },
  { name: 'uint16', type: () => new Uint16(), width: 2, signed: false, array: num(Uint16Array) },
  { name: 'uint32', type: () => new Uint32(), width: 4, signed: false, array: num(Uint32Array) },
  { name: 'uint64', type: () => new Uint64(), width: 8, signed: false, array: big(BigUint64Array) },
  { name: 'date32', type: () => new DateDay(), width: 4, signed: true, array: num(Int32Array) },
  { name: 'date64', type: () => new DateMillisecond(), width: 8, signed: true, array: big(BigInt64Array) },
  { name: 'timestamp', type: () => new Timestamp(TimeUnit.MICROSECOND, 'UTC'), width: 8, signed: true, array: big(BigInt64Array) },
  { name: 'time32', type: () => new TimeSecond(), width: 4, signed: true, array: num(Int32Array) },
  { name: 'time64', type: () => new TimeMicrosecond(), width: 8, signed: true, array: big(BigInt64Array) },
];

/** The definition: big-endian, with the sign bit flipped for signed types. */
function reference(v: bigint, width: number, signed: boolean): number[] {
  const bits = BigInt(width * 8);
  let u = BigInt.asUintN(width * 8, v);
  if (signed) u ^= 1n << (bits - 1n);
  return Array.from({ length: width }, (_, i) => Number((u >> BigInt((width - 1 - i) * 8)) & 0xffn));
}

function batchOf(c: Case, vals: bigint[]): RecordBatch {
  const t = new Table({ k: makeVector(makeData({ type: c.type() as never, length: vals.length, data: c.array(vals) as never })) });
  return t.batches[0];
}

describe('integer key encoding equals its definition', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const bits = c.width * 8;
      const lo = c.signed ? -(1n << BigInt(bits - 1)) : 0n;
      const hi = c.signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
      const value = fc.oneof(fc.bigInt({ min: lo, max: hi }), fc.constantFrom(lo, hi, 0n, lo + 1n, hi - 1n));
      fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.nat(), fc.nat(), (vals, a, b) => {
        const batch = batchOf(c, vals);
        const start = a % vals.length;
        const end = start + (b % (vals.length - start + 1));
        for (const [rb, vs] of [[batch, vals], [batch.slice(start, end), vals.slice(start, end)]] as const) {
          const keys = encodeKeys(rb, ['k']);
          expect(keys.count).toBe(vs.length);
          vs.forEach((v, r) => expect(Array.from(keys.bytes.subarray(keys.offsets[r], keys.offsets[r + 1]))).toEqual(reference(v, c.width, c.signed)));
        }
      }), { seed: 4301, numRuns: 40 });
    });
  }
});
