/**
 * The table's storage layout (DESIGN.md "Storage layout"). Every path the
 * engine reads or writes is built here, relative to the table root.
 *
 * ```
 * _table.json
 * base/_manifests/v<20 digits>.json     base/data/<uuid>.parquet (+ .keys)
 * shards/<id>/_manifests/v<20 digits>.json
 * shards/<id>/wal/<20 digits>.arrow
 * shards/<id>/gen-<g>-<rand>/data.parquet (+ keys.arrow)
 * _tags/<name>.json
 * ```
 */
import { randomUUID } from 'node:crypto';

/** Zero-pads a non-negative integer to 20 digits, so lexicographic order is numeric order. */
export function pad20(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  return String(n).padStart(20, '0');
}

/** Table layout paths. @example `layout.walEntry(0, 12)` → `shards/0/wal/00000000000000000012.arrow` */
export const layout = {
  tableDoc: '_table.json',
  baseManifests: 'base/_manifests/',
  shardManifests: (shard: number) => `shards/${shard}/_manifests/`,
  manifest: (dir: string, version: number) => `${dir}v${pad20(version)}.json`,
  walDir: (shard: number) => `shards/${shard}/wal/`,
  walEntry: (shard: number, position: number) => `shards/${shard}/wal/${pad20(position)}.arrow`,
  generationDir: (shard: number, generation: number) => `shards/${shard}/gen-${generation}-${randomUUID().slice(0, 8)}/`,
  baseDataFile: () => `base/data/${randomUUID()}.parquet`,
  tag: (name: string) => `_tags/${name}.json`,
  tagsDir: '_tags/',
} as const;

/** The key index file beside a data file. */
export function keyIndexPathFor(dataPath: string): string {
  return dataPath.replace(/\.parquet$/, '') + '.keys.arrow';
}

/** Parses a version number out of a manifest key, or undefined if it is not one. */
export function parseManifestVersion(key: string): number | undefined {
  const m = /\/v(\d{20})\.json$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** Parses a WAL position out of a WAL entry key, or undefined. */
export function parseWalPosition(key: string): number | undefined {
  const m = /\/wal\/(\d{20})\.arrow$/.exec(key);
  return m ? Number(m[1]) : undefined;
}
