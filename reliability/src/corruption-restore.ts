/**
 * Keeping the campaign's working copy of the table equal to the pristine one
 * between trials, without copying the whole directory each time.
 *
 * A trial flips bits in one object, then reads — and a read may write: opening a
 * writer claims an epoch (a new shard manifest), writes a fence entry, and its close
 * flushes replayed rows (new generation files, a manifest, a rewritten `_latest`
 * hint). So the restore removes every file and directory the pristine copy does not
 * have, and copies back every file whose size, inode or mtime changed (the flipped
 * object among them; LocalStore replaces by rename, so a rewritten hint has a new inode).
 */
import { copyFileSync, cpSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

interface Stamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What the working copy held when it equalled the pristine table: files (with stamps) and directories. */
export interface DirSnapshot {
  readonly files: Map<string, Stamp>;
  readonly dirs: Set<string>;
}

function stamp(file: string): Stamp {
  const s = lstatSync(file);
  return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
}

/** Relative paths (with `/`) of every file and directory under `root`. */
function walk(root: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const visit = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(child);
        visit(child);
      } else files.push(child);
    }
  };
  visit('');
  return { files, dirs };
}

/**
 * Copies `pristine` to `work` (which must not exist) and records what it holds.
 *
 * @example
 * ```ts
 * const snap = cloneDir(pristineDir, workDir);
 * ```
 */
export function cloneDir(pristine: string, work: string): DirSnapshot {
  cpSync(pristine, work, { recursive: true, errorOnExist: true, force: false });
  const { files, dirs } = walk(work);
  return { files: new Map(files.map((f) => [f, stamp(path.join(work, f))])), dirs: new Set(dirs) };
}

/**
 * Makes `work` equal `pristine` again: removes what a trial added, copies back what it
 * changed or removed, and always copies back the `touched` objects (the flipped ones).
 *
 * @example
 * ```ts
 * restoreDir(pristineDir, workDir, snap, ['_table.json']);
 * ```
 */
export function restoreDir(pristine: string, work: string, snap: DirSnapshot, touched: readonly string[] = []): void {
  const now = walk(work);
  // `force`: a file under a directory removed just before is already gone
  for (const d of now.dirs) if (!snap.dirs.has(d)) rmSync(path.join(work, d), { recursive: true, force: true });
  for (const f of now.files) if (!snap.files.has(f)) rmSync(path.join(work, f), { force: true });
  const forced = new Set(touched);
  for (const [rel, was] of snap.files) {
    const file = path.join(work, rel);
    let is: Stamp | undefined;
    try {
      is = stamp(file);
    } catch {
      is = undefined; // removed by the trial
    }
    if (is && !forced.has(rel) && is.size === was.size && is.mtimeMs === was.mtimeMs && is.ino === was.ino) continue;
    mkdirSync(path.dirname(file), { recursive: true });
    rmSync(file, { force: true }); // a fresh inode: never write through a link another object shares
    copyFileSync(path.join(pristine, rel), file);
    snap.files.set(rel, stamp(file));
  }
}

/**
 * Where `work` differs from `pristine` (files missing, extra or with other bytes; empty:
 * none). The campaign checks it now and then: a restore that left a flipped object behind
 * would turn every later trial's answer into an error and hide wrong answers.
 *
 * @example
 * ```ts
 * expect(treeDifferences(pristineDir, workDir)).toEqual([]);
 * ```
 */
export function treeDifferences(pristine: string, work: string): string[] {
  const a = walk(pristine);
  const b = walk(work);
  const inB = new Set(b.files);
  const out = b.files.filter((f) => !a.files.includes(f)).map((f) => `extra ${f}`);
  out.push(...b.dirs.filter((d) => !a.dirs.includes(d)).map((d) => `extra directory ${d}`));
  for (const f of a.files) {
    if (!inB.has(f)) out.push(`missing ${f}`);
    else if (!readFileSync(path.join(pristine, f)).equals(readFileSync(path.join(work, f)))) out.push(`changed ${f}`);
  }
  return out;
}
