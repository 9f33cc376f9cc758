/**
 * Smoke test of the benchmark harness: the parquet-wasm adapter's workloads at `--quick`
 * sizes, in this process (LanceDB, DuckDB and SlateDB stay out: the test suite must not need
 * bench/peers installed), plus the data generator, argument parsing, the latency store and
 * report writers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@freshtier/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ROW_BYTES, arrowBytes, batchStream, collect, lookupKeys, producerSpecs } from '../src/data.js';
import { runInProcess, type Measured } from '../src/execute.js';
import { LatencyStore, parseStoreLatency } from '../src/latency-store.js';
import { freshtierAdapter, freshtierLatencyAdapter } from '../src/peers/freshtier.js';
import { percentile } from '../src/peers/freshtier-stream.js';
import { parquetWasmAdapter } from '../src/peers/parquet-wasm.js';
import { encodeKey, encodeValue } from '../src/peers/slatedb.js';
import { DEFAULT_SIZES, QUICK_SIZES, SkipError, WORKLOADS, type WorkloadId } from '../src/peers/types.js';
import { addRatios, formatTable, machineInfo, ratioText, toRow, toRows, workloadTitles, writeReport, type Report } from '../src/report.js';
import { parseRunArgs } from '../src/run.js';

const scratch = mkdtempSync(join(tmpdir(), 'freshtier-bench-smoke-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Checks an SVG is one well-formed element tree: every opened tag closed, in order. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
}

describe('data generator', () => {
  it('is deterministic, keeps keys distinct per batch and rewrites 10% of earlier keys', () => {
    const a = collect({ rows: 5_000, seed: 3 });
    const b = collect({ rows: 5_000, seed: 3 });
    expect(a.map((x) => [...x.getChild('id')!])).toEqual(b.map((x) => [...x.getChild('id')!]));
    const seen = new Set<bigint>();
    a.forEach((batch, i) => {
      const ids = [...batch.getChild('id')!.toArray()] as bigint[];
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => seen.has(id)).length).toBe(i === 0 ? 0 : 100);
      ids.forEach((id) => seen.add(id));
    });
    expect(arrowBytes(a)).toBe(5_000 * ROW_BYTES + 5 * 4); // one extra label offset per batch
  });

  it('gives producers disjoint keys and lookups half present', () => {
    const [p0, p1] = producerSpecs({ ...QUICK_SIZES, producers: 2 }, 'upsert').map((s) => new Set(collect(s).flatMap((b) => [...b.getChild('id')!])));
    expect([...p0].some((k) => p1.has(k))).toBe(false);
    const keys = lookupKeys(100, 1_000);
    expect(new Set(keys).size).toBe(100);
    expect(keys.filter((k) => k < 1_000n).length).toBe(50);
    expect([...batchStream({ rows: 2_500 })].map((x) => x.numRows)).toEqual([1_000, 1_000, 500]);
  });
});

describe('parquet-wasm adapter at --quick sizes', () => {
  const measured: Partial<Record<WorkloadId, Measured>> = {};
  const implemented = WORKLOADS.filter((w) => parquetWasmAdapter.workloads[w]);

  it.each(implemented)('%s', async (workload) => {
    const dir = mkdtempSync(join(scratch, `${workload}-`));
    const m = await runInProcess(parquetWasmAdapter, workload, { dir, sizes: QUICK_SIZES, log: () => {} });
    expect(m.rows).toBeGreaterThan(0);
    expect(m.bytes).toBeGreaterThanOrEqual(m.rows * 20);
    expect(m.seconds).toBeGreaterThan(0);
    expect(m.peakRssMiB).toBeGreaterThan(10);
    expect(m.isolated).toBe(false);
    expect(typeof m.notes).toBe('string');
    measured[workload] = m;
  });

  it('reports them as a table, JSON and a well-formed SVG of the ratios', () => {
    expect(implemented).toEqual(['upsert', 'append', 'scan', 'compaction']);
    const versions = QUICK_SIZES.tableRows + 9 * (QUICK_SIZES.tableRows / 20); // every version, no dedup
    expect(measured.scan!.rows).toBe(versions);
    expect(measured.scan!.also?.scanWarm?.rows).toBe(versions); // the warm read, same process
    expect(measured.scan!.notes).toMatch(/^cold:/);
    // A freshtier row at twice parquet-wasm's speed, a latency variant at half of it.
    const ft = (w: WorkloadId, f: number) => toRow(w, 'freshtier', { ...measured[w]!, seconds: measured[w]!.seconds / f });
    const rows = addRatios([
      ft('upsert', 2), toRow('upsert', 'freshtier-latency', { ...measured.upsert!, seconds: measured.upsert!.seconds }),
      ...implemented.flatMap((w) => toRows(w, 'parquet-wasm', measured[w]!)),
      toRow('replay', 'duckdb', new Error('boom\nstack')),
      toRow('upsert', 'slatedb', new SkipError('no build for this platform')),
    ]);
    expect(rows.map((r) => [r.workload, r.system, r.ratio])).toEqual([
      ['upsert', 'freshtier', null], ['upsert', 'freshtier-latency', 0.5],
      ['upsert', 'parquet-wasm', 2], ['append', 'parquet-wasm', null], ['scan', 'parquet-wasm', null], ['scanWarm', 'parquet-wasm', null], ['compaction', 'parquet-wasm', null],
      ['replay', 'duckdb', null], ['upsert', 'slatedb', null],
    ]);
    expect(ratioText(rows[1])).toBe('0.5x of local');
    expect(rows[8]).toMatchObject({ skipped: 'no build for this platform' });
    expect(rows[8].error).toBeUndefined();
    const report: Report = { startedAt: new Date().toISOString(), command: 'bench --quick', machine: machineInfo(), peers: {}, sizes: QUICK_SIZES, workloads: workloadTitles(), results: rows };
    const files = writeReport(report, ['freshtier', 'freshtier-latency', 'parquet-wasm', 'duckdb', 'slatedb'], join(scratch, 'results'));

    const json = JSON.parse(readFileSync(files.json, 'utf8')) as Report;
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.results).toHaveLength(9);
    expect(json.results[2]).toMatchObject({ workload: 'upsert', system: 'parquet-wasm', rowsPerSec: expect.any(Number), mbPerSec: expect.any(Number), peakRssMiB: expect.any(Number) });
    expect(json.results[7]).toMatchObject({ system: 'duckdb', error: 'boom' });

    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg.match(/<rect [^>]*fill="#2ca02c"/g)).toHaveLength(2); // parquet-wasm: its one ratio bar + the legend swatch
    expect(svg.match(/<rect [^>]*fill="url\(#hatch\)"/g)).toHaveLength(2); // the latency variant's bar + swatch
    expect(svg).toContain('>2x</text>');

    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(2 + 9);
    expect(table).toContain('error: boom');
    expect(table).toContain('skipped: no build for this platform');
    expect(table).toContain('0.5x of local');
  });
});

describe('runner options', () => {
  it('parses sizes, workloads and peers, and rejects unknown ones', () => {
    const o = parseRunArgs(['--quick', '--rows', '20_000', '--stream-rows', '5000', '--only', 'scan,replay', '--peers', 'duckdb']);
    expect(o.sizes).toMatchObject({ tableRows: 20_000, streamRows: 5_000, producers: QUICK_SIZES.producers });
    expect(o.workloads).toEqual(['scan', 'replay']);
    expect(o.systems).toEqual(['freshtier', 'duckdb']); // --quick: no latency-store run
    expect(parseRunArgs(['--peers', 'slatedb']).systems).toEqual(['freshtier', 'freshtier-latency', 'slatedb']);
    expect(parseRunArgs(['--store-latency', 'put=5,get=2']).sizes.storeLatency).toEqual({ putMs: 5, getMs: 2 });
    expect(parseRunArgs(['--store-latency', 'none', '--peers', 'duckdb']).systems).toEqual(['freshtier', 'duckdb']);
    expect(() => parseRunArgs(['--only', 'vacuum'])).toThrow(/unknown workload/);
    expect(() => parseRunArgs(['--peers', 'sqlite'])).toThrow(/unknown peer/);
    expect(() => parseRunArgs(['--peers', 'freshtier-latency'])).toThrow(/unknown peer/);
    expect(Object.keys(freshtierAdapter.workloads).sort()).toEqual([...WORKLOADS].sort());
  });

  it('sizes the streams so the writer flushes during them (it freezes at 1,000,000 rows or 64 MiB)', () => {
    expect(DEFAULT_SIZES).toMatchObject({ streamRows: 2_000_000, producers: 10, batchRows: 1_000, storeLatency: { putMs: 50, getMs: 30 } });
  });

  it.each([
    ['put=50,get=30', { putMs: 50, getMs: 30 }],
    ['get=30', { putMs: 0, getMs: 30 }],
    ['PUT=1.5ms', { putMs: 1.5, getMs: 0 }],
    ['none', null],
    ['off', null],
  ])('parses --store-latency %s', (text, want) => expect(parseStoreLatency(text)).toEqual(want));

  it.each(['put=-1', 'put=fast', 'post=5', 'put=5;get=3', ''])('rejects --store-latency %j', (text) => {
    expect(() => parseStoreLatency(text)).toThrow(/--store-latency/);
  });
});

describe('latency store', () => {
  afterEach(() => vi.useRealTimers());

  it('holds each request for its latency, then forwards it', async () => {
    vi.useFakeTimers();
    const store = new LatencyStore(new MemoryStore(), { putMs: 50, getMs: 30 });
    const settled: string[] = [];
    const put = store.put('a', new Uint8Array([1])).then(() => settled.push('put'));
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await put;
    const get = store.get('a').then((b) => settled.push(`get ${b[0]}`));
    const list = store.list('').then((l) => settled.push(`list ${l.length}`));
    await vi.advanceTimersByTimeAsync(29);
    expect(settled).toEqual(['put']);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([get, list]);
    expect(settled).toEqual(['put', 'get 1', 'list 1']); // concurrent requests wait side by side, not in a queue
    expect(store.requests).toEqual({ put: 1, get: 2 });
  });
});

describe('helpers', () => {
  it('percentile is nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100), percentile([], 50)]).toEqual([50, 99, 100, 0]);
  });

  it('SlateDB keys sort bytewise as their ids sort numerically', () => {
    const ids = [-(2n ** 63n), -256n, -5n, -1n, 0n, 1n, 255n, 256n, 2n ** 40n, 2n ** 63n - 1n];
    const keys = ids.map((id) => Buffer.from(encodeKey(id)));
    expect([...keys].reverse().sort(Buffer.compare)).toEqual(keys);
    const v = encodeValue(-3, 12.5, 'sku-0000000001-v0001');
    const view = new DataView(v.buffer);
    expect([v.length, view.getInt32(0, true), view.getFloat64(4, true), new TextDecoder().decode(v.subarray(12))]).toEqual([32, -3, 12.5, 'sku-0000000001-v0001']);
  });
});

describe('freshtier adapter at --quick sizes', () => {
  // replay's prepare step SIGKILLs its own process, so it only runs in the child-process runner
  const inProcess = WORKLOADS.filter((w) => w !== 'replay');

  it.each(inProcess)('%s', async (workload) => {
    const dir = mkdtempSync(join(scratch, `freshtier-${workload}-`));
    const m = await runInProcess(freshtierAdapter, workload, { dir, sizes: QUICK_SIZES, log: () => {} });
    expect(m.rows).toBeGreaterThan(0);
    expect(m.seconds).toBeGreaterThan(0);
    if (workload === 'scan') expect(m.rows).toBeLessThan(QUICK_SIZES.tableRows + 9 * (QUICK_SIZES.tableRows / 20)); // deduplicated
    if (workload === 'containsPks') expect(m.notes).toMatch(/data-file reads: 0;/);
    if (workload === 'scan') expect(m.also?.scanWarm?.rows).toBe(m.rows);
    // Timed to the end of close(): the flush close() makes is inside the figure.
    if (workload === 'upsert' || workload === 'append') expect(m.notes).toMatch(/generations flushed: 0 committed before the last ack \+ 1 after it \(in close\(\)\)/);
  });

  it('runs the write workloads behind the latency store', async () => {
    const dir = mkdtempSync(join(scratch, 'freshtier-latency-'));
    const sizes = { ...QUICK_SIZES, storeLatency: { putMs: 1, getMs: 1 } };
    const m = await runInProcess(freshtierLatencyAdapter, 'upsert', { dir, sizes, log: () => {} });
    expect(m.rows).toBe(QUICK_SIZES.streamRows);
    expect(m.notes).toMatch(/behind put 1 ms, get 1 ms/);
  });
});
