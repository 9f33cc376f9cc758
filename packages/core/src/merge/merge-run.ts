/**
 * The shapes the one merge works on (merge-versions.ts has the overview): a *run* of
 * one key's versions, oldest first, and the *merged state* the policy answers with.
 *
 * A position of a run is a raw version (a memtable row: a put or a tombstone) or a
 * stored state (a flushed generation's or a base file's row for the key). Both are rows
 * of Arrow batches whose columns are named as the table's; a stored state's batch also
 * carries the state columns of merge-state-columns.ts (`_ft_cut`, `_ft_seq_<column>`),
 * which is how the policy tells the two apart — it never needs to be told.
 */
import type { RecordBatch } from 'apache-arrow';

/** A chosen position's answer when a tombstone ended the key's history: the key reads as absent. */
export const DELETED = -1;

/** In {@link MergedState.provider}: the column's value is computed (`sum`, `count`), see `computed`. */
export const COMPUTED = -2;

/** In {@link MergedState.provider}: the column's value is null (no version provides one). */
export const NO_VALUE = -1;

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
  /** Whether the version at `position` (0 = oldest) is a tombstone (or a stored state "deleted"). */
  isTombstone(position: number): boolean;
}

/**
 * A run whose versions can be read: the row of each position. Every merge that is
 * not "the newest version decides" needs one (sequence values, cut flags, values).
 *
 * @example
 * ```ts
 * const run: RowRun = { count: 1, isTombstone: () => false, batchOf: () => batch, rowOf: () => 3 };
 * ```
 */
export interface RowRun extends VersionRun {
  /** The batch holding the version at `position`. */
  batchOf(position: number): RecordBatch;
  /** Its row in that batch. */
  rowOf(position: number): number;
}

/**
 * The state of one key, as {@link MergePolicy.merge} answers it (reused: `reset` per key).
 *
 * @example
 * ```ts
 * declare const run: RowRun;
 * const policy = mergePolicyOf(table);
 * const state = new MergedState(table.schema.fields.length);
 * policy.merge(run, state);
 * if (!state.deleted) new StateAssembler(policy, table.schema, table.schema.fields, 'none').add(run, state);
 * ```
 */
export class MergedState {
  /** A tombstone is the newest version: the key reads as absent. */
  deleted = false;
  /** A tombstone (or a stored state's cut) in the run ended the history before the live versions: nothing older counts. */
  cut = false;
  /** Newest position (the key columns, `_ft_batch`; the tombstone when deleted). */
  newest = 0;
  /** Per table field: the position whose value the state takes, {@link NO_VALUE} or {@link COMPUTED}. */
  readonly provider: Int32Array;
  /** Per table field whose provider is {@link COMPUTED}: the value (null: none). */
  readonly computed: (bigint | null)[];

  constructor(readonly fieldCount: number) {
    this.provider = new Int32Array(fieldCount);
    this.computed = new Array<bigint | null>(fieldCount).fill(null);
  }

  /** Clears the answer before the next key. */
  reset(): void {
    this.deleted = false;
    this.cut = false;
    this.newest = 0;
  }
}

/**
 * How the versions of one key combine into its state, fixed per table (`mergePolicyOf`).
 *
 * @example
 * ```ts
 * declare const run: RowRun;
 * const policy = mergePolicyOf(table);
 * if (policy.newestDecides) console.log(policy.chooseVersion(run));
 * else policy.merge(run, new MergedState(table.schema.fields.length));
 * ```
 */
export interface MergePolicy {
  readonly engine: 'deduplicate' | 'partial-update' | 'first-row' | 'aggregate';
  /** The column ordering the versions of a key (undefined: arrival order). */
  readonly sequenceField: string | undefined;
  /**
   * True when the newest version alone decides the state (deduplicate without a
   * sequence field): a reader may stop at the newest tier that holds the key, and a
   * base row is live exactly when no fresh tier holds its key. Otherwise readers visit
   * every tier holding the key and merge rows (`merge`).
   */
  readonly newestDecides: boolean;
  /** True when the state is one version's whole row (deduplicate, first-row): `chooseVersion` answers. */
  readonly picksRow: boolean;
  /**
   * Position of the version whose row is the key's state, or {@link DELETED}. Pick
   * engines only (`picksRow`); a policy that is not `newestDecides` needs a {@link RowRun}.
   */
  chooseVersion(run: VersionRun): number;
  /** The state of the key from its run (every engine); needs a {@link RowRun} unless `newestDecides`. */
  merge(run: VersionRun, out: MergedState): void;
}

/**
 * A {@link RowRun} over plain lists, filled oldest first and reused per key (`clear`):
 * for callers that gather a key's versions from several places (scans, lookups).
 *
 * @example
 * ```ts
 * declare const baseBatch: RecordBatch;
 * declare const memtableBatch: RecordBatch;
 * const run = new ListRun();
 * run.clear().push(baseBatch, 4, false).push(memtableBatch, 0, true);
 * const state = new MergedState(table.schema.fields.length);
 * mergePolicyOf(table).merge(run, state); // deleted: the newest version is a tombstone
 * ```
 */
export class ListRun implements RowRun {
  count = 0;
  private readonly batches: RecordBatch[] = [];
  private readonly rows: number[] = [];
  private readonly tombstones: boolean[] = [];

  clear(): this {
    this.count = 0;
    return this;
  }

  /** Appends a version newer than every one before it. */
  push(batch: RecordBatch, row: number, tombstone: boolean): this {
    this.batches[this.count] = batch;
    this.rows[this.count] = row;
    this.tombstones[this.count] = tombstone;
    this.count++;
    return this;
  }

  isTombstone(position: number): boolean {
    return this.tombstones[position];
  }

  batchOf(position: number): RecordBatch {
    return this.batches[position];
  }

  rowOf(position: number): number {
    return this.rows[position];
  }
}
