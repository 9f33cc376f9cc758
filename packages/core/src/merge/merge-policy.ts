/**
 * The merge engines (docs/merge-engines.md), as one {@link MergePolicy} built from a
 * table's schema, primary key and merge options. Every engine merges a run the same way:
 *
 * 1. The live versions: those after the newest tombstone (arrival order: a delete is
 *    never reordered by the sequence field) — or from the newest stored state whose
 *    history a tombstone cut (`_ft_cut`). None left: the key is deleted.
 * 2. Each column's value from the live versions by its rule: a pick engine takes the
 *    winner's whole row (deduplicate: the newest; first-row: the oldest); partial-update
 *    takes each column's newest non-null value; aggregate applies the column's function
 *    (merge-columns.ts). "Newest" and "oldest" follow the sequence field when the table has
 *    one (ties: the batch coordinate, i.e. the position in the run), else the position.
 *
 * Every rule is associative over consecutive slices of a run (a stored state remembers
 * what a later merge needs: `_ft_cut`, and `_ft_seq_<column>` for rules that follow
 * the sequence order), so merging tier states gives the state of all their versions.
 */
import type { Field, Schema } from 'apache-arrow';
import { aggregateOf, type AggregateFunction, type MergeEngineName, type MergeSpec } from './merge-spec.js';
import { DELETED, MergedState, type MergePolicy, type RowRun, type VersionRun } from './merge-run.js';
import type { StateLayout } from './merge-state-columns.js';
import { ColumnResolver } from './merge-values.js';
import { RunReader, mergeColumn, type ColumnRule } from './merge-columns.js';

/**
 * `deduplicate` without a sequence field (the default): the newest version wins; a
 * tombstone as the newest version deletes the key and hides everything older.
 *
 * @example
 * ```ts
 * DEDUPLICATE.chooseVersion({ count: 3, isTombstone: () => false }); // 2
 * ```
 */
export const DEDUPLICATE: MergePolicy & StateLayout = Object.freeze({
  engine: 'deduplicate' as const,
  sequenceField: undefined,
  newestDecides: true,
  picksRow: true,
  storesCut: false,
  tracked: [],
  summed: [],
  counted: [],
  sequenceIndex: -1,
  chooseVersion(run: VersionRun): number {
    const newest = run.count - 1;
    return run.isTombstone(newest) ? DELETED : newest;
  },
  merge(run: VersionRun, out: MergedState): void {
    out.reset();
    out.newest = run.count - 1;
    out.deleted = run.isTombstone(out.newest);
    out.provider.fill(out.newest);
  },
});

/**
 * The policy of a table with these fields, primary key and merge options.
 *
 * @example
 * ```ts
 * const policy = policyFor(schema, ['id'], { mergeEngine: 'partial-update', sequenceField: 'ts' });
 * ```
 */
export function policyFor(schema: Schema, primaryKey: readonly string[], spec: MergeSpec): MergePolicy & StateLayout {
  const engine = spec.mergeEngine ?? 'deduplicate';
  if (engine === 'deduplicate' && spec.sequenceField === undefined) return DEDUPLICATE;
  return new EnginePolicy(engine, schema.fields, primaryKey, spec);
}

class EnginePolicy implements MergePolicy, StateLayout {
  readonly newestDecides = false;
  readonly storesCut = true;
  readonly picksRow: boolean;
  readonly sequenceField: string | undefined;
  readonly sequenceIndex: number;
  readonly tracked: readonly number[];
  readonly summed: readonly number[];
  readonly counted: readonly number[];
  private readonly rules: ColumnRule[];
  private readonly reader: RunReader;

  constructor(readonly engine: MergeEngineName, fields: readonly Field[], primaryKey: readonly string[], spec: MergeSpec) {
    this.picksRow = engine === 'deduplicate' || engine === 'first-row';
    this.sequenceField = spec.sequenceField;
    this.sequenceIndex = spec.sequenceField === undefined ? -1 : fields.findIndex((f) => f.name === spec.sequenceField);
    this.rules = rulesOf(engine, fields, primaryKey, spec);
    this.reader = new RunReader(new ColumnResolver(fields), fields, this.sequenceIndex);
    // a stored state records the provider's sequence value of every column that follows the sequence order
    this.tracked = this.sequenceIndex < 0 || this.picksRow ? [] : this.rules.flatMap((r, i) => (r === 'last' || r === 'first' || r === 'last-non-null' ? [i] : []));
    // a stored state keeps each sum exactly: a partial sum may leave the column's type where the whole one does not
    this.summed = this.rules.flatMap((r, i) => (r === 'sum' || r === 'count' ? [i] : []));
    this.counted = this.rules.flatMap((r, i) => (r === 'count' ? [i] : []));
  }

  chooseVersion(run: VersionRun): number {
    if (!this.picksRow) throw new Error(`the ${this.engine} engine builds a row from several versions: call merge(), not chooseVersion()`);
    const rr = this.reader.load(asRowRun(run));
    const from = this.liveFrom(rr);
    if (from >= run.count) return DELETED;
    return this.engine === 'first-row' ? rr.oldest(from) : rr.newest(from);
  }

  merge(run: VersionRun, out: MergedState): void {
    out.reset();
    const rr = this.reader.load(asRowRun(run));
    out.newest = run.count - 1;
    const from = this.liveFrom(rr, out);
    if (from >= run.count) {
      out.deleted = true;
      out.provider.fill(out.newest); // a deleted key is stored as its tombstone
      return;
    }
    if (this.picksRow) {
      out.provider.fill(this.engine === 'first-row' ? rr.oldest(from) : rr.newest(from));
      return;
    }
    for (let f = 0; f < this.rules.length; f++) mergeColumn(this.rules[f], rr, f, from, out);
  }

  /** Step 1: the first live position (run.count when none), recording in `out` whether history was cut. */
  private liveFrom(rr: RunReader, out?: MergedState): number {
    for (let p = rr.count - 1; p >= 0; p--) {
      const tomb = rr.isTombstone(p);
      if (tomb || rr.isCut(p)) {
        if (out) out.cut = true;
        return tomb ? p + 1 : p;
      }
    }
    return 0;
  }
}

function asRowRun(run: VersionRun): RowRun {
  const r = run as Partial<RowRun>;
  if (typeof r.batchOf !== 'function' || typeof r.rowOf !== 'function') throw new Error('this merge engine reads the versions\' rows: pass a RowRun (batchOf, rowOf)');
  return run as RowRun;
}

/** Each table field's rule: key, sequence, or the engine's rule for a value column. */
function rulesOf(engine: MergeEngineName, fields: readonly Field[], primaryKey: readonly string[], spec: MergeSpec): ColumnRule[] {
  const fns: (AggregateFunction | undefined)[] = engine === 'aggregate' ? aggregateOf(spec, fields, primaryKey) : [];
  return fields.map((f, i): ColumnRule => {
    if (primaryKey.includes(f.name)) return 'key';
    if (f.name === spec.sequenceField) return 'sequence';
    if (engine === 'partial-update') return 'last-non-null';
    if (engine === 'aggregate') return fns[i]!;
    return 'key'; // pick engines never ask (they take the winner's row)
  });
}

