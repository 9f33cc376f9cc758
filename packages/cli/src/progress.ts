/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so
 * logs and pipes stay clean) and redrawn at most every 100 ms. A tiny piece of
 * code instead of a dependency: one bar, no multi-bar layouts.
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

export function createProgress(stderr: OutStream, enabled: boolean): Progress {
  if (!enabled || !stderr.isTTY) return NOOP;
  let label = '';
  let total = 0;
  let unit: 'bytes' | 'rows' | 'items' = 'items';
  let last = 0;
  let drawn = false;
  const draw = (done: number, detail = '', force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = Math.max(10, Math.min(30, (stderr.columns ?? 80) - 60));
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const amount = unit === 'bytes' ? `${formatBytes(done)}/${formatBytes(total)}` : `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${unit === 'rows' ? ' rows' : ''}`;
    stderr.write(`\r\x1b[2K${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${amount}${detail ? ` ${detail}` : ''}`);
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

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
