/**
 * Counting the corruption campaign's outcomes per object kind, and the findings —
 * every wrong answer, crash, untyped error, flip `verify` did not name, and damaged
 * WAL entry a writer opened over — each with what reproduces it (object, offsets, bits).
 */
import type { Trial, TrialResult } from './corruption-campaign.js';
import { READS, type Outcome, type ReadName } from './corruption-reads.js';
import { KINDS, type Kind } from './corruption-table.js';

/** Outcomes of one kind: trials (`flips`), reads by outcome, crashed trials, verify's hits and misses. */
export interface KindTally {
  kind: Kind;
  flips: number;
  same: number;
  typed: number;
  wrong: number;
  untyped: number;
  crash: number;
  verifyFound: number;
  verifyMissed: number;
  /** WAL trials whose writer open was not refused with CORRUPT_ENTRY. */
  walOpened: number;
  /** Typed errors by code. */
  codes: Record<string, number>;
  /** Outcomes of each read. */
  byRead: Record<ReadName, Record<Outcome, number>>;
}

/** One finding, ready to print. */
export interface Finding {
  kind: Kind;
  what: 'wrong' | 'untyped' | 'crash' | 'verify-missed' | 'wal-opened';
  text: string;
}

function where(t: Trial): string {
  return `trial ${t.i}, ${t.key}, ${t.flips.map((f) => `offset ${f.offset} bit ${f.bit}`).join(' + ')}`;
}

/**
 * Per-kind counts and the findings of a run.
 *
 * @example
 * ```ts
 * const { tallies, findings } = tally(trials, results);
 * ```
 */
export function tally(trials: readonly Trial[], results: readonly TrialResult[]): { tallies: KindTally[]; findings: Finding[] } {
  const byRead = () => Object.fromEntries(READS.map((r) => [r, { same: 0, typed: 0, wrong: 0, untyped: 0 }])) as KindTally['byRead'];
  const tallies = new Map<Kind, KindTally>(KINDS.map((kind) => [kind, { kind, flips: 0, same: 0, typed: 0, wrong: 0, untyped: 0, crash: 0, verifyFound: 0, verifyMissed: 0, walOpened: 0, codes: {}, byRead: byRead() }]));
  const findings: Finding[] = [];
  for (const t of trials) {
    const r = results[t.i];
    const k = tallies.get(t.kind)!;
    const find = (what: Finding['what'], text: string) => findings.push({ kind: t.kind, what, text: `${t.kind} ${where(t)}: ${text}` });
    k.flips++;
    if (!r || r.crash) {
      k.crash++;
      find('crash', r?.crash ?? 'no result');
      continue;
    }
    for (const [read, o] of Object.entries(r.outcomes) as [ReadName, Outcome][]) {
      k[o]++;
      k.byRead[read][o]++;
    }
    for (const code of Object.values(r.codes)) k.codes[code] = (k.codes[code] ?? 0) + 1;
    for (const note of r.notes) find(note.what === 'verify' ? 'verify-missed' : note.what, note.text);
    if (r.verify === 'found') k.verifyFound++;
    else {
      k.verifyMissed++;
      if (r.verify === 'missed') find('verify-missed', 'verify did not name the object in `damaged`');
    }
    if (t.kind === 'wal-entry' && r.codes['writer-open'] !== 'CORRUPT_ENTRY') {
      k.walOpened++;
      find('wal-opened', `ShardWriter.open was not refused with CORRUPT_ENTRY (writer-open: ${r.outcomes['writer-open']} ${r.codes['writer-open'] ?? ''})`);
    }
  }
  return { tallies: [...tallies.values()], findings };
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [head, ...rows].map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/**
 * The per-kind tables, one line per kind: the totals, then each read's outcomes
 * (`T` typed error, `S` same answer, `W` wrong, `U` untyped).
 *
 * @example
 * ```ts
 * console.log(formatTallies(tallies));
 * ```
 */
export function formatTallies(tallies: readonly KindTally[]): string {
  const head = ['kind', 'flips', 'same', 'typed', 'wrong', 'untyped', 'crash', 'verify-found', 'verify-missed', 'codes'];
  const rows = tallies.map((t) => [t.kind, t.flips, t.same, t.typed, t.wrong, t.untyped, t.crash, t.verifyFound, t.verifyMissed, Object.entries(t.codes).map(([c, n]) => `${c}:${n}`).join(' ')].map(String));
  const cell = (o: Record<Outcome, number>) => (['typed', 'same', 'wrong', 'untyped'] as const).filter((x) => o[x] > 0).map((x) => `${x[0].toUpperCase()}${o[x]}`).join(' ') || '-';
  const perRead = tallies.map((t) => [t.kind, ...READS.map((r) => cell(t.byRead[r]))]);
  return `${table(head, rows)}\n\n${table(['kind', ...READS], perRead)}`;
}
