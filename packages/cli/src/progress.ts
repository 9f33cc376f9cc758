/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so
 * logs and pipes stay clean) and redrawn at most every 100 ms. A tiny piece of
 * code instead of a dependency: one bar, no multi-bar layouts.
 *
 * Each redraw is `\r`, erase-line, then the line — which only works while the line
 * fits the terminal: a longer one wraps, and the erase then clears only its last
 * row, leaving the others stacked above. So every line is fitted to the width
 * (`stderr.columns`, 80 when unknown) minus one column: the detail is shortened
 * first, then the label, then the bar goes, and the rest is cut.
 */
import type { OutStream } from './io.js';

export interface Progress {
  /** Sets the total (e.g. once it is known) and the label. */
  start(label: string, total: number, unit?: 'bytes' | 'rows' | 'items'): void;
  /** Moves to `done` of the total. */
  update(done: number, detail?: string): void;
  /** Clears the bar. */
  stop(): void;
}

const NOOP: Progress = { start() {}, update() {}, stop() {} };

/**
 * A progress bar on `stderr` (a no-op unless enabled and a terminal). `now` is the
 * clock of the redraw throttle (tests pass their own).
 *
 * @example
 * ```ts
 * const bar = createProgress(process.stderr, true);
 * bar.start('appending rows.csv', size, 'bytes');
 * bar.update(done);
 * bar.stop();
 * ```
 */
export function createProgress(stderr: OutStream, enabled: boolean, now: () => number = Date.now): Progress {
  if (!enabled || !stderr.isTTY) return NOOP;
  let label = '';
  let total = 0;
  let unit: 'bytes' | 'rows' | 'items' = 'items';
  let last = -Infinity;
  let drawn = false;
  const draw = (done: number, detail = '', force = false) => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const amount = unit === 'bytes' ? `${formatBytes(done)}/${formatBytes(total)}` : `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${unit === 'rows' ? ' rows' : ''}`;
    const columns = stderr.columns !== undefined && stderr.columns > 0 ? stderr.columns : 80; // a pty may report 0
    const line = progressLine({ label, frac, amount, detail }, columns);
    stderr.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  return {
    start(l, t, u = 'items') {
      label = l;
      total = t;
      unit = u;
      draw(0, '', true);
    },
    update(done, detail) {
      draw(done, detail);
    },
    stop() {
      if (drawn) stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/**
 * What one progress line shows.
 *
 * @example
 * ```ts
 * const p: ProgressParts = { label: 'appending a.csv', frac: 0.5, amount: '1.0 MiB/2.0 MiB', detail: '5,000 rows' };
 * ```
 */
export interface ProgressParts {
  readonly label: string;
  /** Done, from 0 to 1. */
  readonly frac: number;
  readonly amount: string;
  readonly detail: string;
}

/**
 * The progress line for a terminal `columns` wide: at most `columns - 1` characters
 * (writing into the last column makes some terminals wrap), on one line.
 *
 * @example
 * ```ts
 * progressLine({ label: 'x', frac: 0.5, amount: '1/2', detail: '' }, 80); // 'x ███████████████░░░░░░░░░░░░░░░  50% 1/2'
 * ```
 */
export function progressLine(parts: ProgressParts, columns: number): string {
  const room = Math.max(1, Math.floor(columns) - 1);
  const label = oneLine(parts.label);
  const detail = oneLine(parts.detail);
  const pct = `${(parts.frac * 100).toFixed(0).padStart(3)}%`;
  const barWidth = Math.max(10, Math.min(30, room - 50));
  const filled = Math.round(parts.frac * barWidth);
  const bar = '█'.repeat(filled) + '░'.repeat(barWidth - filled);
  const tail = `${pct} ${parts.amount}`;
  // widest first: all of it; a shorter detail; no detail and a shorter label; no bar; the percentage only
  const layouts: [flexible: string, minimum: number, compose: (fitted: string) => string][] = [
    [detail ? ` ${detail}` : '', 5, (d) => `${label} ${bar} ${tail}${d}`],
    [label, 8, (l) => `${l} ${bar} ${tail}`],
    [label, 4, (l) => `${l} ${tail}`],
    [label, 4, (l) => `${l} ${pct}`],
  ];
  for (const [k, [flexible, minimum, compose]] of layouts.entries()) {
    const spare = room - length(compose(''));
    if (spare >= length(flexible)) return compose(flexible);
    // a label keeps its end (a path's file name), a detail its start
    if (spare >= minimum && length(flexible) > 0) return compose(k === 0 ? shorten(flexible, spare) : shortenMiddle(flexible, spare));
  }
  return shorten(`${label} ${pct}`, room);
}

/** Number of code points (what a terminal shows, for the text the CLI draws). */
function length(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** `s` in at most `max` code points, ending in `…` when cut. */
function shorten(s: string, max: number): string {
  if (length(s) <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  return Array.from(s).slice(0, max - 1).join('') + '…';
}

/** `s` in at most `max` code points, its middle replaced by `…` when cut (ends kept). */
function shortenMiddle(s: string, max: number): string {
  if (length(s) <= max) return s;
  if (max < 8) return shorten(s, max);
  const chars = Array.from(s);
  const head = Math.ceil((max - 1) / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (max - 1 - head)).join('');
}

/** Control characters (a newline in a file name, a tab) would break the line: shown as spaces. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
