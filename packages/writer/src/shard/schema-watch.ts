/**
 * A writer and the table's schema (docs/format.md §14): a writer writes at the schema
 * version of the Table handle it was opened with. It checks that version is the table's when
 * it opens (open.ts: before claiming anything, and again after its epoch claim and fence),
 * and after each flush commit; once the table moved on, its puts, deletes and ingests refuse
 * with `SchemaChangedError`, while flush and close go on (what it acked stays readable: its
 * files and WAL entries record their schema version).
 */
import { SchemaChangedError, schemaVersionOfBase, type BaseManifest, type ShardId, type Table } from '@freshtier/core';

/**
 * Before anything is claimed, and again after the claim and fence (before replay and any ack):
 * a handle on another schema version would log and flush batches of columns the table no
 * longer has, or (after a rollback) values its restored columns cannot hold, so it must reopen.
 * Returns the newest base manifest it read (replay skips the generations it covers).
 *
 * @example
 * ```ts
 * await assertCurrentSchema(table, 0); // SchemaChangedError if table is not at the newest base's schema
 * ```
 */
export async function assertCurrentSchema(table: Table, shard: number): Promise<BaseManifest> {
  const { doc } = await table.baseManifests.latest();
  const current = schemaVersionOfBase(doc);
  if (current !== table.schemaVersion) throw new SchemaChangedError(`The Table handle this writer of shard ${shard} was opened with`, table.schemaVersion, current, { shard });
  return doc;
}

/**
 * What a live writer knows of the table's schema since it opened.
 *
 * @example
 * ```ts
 * const watch = new SchemaWatch(table, 0);
 * await watch.look();        // after a flush commit
 * watch.assertWritable();    // before a put: SchemaChangedError once the schema moved on
 * ```
 */
export class SchemaWatch {
  /** The table's schema version once a look found it changed. */
  private changedTo: number | undefined;

  constructor(private readonly table: Table, private readonly shard: ShardId) {}

  /** Reads the newest base manifest's schema version; a failed look is retried by the next one. */
  async look(): Promise<void> {
    try {
      const current = schemaVersionOfBase((await this.table.baseManifests.latest()).doc);
      if (current !== this.table.schemaVersion) this.changedTo = current;
    } catch {
      // the next flush commit looks again; a failed look must not fail a flush that committed
    }
  }

  /** Throws `SchemaChangedError` once a look found the table at another schema version. */
  assertWritable(): void {
    if (this.changedTo === undefined) return;
    throw new SchemaChangedError(`The writer of shard ${this.shard}`, this.table.schemaVersion, this.changedTo, { shard: this.shard });
  }
}
