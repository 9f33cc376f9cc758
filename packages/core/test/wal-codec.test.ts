import {
  Float64, Int32, Int64, Schema, Field, Timestamp, TimeUnit, Utf8, Table, makeData, makeVector, tableToIPC, vectorFromArray, type RecordBatch, type Vector,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { CorruptEntryError } from '../src/errors.js';
import { decodeWalEntry, encodeWalEntry, type WalEntry } from '../src/format/wal-codec.js';
import { writeParquetFile } from '../src/format/parquet-codec.js';

const PATH = 'shards/3/wal/00000000000000000042.arrow';

function batchOf(cols: Record<string, Vector>): RecordBatch {
  return new Table(cols).batches[0];
}

const users = batchOf({
  id: vectorFromArray([1, 2, 3], new Int32()),
  name: vectorFromArray(['ann', null, 'c\u0000d'], new Utf8()),
  score: vectorFromArray([1.5, null, -0], new Float64()),
});
const userDeletes = batchOf({ id: vectorFromArray([2, 9], new Int32()) });
const events = batchOf({
  k: vectorFromArray(['x', 'y'], new Utf8()),
  v: makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) })),
  at: vectorFromArray([0, 1_700_000_000_000], new Timestamp(TimeUnit.MILLISECOND, 'UTC')),
});

const dataEntry: WalEntry = {
  kind: 'data', shard: 3, epoch: 7, records: [
    { generation: 11, batchIndex: 0, op: 'put', batch: users },
    { generation: 11, batchIndex: 1, op: 'delete', batch: userDeletes },
    { generation: 12, batchIndex: 0, op: 'put', batch: events },
    { generation: 12, batchIndex: 1, op: 'put', batch: users.slice(1, 3) },
  ],
};

function rows(b: RecordBatch): unknown[] {
  return JSON.parse(JSON.stringify(b.toArray(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : v)));
}

function fieldsOf(s: Schema) {
  return s.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
}

function assertSameEntry(got: WalEntry, want: WalEntry): void {
  expect({ kind: got.kind, shard: got.shard, epoch: got.epoch }).toEqual({ kind: want.kind, shard: want.shard, epoch: want.epoch });
  expect(got.records.length).toBe(want.records.length);
  got.records.forEach((r, i) => {
    const w = want.records[i];
    expect({ generation: r.generation, batchIndex: r.batchIndex, op: r.op }).toEqual({ generation: w.generation, batchIndex: w.batchIndex, op: w.op });
    expect(r.batch.numRows).toBe(w.batch.numRows);
    expect(fieldsOf(r.batch.schema)).toEqual(fieldsOf(w.batch.schema));
    expect(rows(r.batch)).toEqual(rows(w.batch));
  });
}

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectCorrupt(bytes: Uint8Array): CorruptEntryError {
  const e = captureError(() => decodeWalEntry(bytes, PATH));
  expect(e).toBeInstanceOf(CorruptEntryError);
  expect((e as CorruptEntryError).code).toBe('CORRUPT_ENTRY');
  expect((e as CorruptEntryError).context.path).toBe(PATH);
  expect((e as CorruptEntryError).message).toContain(PATH);
  return e as CorruptEntryError;
}

/** Rewrites the trailing CRC so a deliberately malformed body passes the checksum. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

const encoded = encodeWalEntry(dataEntry);

describe('round trip', () => {
  it('data entry: several records, puts and deletes, different schemas, a sliced batch', () => {
    expect(Array.from(encoded.subarray(0, 4))).toEqual([0x46, 0x54, 0x57, 0x31]); // "FTW1"
    const back = decodeWalEntry(encoded, PATH);
    assertSameEntry(back, dataEntry);
    expect(rows(back.records[3].batch)).toEqual(rows(users).slice(1, 3));
    expect(back.records[0].batch.getChild('name')!.nullCount).toBe(1);
  });

  it('fence entry (no records)', () => {
    const fence: WalEntry = { kind: 'fence', shard: 0, epoch: 12, records: [] };
    const back = decodeWalEntry(encodeWalEntry(fence), PATH);
    expect(back).toEqual(fence);
  });

  it('an entry read from inside a larger buffer (non-zero byteOffset)', () => {
    const big = new Uint8Array(encoded.length + 13);
    big.set(encoded, 5);
    assertSameEntry(decodeWalEntry(big.subarray(5, 5 + encoded.length), PATH), dataEntry);
  });

  it('an empty batch round-trips', () => {
    const empty = users.slice(0, 0);
    const back = decodeWalEntry(encodeWalEntry({ kind: 'data', shard: 1, epoch: 1, records: [{ generation: 1, batchIndex: 0, op: 'put', batch: empty }] }), PATH);
    expect(back.records[0].batch.numRows).toBe(0);
    expect(fieldsOf(back.records[0].batch.schema)).toEqual(fieldsOf(users.schema));
  });

  it('random entries round-trip', () => {
    const record = fc.record({
      generation: fc.nat(1e9),
      batchIndex: fc.nat(1e6),
      op: fc.constantFrom('put' as const, 'delete' as const),
      ids: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 20 }),
    });
    fc.assert(fc.property(fc.nat(4095), fc.nat(1e9), fc.array(record, { maxLength: 5 }), (shard, epoch, recs) => {
      const entry: WalEntry = {
        kind: 'data', shard, epoch,
        records: recs.map((r) => ({ generation: r.generation, batchIndex: r.batchIndex, op: r.op, batch: batchOf({ id: vectorFromArray(r.ids, new Int32()) }) })),
      };
      assertSameEntry(decodeWalEntry(encodeWalEntry(entry), PATH), entry);
    }), { seed: 3601, numRuns: 60 });
  });
});

describe('damage is a CorruptEntryError', () => {
  it('flipping any single byte (every position, fast-check over the mask)', () => {
    fc.assert(fc.property(fc.nat(encoded.length - 1), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
      const bad = encoded.slice();
      bad[pos] ^= mask;
      expectCorrupt(bad);
    }), { seed: 3602, numRuns: 400 });
    for (let pos = 0; pos < encoded.length; pos++) {
      const bad = encoded.slice();
      bad[pos] ^= 0x01;
      expectCorrupt(bad);
    }
  });

  it('truncation at any length', () => {
    for (let len = 0; len < encoded.length; len++) expectCorrupt(encoded.slice(0, len));
  });

  it('a torn fence entry', () => {
    const fence = encodeWalEntry({ kind: 'fence', shard: 0, epoch: 1, records: [] });
    for (let len = 0; len < fence.length; len++) expectCorrupt(fence.slice(0, len));
  });

  it('not a WAL entry at all', () => {
    expect(expectCorrupt(new Uint8Array(0)).message).toMatch(/not a freshtier WAL entry/);
    expectCorrupt(new TextEncoder().encode('{"v":1,"kind":"data","shard":0,"epoch":0,"records":[]}'));
    expectCorrupt(tableToIPC(new Table({ id: vectorFromArray([1], new Int32()) }), 'stream')); // Arrow IPC, no envelope
    expectCorrupt(writeParquetFile([users]));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void expectCorrupt(bytes)), { seed: 3603, numRuns: 100 });
  });

  it('a well-checksummed entry whose header is not valid JSON or not a valid header', () => {
    const headerLen = new DataView(encoded.buffer).getUint32(4, true);
    const badJson = encoded.slice();
    badJson[8] = 0x7b + 1; // "{" -> "|"
    expect(expectCorrupt(reseal(badJson)).message).toMatch(/unreadable header/);
    // same length header with an op the schema rejects
    const header = new TextDecoder().decode(encoded.subarray(8, 8 + headerLen));
    const swapped = header.replace('"op":"put"', '"op":"pot"');
    expect(swapped).not.toBe(header);
    const badOp = encoded.slice();
    badOp.set(new TextEncoder().encode(swapped), 8);
    expect(expectCorrupt(reseal(badOp)).message).toMatch(/unreadable header/);
  });

  it('a well-checksummed entry whose lengths point past the end', () => {
    const past = encoded.slice();
    new DataView(past.buffer).setUint32(4, encoded.length, true); // header length past the end
    expect(expectCorrupt(reseal(past)).message).toMatch(/header length past the end/);
    const headerLen = new DataView(encoded.buffer).getUint32(4, true);
    const header = new TextDecoder().decode(encoded.subarray(8, 8 + headerLen));
    const all = [...header.matchAll(/"byteLength":(\d+)/g)];
    const m = all[all.length - 1]; // the last record: a longer length must run past the end
    const longer = header.slice(0, m.index) + `"byteLength":${'9'.repeat(m[1].length)}` + header.slice(m.index! + m[0].length);
    const badLen = encoded.slice();
    badLen.set(new TextEncoder().encode(longer), 8);
    expect(expectCorrupt(reseal(badLen)).message).toMatch(/record length past the end/);
  });

  it('a well-checksummed entry whose record bytes are not Arrow', () => {
    const headerLen = new DataView(encoded.buffer).getUint32(4, true);
    const bad = encoded.slice();
    bad.fill(0x41, 8 + headerLen, 8 + headerLen + 64);
    const e = expectCorrupt(reseal(bad));
    expect(e.message).toMatch(/unreadable Arrow record/);
    expect(e.cause).toBeDefined();
  });
});
