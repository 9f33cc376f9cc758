/**
 * bench/results/latest.svg: the run's ratios as a chart. One group per workload, one bar per
 * peer, each bar drawn from the 1x line to freshtier rows/s ÷ that peer's rows/s on a log
 * scale — up where freshtier is faster, down where it is slower. A freshtier variant
 * (`freshtier-latency`) shows its own rows/s ÷ local freshtier's instead, hatched. Absolute
 * rows/s stay in the table and JSON; under each group is freshtier's own figure.
 * Plain SVG 1.1 text, no library.
 */
import { REPORTED_WORKLOADS } from './peers/types.js';
import type { Report, ReportRow } from './report.js';

const COLORS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1234567 → "1.2M": labels must fit under a group. */
function short(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 0 : 1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v));
}

/** Gridline values 1, 2, 5 × 10^e within [10^lo, 10^hi]. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of [1, 2, 5]) if (e < hi || m === 1) out.push(m * 10 ** e);
  return out;
}

const tickLabel = (v: number) => `${v >= 1 ? v : Number(v.toPrecision(1))}x`;

/**
 * Renders the ratio chart of a report; `systems` orders the bars (freshtier itself has none).
 *
 * @example
 * ```ts
 * writeFileSync('latest.svg', renderSvg(report, ['freshtier', 'parquet-wasm', 'duckdb']));
 * ```
 */
export function renderSvg(report: Pick<Report, 'results' | 'machine' | 'startedAt'>, systems: string[]): string {
  const W = 1000, H = 500, left = 60, right = 20, top = 60, bottom = 110;
  const plotW = W - left - right, plotH = H - top - bottom;
  const bars = systems.filter((s) => s !== 'freshtier');
  const ratios = report.results.map((r) => r.ratio ?? 0).filter((v) => v > 0);
  // Room beyond the extreme bars for their labels (about a third of a decade).
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...ratios, 1) / 2)));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...ratios, 1) * 2)));
  const y = (v: number) => top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  const groups = REPORTED_WORKLOADS.filter((w) => report.results.some((r) => r.workload === w));
  const groupW = plotW / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / Math.max(1, bars.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="white"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d62728" stroke-width="3"/></pattern></defs>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">freshtier rows/s ÷ peer rows/s, one run (log scale; above 1x freshtier is faster)</text>`,
    `<text x="${W / 2}" y="37" text-anchor="middle" fill="#555">${esc(`${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${report.startedAt}`)}</text>`,
  ];
  for (const t of ticks(lo, hi)) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${t === 1 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  groups.forEach((w, gi) => out.push(...group(report.results, w, left + gi * groupW, groupW, barW, bars, y, top + plotH)));
  out.push(...legend(bars, H - 34, left));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** One workload's bars, ratio labels and caption. */
function group(results: ReportRow[], w: string, gx: number, groupW: number, barW: number, bars: string[], y: (v: number) => number, baseY: number): string[] {
  const out: string[] = [];
  const x0 = gx + groupW * 0.1;
  bars.forEach((s, si) => {
    const r = results.find((x) => x.workload === w && x.system === s);
    if (!r?.ratio) return;
    const [a, b] = [y(1), y(r.ratio)];
    const x = x0 + si * barW;
    const fill = r.ratioOf === 'local' ? 'url(#hatch)' : COLORS[si % COLORS.length];
    const label = r.ratioOf === 'local' ? `${r.ratio}x of local` : `${r.ratio}x`;
    const text = `${r.ratio >= 10 ? Math.round(r.ratio) : r.ratio >= 1 ? Number(r.ratio.toFixed(1)) : r.ratio}x`;
    out.push(`<rect x="${x.toFixed(1)}" y="${Math.min(a, b).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(1, Math.abs(a - b)).toFixed(1)}" fill="${fill}"><title>${esc(`${w}: ${label} (${s} ${(r.rowsPerSec ?? 0).toLocaleString('en-US')} rows/s)`)}</title></rect>`);
    // Labels run vertically from the bar's end: a bar is narrower than a label is long.
    const [ly, anchor] = r.ratio >= 1 ? [b - 4, 'start'] : [b + 4, 'end'];
    out.push(`<text transform="translate(${(x + barW / 2 + 3).toFixed(1)} ${ly.toFixed(1)}) rotate(-90)" text-anchor="${anchor}" font-size="10">${esc(text)}</text>`);
  });
  const ft = results.find((x) => x.workload === w && x.system === 'freshtier');
  const cx = (gx + groupW / 2).toFixed(1);
  out.push(`<text x="${cx}" y="${baseY + 18}" text-anchor="middle">${esc(w)}</text>`);
  out.push(`<text x="${cx}" y="${baseY + 33}" text-anchor="middle" fill="#555" font-size="10">${esc(ft?.rowsPerSec ? `freshtier ${short(ft.rowsPerSec)}/s` : 'freshtier: n/a')}</text>`);
  return out;
}

/** Swatches under the plot, one per bar system. */
function legend(bars: string[], yy: number, left: number): string[] {
  const out: string[] = [];
  let x = left;
  bars.forEach((s, si) => {
    const variant = s.startsWith('freshtier-');
    const text = variant ? `${s} ÷ freshtier (hatched)` : s;
    out.push(`<rect x="${x}" y="${yy}" width="12" height="12" fill="${variant ? 'url(#hatch)' : COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${x + 18}" y="${yy + 10}">${esc(text)}</text>`);
    x += 30 + text.length * 7;
  });
  return out;
}
