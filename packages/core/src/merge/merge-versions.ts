/**
 * The one merge (DESIGN.md invariant 14): the function that decides the state of a
 * primary key from its versions. Memtable reads, flush, compaction, scans and
 * lookups all call {@link chooseVersion} (through a {@link MergePolicy}), so a key
 * reads the same whatever tier its versions sit in.
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
 * Where the merge engines of issue 13 plug in (none is built here):
 * - a sequence field: the run gains `compareSequence(i, j)`; the policy orders by it,
 *   ties by position (the coordinate), so a late event can lose to an older version;
 * - first-row: `chooseVersion` returns the first version after the last tombstone;
 * - partial-update / aggregate build a new row instead of picking one: the policy gains
 *   a `combine(run, from, sink)` over positions `from..count-1` (after the last tombstone),
 *   and the state of a tier must then record that a tombstone cut its history;
 * - an engine whose `newestDecides` is false makes readers visit every tier holding
 *   the key instead of stopping at the newest one (lookups, and base rows in scans).
 */
import type { Table } from '../table/table.js';

/** {@link chooseVersion}'s answer when a tombstone ended the key's history: the key reads as absent. */
export const DELETED = -1;

/** The merge engines (DESIGN.md "Concepts"); issue 13 adds partial-update, first-row and aggregate. */
export type MergeEngineName = 'deduplicate';

/**
 * The versions of one key, oldest first (position 0), read by position.
 *
 * @example
 * ```ts
 * const run: VersionRun = { count: 2, isTombstone: (i) => i === 1 };
 * chooseVersion(run); // DELETED: the newest version is a tombstone
 * ```
 */
export interface VersionRun {
  /** Number of versions, at least 1. */
  readonly count: number;
  /** Whether the version at `position` (0 = oldest) is a tombstone. */
  isTombstone(position: number): boolean;
}

/**
 * How the versions of one key combine into its state, fixed per table.
 *
 * @example
 * ```ts
 * const policy = mergePolicyOf(table);
 * const winner = policy.chooseVersion(run);
 * if (winner !== DELETED) emit(run, winner);
 * ```
 */
export interface MergePolicy {
  readonly engine: MergeEngineName;
  /**
   * True when the newest version alone decides the state (deduplicate without a
   * sequence field): a reader may stop at the newest tier that holds the key, and a
   * base row is live exactly when no fresh tier holds its key.
   */
  readonly newestDecides: boolean;
  /** Position of the version whose row is the key's state, or {@link DELETED}. */
  chooseVersion(run: VersionRun): number;
}

/**
 * `deduplicate` (the default engine): the newest version wins; a tombstone as the
 * newest version deletes the key and hides everything older.
 *
 * @example
 * ```ts
 * DEDUPLICATE.chooseVersion({ count: 3, isTombstone: () => false }); // 2
 * ```
 */
export const DEDUPLICATE: MergePolicy = Object.freeze({
  engine: 'deduplicate' as const,
  newestDecides: true,
  chooseVersion(run: VersionRun): number {
    const newest = run.count - 1;
    return run.isTombstone(newest) ? DELETED : newest;
  },
});

/**
 * The merge policy of a table. Every table deduplicates today; issue 13 reads the
 * table's merge engine and sequence field here, and every caller follows.
 *
 * @example
 * ```ts
 * const policy = mergePolicyOf(table); // DEDUPLICATE
 * ```
 */
export function mergePolicyOf(table: Pick<Table, 'schema'>): MergePolicy {
  void table; // the engine will be read from the table's stored options (issue 13)
  return DEDUPLICATE;
}

/**
 * The state of one key from its whole run, under `policy` (default: deduplicate).
 *
 * @example
 * ```ts
 * const winner = chooseVersion(run, mergePolicyOf(table));
 * ```
 */
export function chooseVersion(run: VersionRun, policy: MergePolicy = DEDUPLICATE): number {
  return policy.chooseVersion(run);
}

/**
 * A two-version run, reused: the state merged so far (older) and one newer version,
 * for merges that meet a key's versions one tier at a time (the scan's fresh index).
 * A state "deleted" is passed as a tombstone.
 *
 * @example
 * ```ts
 * const pair = new VersionPair();
 * pair.set(olderDeleted, newerIsTombstone);
 * const w = policy.chooseVersion(pair); // 0: keep the older state, 1: the newer version, DELETED
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
