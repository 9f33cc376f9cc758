/**
 * Making directory entries durable for {@link LocalStore}: creating directories (their
 * parents fsynced) and fsyncing a directory after a link, rename or unlink in it.
 *
 * A directory fsync makes every entry created in the directory before it started
 * durable, whoever created it. So writes into one directory at once (the WAL's entries
 * in flight) need not each run their own: `DirSyncs.sync` joins the next fsync that
 * starts after the call, and starts one if none is pending. Each caller still gets an
 * fsync that began after its own link — durability is exactly that of one fsync per
 * write — but N concurrent writes cost about two fsyncs instead of N.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** One directory's fsyncs: the one running, and the one queued to start after it. */
interface DirState {
  running?: Promise<void>;
  next?: Promise<void>;
}

/**
 * Shared directory fsyncs, per directory (see the module doc).
 *
 * @example
 * ```ts
 * const syncs = new DirSyncs();
 * await fs.link(tmp, file);
 * await syncs.sync(path.dirname(file)); // an fsync that started after the link has finished
 * ```
 */
export class DirSyncs {
  private readonly dirs = new Map<string, DirState>();

  /** @param fsyncDir the fsync of one directory (tests pass a controllable one) */
  constructor(private readonly fsyncDir: (dir: string) => Promise<void> = syncDir) {}

  /** Resolves once an fsync of `dir` that started after this call has finished (rejects if it failed). */
  sync(dir: string): Promise<void> {
    let state = this.dirs.get(dir);
    if (!state) this.dirs.set(dir, (state = {}));
    if (state.next) return state.next; // queued, so it starts after this call: it covers us
    const running = state.running;
    if (!running) return this.start(dir, state);
    const s = state;
    s.next = running.catch(() => undefined).then(() => {
      s.next = undefined;
      return this.start(dir, s);
    });
    return s.next;
  }

  private start(dir: string, state: DirState): Promise<void> {
    const run: Promise<void> = this.fsyncDir(dir).finally(() => {
      if (state.running === run) state.running = undefined;
      if (!state.running && !state.next) this.dirs.delete(dir); // idle: keep no state per directory
    });
    state.running = run;
    return run;
  }
}

/**
 * Creates `dir`, fsyncing the parent of each directory it created so the path survives power loss.
 *
 * @example
 * ```ts
 * await ensureDir('/data/tables/events/shards/0/wal');
 * ```
 */
export async function ensureDir(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const stop = path.dirname(first);
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    await syncDir(d);
    if (d === stop || d === path.dirname(d)) return;
  }
}

/**
 * fsyncs a directory so entries created, renamed or removed in it are durable.
 *
 * @example
 * ```ts
 * await syncDir('/data/tables/events/shards/0/wal');
 * ```
 */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // Some platforms and filesystems cannot fsync a directory; there is nothing better to do.
    if (!hasCode(e, 'EINVAL', 'EPERM', 'EISDIR', 'ENOTSUP')) throw e;
  } finally {
    await fh.close();
  }
}

function hasCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as { code?: unknown }).code as string);
}
