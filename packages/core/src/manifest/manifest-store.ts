/**
 * Versioned manifests with conditional commits (DESIGN.md "Storage layout").
 *
 * Version `v` of a manifest is the object `<dir>v<20 digits>.json`, created with
 * `putIfAbsent`: a commit either wins the next version number or fails with
 * `CommitConflictError`. Nothing is rewritten in place. Version 0 is the
 * implicit initial document and is never stored.
 *
 * Finding the newest version: a best-effort `<dir>_latest` hint (written after
 * each commit, may lag) gives a starting point; `head` probes forward from it
 * until a version is missing. Without a hint, the directory is listed. The hint
 * can only lag, never lead, because it is written after the commit it names. It
 * carries a CRC (manifest-hint.ts): a damaged hint could name a tagged version GC
 * kept below a gap, where probing would stop early. And a commit does not write its
 * hint once a newer version or a newer hint exists, so a slow committer does not set it back.
 *
 * Folder `manifest/`: the versioned documents — their schemas (manifest-schemas.ts),
 * this store, and what a base version says about a shard's generations
 * (base-coverage.ts, generation-ranges.ts). The paths are layout/'s.
 */
import type { z } from 'zod';
import { CommitConflictError, CorruptEntryError, UnsupportedFormatError, isFreshtierError } from '../errors.js';
import { layout, parseManifestVersion } from '../layout/layout.js';
import { FORMAT_VERSION } from './manifest-schemas.js';
import type { ObjectStore } from '../store/object-store.js';
import { openStoredJson, sealedJsonBytes } from '../format/doc-checksum.js';
import { parseStored } from '../validate.js';
import { decodeHint, encodeHint } from './manifest-hint.js';

/** A manifest document at a version. */
export interface Versioned<T> {
  version: number;
  doc: T;
}

/** Commits lost to other committers, in a row, before a manifest update gives up. */
export const MAX_COMMIT_ATTEMPTS = 50;

/**
 * One read-modify-commit change: see {@link ManifestStore.update}.
 *
 * @example
 * ```ts
 * const u: ManifestUpdate<ShardManifest> = { build: (doc) => ({ ...doc, note: 'x' }), landed: (doc) => doc.note === 'x' };
 * ```
 */
export interface ManifestUpdate<T> {
  /** The version to build on (default: the newest); reloaded after a conflict. */
  readonly head?: Versioned<T>;
  /**
   * The next document, from the newest one; throw to refuse, `undefined` to stop without a commit.
   * May be async: a guard may need to read stored versions (compaction's GC-fence rule).
   */
  build(latest: T, version: number): T | undefined | Promise<T | undefined>;
  /** True if `latest` already holds this change (an earlier attempt whose acknowledgement was lost). */
  landed?(latest: T): boolean;
  /** Commit attempts before `CommitConflictError` (default {@link MAX_COMMIT_ATTEMPTS}). */
  readonly maxAttempts?: number;
}

/**
 * The versions of one manifest directory.
 *
 * @example
 * ```ts
 * const { version, doc } = await table.baseManifests.latest();
 * await table.baseManifests.commit(version + 1, { ...doc, note: 'compact shard 0' });
 * ```
 */
export class ManifestStore<T extends { formatVersion: number }> {
  constructor(
    readonly store: ObjectStore,
    readonly dir: string,
    private readonly schema: z.ZodType<T>,
    private readonly initial: () => T,
    /** True in a table whose `_table.json` says `checksums: true`: a version without one is corrupt. */
    private readonly checksumRequired = false,
    /** The format versions these documents may have (base manifests: 1 and 2, docs/format.md "Schema versions"). */
    private readonly formatVersions: readonly number[] = [FORMAT_VERSION],
  ) {}

  /**
   * The newest committed version (version 0 with the initial document if none).
   * Costs one GET of the hint, one GET of the hinted version and one HEAD probe when
   * the hint is current; a LIST only when there is no usable hint.
   */
  async latest(): Promise<Versioned<T>> {
    let start = await this.readHint();
    let doc = start !== undefined && start > 0 ? await this.tryLoad(start) : undefined;
    // A hint naming a version that is not stored (garbage, or a pruned version) would lead: list instead.
    if (start === undefined || (start > 0 && doc === undefined)) start = await this.listedLatest();
    let v = start;
    while (await this.store.head(layout.manifest(this.dir, v + 1))) v++;
    if (v !== start || doc === undefined) doc = await this.load(v);
    return { version: v, doc };
  }

  /** The newest committed version number (0 if none). */
  async latestVersion(): Promise<number> {
    return (await this.latest()).version;
  }

  /**
   * Writes the `_latest` hint for version `version` (best effort). `Table.create` writes 0 so
   * a table nobody committed to yet is found without a LIST; GC rewrites it before pruning.
   */
  async hint(version: number): Promise<void> {
    await this.writeHint(version);
  }

  private async tryLoad(version: number): Promise<T | undefined> {
    try {
      return await this.load(version);
    } catch (e) {
      if (isFreshtierError(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
  }

  /**
   * Loads one version; a missing version is `NotFoundError`, a bad one `CorruptEntryError`.
   * The checksum is verified before anything in the document is looked at.
   */
  async load(version: number): Promise<T> {
    if (version === 0) return this.initial();
    const path = layout.manifest(this.dir, version);
    const raw = openStoredJson(await this.store.get(path), path, this.checksumRequired, this.formatVersions).doc as { formatVersion?: unknown };
    if (!this.formatVersions.includes(raw?.formatVersion as number)) throw new UnsupportedFormatError(path, raw?.formatVersion, this.formatVersions.length === 1 ? this.formatVersions[0] : this.formatVersions);
    return this.ownDoc(parseStored(this.schema, raw, path), path);
  }

  /** A valid document of another directory (a shard manifest copied to another shard's path) passes its checksum: its `shard` must be this directory's. */
  private ownDoc(doc: T, path: string): T {
    const want = (this.initial() as { shard?: unknown }).shard;
    const got = (doc as { shard?: unknown }).shard;
    if (want !== undefined && got !== want) throw new CorruptEntryError(path, `the manifest names shard ${String(got)} but is stored as shard ${String(want)}'s (a document of another shard)`);
    return doc;
  }

  /**
   * Commits `doc` as `version` (must be latest + 1 to win). Throws `CommitConflictError`
   * if that version exists, or if a newer one does (GC pruned `version` after newer
   * commits, and this commit would have landed below the newest); the caller reloads and
   * decides whether to retry.
   */
  async commit(version: number, doc: T): Promise<void> {
    const path = layout.manifest(this.dir, version);
    const checked = parseStored(this.schema, doc, path);
    if ((await this.store.putIfAbsent(path, sealedJsonBytes(checked))) === 'exists') throw new CommitConflictError(path, version);
    if (await this.store.head(layout.manifest(this.dir, version + 1))) {
      // GC pruned `version` after newer commits; we re-created it below the newest, where no
      // reader looks. Undo and report a conflict: the caller reloads and builds on the newest.
      await this.store.delete(path);
      throw new CommitConflictError(path, version);
    }
    await this.writeHint(version, true);
  }

  /**
   * The one read-modify-commit step every manifest change goes through: builds the next
   * document from the newest one and commits it as the next version, reloading and
   * rebuilding when another commit won that version (DESIGN.md: "a commit either wins
   * the next version number or fails with a conflict").
   *
   * 1. Start from `head` (or the newest version).
   * 2. If `landed(doc)`, the change is already there (an earlier attempt whose
   *    acknowledgement was lost): return that version.
   * 3. `build(doc)` makes the next document; it throws to refuse (a guard: say, a newer
   *    epoch fences the caller) and returns `undefined` to stop without committing.
   * 4. Commit it as version + 1. On a conflict, reload and go to 2, at most `maxAttempts`
   *    times in all (then `CommitConflictError`). On any other error the outcome is
   *    unknown: reload, and return the reloaded version if `landed` recognises the change
   *    there, else rethrow the error.
   *
   * @example
   * ```ts
   * const next = await table.shardManifests(0).update({
   *   build: (doc) => ({ ...doc, epoch: doc.epoch + 1, note: 'claim' }),
   *   landed: (doc) => doc.note === 'claim',
   * });
   * ```
   */
  async update(u: ManifestUpdate<T>): Promise<Versioned<T> | undefined> {
    let head = u.head ?? (await this.latest());
    const max = u.maxAttempts ?? MAX_COMMIT_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      if (u.landed?.(head.doc)) return head;
      const doc = await u.build(head.doc, head.version);
      if (doc === undefined) return undefined;
      try {
        await this.commit(head.version + 1, doc);
        return { version: head.version + 1, doc };
      } catch (e) {
        const conflict = isFreshtierError(e, 'COMMIT_CONFLICT');
        if (conflict && attempt >= max) throw e;
        head = await this.latest().catch(() => { throw e; });
        if (!conflict && !u.landed?.(head.doc)) throw e;
      }
    }
  }

  /** Every stored version number, ascending. */
  async versions(): Promise<number[]> {
    const metas = await this.store.list(this.dir);
    return metas.map((m) => parseManifestVersion(m.key)).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  }

  private async listedLatest(): Promise<number> {
    const all = await this.versions();
    return all.length === 0 ? 0 : all[all.length - 1];
  }

  private async readHint(): Promise<number | undefined> {
    try {
      // tables with checksums take only checked hints (an empty or flipped one would mislead)
      return decodeHint(await this.store.get(layout.manifestHint(this.dir)), !this.checksumRequired);
    } catch {
      return undefined; // the hint is only a shortcut: missing or unreadable means "list"
    }
  }

  /** `nextChecked`: the caller just saw no version `version + 1` (a commit's own check). */
  private async writeHint(version: number, nextChecked = false): Promise<void> {
    try {
      // a newer commit wrote (or will write) a newer hint: never set it back (a version just above
      // may be pruned already, when a tag kept this one: so the stored hint is asked too)
      if ((await this.readHint() ?? -1) > version) return;
      if (!nextChecked && await this.store.head(layout.manifest(this.dir, version + 1))) return;
      await this.store.put(layout.manifestHint(this.dir), encodeHint(version));
    } catch {
      // best effort: a stale hint costs probes, never correctness
    }
  }
}
