/**
 * Regression: progress bars were wider than an 80-column terminal (a long label or
 * detail, e.g. a file path or compaction's generation list), so each redraw wrapped
 * and `\r` + erase-line cleared only the last row, leaving stacked lines. Every line
 * is now fitted to the terminal's width minus one column, on one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FRESHTIER, ROOT } from './bin-support.js';
import { tempDir } from './support.js';
import { createProgress, progressLine } from '../src/progress.js';

const ERASE = '\r\x1b[2K';

/** A fake terminal: what was written, split into drawn lines. */
function terminal(columns: number) {
  const writes: string[] = [];
  return {
    stderr: { isTTY: true, columns, write: (s: string | Uint8Array) => writes.push(String(s)) },
    lines: () => writes.join('').split(ERASE).filter((l) => l !== ''),
    raw: () => writes.join(''),
  };
}

const codePoints = (s: string) => Array.from(s).length;

describe('progress lines fit the terminal', () => {
  it('a long label and detail on an 80-column terminal: one line of at most 79 columns per redraw', () => {
    const t = terminal(80);
    let clock = 0;
    const bar = createProgress(t.stderr, true, () => clock);
    bar.start(`appending /data/exports/${'very-long-directory-name/'.repeat(4)}rows-2024-05-01.csv`, 400 * 2 ** 20, 'bytes');
    for (let k = 1; k <= 5; k++) {
      clock += 150; // past the redraw throttle
      bar.update(k * 80 * 2 ** 20, `${(k * 1_234_567).toLocaleString('en-US')} rows · generations ${Array.from({ length: 40 }, (_, g) => g).join(', ')}`);
    }
    bar.stop();
    expect(t.lines()).toHaveLength(6);
    for (const line of t.lines()) expect(codePoints(line)).toBeLessThanOrEqual(79);
    expect(t.raw()).not.toContain('\n');
    expect(t.raw().endsWith(ERASE)).toBe(true); // stop() leaves a clean line
  });

  it('redraws are throttled by the injected clock, not by wall time', () => {
    const t = terminal(100);
    let clock = 1_000;
    const bar = createProgress(t.stderr, true, () => clock);
    bar.start('x', 10);
    bar.update(1);
    clock += 99;
    bar.update(2);
    clock += 1;
    bar.update(3);
    expect(t.lines()).toHaveLength(2); // start and the update at +100 ms
    expect(t.lines()[1]).toMatch(/ 30% 3\/10$/);
  });

  it.each([
    [120, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(15)}${'░'.repeat(15)}  50% 1.0 MiB/2.0 MiB 5,000 rows`],
    [80, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(15)}${'░'.repeat(14)}  50% 1.0 MiB/2.0 MiB 5,000 rows`],
    [70, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(10)}${'░'.repeat(9)}  50% 1.0 MiB/2.0 MiB 5,000 rows`],
    [60, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(5)}${'░'.repeat(5)}  50% 1.0 MiB/2.0 MiB 5,000 rows`],
    [58, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(5)}${'░'.repeat(5)}  50% 1.0 MiB/2.0 MiB 5,000 ro…`],
    [50, 'appending a.csv', '5,000 rows', `appending a.csv ${'█'.repeat(5)}${'░'.repeat(5)}  50% 1.0 MiB/2.0 MiB`],
    [44, 'appending a.csv', '5,000 rows', `appen…a.csv ${'█'.repeat(5)}${'░'.repeat(5)}  50% 1.0 MiB/2.0 MiB`],
    [40, 'appending a.csv', '5,000 rows', 'appending a.csv  50% 1.0 MiB/2.0 MiB'],
    [30, 'compacting shard 0', '', 'comp…d 0  50% 1.0 MiB/2.0 MiB'],
    [20, 'compacting shard 0', '', 'compact…hard 0  50%'],
    [4, 'compacting shard 0', '', 'co…'],
  ])('%i columns: %s', (columns, label, detail, want) => {
    const line = progressLine({ label, frac: 0.5, amount: '1.0 MiB/2.0 MiB', detail }, columns);
    expect(line).toBe(want);
    expect(codePoints(line)).toBeLessThanOrEqual(columns - 1);
  });

  it('property (seeded): any label, detail and width give one line within the width', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ maxLength: 40 }),
      (label, detail, columns, frac, amount) => {
        const line = progressLine({ label, frac, amount, detail }, columns);
        expect(codePoints(line)).toBeLessThanOrEqual(Math.max(1, columns - 1));
        expect(line).not.toMatch(/[\n\r]/);
      }), { seed: 80, numRuns: 2000 });
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('the real program on an 80-column terminal', () => {
  const dir = tempDir('freshtier-progress-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // `script` (util-linux) gives the program a pseudo-terminal, so it draws its bars
  it.skipIf(!hasScript)('append draws one line at a time, each within 79 columns, and clears it', () => {
    const deep = join(dir, ...Array.from({ length: 4 }, () => 'a-rather-long-directory-name'));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 's.json'), JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 's', type: 'utf8' }], primaryKey: ['id'] }));
    writeFileSync(join(deep, 'rows.csv'), 'id,s\n' + Array.from({ length: 30_000 }, (_, i) => `${i},text ${i}`).join('\n') + '\n');
    const cmd = `stty cols 80 rows 24; ${FRESHTIER} init '${join(deep, 't')}' --schema '${join(deep, 's.json')}' > /dev/null && ${FRESHTIER} append '${join(deep, 't')}' '${join(deep, 'rows.csv')}' --batch-rows 5000`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const [bars, ...after] = r.stdout.split(/appended 30,000 rows/);
    expect(after).toHaveLength(1);
    const drawn = bars.split(ERASE).filter((l) => l !== '');
    expect(drawn.length).toBeGreaterThan(3);
    for (const line of drawn) expect(codePoints(line)).toBeLessThanOrEqual(79);
    expect(bars).not.toMatch(/\n/); // nothing stacked: every bar was drawn over the last
    expect(drawn.some((l) => /…[^ ]*\/rows\.csv /.test(l))).toBe(true); // the file name survives the cut
  });
});
