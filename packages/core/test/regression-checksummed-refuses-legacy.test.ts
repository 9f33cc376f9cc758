/**
 * Regression (issue 12): in a table created with checksums (`_table.json` says
 * `checksums: true`), every key index is an `FTK2` frame and every data-file entry
 * records a checksum. A key index in the legacy `FTKZ` framing or a bare IPC stream,
 * and a data-file entry without a checksum, were still read unchecked there, so damage
 * that turned one into the other (or a swapped object) went unnoticed. They are now
 * `CorruptEntryError`; tables created before checksums keep reading them.
 */
import { Field, Int32, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileReader, Memtable, MemoryStore, Table, crc32, decodeKeyIndex, emptyStats, encodeGeneration, encodeKeyIndex, encodeKeys, type DataFile } from '../src/index.js';
import { encodeKeyIndexFtk2 } from '../src/format/key-index.js';
import { unframeKeyIndex } from '../src/format/key-index-frame.js';

const schema = new Schema([new Field('id', new Int32(), false)]);
const PATH = 'shards/0/gen-1-e1-ab/data.parquet';

function generation() {
  const b = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [vectorFromArray([3, 1, 2], new Int32()).data[0]] }));
  const m = new Memtable(0, 1, true);
  m.append(b, 'put', encodeKeys(b, ['id']), 0);
  return encodeGeneration(m, schema, 1, { rowGroupSize: 2 });
}

/** The same index without a checksum: "FTKZ" + brotli(IPC), as tables before issue 12 wrote it. */
function legacy(framed: Uint8Array): Uint8Array {
  const ipc = unframeKeyIndex(framed, 'x');
  return new Uint8Array([0x46, 0x54, 0x4b, 0x5a, ...brotliCompressSync(ipc)]);
}

async function tableWith(checksums: boolean): Promise<Table> {
  const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
  return checksums ? table : Object.assign(Object.create(Object.getPrototypeOf(table)), table, { doc: { ...table.doc, checksums: undefined } });
}

describe('a checksummed table refuses objects without checksums', () => {
  it('key index: FTKZ and bare IPC are CorruptEntryError when checksummed, read when legacy', () => {
    const framed = encodeKeyIndexFtk2(generation().keyIndex!);
    const bare = unframeKeyIndex(framed, 'x');
    for (const old of [legacy(framed), bare]) {
      expect(() => decodeKeyIndex(old, 'k', true)).toThrow(/without a checksum frame \(FTK2 or FTK3\)/);
      expect(decodeKeyIndex(old, 'k', false).count).toBe(3);
    }
    expect(decodeKeyIndex(framed, 'k', true).count).toBe(3);
    expect(decodeKeyIndex(encodeKeyIndex(generation().keyIndex!), 'k', true).count).toBe(3); // FTK3, blocked
  });

  it('data file: an entry without a checksum is CorruptEntryError when checksummed, read when legacy', async () => {
    const g = generation();
    for (const checksums of [true, false]) {
      const table = await tableWith(checksums);
      await table.store.put(PATH, g.parquet);
      const entry: DataFile = { path: PATH, rows: g.rows, bytes: g.parquet.byteLength, rowGroupSize: 2 };
      const read = new FileReader(table, emptyStats(), 0).dataFile(entry);
      if (checksums) await expect(read).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', message: expect.stringMatching(/records no checksum/) });
      else expect(await read).toEqual(g.parquet);
      expect(await new FileReader(table, emptyStats(), 0).dataFile({ ...entry, checksum: crc32(g.parquet) })).toEqual(g.parquet);
    }
  });
});
