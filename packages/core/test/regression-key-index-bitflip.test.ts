/**
 * Issue 12 (DESIGN.md invariant 13, "Checked bytes"): a flipped byte in a key index must never decode as a different index. The
 * `FTK2` frame's CRC-32 is checked before brotli runs, so every flip of a current file is a
 * CorruptEntryError; legacy `FTKZ` files and bare IPC streams (no checksum) must at least
 * decode to a CorruptEntryError or an index, never an untyped error or a heap abort.
 */
import { Field, Float64, Int32, RecordBatch, Schema, Struct, Utf8, makeData, tableToIPC, vectorFromArray, Table, Binary, Uint32, Bool } from 'apache-arrow';
import fc from 'fast-check';
import { brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { encodeGeneration } from '../src/format/generation-file.js';
import { decodeKeyIndex, encodeKeyIndex, type KeyIndex } from '../src/format/key-index.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeKeys, keyToHex } from '../src/keys/pk-encoding.js';

const PATH = 'shards/0/gen-00000000000000000003-abcd/data.keys.arrow';
const schema = new Schema([new Field('id', new Int32(), false), new Field('name', new Utf8(), true), new Field('score', new Float64(), false)]);
const keySchema = new Schema([schema.fields[0]]);

function batchOf(s: Schema, cols: Record<string, unknown[]>): RecordBatch {
  const n = Object.values(cols)[0].length;
  const children = s.fields.map((f) => vectorFromArray(cols[f.name] as never, f.type as never).data[0]);
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: n, nullCount: 0, children }));
}

/** The key index of a real flushed generation: 300 keys over 6 batches of puts and deletes. */
function realIndex(): KeyIndex {
  const m = new Memtable(0, 5, true);
  for (let bi = 0; bi < 6; bi++) {
    const ids = Array.from({ length: 60 }, (_, i) => (i * 7 + bi * 50) % 300);
    const b = bi % 3 === 2 ? batchOf(keySchema, { id: ids }) : batchOf(schema, { id: ids, name: ids.map((i) => `n${i}`), score: ids.map((i) => i / 3) });
    m.append(b, bi % 3 === 2 ? 'delete' : 'put', encodeKeys(b, ['id']), 100 + bi);
  }
  return encodeGeneration(m, schema, 6).keyIndex!;
}

const plain = (ix: KeyIndex) => ({
  count: ix.count,
  keys: Array.from({ length: ix.count }, (_, i) => keyToHex(ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1]))),
  rows: Array.from(ix.rows), firstBatch: Array.from(ix.firstBatch), tombstone: Array.from(ix.tombstone),
});

type Outcome = 'same' | 'corrupt' | 'different' | 'untyped';

function decodeFlipped(stored: Uint8Array, offset: number, mask: number, want: ReturnType<typeof plain>): Outcome {
  const bytes = stored.slice();
  bytes[offset] ^= mask;
  try {
    return JSON.stringify(plain(decodeKeyIndex(bytes, PATH))) === JSON.stringify(want) ? 'same' : 'different';
  } catch (e) {
    return e instanceof CorruptEntryError && e.code === 'CORRUPT_ENTRY' && e.message.includes(PATH) ? 'corrupt' : 'untyped';
  }
}

/** `count` seeded (offset, non-zero mask) pairs over `length` bytes. */
const flips = (length: number, count: number, seed: number) =>
  fc.sample(fc.tuple(fc.nat(length - 1), fc.integer({ min: 1, max: 255 })), { seed, numRuns: count });

function tally(stored: Uint8Array, pairs: [number, number][], want: ReturnType<typeof plain>): Record<Outcome, number> {
  const out: Record<Outcome, number> = { same: 0, corrupt: 0, different: 0, untyped: 0 };
  for (const [o, m] of pairs) out[decodeFlipped(stored, o, m, want)]++;
  return out;
}

describe('key index bit flips', () => {
  const index = realIndex();
  const want = plain(index);
  const stored = encodeKeyIndex(index);

  it('a real generation index is written in the checksummed FTK3 (blocked) format and round-trips', () => {
    expect(index.count).toBe(300);
    expect(new TextDecoder().decode(stored.subarray(0, 4))).toBe('FTK3');
    expect(plain(decodeKeyIndex(stored, PATH))).toEqual(want);
  });

  it('every one of 400 seeded flips of an FTK3 file is a CorruptEntryError', () => {
    const t = tally(stored, flips(stored.length, 400, 1212), want);
    expect(t).toEqual({ same: 0, corrupt: 400, different: 0, untyped: 0 });
  });

  it('every single-bit flip of the 32-byte header and the first directory bytes is a CorruptEntryError', () => {
    const pairs: [number, number][] = [];
    for (let o = 0; o < 40; o++) for (let bit = 0; bit < 8; bit++) pairs.push([o, 1 << bit]);
    expect(tally(stored, pairs, want).corrupt).toBe(pairs.length);
  });

  it('random indexes: any single-byte flip is a CorruptEntryError (property)', () => {
    const entry = fc.record({ key: fc.uint8Array({ minLength: 1, maxLength: 10 }), row: fc.nat(0xffffffff), firstBatch: fc.integer({ min: -1, max: 99 }), tombstone: fc.boolean() });
    fc.assert(fc.property(fc.array(entry, { maxLength: 50 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (entries, at, mask) => {
      const ix = indexFrom(entries);
      const bytes = encodeKeyIndex(ix);
      expect(decodeFlipped(bytes, at % bytes.length, mask, plain(ix))).toBe('corrupt');
    }), { seed: 1213, numRuns: 300 });
  });

  it('legacy FTKZ files (no checksum) still decode, and flips never escape as untyped errors', () => {
    const legacy = legacyFile(index);
    expect(plain(decodeKeyIndex(legacy, PATH))).toEqual(want);
    expect(tally(legacy, flips(legacy.length, 400, 1214), want).untyped).toBe(0);
  });

  it('bare IPC streams: damaged lengths are bounded, never an untyped error', () => {
    const ipc = ipcOf(index);
    expect(plain(decodeKeyIndex(ipc, PATH))).toEqual(want);
    expect(tally(ipc, flips(ipc.length, 600, 1215), want).untyped).toBe(0);
    // a body length or row count raised to huge values must not allocate by it
    for (let o = 0; o < Math.min(ipc.length, 600); o++) for (const m of [0x7f, 0x80, 0xff]) expect(decodeFlipped(ipc, o, m, want)).not.toBe('untyped');
  });
});

function indexFrom(entries: { key: Uint8Array; row: number; firstBatch: number; tombstone: boolean }[]): KeyIndex {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const sorted = [...new Map(entries.map((e) => [hex(e.key), e])).values()].sort((a, b) => Buffer.compare(a.key, b.key));
  const keyOffsets = new Int32Array(sorted.length + 1);
  sorted.forEach((e, i) => (keyOffsets[i + 1] = keyOffsets[i] + e.key.length));
  const keyBytes = new Uint8Array(keyOffsets[sorted.length]);
  sorted.forEach((e, i) => keyBytes.set(e.key, keyOffsets[i]));
  return {
    count: sorted.length, keyBytes, keyOffsets, rows: Uint32Array.from(sorted, (e) => e.row),
    firstBatch: Int32Array.from(sorted, (e) => e.firstBatch), tombstone: Uint8Array.from(sorted, (e) => (e.tombstone ? 1 : 0)),
  };
}

/** The IPC stream encodeKeyIndex frames (rebuilt here: the test must not depend on the frame code). */
function ipcOf(ix: KeyIndex): Uint8Array {
  const s = new Schema([new Field('key', new Binary(), false), new Field('row', new Uint32(), false), new Field('firstBatch', new Int32(), false), new Field('tombstone', new Bool(), false)]);
  const children = [
    vectorFromArray(Array.from({ length: ix.count }, (_, i) => ix.keyBytes.slice(ix.keyOffsets[i], ix.keyOffsets[i + 1])), new Binary()).data[0],
    vectorFromArray(Array.from(ix.rows), new Uint32()).data[0],
    vectorFromArray(Array.from(ix.firstBatch), new Int32()).data[0],
    vectorFromArray(Array.from(ix.tombstone, (t) => t === 1), new Bool()).data[0],
  ];
  return tableToIPC(new Table([new RecordBatch(s, makeData({ type: new Struct(s.fields), length: ix.count, nullCount: 0, children }))]), 'stream');
}

/** A file as written before issue 12: "FTKZ" then the brotli body, no checksum. */
function legacyFile(ix: KeyIndex): Uint8Array {
  const body = brotliCompressSync(ipcOf(ix));
  return new Uint8Array([0x46, 0x54, 0x4b, 0x5a, ...body]);
}
