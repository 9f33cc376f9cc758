/**
 * Turns measurements into the three outputs of a run: a text table (stdout), JSON and an
 * SVG chart (both under bench/results/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { renderSvg } from './chart.js';
import type { Measured } from './execute.js';
import { SkipError, WORKLOAD_TITLES, type ReportedWorkloadId, type Result, type Sizes } from './peers/types.js';

/** One (workload, system) line of the report. */
export interface ReportRow {
  workload: ReportedWorkloadId;
  system: string;
  rows?: number;
  bytes?: number;
  seconds?: number;
  rowsPerSec?: number;
  mbPerSec?: number;
  peakRssMiB?: number;
  /**
   * For a peer: freshtier rows/s ÷ this system's rows/s. For a freshtier variant
   * (`freshtier-latency`): its rows/s ÷ local freshtier's (`ratioOf: 'local'`). Null until
   * both are measured.
   */
  ratio: number | null;
  ratioOf?: 'peer' | 'local';
  notes?: string;
  error?: string;
  /** Why the system did not run here (a peer that does not load on this platform). */
  skipped?: string;
}

/** The JSON document written to bench/results/latest.json. */
export interface Report {
  startedAt: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; loadAverage: number[]; loadAverageAtStart?: number[] };
  peers: Record<string, string>;
  sizes: Sizes;
  workloads: Record<ReportedWorkloadId, string>;
  results: ReportRow[];
}

/** This machine, as the report records it. */
export function machineInfo(): Report['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    // 1/5/15-minute load when the run ended: on a shared 2-core box, other work skews the figures.
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** A report row from a measurement (or its failure or skip). Ratios are filled by {@link addRatios}. */
export function toRow(workload: ReportedWorkloadId, system: string, m: Measured | Result | Error): ReportRow {
  if (m instanceof SkipError) return { workload, system, ratio: null, skipped: m.message.slice(SkipError.PREFIX.length) };
  if (m instanceof Error) return { workload, system, ratio: null, error: m.message.split('\n')[0] };
  return {
    workload, system, rows: m.rows, bytes: m.bytes, seconds: round(m.seconds, 3),
    rowsPerSec: Math.round(m.rows / m.seconds), mbPerSec: round(m.bytes / 1e6 / m.seconds, 1),
    peakRssMiB: 'peakRssMiB' in m ? m.peakRssMiB : undefined, ratio: null, notes: m.notes,
  };
}

/** The rows of one measurement: its own, then those measured in the same process (`also`). */
export function toRows(workload: ReportedWorkloadId, system: string, m: Measured): ReportRow[] {
  const extra = Object.entries(m.also ?? {}).map(([w, r]) => ({ ...toRow(w as ReportedWorkloadId, system, r), peakRssMiB: m.peakRssMiB }));
  return [toRow(workload, system, m), ...extra];
}

/** Writes `latest.json` and `latest.svg` into `outDir`; returns their paths. */
export function writeReport(report: Report, systems: string[], outDir: string): { json: string; svg: string } {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'latest.json');
  const svg = join(outDir, 'latest.svg');
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(svg, renderSvg(report, systems));
  return { json, svg };
}

/** freshtier's own variants (their ratio is to local freshtier), as the runner names them. */
const isVariant = (system: string) => system.startsWith('freshtier-');

/**
 * Sets each row's ratio where freshtier measured the same workload: freshtier/peer for a
 * peer, variant/local freshtier for a freshtier variant.
 */
export function addRatios(rows: ReportRow[]): ReportRow[] {
  return rows.map((r) => {
    const ft = rows.find((x) => x.workload === r.workload && x.system === 'freshtier')?.rowsPerSec;
    if (!ft || !r.rowsPerSec || r.system === 'freshtier') return { ...r, ratio: null };
    if (isVariant(r.system)) return { ...r, ratio: round(r.rowsPerSec / ft, 2), ratioOf: 'local' };
    return { ...r, ratio: round(ft / r.rowsPerSec, 2), ratioOf: 'peer' };
  });
}

/** The ratio as the table and chart print it: "2.55x", or "0.45x of local" for a variant. */
export function ratioText(r: ReportRow): string {
  if (r.ratio === null) return r.system === 'freshtier' || r.skipped ? '' : 'n/a';
  return r.ratioOf === 'local' ? `${r.ratio}x of local` : `${r.ratio}x`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The text table printed at the end of a run; a failed or skipped row says why in its last column. */
export function formatTable(rows: ReportRow[]): string {
  const head = ['workload', 'system', 'rows/s', 'MB/s', 'peak RSS MiB', 'freshtier/peer', ''];
  const body = rows.map((r) => {
    const why = r.error ? `error: ${r.error.slice(0, 100)}` : r.skipped ? `skipped: ${r.skipped.slice(0, 120)}` : '';
    const measured = !why;
    return [
      r.workload, r.system,
      measured ? (r.rowsPerSec ?? 0).toLocaleString('en-US') : '', measured ? (r.mbPerSec ?? 0).toFixed(1) : '',
      measured ? String(r.peakRssMiB ?? '') : '', ratioText(r), why,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.slice(0, 6).map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export { renderSvg };

/** Descriptions of the workloads, for the JSON report. */
export const workloadTitles = (): Record<ReportedWorkloadId, string> => ({ ...WORKLOAD_TITLES });
