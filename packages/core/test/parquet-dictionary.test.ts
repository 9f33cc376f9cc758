/**
 * Columns whose sampled values are all distinct are written without a dictionary
 * (it only costs time and bytes there); repetitive columns keep it; values read
 * back the same either way.
 */
import { Dictionary, Int32, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFile, writeParquetFile } from '../src/format/parquet-codec.js';
import { uniqueColumns } from '../src/format/parquet-dictionary.js';

function table(n: number) {
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i * 7)), new Int64()),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => `user-${i}`), new Utf8()),
    status: vectorFromArray(Array.from({ length: n }, (_, i) => ['new', 'open', 'done'][i % 3]), new Utf8()),
    bucket: vectorFromArray(Array.from({ length: n }, (_, i) => i % 500), new Int32()),
    tag: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')), new Dictionary(new Utf8(), new Int32())),
  });
}

describe('uniqueColumns', () => {
  it('names the all-distinct columns, not the repetitive or dictionary ones', () => {
    expect(uniqueColumns(table(5_000).batches, 65_536)).toEqual(['id', 'name']);
  });

  it('samples the first row group only, and skips tiny inputs', () => {
    expect(uniqueColumns(table(5_000).batches, 400)).toEqual(['id', 'name', 'bucket']); // 400 rows: bucket does not repeat yet
    expect(uniqueColumns(table(100).batches, 65_536)).toEqual([]);
    expect(uniqueColumns([], 65_536)).toEqual([]);
  });

  it('files read back the same values, plain and dictionary-encoded columns alike', () => {
    const t = table(20_000);
    const bytes = writeParquetFile(t, { rowGroupSize: 8_192 });
    const back = readParquetFile(bytes, 'f');
    expect(back.numRows).toBe(20_000);
    for (const name of ['id', 'name', 'status', 'bucket', 'tag']) {
      expect(Array.from(back.getChild(name)!)).toEqual(Array.from(t.getChild(name)!));
    }
  });
});
