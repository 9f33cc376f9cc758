/**
 * Failpoints: named hooks in the write path that do nothing unless a test arms them.
 * They let the reliability suite (`reliability/`) stop a writer at exactly one step —
 * a WAL append, a Parquet write, a manifest commit — instead of at a random moment.
 *
 * Arming:
 * - in-process: `armFailpoint('flush:after-parquet', 'throw', { after: 2 })`;
 * - for a child process: `FRESHTIER_FAILPOINTS="flush:after-parquet=exit,wal:before-append=throw@3"`,
 *   read once when this module loads. `@n` is `{ after: n }`: the first n hits pass.
 *
 * Actions: `throw` raises a {@link FailpointError}; `exit` sends SIGKILL to this process
 * (a crash at exactly that step: no `finally`, no flush, no exit handlers); a function
 * runs in place of the failpoint (it may throw).
 *
 * Cost when nothing is armed: one module-level boolean check per hit, so the hooks can
 * stay in production code paths.
 */

/** Every failpoint the engine calls, with where it sits (the reliability suite covers each). */
export const FAILPOINTS = {
  'wal:before-append': 'WalAppender, before the putIfAbsent of a data entry',
  'wal:after-append': 'WalAppender, after the entry was created, before the group is acked',
  'flush:after-parquet': 'writeGenerationFiles, after data.parquet, before the key index',
  'flush:after-key-index': 'writeGenerationFiles, after the key index, before the commit',
  'flush:before-commit': 'FlushCommits.commit (flush/commit.ts), before the shard-manifest commit',
  'flush:after-commit': 'FlushCommits.commit (flush/commit.ts), after the commit, before the frozen memtables are released',
  'replay:entry': 'replayWal, before each WAL entry is applied',
  'open:before-fence': 'writeFence, before the fence entry is written (epoch already claimed)',
  'compaction:before-commit': 'compact, base files written, before the base-manifest commit',
  'compaction:after-commit': 'compact, after the base-manifest commit, before compact() returns',
} as const;

/** What an armed failpoint does when hit. */
export type FailpointAction = 'throw' | 'exit' | ((name: string, hit: number) => void);

/** Options of {@link armFailpoint}. */
export interface ArmOptions {
  /** The first `after` hits pass; the action runs from hit `after + 1` on (default 0). */
  after?: number;
  /** Run the action at most this many times, then pass (default: every hit). */
  times?: number;
}

interface Armed {
  action: FailpointAction;
  after: number;
  times: number;
  hits: number;
  fired: number;
}

/** The error an armed `throw` failpoint raises. Deliberately not a FreshtierError: the engine must treat it as an unknown failure. */
export class FailpointError extends Error {
  constructor(readonly failpoint: string, readonly hit: number) {
    super(`failpoint ${failpoint} fired (hit ${hit})`);
    this.name = 'FailpointError';
  }
}

const armedPoints = new Map<string, Armed>();
// The only thing an unarmed hit looks at.
let anyArmed = false;

/**
 * A named hook: a no-op unless armed.
 *
 * @example
 * ```ts
 * failpoint('flush:after-parquet');
 * ```
 */
export function failpoint(name: string): void {
  if (!anyArmed) return;
  const p = armedPoints.get(name);
  if (!p) return;
  p.hits++;
  if (p.hits <= p.after || p.fired >= p.times) return;
  p.fired++;
  if (p.action === 'throw') throw new FailpointError(name, p.hits);
  if (p.action === 'exit') {
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL cannot be caught; should the kernel deliver it a moment late, nothing may run meanwhile
    throw new FailpointError(name, p.hits);
  }
  p.action(name, p.hits);
}

/**
 * Arms a failpoint in this process (replacing an earlier arming of it).
 *
 * @example
 * ```ts
 * armFailpoint('wal:before-append', 'throw', { after: 3 }); // the 4th WAL append fails
 * ```
 */
export function armFailpoint(name: string, action: FailpointAction, options: ArmOptions = {}): void {
  const after = options.after ?? 0;
  const times = options.times ?? Infinity;
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`armFailpoint(${name}): after must be a non-negative integer, got ${after}`);
  armedPoints.set(name, { action, after, times, hits: 0, fired: 0 });
  anyArmed = true;
}

/** Disarms one failpoint. */
export function disarmFailpoint(name: string): void {
  armedPoints.delete(name);
  anyArmed = armedPoints.size > 0;
}

/** Disarms every failpoint (call it in `afterEach`). */
export function disarmAllFailpoints(): void {
  armedPoints.clear();
  anyArmed = false;
}

/** How often an armed failpoint was hit and how often it fired (undefined when not armed). */
export function failpointStats(name: string): { hits: number; fired: number } | undefined {
  const p = armedPoints.get(name);
  return p && { hits: p.hits, fired: p.fired };
}

/**
 * Parses `FRESHTIER_FAILPOINTS` syntax: `name=action[@after]`, comma-separated, action `throw` or `exit`.
 *
 * @example
 * ```ts
 * parseFailpointSpec('flush:after-parquet=exit,wal:before-append=throw@3');
 * ```
 */
export function parseFailpointSpec(spec: string): { name: string; action: 'throw' | 'exit'; after: number }[] {
  return spec.split(',').map((s) => s.trim()).filter((s) => s !== '').map((item) => {
    const m = /^([\w:.-]+)=(throw|exit)(?:@(\d+))?$/.exec(item);
    if (!m) throw new Error(`FRESHTIER_FAILPOINTS: cannot parse "${item}"; expected name=throw|exit[@after], e.g. flush:after-parquet=exit@2`);
    return { name: m[1], action: m[2] as 'throw' | 'exit', after: m[3] === undefined ? 0 : Number(m[3]) };
  });
}

// Child processes of the crash tests are armed through the environment, before any writer exists.
const fromEnv = typeof process !== 'undefined' ? process.env?.FRESHTIER_FAILPOINTS : undefined;
if (fromEnv) for (const f of parseFailpointSpec(fromEnv)) armFailpoint(f.name, f.action, { after: f.after });
