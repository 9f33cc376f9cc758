/**
 * encodeWalEntry writes each record's Arrow IPC stream chunk by chunk into the entry:
 * the bytes must be exactly `tableToIPC(new Table([batch]), 'stream')` — the format
 * replay and older entries rely on — for flat, nested, dictionary, sliced and empty-schema batches.
 */
import { Bool, Dictionary, Field, Int32, Int64, List, Table, Utf8, tableToIPC, vectorFromArray, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWalEntry, encodeWalEntry } from '../src/format/wal-codec.js';

/** The entry layout: "FTW1", u32 header length, header, bodies, u32 CRC. */
function bodies(entry: Uint8Array): Uint8Array[] {
  const dv = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const headerLength = dv.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(entry.subarray(8, 8 + headerLength))) as { records: { byteLength: number }[] };
  let p = 8 + headerLength;
  return header.records.map((r) => entry.subarray(p, (p += r.byteLength)));
}

const row = fc.record({
  id: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  s: fc.option(fc.string({ maxLength: 5 }), { nil: null }),
  b: fc.option(fc.boolean(), { nil: null }),
  l: fc.option(fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 3 }), { nil: null }),
  d: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
});

function batchOf(rows: { id: bigint; s: string | null; b: boolean | null; l: number[] | null; d: string | null }[]): RecordBatch {
  const t = new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Int64()),
    s: vectorFromArray(rows.map((r) => r.s), new Utf8()),
    b: vectorFromArray(rows.map((r) => r.b), new Bool()),
    l: vectorFromArray(rows.map((r) => r.l), new List(new Field('item', new Int32(), true))),
    d: vectorFromArray(rows.map((r) => r.d), new Dictionary(new Utf8(), new Int32())),
  });
  return t.batches[0];
}

const rowsJson = (b: RecordBatch) => b.toArray().map((x) => JSON.stringify(x.toJSON(), (_, v) => (typeof v === 'bigint' ? String(v) : v)));

describe('encodeWalEntry record bodies', () => {
  it('are the bytes tableToIPC gives, and decode back', () => {
    fc.assert(fc.property(fc.array(fc.array(row, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), fc.nat(3), (batches, cut) => {
      const records = batches.map((rows, i) => {
        const full = batchOf(rows);
        const batch = i % 2 === 1 && full.numRows > 1 ? full.slice(Math.min(cut, full.numRows - 1)) : full;
        return { generation: 3, batchIndex: i, op: 'put' as const, batch };
      });
      const entry = encodeWalEntry({ kind: 'data', shard: 1, epoch: 2, records });
      bodies(entry).forEach((body, i) => expect(Buffer.from(body).equals(Buffer.from(tableToIPC(new Table([records[i].batch]), 'stream')))).toBe(true));
      const back = decodeWalEntry(entry, 'e');
      back.records.forEach((r, i) => expect(rowsJson(r.batch)).toEqual(rowsJson(records[i].batch)));
    }), { seed: 4301, numRuns: 60 });
  });

  it('a fence entry (no records) is unchanged', () => {
    const entry = encodeWalEntry({ kind: 'fence', shard: 0, epoch: 9, records: [] });
    expect(decodeWalEntry(entry, 'f')).toEqual({ kind: 'fence', shard: 0, epoch: 9, records: [] });
  });
});
