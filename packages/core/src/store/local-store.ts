import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FreshtierError, NotFoundError, StoreFailureError } from '../errors.js';
import { DirSyncs, ensureDir } from './local-dir-sync.js';
import { RootGuard } from './local-root.js';
import { assertValidKey, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from './object-store.js';
import { readRanges } from './read-ranges.js';

/** Names of in-flight (or crash-orphaned) temporary files; `list` never reports them. */
const TEMP_PREFIX = '.tmp-';

/**
 * An {@link ObjectStore} on a local (POSIX) filesystem: key `a/b/c` is file `<root>/a/b/c`.
 *
 * Every write goes to a temporary file in the target directory that is fsynced
 * before it gets its final name, and the directory is fsynced afterwards. So an
 * object under its final name is always complete, even after a crash or power loss;
 * a crash leaves at most `.tmp-*` files, which `list` ignores and keys may not use.
 * - `put` renames the temporary file over the final name (atomic replace).
 * - `putIfAbsent` hard-links it to the final name, which fails if the name exists
 *   (atomic create, also across processes sharing the directory).
 *
 * Cost per write (the WAL's hot path): the containment check, then open, write, fsync,
 * close, link (or rename) and unlink of the temporary file, and a directory fsync.
 * Directories are created once per store (remembered; recreated if removed meanwhile),
 * and concurrent writes into one directory share a directory fsync: one that starts
 * after a write's link covers it, so a write waits for the next one to start rather
 * than running its own (see `DirSyncs`).
 *
 * A key cannot be both an object and a "directory" of other keys (`a` and `a/b`).
 * No operation follows a symbolic link out of the root (local-root.ts): such a path
 * is refused with `OutsideRootError`, and `list` never reports or enters links.
 *
 * @example
 * ```ts
 * const store = new LocalStore('/data/tables/events');
 * const bytes = new TextEncoder().encode('{"formatVersion":1}');
 * const r = await store.putIfAbsent('_manifest/00000001.json', bytes); // 'created' | 'exists'
 * const files = await store.list('shards/0/wal/');
 * ```
 */
export class LocalStore implements ObjectStore {
  readonly uri: string;
  /** Absolute path of the directory holding the objects. */
  readonly root: string;
  private readonly guard: RootGuard;
  /** Directories this store created or found, so a write skips `mkdir` (see `tempIn`). */
  private readonly madeDirs = new Set<string>();
  private readonly dirSyncs = new DirSyncs();

  /** @param rootDir Directory for the objects; created on the first write. */
  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
    this.uri = pathToFileURL(this.root).href;
    this.guard = new RootGuard(this.root);
  }

  async get(key: string): Promise<Uint8Array> {
    return this.readOpen('get', key, async (fh) => asPlainBytes(await fh.readFile()));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    assertValidRange(offset, length);
    return this.readOpen('getRange', key, (fh) => readRange(fh, offset, length));
  }

  /** Several ranges with one open (a key-index lookup reads many blocks of one file); each clipped as `getRange` clips. */
  async getRanges(key: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    for (const [offset, length] of ranges) assertValidRange(offset, length);
    let parts: Uint8Array[] = [];
    await this.readOpen('getRange', key, async (fh) => {
      parts = await readRanges(fh, ranges);
      return new Uint8Array(0);
    });
    return parts;
  }

  /** Opens `key` for reading inside the root (see `RootGuard.openReadable`), reads it with `read`, closes it. */
  private async readOpen(op: string, key: string, read: (fh: fs.FileHandle) => Promise<Uint8Array>): Promise<Uint8Array> {
    const file = this.fileOf(key);
    try {
      const fh = await this.guard.openReadable(op, key, file);
      try {
        return await read(fh);
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw isMissing(e) ? new NotFoundError(file) : wrap(op, file, e);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const file = this.fileOf(key);
    try {
      await this.guard.assertReadable('head', key, file);
      const st = await fs.stat(file);
      return st.isFile() ? { key, size: st.size, lastModified: Math.floor(st.mtimeMs) } : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw wrap('head', file, e);
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.fileOf(key);
    try {
      await this.guard.assertParentInside('put', key, file);
      const tmp = await this.tempIn(path.dirname(file), data);
      await fs.rename(tmp, file).catch(async (e: unknown) => {
        await removeTemp(tmp);
        throw e;
      });
      await this.dirSyncs.sync(path.dirname(file)); // makes the rename itself durable
    } catch (e) {
      throw wrap('put', file, e);
    }
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    const file = this.fileOf(key);
    try {
      await this.guard.assertParentInside('putIfAbsent', key, file);
      const tmp = await this.tempIn(path.dirname(file), data);
      const result = await linkOnce(tmp, file).finally(() => removeTemp(tmp));
      // Sync also on 'exists': the winner may not have synced yet, and callers act on what they saw.
      await this.dirSyncs.sync(path.dirname(file));
      return result;
    } catch (e) {
      throw wrap('putIfAbsent', file, e);
    }
  }

  /**
   * Writes `data` to a fsynced temporary file in `dir`. The directory is created the first
   * time only; if it was removed since (by hand: freshtier leaves directories in place), the
   * write finds no directory and creates it again.
   */
  private async tempIn(dir: string, data: Uint8Array): Promise<string> {
    if (this.madeDirs.has(dir)) {
      try {
        return await writeTempFile(dir, data);
      } catch (e) {
        if (!hasCode(e, 'ENOENT')) throw e;
        this.madeDirs.delete(dir);
      }
    }
    await ensureDir(dir);
    this.madeDirs.add(dir);
    return writeTempFile(dir, data);
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    const base = prefixDir(prefix);
    const dir = base === '' ? this.root : this.fileOf(base);
    try {
      await this.guard.assertListable(base === '' ? prefix : base, dir);
      const found = await walk(dir, base, prefix);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    } catch (e) {
      throw wrap('list', dir, e);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.fileOf(key);
    try {
      await this.guard.assertParentInside('delete', key, file);
      await fs.unlink(file);
    } catch (e) {
      if (isMissing(e)) return; // already gone: delete is idempotent
      throw wrap('delete', file, e);
    }
    // Empty parent directories are left in place: removing them would race with a
    // concurrent put that just created the directory and is about to write into it.
  }

  /** Validates `key` and maps it to its file path. */
  private fileOf(key: string): string {
    assertValidKey(key);
    if (key.split('/').some((s) => s.startsWith(TEMP_PREFIX))) {
      throw new TypeError(`Invalid object key "${key}": segments starting with "${TEMP_PREFIX}" are reserved for temporary files.`);
    }
    return path.join(this.root, ...key.split('/'));
  }
}

/** Writes `data` to a fresh temporary file in the existing directory `dir` and fsyncs it. */
async function writeTempFile(dir: string, data: Uint8Array): Promise<string> {
  const tmp = path.join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
  const fh = await fs.open(tmp, 'wx'); // 'wx': never share a temp file with another writer
  try {
    await fh.writeFile(data);
    await fh.sync(); // the bytes must be on disk before any name points at them
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await removeTemp(tmp);
    throw e;
  }
  return tmp;
}

/** Removes a temporary file: one `unlink`, a file already gone is fine. */
async function removeTemp(tmp: string): Promise<void> {
  await fs.unlink(tmp).catch((e: unknown) => {
    if (!hasCode(e, 'ENOENT')) throw e;
  });
}

/** Gives `tmp` the name `file` unless that exists: link(2) fails with EEXIST (rename would replace). */
async function linkOnce(tmp: string, file: string): Promise<PutIfAbsentResult> {
  try {
    await fs.link(tmp, file);
    return 'created';
  } catch (e) {
    if (hasCode(e, 'EEXIST')) return 'exists';
    throw e;
  }
}

/** Reads `[offset, offset+length)`, clipped to the file size; `read` may return short counts. */
async function readRange(fh: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const size = (await fh.stat()).size;
  const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesRead } = await fh.read(buf, done, buf.byteLength - done, offset + done);
    if (bytesRead === 0) break; // file shrank under us (put replaces by rename, so only if edited by hand)
    done += bytesRead;
  }
  return done === buf.byteLength ? buf : buf.slice(0, done);
}

/**
 * Collects the objects under `dir` (whose key is `base`) with keys starting with
 * `prefix`, skipping temporary files and subtrees that cannot match.
 */
async function walk(dir: string, base: string, prefix: string): Promise<ObjectMeta[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    if (isMissing(e)) return []; // no such "directory" (or removed meanwhile): nothing under it
    throw e;
  });
  const parts = await Promise.all(entries.map(async (ent): Promise<ObjectMeta[]> => {
    if (ent.name.startsWith(TEMP_PREFIX)) return [];
    const key = base === '' ? ent.name : `${base}/${ent.name}`;
    const file = path.join(dir, ent.name);
    if (ent.isDirectory()) return (key + '/').startsWith(prefix) ? walk(file, key, prefix) : [];
    if (!ent.isFile() || !key.startsWith(prefix)) return []; // symlinks etc. are not objects (a link is never followed)
    const st = await fs.lstat(file).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    return st === undefined ? [] : [{ key, size: st.size, lastModified: Math.floor(st.mtimeMs) }];
  }));
  return parts.flat();
}

/** The key of the directory a prefix points into: `shards/0/wal/0000` -> `shards/0/wal`. */
function prefixDir(prefix: string): string {
  const slash = prefix.lastIndexOf('/');
  if (slash < 0) return '';
  const dir = prefix.slice(0, slash);
  assertValidKey(dir); // also rejects prefixes that could escape the root
  return dir;
}

function assertValidRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid byte range offset=${offset} length=${length}: both must be non-negative integers.`);
  }
}

/** `readFile` returns a Buffer, whose `slice` shares memory; callers get a plain Uint8Array. */
function asPlainBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * ENOENT: no such file. ENOTDIR: a path segment is a file, so the key cannot exist.
 * EISDIR: the key names a "directory" of other keys, not an object.
 */
function isMissing(e: unknown): boolean {
  return hasCode(e, 'ENOENT', 'ENOTDIR', 'EISDIR');
}

function hasCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as { code?: unknown }).code as string);
}

/** Keeps freshtier's own errors; wraps anything else from the filesystem, keeping the cause. */
function wrap(op: string, file: string, e: unknown): Error {
  return e instanceof FreshtierError ? e : new StoreFailureError(op, file, e);
}
