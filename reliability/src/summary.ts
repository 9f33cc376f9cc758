/**
 * The suite's summary line and `reliability/results/last-run.json` (long mode:
 * `last-long-run.json`).
 *
 * Vitest runs each test file in its own worker process, so there is no single
 * afterAll for the whole suite. Each file's afterAll writes its counts to
 * `results/parts/<run>-<file>.json`, where the run is the vitest main process (the
 * workers' parent; runs sharing a work tree must not mix); then it sums the parts of
 * this run, and the file that completes the set writes `last-run.json` and prints the line:
 *
 *   reliability: kills=48 failpoints=9 faults=300 histories=20 bad-inputs=17 bad-input-classes=5 lost=0 corrupted=0 flips=1800 flip-kinds=9 flip-wrong=0 flip-crash=0 flip-untyped=0 flip-unverified=0
 *
 * `lost` counts acked writes missing after recovery; `corrupted` counts torn
 * batches, duplicates, rows never written and stored objects changed by bad input.
 * The `flip-` fields are the corruption campaign's (corruption.test.ts): bits flipped in
 * stored objects, the object kinds, and the reads that gave a wrong answer, crashed the
 * process or threw an untyped error, and the flips `verify` did not report.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LONG } from './data.js';

export interface Counts {
  kills: number;
  failpoints: string[];
  faults: number;
  faultPlans: number;
  histories: number;
  badInputs: number;
  /** Classes of bad input the catalogue covered (bad-input.test.ts `CLASSES`). */
  badInputClasses: string[];
  lost: number;
  corrupted: number;
  acked: number;
  /** Corruption campaign: trials (each flips bits of one stored object). */
  flips: number;
  /** Object kinds the campaign flipped bits in. */
  flipKinds: string[];
  /** Reads after a flip that returned a different answer without an error. */
  flipWrong: number;
  /** Trials whose process died or hung (heap exhaustion, abort, uncaught error). */
  flipCrashes: number;
  /** Reads after a flip that threw something other than a FreshtierError. */
  flipUntyped: number;
  /** Flips `verify` did not report as damaged. */
  flipUnverified: number;
}

/** The test files that contribute a part; the line is printed once all of them reported. */
export const PARTS = ['crash-matrix', 'failpoints', 'faults', 'histories', 'histories-two-process', 'bad-input', 'corruption'] as const;
export type Part = (typeof PARTS)[number];

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const partsDir = `${resultsDir}parts/`;

export function emptyCounts(): Counts {
  return {
    kills: 0, failpoints: [], faults: 0, faultPlans: 0, histories: 0, badInputs: 0, badInputClasses: [], lost: 0, corrupted: 0, acked: 0,
    flips: 0, flipKinds: [], flipWrong: 0, flipCrashes: 0, flipUntyped: 0, flipUnverified: 0,
  };
}

/** The summary line for `c`. */
export function summaryLine(c: Counts): string {
  const flips = `flips=${c.flips} flip-kinds=${new Set(c.flipKinds).size} flip-wrong=${c.flipWrong} flip-crash=${c.flipCrashes} flip-untyped=${c.flipUntyped} flip-unverified=${c.flipUnverified}`;
  return `reliability: kills=${c.kills} failpoints=${new Set(c.failpoints).size} faults=${c.faults} histories=${c.histories} bad-inputs=${c.badInputs} bad-input-classes=${new Set(c.badInputClasses).size} lost=${c.lost} corrupted=${c.corrupted} ${flips}`;
}

/**
 * Records one file's counts (call from its afterAll); once this run's parts are
 * complete, writes last-run.json and prints the summary line.
 */
export function reportPart(part: Part, counts: Counts): void {
  const runId = String(process.ppid);
  mkdirSync(partsDir, { recursive: true });
  writeFileSync(`${partsDir}${runId}-${part}.json`, JSON.stringify({ runId, part, at: new Date().toISOString(), counts }, null, 2));
  const files = readdirSync(partsDir).filter((f) => f.endsWith('.json'));
  for (const f of files) if (!f.startsWith(`${runId}-`) && Date.now() - statSync(`${partsDir}${f}`).mtimeMs > 86_400_000) rmSync(`${partsDir}${f}`, { force: true });
  const parts = files.filter((f) => f.startsWith(`${runId}-`)).map((f) => JSON.parse(readFileSync(`${partsDir}${f}`, 'utf8')) as { runId: string; part: Part; at: string; counts: Counts });
  const total = emptyCounts();
  for (const p of parts) {
    for (const k of Object.keys(total) as (keyof Counts)[]) {
      // a part written before a field existed lacks it: count it as none
      if (k === 'failpoints' || k === 'badInputClasses' || k === 'flipKinds') total[k] = [...new Set([...total[k], ...(p.counts[k] ?? [])])].sort();
      else total[k] = (total[k] as number) + ((p.counts[k] as number | undefined) ?? 0);
    }
  }
  // a run of some of the files (vitest -t, one file) leaves last-run.json as the last complete run
  if (!PARTS.every((name) => parts.some((p) => p.part === name))) return;
  const line = summaryLine(total);
  const doc = {
    at: new Date().toISOString(),
    mode: LONG ? 'long (FRESHTIER_LONG=1)' : 'quick',
    line,
    totals: total,
    parts: Object.fromEntries(parts.map((p) => [p.part, p.counts])),
  };
  if (!existsSync(resultsDir)) mkdirSync(resultsDir, { recursive: true });
  // long runs keep their own file, so a quick run (CI) does not overwrite the last long one
  writeFileSync(`${resultsDir}${LONG ? 'last-long-run.json' : 'last-run.json'}`, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`\n${line}\n`);
}
