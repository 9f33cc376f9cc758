/**
 * Table versions and tags (docs/base-table.md "Versions and tags").
 *
 * A *table version* is one base manifest version plus, per shard, one shard
 * manifest version. Every manifest version is immutable, so a table version always
 * reads the same rows for as long as its manifests and files are kept (GC keeps
 * tagged ones). `versions()` lists every stored manifest version in commit order,
 * each with the table version it produced; `tag()` names a table version in
 * `_tags/<name>.json` (put-if-absent); `checkout()` reads one, read-only.
 */
import {
  AlreadyExistsError, CorruptEntryError, FORMAT_VERSION, InvalidOptionsError, NotFoundError, UnsupportedFormatError, assertKnownKeys, layout, openStoredJson, parseOptions, schemaVersionOfBase,
  parseStored, sealedJsonBytes, tagDocSchema, type ManifestStore, type Table, type TagDoc,
} from '@freshtier/core';
import { LsmScanner, type LsmScannerOptions } from '@freshtier/scanner';
import { z } from 'zod';

/**
 * One base version and one shard manifest version per shard (indexed by shard).
 *
 * @example
 * ```ts
 * const v: TableVersion = { baseVersion: 3, shardVersions: [8, 5] };
 * ```
 */
export interface TableVersion {
  readonly baseVersion: number;
  readonly shardVersions: readonly number[];
}

/**
 * A table version or the name of a tag.
 *
 * @example
 * ```ts
 * await checkout(table, 'before-migration');
 * await checkout(table, { baseVersion: 3, shardVersions: [8, 5] });
 * ```
 */
export type VersionRef = string | TableVersion;

/**
 * One committed manifest version and the table version it produced.
 *
 * @example
 * ```ts
 * for (const v of await versions(table)) console.log(v.committedAt, v.manifest, v.shard ?? '', v.version, v.note);
 * ```
 */
export interface VersionInfo extends TableVersion {
  /** Which manifest this commit was to. */
  readonly manifest: 'base' | 'shard';
  /** The shard, for a shard manifest commit. */
  readonly shard?: number;
  /** The version number of that manifest. */
  readonly version: number;
  readonly committedAt: string;
  /** What the commit did (flush, compaction, epoch claim, rollback …). */
  readonly note: string;
}

/**
 * The newest table version (base first, then the shards, as a scan reads them).
 *
 * @example
 * ```ts
 * const now = await head(table);
 * ```
 */
export async function head(table: Table): Promise<TableVersion> {
  for (let attempt = 1; ; attempt++) {
    const base = await table.baseManifests.latest();
    const shardVersions = await Promise.all(shardIds(table).map((s) => table.shardManifests(s).latestVersion()));
    // a schema change committed between the two reads could let a shard name a file of a schema its base
    // version does not know (a version nobody could read): read again. Unchanged schema: no such file exists,
    // since a writer of a newer schema opens only after the change's commit.
    const after = attempt < HEAD_ATTEMPTS && (await table.baseManifests.latest());
    if (!after || schemaVersionOfBase(after.doc) === schemaVersionOfBase(base.doc)) return { baseVersion: base.version, shardVersions };
  }
}

/** Reads of the newest version before {@link head} gives up waiting for schema changes to settle. */
const HEAD_ATTEMPTS = 4;

/**
 * Every stored manifest version, oldest first (by `committedAt`), each with the
 * table version current right after it. Versions GC pruned are not listed.
 *
 * @example
 * ```ts
 * const all = await versions(table);
 * await tag(table, 'last-good', all[all.length - 2]);
 * ```
 */
export async function versions(table: Table): Promise<VersionInfo[]> {
  const commits = (await Promise.all([commitsOf(table.baseManifests, 'base'), ...shardIds(table).map((s) => commitsOf(table.shardManifests(s), 'shard', s))])).flat();
  commits.sort((a, b) => (a.committedAt < b.committedAt ? -1 : a.committedAt > b.committedAt ? 1 : a.order - b.order));
  const current = { base: startOf(commits, 'base'), shards: shardIds(table).map((s) => startOf(commits, 'shard', s)) };
  return commits.map(({ order: _order, ...c }) => {
    if (c.manifest === 'base') current.base = c.version;
    else current.shards[c.shard!] = c.version;
    return { ...c, baseVersion: current.base, shardVersions: [...current.shards] };
  });
}

type Commit = Omit<VersionInfo, 'baseVersion' | 'shardVersions'> & { order: number };

async function commitsOf(manifests: ManifestStore<{ formatVersion: number; committedAt: string; note: string }>, manifest: 'base' | 'shard', shard?: number): Promise<Commit[]> {
  const stored = await manifests.versions();
  const docs = await Promise.all(stored.map((v) => manifests.load(v)));
  // ties in committedAt: base before shards, then by version (a stable, explainable order)
  return stored.map((version, i) => ({ manifest, shard, version, committedAt: docs[i].committedAt, note: docs[i].note, order: (shard ?? -1) * 1e12 + version }));
}

/** The version in effect before the first listed commit: 0, unless older versions were pruned. */
function startOf(commits: readonly Commit[], manifest: 'base' | 'shard', shard?: number): number {
  const mine = commits.filter((c) => c.manifest === manifest && c.shard === shard).map((c) => c.version);
  const oldest = mine.length ? Math.min(...mine) : 0;
  return oldest > 1 ? oldest : 0;
}

/**
 * Names a table version (default: the newest) with a tag; fails with
 * `AlreadyExistsError` if the tag exists. Tagged versions are kept by GC.
 *
 * @example
 * ```ts
 * await tag(table, 'before-migration');
 * ```
 */
export async function tag(table: Table, name: string, version?: VersionRef): Promise<TagDoc> {
  assertTagName(name);
  const v = version === undefined ? await head(table) : await resolveVersion(table, version);
  const doc: TagDoc = {
    formatVersion: FORMAT_VERSION, name, baseVersion: v.baseVersion,
    shardVersions: Object.fromEntries(v.shardVersions.map((sv, s) => [String(s), sv])), createdAt: new Date().toISOString(),
  };
  if ((await table.store.putIfAbsent(layout.tag(name), sealedJsonBytes(doc))) === 'exists') {
    throw new AlreadyExistsError(layout.tag(name), `tag "${name}" exists: choose another name or deleteTag it first`);
  }
  return doc;
}

/**
 * Every tag, by name.
 *
 * @example
 * ```ts
 * for (const t of await tags(table)) console.log(t.name, t.baseVersion, t.shardVersions);
 * ```
 */
export async function tags(table: Table): Promise<TagDoc[]> {
  return Promise.all((await tagNames(table)).map((n) => readTag(table, n)));
}

/**
 * The names of the stored tags, sorted, without reading them.
 *
 * @example
 * ```ts
 * const names = await tagNames(table); // ['before-migration', 'nightly']
 * ```
 */
export async function tagNames(table: Table): Promise<string[]> {
  const metas = await table.store.list(layout.tagsDir);
  return metas.map((m) => layout.parse(m.key)).flatMap((p) => (p?.kind === 'tag' ? [p.name] : [])).sort();
}

/**
 * Removes a tag (its version becomes collectable once outside GC's retention).
 *
 * @example
 * ```ts
 * await deleteTag(table, 'before-migration');
 * ```
 */
export async function deleteTag(table: Table, name: string): Promise<void> {
  assertTagName(name);
  if (!(await table.store.head(layout.tag(name)))) throw noSuchTag(table, name);
  await table.store.delete(layout.tag(name));
}

/**
 * The table version a tag names, or a given table version, checked to be stored.
 *
 * @example
 * ```ts
 * const v = await resolveVersion(table, 'nightly');
 * ```
 */
export async function resolveVersion(table: Table, ref: VersionRef): Promise<TableVersion> {
  const v = typeof ref === 'string' ? tagVersion(table, await readTag(table, ref)) : checkShape(table, ref);
  await assertStored(table.baseManifests, v.baseVersion);
  await Promise.all(v.shardVersions.map((sv, s) => assertStored(table.shardManifests(s), sv)));
  return v;
}

const CHECKOUT_OPTIONS = ['snapshotRetentionMs', 'batchSize', 'keyIndexCacheBytes'];

const rollbackOptionsSchema = z.strictObject({
  onStep: z.custom<(step: never) => unknown>((v) => typeof v === 'function', 'expected a function').optional(),
});

/**
 * Checks `rollback` options (unknown keys are refused, naming them) before the rollback
 * touches anything. Throws `InvalidOptionsError`.
 *
 * @example
 * ```ts
 * checkRollbackOptions({ onStep: console.log }); // ok
 * checkRollbackOptions({ onstep: console.log }); // InvalidOptionsError naming "onstep"
 * ```
 */
export function checkRollbackOptions(options: unknown): void {
  parseOptions(rollbackOptionsSchema, options, 'rollback options');
}

/**
 * A read-only scanner of a table version (`LsmScanner` pinned with `at`).
 *
 * @example
 * ```ts
 * const old = await checkout(table, 'before-migration');
 * const rows = await old.scan({ columns: ['id', 'name'] }).toTable();
 * ```
 */
export async function checkout(table: Table, ref: VersionRef, options: Omit<LsmScannerOptions, 'writers' | 'at'> = {}): Promise<LsmScanner> {
  // checked here, before the spread below could let `at` or `writers` through unnoticed
  assertKnownKeys(options, CHECKOUT_OPTIONS, 'checkout options');
  const at = await resolveVersion(table, ref);
  // a pinned read sees the schema of its version (issue 17), whatever the handle's
  const pinned = table.atBase(await table.baseManifests.load(at.baseVersion), layout.manifest(layout.baseManifests, at.baseVersion));
  return new LsmScanner(pinned, { ...options, at });
}

/**
 * Reads one tag document, verified before use.
 *
 * @example
 * ```ts
 * const doc = await readTag(table, 'nightly');
 * ```
 */
export async function readTag(table: Table, name: string): Promise<TagDoc> {
  assertTagName(name);
  const path = layout.tag(name);
  if (!(await table.store.head(path))) throw noSuchTag(table, name);
  // verified before use: a flipped byte must not point a tag at another version
  const raw = openStoredJson(await table.store.get(path), path, table.doc.checksums === true, FORMAT_VERSION).doc as { formatVersion?: unknown };
  if (raw?.formatVersion !== FORMAT_VERSION) throw new UnsupportedFormatError(path, raw?.formatVersion, FORMAT_VERSION);
  const doc = parseStored(tagDocSchema, raw, path);
  // another tag's intact document copied over this file would point this name at its version
  if (doc.name !== name) throw new CorruptEntryError(path, `it is the document of tag "${doc.name}", not of tag "${name}"`);
  return doc;
}

/**
 * A tag that does not exist: a typo or a tag never made, not a damaged table, so the
 * message says how to list the tags from the command line and nothing about lost files.
 */
function noSuchTag(table: Table, name: string): NotFoundError {
  const uri = table.store.uri;
  return new NotFoundError(layout.tag(name), `list the tags with \`freshtier tags ${uri}\``, {
    subject: `There is no tag "${name}" in ${uri}`,
    context: { tag: name, hint: 'a tag is made with `freshtier tag <uri> <name>`; `freshtier tags <uri>` lists them' },
  });
}

function tagVersion(table: Table, doc: TagDoc): TableVersion {
  return { baseVersion: doc.baseVersion, shardVersions: shardIds(table).map((s) => doc.shardVersions[String(s)] ?? 0) };
}

function checkShape(table: Table, v: TableVersion): TableVersion {
  const ok = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!v || typeof v !== 'object' || !ok(v.baseVersion) || !Array.isArray(v.shardVersions) || v.shardVersions.length !== table.shardCount || !v.shardVersions.every(ok)) {
    throw new InvalidOptionsError('table version', [{ path: '', message: `expected a tag name or { baseVersion, shardVersions } with one version per shard (${table.shardCount}); take one from versions() or head()` }]);
  }
  return { baseVersion: v.baseVersion, shardVersions: [...v.shardVersions] };
}

async function assertStored(manifests: ManifestStore<{ formatVersion: number }>, version: number): Promise<void> {
  if (version === 0) return; // the implicit initial version
  const path = layout.manifest(manifests.dir, version);
  if (!(await manifests.store.head(path))) throw new NotFoundError(path, 'that version does not exist or was pruned by gc (tag versions to keep them)');
}

function assertTagName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new InvalidOptionsError('tag name', [{ path: 'name', message: 'use 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit' }]);
  }
}

function shardIds(table: Table): number[] {
  return Array.from({ length: table.shardCount }, (_, s) => s);
}
