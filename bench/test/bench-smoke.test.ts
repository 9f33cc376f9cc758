/**
 * Smoke test of the benchmark harness: the parquet-wasm adapter's workloads at `--quick`
 * sizes, in this process (LanceDB and DuckDB stay out: the test suite must not need
 * bench/peers installed), plus the data generator, argument parsing and report writers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROW_BYTES, arrowBytes, batchStream, collect, lookupKeys, producerSpecs } from '../src/data.js';
import { runInProcess, type Measured } from '../src/execute.js';
import { freshtierAdapter } from '../src/peers/freshtier.js';
import { parquetWasmAdapter } from '../src/peers/parquet-wasm.js';
import { QUICK_SIZES, WORKLOADS, type WorkloadId } from '../src/peers/types.js';
import { addRatios, formatTable, machineInfo, toRow, workloadTitles, writeReport, type Report } from '../src/report.js';
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

  it('reports them as a table, JSON and a well-formed SVG', () => {
    expect(implemented).toEqual(['upsert', 'append', 'scan', 'compaction']);
    expect(measured.scan!.rows).toBe(QUICK_SIZES.tableRows + 9 * (QUICK_SIZES.tableRows / 20)); // every version, no dedup
    const rows = addRatios([
      ...implemented.map((w) => toRow(w, 'parquet-wasm', measured[w]!)),
      toRow('replay', 'duckdb', new Error('boom\nstack')),
    ]);
    expect(rows.every((r) => r.ratio === null)).toBe(true); // no freshtier row in this report
    const report: Report = { startedAt: new Date().toISOString(), command: 'bench --quick', machine: machineInfo(), peers: {}, sizes: QUICK_SIZES, workloads: workloadTitles(), results: rows };
    const files = writeReport(report, ['freshtier', 'parquet-wasm', 'duckdb'], join(scratch, 'results'));

    const json = JSON.parse(readFileSync(files.json, 'utf8')) as Report;
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.results).toHaveLength(5);
    expect(json.results[0]).toMatchObject({ workload: 'upsert', system: 'parquet-wasm', rowsPerSec: expect.any(Number), mbPerSec: expect.any(Number), peakRssMiB: expect.any(Number) });
    expect(json.results[4]).toMatchObject({ system: 'duckdb', error: 'boom' });

    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg.match(/<rect [^>]*fill="#1f77b4"/g)).toHaveLength(5); // 4 bars + the legend swatch

    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(2 + 5);
    expect(table).toContain('error: boom');
  });
});

describe('runner options', () => {
  it('parses sizes, workloads and peers, and rejects unknown ones', () => {
    const o = parseRunArgs(['--quick', '--rows', '20_000', '--stream-rows', '5000', '--only', 'scan,replay', '--peers', 'duckdb']);
    expect(o.sizes).toMatchObject({ tableRows: 20_000, streamRows: 5_000, producers: QUICK_SIZES.producers });
    expect(o.workloads).toEqual(['scan', 'replay']);
    expect(o.systems).toEqual(['freshtier', 'duckdb']);
    expect(() => parseRunArgs(['--only', 'vacuum'])).toThrow(/unknown workload/);
    expect(() => parseRunArgs(['--peers', 'sqlite'])).toThrow(/unknown peer/);
    expect(Object.keys(freshtierAdapter.workloads).sort()).toEqual([...WORKLOADS].sort());
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
  });
});
