/**
 * `verify`: reads every object a table version needs, whole, through the same checks
 * reads use (DESIGN.md invariant 13), and reports each damaged one with what it
 * affects. It never changes anything. Which objects, in which order:
 * table-objects.ts. `repair` (repair.ts) starts from this report.
 */
import { errorDetail, isFreshtierError, parseOptions, type Table } from '@freshtier/core';
import { z } from 'zod';
import { readTag, resolveVersion, tagNames, type TableVersion } from '../maintenance/versions.js';
import { isDamage, tableDocObject, versionObjects, type ObjectKind, type TableObject } from './table-objects.js';

/**
 * A damaged object: where, what, why, and who loses what.
 *
 * @example
 * ```ts
 * const report = await verify(table);
 * for (const d of report.damaged) console.log(d.kind, d.path, d.error, d.affects);
 * ```
 */
export interface DamagedObject {
  readonly path: string;
  readonly kind: ObjectKind;
  readonly shard?: number;
  readonly generation?: number;
  /** The error's code (`CORRUPT_ENTRY`, `NOT_FOUND`, `SNAPSHOT_EXPIRED`, `UNSUPPORTED_FORMAT`, …). */
  readonly code: string;
  /** What is wrong with it. */
  readonly error: string;
  readonly affects: string;
}

/**
 * What `verify` found.
 *
 * @example
 * ```ts
 * const report: VerifyReport = await verify(table);
 * if (!report.ok) process.exitCode = 1;
 * ```
 */
export interface VerifyReport {
  /** The table version checked (undefined when the tag naming it is damaged). */
  readonly version?: TableVersion;
  readonly ok: boolean;
  /** Objects read and checked, damaged ones included. */
  readonly checked: number;
  readonly bytesRead: number;
  readonly damaged: readonly DamagedObject[];
}

/**
 * Progress of a `verify` run, once per object checked.
 *
 * @example
 * ```ts
 * await verify(table, { onProgress: (p: VerifyProgress) => console.log(`${p.done}/${p.total} ${p.path}`) });
 * ```
 */
export interface VerifyProgress {
  readonly done: number;
  readonly total: number;
  readonly bytesRead: number;
  readonly path: string;
}

/**
 * Options of {@link verify}. At most one of `version` and `tag`; neither: the newest version.
 *
 * @example
 * ```ts
 * const opts: VerifyOptions = { tag: 'nightly', onProgress: (p) => console.error(`${p.done}/${p.total}`) };
 * ```
 */
export interface VerifyOptions {
  readonly version?: TableVersion;
  readonly tag?: string;
  readonly onProgress?: (p: VerifyProgress) => void;
}

const optionsSchema = z.strictObject({
  version: z.strictObject({ baseVersion: z.number().int().nonnegative(), shardVersions: z.array(z.number().int().nonnegative()) }).optional(),
  tag: z.string().min(1).optional(),
  onProgress: z.custom<(p: VerifyProgress) => void>((v) => typeof v === 'function', 'expected a function').optional(),
}).refine((o) => !(o.version && o.tag), { message: 'give a version or a tag, not both' });

/** Objects checked at once: enough to hide a remote store's latency, few enough to bound memory (files are read whole). */
const CONCURRENCY = 4;

/**
 * Checks every object of a table version (the newest unless `version` or `tag` is
 * given) and reports the damaged ones; `ok` is true when there are none. Without a
 * `tag`, every tag document is checked too; the newest version also checks the WAL
 * entries after each shard's `replayAfter`.
 *
 * @example
 * ```ts
 * const report = await verify(table);
 * for (const d of report.damaged) console.error(`${d.path}: ${d.error} — affects ${d.affects}`);
 * ```
 */
export async function verify(table: Table, options: VerifyOptions = {}): Promise<VerifyReport> {
  const opts = parseOptions(optionsSchema, options, 'verify options');
  const damaged: DamagedObject[] = [];
  const objects: TableObject[] = [tableDocObject(table), ...(await tagObjects(table, opts.tag))];
  const version = await versionToCheck(table, opts);
  let manifests = 0;
  if (version) {
    const found = await versionObjects(table, version, !opts.version && !opts.tag);
    manifests = 1 + version.shardVersions.length;
    objects.push(...found.objects);
    for (const f of found.failed) damaged.push(damage(f.object, f.error));
  }
  const run = await checkAll(objects, opts.onProgress);
  damaged.push(...run.damaged);
  return { version, ok: damaged.length === 0, checked: objects.length + manifests, bytesRead: run.bytesRead, damaged };
}

/** The tag documents to check: the one named, or all. */
async function tagObjects(table: Table, only: string | undefined): Promise<TableObject[]> {
  const names = only !== undefined ? [only] : await tagNames(table);
  return names.map((name) => ({
    path: `_tags/${name}.json`, kind: 'tag' as const,
    affects: `checkout of tag "${name}" (its version itself may be intact)`,
    check: async () => (await readTag(table, name), 0),
  }));
}

/** The newest version, by listing: `head` would load (and so refuse) a damaged newest manifest. */
async function newestListed(table: Table): Promise<TableVersion> {
  const newest = async (versions: Promise<number[]>) => (await versions).at(-1) ?? 0;
  const shards = Array.from({ length: table.shardCount }, (_, s) => newest(table.shardManifests(s).versions()));
  return { baseVersion: await newest(table.baseManifests.versions()), shardVersions: await Promise.all(shards) };
}

/** The version asked for, or the newest; undefined when the tag naming it cannot be read (its own check reports why). */
async function versionToCheck(table: Table, opts: z.infer<typeof optionsSchema>): Promise<TableVersion | undefined> {
  if (opts.version) return resolveVersion(table, opts.version);
  if (opts.tag === undefined) return newestListed(table);
  try {
    return await resolveVersion(table, opts.tag);
  } catch (e) {
    if (isDamage(e) && !isFreshtierError(e, 'NOT_FOUND')) return undefined;
    throw e; // no such tag (a typo), or the store failed
  }
}

async function checkAll(objects: readonly TableObject[], onProgress: VerifyOptions['onProgress']): Promise<{ damaged: DamagedObject[]; bytesRead: number }> {
  const damaged: (DamagedObject | undefined)[] = new Array(objects.length);
  let next = 0;
  let done = 0;
  let bytesRead = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      try {
        bytesRead += await objects[i].check();
      } catch (e) {
        if (!isDamage(e)) throw e; // a store outage or a bug, not damage: verify cannot vouch for anything
        damaged[i] = damage(objects[i], e);
      }
      onProgress?.({ done: ++done, total: objects.length, bytesRead, path: objects[i].path });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { damaged: damaged.filter((d): d is DamagedObject => d !== undefined), bytesRead };
}

function damage(o: TableObject, e: unknown): DamagedObject {
  const code = isFreshtierError(e) ? e.code : 'UNKNOWN';
  return { path: o.path, kind: o.kind, shard: o.shard, generation: o.generation, code, error: errorDetail(e), affects: o.affects };
}
