/**
 * Turns measurements into the three outputs of a run: a text table (stdout), JSON and an
 * SVG chart (both under bench/results/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Measured } from './execute.js';
import { WORKLOADS, WORKLOAD_TITLES, type Sizes, type WorkloadId } from './peers/types.js';

/** One (workload, system) line of the report. */
export interface ReportRow {
  workload: WorkloadId;
  system: string;
  rows?: number;
  bytes?: number;
  seconds?: number;
  rowsPerSec?: number;
  mbPerSec?: number;
  peakRssMiB?: number;
  /** freshtier rows/s ÷ this system's rows/s; null until both are measured. */
  ratio: number | null;
  notes?: string;
  error?: string;
}

/** The JSON document written to bench/results/latest.json. */
export interface Report {
  startedAt: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; loadAverage: number[]; loadAverageAtStart?: number[] };
  peers: Record<string, string>;
  sizes: Sizes;
  workloads: Record<WorkloadId, string>;
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

/** A report row from a measurement (or its failure). Ratios are filled by {@link addRatios}. */
export function toRow(workload: WorkloadId, system: string, m: Measured | Error): ReportRow {
  if (m instanceof Error) return { workload, system, ratio: null, error: m.message.split('\n')[0] };
  return {
    workload, system, rows: m.rows, bytes: m.bytes, seconds: round(m.seconds, 3),
    rowsPerSec: Math.round(m.rows / m.seconds), mbPerSec: round(m.bytes / 1e6 / m.seconds, 1),
    peakRssMiB: m.peakRssMiB, ratio: null, notes: m.notes,
  };
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

/** Sets each row's ratio freshtier/peer (rows/s) where freshtier measured the same workload. */
export function addRatios(rows: ReportRow[]): ReportRow[] {
  return rows.map((r) => {
    const ft = rows.find((x) => x.workload === r.workload && x.system === 'freshtier')?.rowsPerSec;
    return { ...r, ratio: ft && r.rowsPerSec && r.system !== 'freshtier' ? round(ft / r.rowsPerSec, 2) : null };
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The text table printed at the end of a run. */
export function formatTable(rows: ReportRow[]): string {
  const head = ['workload', 'system', 'rows/s', 'MB/s', 'peak RSS MiB', 'freshtier/peer'];
  const body = rows.map((r) => [
    r.workload, r.system,
    r.error ? `error: ${r.error.slice(0, 60)}` : (r.rowsPerSec ?? 0).toLocaleString('en-US'),
    r.error ? '' : (r.mbPerSec ?? 0).toFixed(1), r.error ? '' : String(r.peakRssMiB),
    r.ratio === null ? (r.system === 'freshtier' ? '' : 'n/a') : `${r.ratio}x`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 && !c.startsWith('error') ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** 1234567 → "1.2M": bar labels must fit a bar's width. */
function short(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 0 : 1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v));
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grouped bar chart, rows/s on a log scale: one group per workload, one bar per system.
 * Plain SVG 1.1 text, no library; a missing measurement leaves a gap in its group.
 */
export function renderSvg(report: Pick<Report, 'results' | 'machine' | 'startedAt'>, systems: string[]): string {
  const W = 960, H = 460, left = 70, right = 20, top = 50, bottom = 90;
  const plotW = W - left - right, plotH = H - top - bottom;
  const values = report.results.map((r) => r.rowsPerSec ?? 0).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values, 1e3)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 1e4)));
  const y = (v: number) => top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  const groupW = plotW / WORKLOADS.length;
  const barW = (groupW * 0.8) / Math.max(1, systems.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">freshtier benchmark: rows/s (log scale, higher is better)</text>`,
    `<text x="${W / 2}" y="38" text-anchor="middle" fill="#555">${esc(`${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${report.startedAt}`)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  }
  WORKLOADS.forEach((w, gi) => {
    const x0 = left + gi * groupW + groupW * 0.1;
    systems.forEach((s, si) => {
      const r = report.results.find((x) => x.workload === w && x.system === s);
      if (!r?.rowsPerSec) return;
      const yTop = y(Math.max(r.rowsPerSec, 10 ** lo));
      out.push(`<rect x="${(x0 + si * barW).toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - yTop).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s} ${w}: ${r.rowsPerSec.toLocaleString('en-US')} rows/s`)}</title></rect>`);
      out.push(`<text x="${(x0 + si * barW + barW / 2 - 1).toFixed(1)}" y="${(yTop - 4).toFixed(1)}" text-anchor="middle" font-size="10">${short(r.rowsPerSec)}</text>`);
    });
    out.push(`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${esc(w)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  systems.forEach((s, si) => {
    const x = left + si * 150;
    out.push(`<rect x="${x}" y="${H - 40}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${x + 18}" y="${H - 30}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Descriptions of the workloads, for the JSON report. */
export const workloadTitles = (): Record<WorkloadId, string> => ({ ...WORKLOAD_TITLES });
