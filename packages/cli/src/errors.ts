/**
 * How the CLI fails: exit code 2 for a usage problem (bad arguments, bad schema
 * file, bad URI, bad `--where`, an input file whose content is refused), 1 for
 * anything that went wrong while working.
 * freshtier's typed errors are mapped by `code` to a hint that says what to do.
 */
import { FreshtierError, isFreshtierError, type ErrorCode } from '@freshtier/core';

/** Exit codes. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** A problem with how the command was called: exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure while working (exit code 1) with a hint. */
export class CliError extends Error {
  /** A stable code for `--json` output (a freshtier error code where one applies). */
  readonly code: string;
  constructor(message: string, readonly hint?: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = options.code ?? 'ERROR';
  }
}

/**
 * An input file whose content freshtier refuses before writing it: a cell its column
 * cannot hold exactly, a header or record that lacks or repeats columns, text that is
 * not CSV/JSON. A typed freshtier error (`SCHEMA_MISMATCH`: the input does not match
 * the table), reported with exit code 2 like every other input the user must fix.
 * `detail` says what is wrong (with the line or row), `hint` what to do.
 *
 * @example
 * ```ts
 * throw new InputRejectedError('rows.csv line 3: column "ts" …', 'fix that value; nothing was written');
 * ```
 */
export class InputRejectedError extends FreshtierError {
  constructor(readonly detail: string, readonly hint: string, context: Record<string, unknown> = {}) {
    super('SCHEMA_MISMATCH', `${detail}. ${hint[0].toUpperCase()}${hint.slice(1)}.`, { context });
  }
}

/** A command whose engine function is not in this build of `@freshtier/writer`. */
export class NotAvailableError extends CliError {
  constructor(command: string, fn: string) {
    super(`"${command}" is not available in this build: @freshtier/writer does not export ${fn}() yet`,
      'upgrade @freshtier/writer (or rebuild the workspace with `npx -y pnpm@10 build`) to a version that ships compaction, versions, tags, rollback and gc', { code: 'NOT_AVAILABLE' });
    this.name = 'NotAvailableError';
  }
}

/** What to do about each freshtier error code (the error's own message already says what went wrong). */
const HINTS: Partial<Record<ErrorCode, string>> = {
  SCHEMA_MISMATCH: 'the input must have the table\'s columns and types: `freshtier inspect <uri>` prints the schema',
  NULL_PRIMARY_KEY: 'every row needs a value in each primary-key column; fix the input and run append again',
  SHARD_FENCED: 'another process opened a writer on the same shard (or a rollback fenced the writers); run one writer per shard at a time, then retry',
  WRITER_POISONED: 'retry the command: reopening the writer replays the WAL and recovers every acknowledged row',
  BACKPRESSURE: 'the object store is not keeping up with flushes; check it and retry',
  CORRUPT_ENTRY: 'run `freshtier verify <uri>` to list every damaged object, then `freshtier repair <uri>` to see what can be rebuilt from other copies (a dry run; --apply acts); what cannot, restore from a backup',
  COMMIT_CONFLICT: 'another process committed at the same time; run the command again',
  OUTSIDE_ROOT: 'a path under the table root is a link to somewhere else; move those files into the table root (replace the link with a real directory) and retry',
  ROLLBACK_ABORTED: 'a writer opened while the rollback ran and kept its shard; stop the writers (or wait for them to close), then run the rollback again',
  SNAPSHOT_EXPIRED: 'the read took longer than snapshot retention; run it again',
  INVALID_OPTIONS: 'fix the value named above and run the command again',
  NOT_FOUND: 'check the table URI and that no file under it was deleted by hand',
  ALREADY_EXISTS: 'a table already exists there: use `freshtier append` to add rows, or pick another URI',
  UNSUPPORTED_FORMAT: 'this table was written by another freshtier version; use a matching freshtier',
  WRITER_CLOSED: 'this is a bug in the CLI: please report it',
  STORE_FAILURE: 'check that the object store is reachable and that you have permission, then retry',
  SCHEMA_CHANGE_REFUSED: '`freshtier inspect <uri>` lists the columns with their types, field ids, key and merge options; `freshtier alter --help` lists the changes freshtier makes',
  SCHEMA_CHANGED: 'another process changed the table\'s schema (`freshtier alter`) while this command ran; run the command again (with input of the new schema: `freshtier inspect <uri>` prints it)',
};

/** Usage-class freshtier errors: the user's input was rejected before anything happened. */
const USAGE_CODES: ReadonlySet<string> = new Set(['INVALID_OPTIONS', 'SCHEMA_CHANGE_REFUSED']);

/** A failure as the CLI reports it. */
export interface Failure {
  exitCode: 1 | 2;
  code: string;
  message: string;
  hint?: string;
}

/** Classifies any thrown value. */
export function describeFailure(e: unknown): Failure {
  if (e instanceof UsageError) return { exitCode: 2, code: 'USAGE', message: e.message, hint: e.hint };
  if (e instanceof InputRejectedError) return { exitCode: 2, code: e.code, message: e.detail, hint: e.hint };
  if (e instanceof CliError) return { exitCode: 1, code: e.code, message: e.message, hint: e.hint };
  if (isFreshtierError(e)) {
    // an error may know better than the code's generic hint (an unknown tag is not a deleted file)
    const own = typeof e.context.hint === 'string' ? e.context.hint : undefined;
    return { exitCode: USAGE_CODES.has(e.code) ? 2 : 1, code: e.code, message: e.message, hint: own ?? HINTS[e.code] };
  }
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string' && typeof sys.message === 'string') {
    const hint = sys.code === 'ENOENT' ? 'check the path' : sys.code === 'EACCES' || sys.code === 'EPERM' ? 'check the file permissions' : undefined;
    return { exitCode: 1, code: sys.code, message: sys.message, hint };
  }
  return { exitCode: 1, code: 'ERROR', message: e instanceof Error ? e.message : String(e), hint: 'this looks like a bug; run again with FRESHTIER_DEBUG=1 for a stack trace and report it' };
}
