/**
 * gatherColumn copies fixed-width values of whole 32-bit words (int64, float64, …)
 * through Int32Array views: bit-exact (NaN payloads kept), from sources at any element
 * offset of their buffer, with nulls and missing sources.
 */
import { Float64, Int32, Int64, Timestamp, TimeUnit, makeData, type Data, type DataType, RecordBatch, Schema, Field, Struct } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatherColumn } from '../src/arrow/gather.js';

function batchOf(type: DataType, values: ArrayBufferView, nulls?: Uint8Array): RecordBatch {
  const n = values.byteLength / ((values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
  const nullCount = nulls ? Array.from({ length: n }, (_, i) => (nulls[i >> 3] >> (i & 7)) & 1).filter((b) => b === 0).length : 0;
  const col = makeData({ type: type as never, length: n, nullCount, nullBitmap: nullCount ? nulls : undefined, data: values as never });
  const schema = new Schema([new Field('c', type, true)]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [col as Data] }));
}

describe('gatherColumn word copy', () => {
  it('int64 / float64 / timestamp / int32: bit-exact, with nulls, null rows and a missing source', () => {
    const cases = [
      { type: new Int64(), Ctor: BigInt64Array, width: 8 },
      { type: new Float64(), Ctor: Float64Array, width: 8 },
      { type: new Timestamp(TimeUnit.NANOSECOND), Ctor: BigInt64Array, width: 8 },
      { type: new Int32(), Ctor: Int32Array, width: 4 },
    ] as const;
    for (const c of cases) {
      fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 8 * 6, maxLength: 8 * 6 }), { minLength: 1, maxLength: 3 }), fc.nat(3), fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.nat(5)), { maxLength: 30 }), (sources, shift, picks) => {
        const batches = sources.map((bytes, j) => {
          // the first source starts `shift` elements into its buffer (as a sliced or decoded column does)
          const buf = new Uint8Array(48 + shift * c.width);
          buf.set(bytes, shift * c.width);
          const vals = new c.Ctor(buf.buffer, j === 0 ? shift * c.width : 0, 48 / c.width) as ArrayBufferView;
          if (j !== 0) new Uint8Array(buf.buffer, 0, 48).set(bytes);
          return batchOf(c.type, vals, j === 1 ? Uint8Array.of(0b101101, 0b0110) : undefined);
        });
        const withMissing = [...batches, new RecordBatch(new Schema([new Field('other', new Int32())]), makeData({ type: new Struct([new Field('other', new Int32())]), length: 1, nullCount: 0, children: [makeData({ type: new Int32(), length: 1, data: Int32Array.of(1) })] }))];
        const sel = { count: picks.length, batchOf: Int32Array.from(picks, ([b]) => (b >= withMissing.length ? -1 : b)), rowOf: Int32Array.from(picks, ([, r]) => r % (48 / c.width)) };
        const out = gatherColumn(withMissing, 'c', c.type, sel);
        const outBytes = new Uint8Array(out.values.buffer, out.values.byteOffset, out.values.byteLength);
        picks.forEach((_, i) => {
          const b = sel.batchOf[i];
          const src = b >= 0 ? withMissing[b].getChildAt(0)?.data[0] : undefined;
          const present = src && withMissing[b].schema.fields[0].name === 'c';
          const valid = present && (src!.nullCount === 0 || ((src!.nullBitmap![sel.rowOf[i] >> 3] >> (sel.rowOf[i] & 7)) & 1) === 1);
          expect(out.getValid(i)).toBe(Boolean(valid));
          if (!present) return;
          const sb = new Uint8Array(src!.values.buffer, src!.values.byteOffset + sel.rowOf[i] * c.width, c.width);
          expect(Array.from(outBytes.subarray(i * c.width, (i + 1) * c.width))).toEqual(Array.from(sb));
        });
      }), { seed: 3901, numRuns: 50 });
    }
  });

  it('keeps a NaN payload', () => {
    const bits = new Uint8Array(new BigUint64Array([0x7ff4000000000001n]).buffer); // a signalling NaN
    const b = batchOf(new Float64(), new Float64Array(bits.buffer));
    const out = gatherColumn([b], 'c', new Float64(), { count: 1, batchOf: Int32Array.of(0), rowOf: Int32Array.of(0) });
    expect(Array.from(new Uint8Array(out.values.buffer, out.values.byteOffset, 8))).toEqual(Array.from(bits));
  });
});
