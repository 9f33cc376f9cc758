/**
 * Opening a table for `verify` and `repair`, which must run when the newest base manifest is
 * the damaged object: `Table.open` reads that manifest for the schema and would refuse.
 */
import { Table, isFreshtierError, layout, type ObjectStore } from '@freshtier/core';

/**
 * As `Table.open`, at the schema of the newest base version that loads (version 0 when none
 * does) if the newest is damaged or of another format. Other failures are thrown as they are.
 *
 * @example
 * ```ts
 * import { LocalStore } from '@freshtier/core';
 * const table = await openTableForRepair(new LocalStore('/data/users')); // opens even if the newest base manifest is corrupt
 * const report = await verify(table);
 * ```
 */
export async function openTableForRepair(store: ObjectStore): Promise<Table> {
  const table = await Table.openDoc(store);
  try {
    return await table.current();
  } catch (e) {
    if (!isFreshtierError(e, 'CORRUPT_ENTRY') && !isFreshtierError(e, 'UNSUPPORTED_FORMAT')) throw e;
  }
  for (const v of [...(await table.baseManifests.versions())].sort((a, b) => b - a)) {
    const loaded = await table.baseManifests.load(v).catch(() => undefined);
    if (loaded) return table.atBase(loaded, layout.manifest(layout.baseManifests, v));
  }
  return table;
}
