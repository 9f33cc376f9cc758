/**
 * Per-column rules of the merge (merge-policy.ts): which live version provides a
 * column's value, or the value computed from all of them. Nulls and overflow:
 * - `last` / `first`: the newest / oldest live version's value, null included;
 * - `last-non-null` (and every partial-update column): the newest non-null value (null if none);
 * - `min` / `max`: the extreme non-null value in the total order of merge-values.ts
 *   (ties: the oldest provider; null if none);
 * - `bool_and` / `bool_or`: over the non-null values (null if none);
 * - `sum`: the exact sum (BigInt) of the non-null values, null if none; `count`: the number
 *   of puts that held a value (a put's count cell is 1 or 0, `Table.conform`), never null.
 *   Stored states keep sums exactly (`_ft_sum_<column>`), so flush and compaction never fail
 *   on a partial sum; a read whose answer leaves the column's integer type gets an
 *   `AggregateOverflowError` (merge-assembler.ts): never wrapped, never clamped.
 * "Newest"/"oldest" follow the sequence field when the table has one (ties: position in
 * the run, the batch coordinate), using the per-column sequence of a stored state.
 */
import type { Field } from 'apache-arrow';
import type { AggregateFunction } from './merge-spec.js';
import { COMPUTED, NO_VALUE, type MergedState, type RowRun } from './merge-run.js';
import { boolAt, compareValues, decimalAt, intAt, isValid, valueAt, type BatchColumns, type ColumnResolver, type Value } from './merge-values.js';

/**
 * How one column of the state is merged: a key column, the sequence field, or a value rule.
 *
 * @example
 * ```ts
 * const rule: ColumnRule = 'sum';
 * ```
 */
export type ColumnRule = 'key' | 'sequence' | AggregateFunction;

/**
 * A run read through its rows: sequence values, cut flags, column data per position.
 *
 * @example
 * ```ts
 * const rr = new RunReader(resolver, fields, seqIndex).load(run);
 * const winner = rr.newest(0);
 * ```
 */
export class RunReader {
  private run!: RowRun;

  constructor(private readonly resolver: ColumnResolver, readonly fields: readonly Field[], readonly sequenceIndex: number) {}

  load(run: RowRun): this {
    this.run = run;
    return this;
  }

  get count(): number {
    return this.run.count;
  }

  isTombstone(p: number): boolean {
    return this.run.isTombstone(p);
  }

  isCut(p: number): boolean {
    return this.resolver.isCut(this.run.batchOf(p), this.run.rowOf(p));
  }

  cols(p: number): BatchColumns {
    return this.resolver.of(this.run.batchOf(p));
  }

  row(p: number): number {
    return this.run.rowOf(p);
  }

  /** The version's sequence value (a stored state's: its newest version's), null if it has none. */
  seq(p: number): Value | null {
    const d = this.cols(p).cols[this.sequenceIndex];
    const r = this.row(p);
    return d && isValid(d, r) ? valueAt(this.fields[this.sequenceIndex].type, d, r) : null;
  }

  /**
   * The sequence value of the version that provided column `f` at position `p`: a stored
   * state records it (`_ft_seq_<f>`); a raw version's is its own (none when `skipNull` and its
   * value is null).
   */
  colSeq(p: number, f: number, skipNull: boolean): Value | null {
    if (f === this.sequenceIndex) return this.seq(p);
    const c = this.cols(p);
    const stored = c.colSeq[f];
    const r = this.row(p);
    if (stored) return isValid(stored, r) ? valueAt(this.fields[this.sequenceIndex].type, stored, r) : null;
    if (skipNull && !isValid(c.cols[f], r)) return null;
    return this.seq(p);
  }

  /** The newest live version: by sequence (ties: the later position), else the last. */
  newest(from: number): number {
    return this.sequenceIndex < 0 ? this.count - 1 : this.bySequence(this.sequenceIndex, from, 'max', false);
  }

  /** The oldest live version: by sequence (ties: the earlier position), else the first. */
  oldest(from: number): number {
    return this.sequenceIndex < 0 ? from : this.bySequence(this.sequenceIndex, from, 'min', false);
  }

  /**
   * The position of column `f`'s newest (`max`) or oldest (`min`) provider in sequence order
   * (skipping nulls when `skipNull`), ties by position; {@link NO_VALUE} if none.
   */
  bySequence(f: number, from: number, mode: 'max' | 'min', skipNull: boolean): number {
    let best = NO_VALUE;
    let bestSeq: Value | null = null;
    for (let p = from; p < this.count; p++) {
      if (skipNull && !isValid(this.cols(p).cols[f], this.row(p))) continue;
      const s = this.colSeq(p, f, skipNull);
      const c = best === NO_VALUE ? 0 : compareSeq(s, bestSeq);
      if (best === NO_VALUE || (mode === 'max' ? c >= 0 : c < 0)) {
        best = p;
        bestSeq = s;
      }
    }
    return best;
  }
}

/** Sequence order; a missing value (never in data freshtier wrote: puts must hold one) sorts first. */
function compareSeq(a: Value | null, b: Value | null): number {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1);
  return compareValues(a, b);
}

/**
 * Sets `out.provider[f]` (or `out.computed[f]`) for column `f` from the live positions `from..`.
 *
 * @example
 * ```ts
 * for (let f = 0; f < rules.length; f++) mergeColumn(rules[f], rr, f, from, state);
 * ```
 */
export function mergeColumn(rule: ColumnRule, rr: RunReader, f: number, from: number, out: MergedState): void {
  const seq = rr.sequenceIndex >= 0;
  let p: number;
  switch (rule) {
    case 'key': p = out.newest; break;
    case 'sequence': p = rr.newest(from); break;
    case 'last': p = seq ? rr.bySequence(f, from, 'max', false) : rr.count - 1; break;
    case 'first': p = seq ? rr.bySequence(f, from, 'min', false) : from; break;
    case 'last-non-null': p = seq ? rr.bySequence(f, from, 'max', true) : lastValid(rr, f, from); break;
    case 'min': case 'max': p = extreme(rr, f, from, rule === 'min' ? -1 : 1); break;
    case 'bool_and': case 'bool_or': p = boolProvider(rr, f, from, rule === 'bool_or'); break;
    case 'sum': case 'count':
      out.computed[f] = total(rr, f, from, rule);
      p = COMPUTED;
      break;
  }
  out.provider[f] = p;
}

function lastValid(rr: RunReader, f: number, from: number): number {
  for (let p = rr.count - 1; p >= from; p--) if (isValid(rr.cols(p).cols[f], rr.row(p))) return p;
  return NO_VALUE;
}

/** The provider of the smallest (`sign` -1) or largest (+1) non-null value; ties keep the oldest. */
function extreme(rr: RunReader, f: number, from: number, sign: number): number {
  const type = rr.fields[f].type;
  let best = NO_VALUE;
  let bestValue: Value | undefined;
  for (let p = from; p < rr.count; p++) {
    const d = rr.cols(p).cols[f];
    const r = rr.row(p);
    if (!isValid(d, r)) continue;
    const v = valueAt(type, d!, r);
    if (best === NO_VALUE || sign * compareValues(v, bestValue!) > 0) {
      best = p;
      bestValue = v;
    }
  }
  return best;
}

/** bool_and: a false if any, else a true; bool_or: a true if any, else a false (nulls skipped). */
function boolProvider(rr: RunReader, f: number, from: number, or: boolean): number {
  let other = NO_VALUE;
  for (let p = from; p < rr.count; p++) {
    const d = rr.cols(p).cols[f];
    const r = rr.row(p);
    if (!isValid(d, r)) continue;
    if (boolAt(d!, r) === or) return p;
    if (other === NO_VALUE) other = p;
  }
  return other;
}

/** The exact sum (a stored state's from `_ft_sum_<column>`, a raw version's from its cell); null: no value (`sum`). */
function total(rr: RunReader, f: number, from: number, rule: 'sum' | 'count'): bigint | null {
  let sum = 0n;
  let any = false;
  for (let p = from; p < rr.count; p++) {
    const c = rr.cols(p);
    const r = rr.row(p);
    const stored = c.colSum[f];
    const d = stored ?? c.cols[f];
    if (!isValid(d, r)) continue;
    sum += stored ? decimalAt(stored, r) : intAt(d!, r);
    any = true;
  }
  return !any && rule === 'sum' ? null : sum;
}
