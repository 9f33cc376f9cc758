/**
 * Regression: a WAL entry's CRC proves only that its bytes are the ones its writer sealed,
 * not that they are a sound entry (a writer can seal bytes damaged in its own memory, and
 * anyone can reseal). `decodeWalEntry` trusted what the checksum covered:
 * - each record went straight to apache-arrow's `tableFromIPC`, which trusts the lengths
 *   in a stream: one changed byte of a record's schema message (a vector length grown to
 *   2^26) made it allocate until the heap was exhausted — a process abort, not a
 *   `CorruptEntryError`. Each record's schema message is now bounds-checked first, by core's
 *   check for a stream of a schema not known beforehand;
 * - bytes after the last record the header names were ignored;
 * - a fence carrying records was accepted, rows that no replay rule accounts for.
 * Each is now a `CorruptEntryError` naming the entry.
 */
import { Int64, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { crc32 } from '../src/format/crc32.js';
import { decodeCheckedBatchOfAnySchema } from '../src/format/ipc-bounds.js';
import { decodeWalEntry, encodeWalEntry } from '../src/format/wal-codec.js';

const PATH = 'shards/0/wal/00000000000000000036.ftw';

const batch = new Table({
  id: makeVector(makeData({ type: new Int64(), length: 3, data: BigInt64Array.of(1n, 2n, 3n) })),
  s: vectorFromArray(['a', 'b', null], new Utf8()),
}).batches[0];

const entry = encodeWalEntry({ kind: 'data', shard: 0, epoch: 1, records: [{ generation: 0, batchIndex: 0, op: 'put', batch }] });
const headerLength = new DataView(entry.buffer, entry.byteOffset).getUint32(4, true);
const header = JSON.parse(new TextDecoder().decode(entry.subarray(8, 8 + headerLength))) as Record<string, unknown>;
const body = entry.subarray(8 + headerLength, entry.length - 4);

/** An entry of `h` and `b`, sealed with a valid CRC as a writer would seal what it was given. */
function sealed(h: unknown, b: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + b.length + 4);
  const dv = new DataView(out.buffer);
  out.set([0x46, 0x54, 0x57, 0x31]);
  dv.setUint32(4, json.length, true);
  out.set(json, 8);
  out.set(b, 8 + json.length);
  dv.setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

function expectCorrupt(bytes: Uint8Array, detail: RegExp): void {
  let error: unknown;
  try {
    decodeWalEntry(bytes, PATH);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CorruptEntryError);
  expect((error as CorruptEntryError).context).toMatchObject({ path: PATH, detail: expect.stringMatching(detail) });
}

describe('regression: a sealed WAL entry is still checked before use', () => {
  it('a record whose schema message declares a huge vector is refused, not decoded until the heap is gone', () => {
    const damaged = body.slice();
    damaged[80] ^= 0x01; // a vector length of the record's schema message: 0 becomes 2^26
    // core's checked decoder (independent of the WAL codec) confirms what the byte became
    expect(() => decodeCheckedBatchOfAnySchema(damaged, PATH)).toThrow(/declares 67108864 entries that do not fit/);
    // decoded in a child with a small heap: the unchecked decode aborts it instead of answering
    const child = `
      const { decodeWalEntry } = await import('@freshtier/core');
      const chunks = [];
      for await (const c of process.stdin) chunks.push(c);
      try { decodeWalEntry(new Uint8Array(Buffer.concat(chunks)), ${JSON.stringify(PATH)}); console.log('accepted'); }
      catch (e) { console.log(e.code ?? e.name); }`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', '--conditions=freshtier-src', '--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: new URL('..', import.meta.url), input: sealed(header, damaged), encoding: 'utf8', timeout: 60_000,
    });
    expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: 'CORRUPT_ENTRY' });
  });

  it('bytes after the last record are refused', () => {
    expect(decodeWalEntry(sealed(header, body), PATH).records).toHaveLength(1); // the same entry, resealed, still decodes
    expectCorrupt(sealed(header, new Uint8Array([...body, 7, 7, 7])), /3 byte\(s\) after the last record/);
  });

  it('a fence carrying records is refused', () => {
    expectCorrupt(sealed({ ...header, kind: 'fence' }, body), /fence entry carries 1 record/);
  });
});
