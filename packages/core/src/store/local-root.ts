/**
 * Keeping a {@link LocalStore} inside its root (DESIGN.md invariant 16: no store
 * operation reads, writes or deletes outside the table root).
 *
 * A key cannot name `..`, but a symbolic link under the root can still lead out
 * of it: with `base/data` a link to another directory, deleting
 * `base/data/<uuid>.parquet` would delete a file over there. So before every
 * operation the store resolves the *real* location of what it touches and refuses
 * (`OutsideRootError`) anything that is not under the real root:
 * - reads (`get`, `getRange`, `head`) follow every link, also the last one, so the
 *   real path of the file itself is checked;
 * - writes and deletes (`put` renames over the name, `putIfAbsent` links to it,
 *   `delete` unlinks it) never follow the last component, so the directory that
 *   holds it is checked;
 * - a name that does not exist yet is checked through its deepest existing ancestor
 *   (the directories `put` creates are then created inside that ancestor).
 * `list` refuses a listed directory whose real location is outside and never
 * follows a link found while walking (links are not objects).
 *
 * Cost: the real root is resolved once; each operation costs one `realpath` (a
 * missing name a few, one per missing level). A link swapped in by another process
 * between the check and the operation is not caught: this guards against a table
 * laid out across links, not against an adversary with write access to the root.
 */
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { OutsideRootError } from '../errors.js';

/**
 * The containment check of one local root (see the module doc).
 *
 * @example
 * ```ts
 * const guard = new RootGuard('/data/tables/events');
 * await guard.assertReadable('get', 'base/data/x.parquet', '/data/tables/events/base/data/x.parquet');
 * ```
 */
export class RootGuard {
  private real: string | undefined;
  /** Directories already found to be really under the root (reads only, see `openReadable`). */
  private readonly readableDirs = new Set<string>();

  constructor(private readonly root: string) {}

  /** Throws unless the real location of `file`, following every link, is under the root. */
  async assertReadable(op: string, key: string, file: string): Promise<void> {
    await this.assertInside(op, key, file);
  }

  /**
   * Opens `file` for reading, only if its real location is under the root. The hot read
   * path costs no extra store round trip: the directory's check is remembered (directories
   * under a table root are created once and never replaced by freshtier), and the file
   * itself is opened without following a link (`O_NOFOLLOW`); only a file that is a link is
   * resolved, and followed if it stays inside. Writes and deletes check every time
   * (`assertParentInside`): they are where a link out of the root would do damage.
   */
  async openReadable(op: string, key: string, file: string): Promise<fs.FileHandle> {
    const dir = path.dirname(file);
    if (!this.readableDirs.has(dir)) {
      await this.assertInside(op, key, dir);
      this.readableDirs.add(dir);
    }
    try {
      return await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    } catch (e) {
      if (!hasCode(e, 'ELOOP')) throw e;
    }
    await this.assertInside(op, key, file);
    return fs.open(file, 'r');
  }

  /** Throws unless the directory holding `file` really is under the root (`file` itself is not followed). */
  async assertParentInside(op: string, key: string, file: string): Promise<void> {
    await this.assertInside(op, key, path.dirname(file));
  }

  /** Throws unless `dir` (a directory the store is about to list) really is under the root. */
  async assertListable(key: string, dir: string): Promise<void> {
    await this.assertInside('list', key, dir);
  }

  private async assertInside(op: string, key: string, p: string): Promise<void> {
    const root = await this.realRoot();
    const real = await realLocation(p);
    if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) throw new OutsideRootError(op, key, real, this.root);
  }

  /** The real path of the root, cached once the root exists (before, it is resolved each time). */
  private async realRoot(): Promise<string> {
    if (this.real !== undefined) return this.real;
    const resolved = await realLocation(this.root);
    if (await exists(this.root)) this.real = resolved;
    return resolved;
  }
}

/** The real path of `p`: every link followed; for a missing `p`, its deepest existing ancestor's real path plus the rest. */
async function realLocation(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    if (!hasCode(e, 'ENOENT', 'ENOTDIR')) throw e;
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(await realLocation(parent), path.basename(p));
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

function hasCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as { code?: unknown }).code as string);
}
