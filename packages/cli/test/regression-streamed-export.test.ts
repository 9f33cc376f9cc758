/**
 * Regression: `scan --format parquet` gathered the whole result before writing
 * (1,000,000 rows: 445 MB). Parquet and Arrow IPC output are now written as batches
 * arrive — Parquet a row group at a time, the footer last — so the first bytes leave
 * before the scan has produced its last batch, and memory stays bounded by a row group.
 * `--format arrow` (an Arrow IPC stream) is new; both formats round-trip exactly,
 * including int64 beyond 2^53 and nulls, and both are refused on a terminal.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetFile } from '@freshtier/core';
import { DateMillisecond, Field, Int64, RecordBatch, RecordBatchReader, Schema, Struct, TimestampSecond, Utf8, makeData, tableFromIPC, vectorFromArray, type Table as ArrowTable } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRows, type OutputFormat } from '../src/output.js';
import { run, tempDir, write } from './support.js';
import { initTable, jsonLines } from './text-support.js';

const dir = tempDir('freshtier-export-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCHEMA = new Schema([new Field('id', new Int64(), false), new Field('s', new Utf8(), true)]);

function batch(from: number, rows: number): RecordBatch {
  const ids = Array.from({ length: rows }, (_, i) => BigInt(from + i) * 1_000_003n);
  const s = ids.map((id, i) => (i % 7 === 0 ? null : `row ${id}`));
  const children = [vectorFromArray(ids, new Int64()).data[0], vectorFromArray(s, new Utf8()).data[0]];
  return new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: rows, nullCount: 0, children }));
}

/** `count` batches of `rows` rows, recording how many were pulled when each output chunk was written. */
function probe(count: number, rows: number) {
  let pulled = 0;
  const pulledAtWrite: number[] = [];
  const chunks: Uint8Array[] = [];
  async function* batches() {
    for (let k = 0; k < count; k++) {
      pulled++;
      yield batch(k * rows, rows);
    }
  }
  const sink = { write: (c: string | Uint8Array) => (chunks.push(typeof c === 'string' ? Buffer.from(c) : c), pulledAtWrite.push(pulled), true) };
  return { batches, sink, pulledAtWrite, bytes: () => Buffer.concat(chunks) };
}

const readBack: Record<'parquet' | 'arrow', (b: Uint8Array) => ArrowTable> = {
  parquet: (b) => readParquetFile(b, 'out.parquet'),
  arrow: (b) => tableFromIPC(b),
};

describe.each(['parquet', 'arrow'] as const)('--format %s is streamed', (format) => {
  it('the first bytes are written before the last batch is read (bounded memory)', async () => {
    const p = probe(12, 40_000); // 480,000 rows: 7+ Parquet row groups of 65,536
    const rows = await writeRows(p.batches(), SCHEMA, format as OutputFormat, p.sink);
    expect(rows).toBe(480_000);
    // the first row group (65,536 rows) needs 2 batches of 40,000: written after at most 3 were read
    expect(p.pulledAtWrite[0]).toBeLessThanOrEqual(3);
    // and output kept coming while the input was read, not all at the end
    expect(new Set(p.pulledAtWrite).size).toBeGreaterThan(4);
    const table = readBack[format](p.bytes());
    expect(table.numRows).toBe(480_000);
    expect(table.getChild('id')!.get(479_999)).toBe(479_999n * 1_000_003n);
  });

  it('property (seeded): any batch sizes round-trip exactly, including none', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 6 }), async (sizes) => {
      const chunks: Uint8Array[] = [];
      let from = 0;
      const batches = sizes.map((n) => batch((from += n) - n, n));
      async function* gen() { yield* batches; }
      const rows = await writeRows(gen(), SCHEMA, format as OutputFormat, { write: (c) => chunks.push(c as Uint8Array) });
      const table = readBack[format](Buffer.concat(chunks));
      expect(rows).toBe(from);
      expect(table.numRows).toBe(from);
      expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 's']);
      const want = batches.flatMap((b) => b.toArray().map((r) => [r.id, r.s]));
      expect(table.toArray().map((r) => [r.id, r.s])).toEqual(want);
    }), { seed: 15, numRuns: 40 });
  });
});

describe('streamed Parquet keeps the logical types of writeParquetFile', () => {
  const schema = new Schema([new Field('d', new DateMillisecond(), true), new Field('t', new TimestampSecond('UTC'), true)]);
  const day = 86_400_000n;
  const batchOf = (days: bigint[], extraMs = 0n) => new RecordBatch(schema, makeData({
    type: new Struct(schema.fields), length: days.length, nullCount: 0,
    children: [
      makeData({ type: new DateMillisecond(), length: days.length, data: BigInt64Array.from(days.map((d) => d * day + extraMs)) }),
      makeData({ type: new TimestampSecond('UTC'), length: days.length, data: BigInt64Array.from(days.map((d) => d * 86_400n + 7n)) }),
    ],
  }));
  async function* gen(...batches: RecordBatch[]) { yield* batches; }

  it('date64 and timestamp[s] read back as themselves, exactly', async () => {
    const chunks: Uint8Array[] = [];
    await writeRows(gen(batchOf([0n, 19_782n]), batchOf([-1n])), schema, 'parquet', { write: (c) => chunks.push(c as Uint8Array) });
    const back = readParquetFile(Buffer.concat(chunks), 'x.parquet');
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(schema.fields.map((f) => String(f.type)));
    expect(back.getChild('t')!.toArray()).toEqual(BigInt64Array.from([7n, 19_782n * 86_400n + 7n, -86_400n + 7n]));
  });

  it('a later date64 that is not a midnight is refused, not rounded', async () => {
    const out = writeRows(gen(batchOf([1n]), batchOf([2n], 5n)), schema, 'parquet', { write: () => true });
    await expect(out).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/Column "d" has a value .*cannot hold exactly/) });
  });
});

describe('scan --format arrow and parquet through the CLI', () => {
  it('arrow: an IPC stream with exact int64, readable by apache-arrow and by `freshtier append`', async () => {
    const uri = await initTable(dir, 'src', [['id', 'int64'], ['s', 'utf8']], ['id']);
    const ids = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 7n];
    expect((await run(['append', uri, write(dir, 'rows.jsonl', jsonLines(ids.map((id) => ({ id, s: id === 7n ? null : `v${id}` }))))])).code).toBe(0);
    const r = await run(['scan', uri, '--format', 'arrow']);
    expect(r.code).toBe(0);
    const batches = [...RecordBatchReader.from(r.bytes)];
    expect(batches.flatMap((b) => b.toArray().map((x) => x.id)).sort()).toEqual([...ids].sort());
    const copy = await initTable(dir, 'copy', [['id', 'int64'], ['s', 'utf8']], ['id']);
    expect((await run(['append', copy, write(dir, 'out.arrows', r.bytes)])).code).toBe(0);
    expect((await run(['scan', copy, '--format', 'jsonl'])).stdout.split('\n').sort()).toEqual((await run(['scan', uri, '--format', 'jsonl'])).stdout.split('\n').sort());
  });

  it.each(['parquet', 'arrow', 'csv'])('%s: a scan that fails part way leaves no partial --out file', async (format) => {
    const uri = await initTable(dir, `damaged-${format}`, [['id', 'int64'], ['s', 'utf8']], ['id']);
    for (const k of [0, 1]) expect((await run(['append', uri, write(dir, `part-${k}.jsonl`, jsonLines([{ id: BigInt(k), s: 'x' }]))])).code).toBe(0);
    const gen = readdirSync(join(uri, 'shards', '0')).filter((d) => d.startsWith('gen-')).sort()[1];
    const file = join(uri, 'shards', '0', gen, 'data.parquet');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const out = join(dir, `out-${format}.bin`);
    const r = await run(['scan', uri, '--format', format, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CORRUPT|Corrupt/);
    expect(existsSync(out)).toBe(false);
  });

  it.each(['arrow', 'parquet'])('%s: refused on a terminal without --out', async (format) => {
    const { main } = await import('../src/index.js');
    const err: string[] = [];
    const code = await main(['scan', join(dir, 'src'), '--format', format], { stdout: { write: () => true, isTTY: true }, stderr: { write: (s) => err.push(String(s)) } });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/refusing to write binary .* to a terminal/);
  });
});
