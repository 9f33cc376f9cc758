/**
 * The one merge (DESIGN.md invariant 14): the function that decides the state of a
 * primary key from its versions. Memtable reads, flush, compaction, scans and
 * lookups all call it (through a {@link MergePolicy}), so a key reads the same
 * whatever tier its versions sit in.
 *
 * A *run* is the versions of one key in ascending batch coordinate: base <
 * flushed generations ascending < frozen < active memtable; within a generation,
 * batch index then row index. The caller keeps the versions in its own arrays
 * (memtable ordinals, `(source, row)` pairs, compaction cursors) and shows them
 * through a {@link VersionRun} it reuses for every key, so nothing is allocated per
 * key; the answer is a position in the run, which the caller maps back to its row.
 *
 * A merged state is itself a version: a tier (a flushed generation, the base)
 * stores one state per key, and merging the states of consecutive tiers gives the
 * state of all their versions. A state "deleted" stands in for a tombstone. This is
 * what lets flush and compaction merge part of a key's history.
 *
 * Where the merge engines (issue 13; docs/merge-engines.md) plug in:
 * - the policy (merge-policy.ts) is built from the table's stored merge options
 *   (merge-spec.ts) by {@link mergePolicyOf}; `deduplicate` without a sequence field is
 *   {@link DEDUPLICATE}, whose newest version decides (`newestDecides`): the fast paths of
 *   flush, scans and lookups are exactly what they were for it;
 * - every other policy reads rows: its run is a `RowRun` (merge-run.ts) and its answer a
 *   `MergedState` — per column, the position providing the value, or a computed `sum` /
 *   `count` (merge-columns.ts) — which `StateAssembler` (merge-assembler.ts) turns into
 *   Arrow rows; the pick engines (deduplicate with a sequence field, first-row) also
 *   answer `chooseVersion`;
 * - a sequence field orders the live versions (ties: the position, i.e. the coordinate), so
 *   a late event can lose to an older version; a tombstone stays ordered by arrival: it
 *   ends the history of everything that arrived before it;
 * - a stored state records what later merges need (merge-state-columns.ts): `_ft_cut` when
 *   a tombstone cut its history, for rules that follow the sequence order the provider's
 *   sequence value per column (`_ft_seq_<column>`), and sums exactly (`_ft_sum_<column>`);
 * - a policy that is not `newestDecides` makes readers visit every tier holding the key:
 *   `get` merges the rows of every tier, a scan merges the shard's sorted sources by key
 *   (the scanner's merged-scan.ts). Liveness needs no rows under any engine: a key is
 *   live exactly when its newest version is not a tombstone ({@link newestState}).
 */
import type { Schema } from 'apache-arrow';
import type { MergeSpec } from './merge-spec.js';
import { DEDUPLICATE, policyFor } from './merge-policy.js';
import { DELETED, type MergePolicy, type VersionRun } from './merge-run.js';
import type { StateLayout } from './merge-state-columns.js';

export { DELETED, COMPUTED, NO_VALUE, ListRun, MergedState, type MergePolicy, type RowRun, type VersionRun } from './merge-run.js';
export { DEDUPLICATE, policyFor } from './merge-policy.js';
export type { MergeEngineName } from './merge-spec.js';

/** What {@link mergePolicyOf} reads of a table. */
export interface MergeTable {
  readonly schema: Schema;
  readonly doc?: { readonly primaryKey: readonly string[] } & MergeSpec;
}

const policies = new WeakMap<object, MergePolicy & StateLayout>();

/**
 * The merge policy of a table: its stored engine and sequence field (none: deduplicate).
 *
 * @example
 * ```ts
 * const policy = mergePolicyOf(table);
 * ```
 */
export function mergePolicyOf(table: MergeTable): MergePolicy & StateLayout {
  const doc = table.doc;
  if (!doc || ((doc.mergeEngine ?? 'deduplicate') === 'deduplicate' && doc.sequenceField === undefined)) return DEDUPLICATE;
  let p = policies.get(doc);
  if (!p) policies.set(doc, (p = policyFor(table.schema, doc.primaryKey, doc)));
  return p;
}

/**
 * The state of one key from its whole run, under `policy` (default: deduplicate).
 *
 * @example
 * ```ts
 * declare const run: VersionRun;
 * const winner = chooseVersion(run, mergePolicyOf(table));
 * ```
 */
export function chooseVersion(run: VersionRun, policy: MergePolicy = DEDUPLICATE): number {
  return policy.chooseVersion(run);
}

/**
 * Whether the key is live, under every engine: its newest version is not a tombstone.
 * Answers the newest position, or {@link DELETED}. (A stored file holds one state per key,
 * so among several rows of one key in a file the newest stands for the file's state.)
 *
 * @example
 * ```ts
 * const live = newestState({ count: 2, isTombstone: (i) => i === 0 }) !== DELETED; // true
 * ```
 */
export function newestState(run: VersionRun): number {
  return run.isTombstone(run.count - 1) ? DELETED : run.count - 1;
}

/**
 * A two-version run, reused: the state merged so far (older) and one newer version,
 * for merges that meet a key's versions one tier at a time (the scan's fresh index).
 * A state "deleted" is passed as a tombstone. Newest-decides policies only (it has no rows).
 *
 * @example
 * ```ts
 * declare const olderDeleted: boolean;
 * declare const newerIsTombstone: boolean;
 * const pair = new VersionPair();
 * pair.set(olderDeleted, newerIsTombstone);
 * const w = DEDUPLICATE.chooseVersion(pair); // 0: keep the older state, 1: the newer version, DELETED
 * ```
 */
export class VersionPair implements VersionRun {
  readonly count = 2;
  private older = false;
  private newer = false;

  /** Sets whether the older state is deleted and whether the newer version is a tombstone. */
  set(olderTombstone: boolean, newerTombstone: boolean): this {
    this.older = olderTombstone;
    this.newer = newerTombstone;
    return this;
  }

  isTombstone(position: number): boolean {
    return position === 0 ? this.older : this.newer;
  }
}
