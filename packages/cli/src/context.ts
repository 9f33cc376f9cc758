/** What every command gets: the I/O, global flags, and small output helpers. */
import type { CliIo } from './io.js';
import { exactJson } from './json-out.js';
import { createProgress, type Progress } from './progress.js';

export interface Context {
  readonly io: CliIo;
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  /** `--json`: one JSON document on stdout, nothing else there. */
  readonly json: boolean;
  /** A progress bar on stderr (a no-op unless stderr is a TTY and `--no-progress` was not given). */
  progress(): Progress;
  /** Human output on stdout (suppressed with `--json`). */
  say(text: string): void;
  /** A remark on stderr (kept with `--json`, which owns stdout). */
  note(text: string): void;
  /** The JSON result on stdout (only with `--json`). */
  emit(value: unknown): void;
}

export function makeContext(io: CliIo, flags: { json?: boolean; progress?: boolean }): Context {
  const json = flags.json === true;
  return {
    io,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    json,
    progress: () => createProgress(io.stderr, flags.progress !== false),
    say: (text) => {
      if (!json) io.stdout.write(text.endsWith('\n') ? text : text + '\n');
    },
    note: (text) => {
      io.stderr.write(text.endsWith('\n') ? text : text + '\n');
    },
    emit: (value) => {
      if (json) io.stdout.write(toJson(value) + '\n');
    },
  };
}

/**
 * JSON for `--json` documents: bigints (int64 counts, key bounds) as exact JSON numbers
 * of any size, never rounded and never strings (json-out.ts).
 *
 * @example
 * ```ts
 * toJson({ rows: 9007199254740993n }); // '{"rows":9007199254740993}'
 * ```
 */
export function toJson(value: unknown, indent?: number): string {
  return exactJson(value, indent);
}
