/**
 * The commands that read one table version — `verify`, `files`, `sql` — and their shared
 * `--version <v>` / `--tag <name>` flags. commander reads `--version` anywhere on the line
 * as the program's own flag, so for these commands it is renamed before parsing
 * ({@link subcommandVersionFlag}).
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { filesCommand } from './files.js';
import { verifyCommand } from './integrity.js';
import { SQL_DIALECTS, sqlCommand } from './sql.js';

/** How main.ts wraps an action: the context from the global flags, then the work. */
export type ActionRunner = (work: (c: Context, cmd: Command) => Promise<void | number>) => (...args: unknown[]) => Promise<void>;

/**
 * Registers `verify`, `files` and `sql` on `program`.
 *
 * @example
 * ```ts
 * declare const program: Command, run: ActionRunner;
 * registerTableVersionCommands(program, run);
 * ```
 */
export function registerTableVersionCommands(program: Command, run: ActionRunner): void {
  versionCommand(program, 'verify', 'check')
    .description('read every object a table version needs and report damaged ones (exit 1 if any)')
    .action(run((c, cmd) => verifyCommand(c, cmd.args[0], versionOf(cmd))));

  versionCommand(program, 'files', 'list')
    .description('list the live files of a table version (what another engine reads): kind, shard, generation, rows, bytes, checksum, key index')
    .addHelpText('after', '\nThe files, their fields and how to combine them into the latest state: docs/format.md. `freshtier sql` prints a DuckDB view over them.')
    .action(run((c, cmd) => filesCommand(c, cmd.args[0], versionOf(cmd))));

  versionCommand(program, 'sql', 'view')
    .description('print a SQL view (CREATE OR REPLACE VIEW) over the live files of a table version that returns its latest state')
    .addOption(new Option('--dialect <dialect>', 'SQL dialect').choices([...SQL_DIALECTS]).default('duckdb'))
    .option('--name <view>', 'the view name (default: the table directory name)')
    .addHelpText('after', '\nExample: freshtier sql ./events > events.sql && duckdb -c ".read events.sql" -c "select count(*) from events"\nThe view names files: regenerate it after each commit (gc deletes files older versions used). Committed files only: rows still in the WAL are not in it.\nEvery merge engine, with or without a sequence field, merges as freshtier does; a sum or count outside its column type fails the query (AGGREGATE_OVERFLOW), never wrapped.')
    .action(run((c, cmd) => {
      const o = cmd.opts<{ dialect?: string; name?: string }>();
      return sqlCommand(c, cmd.args[0], { ...versionOf(cmd), dialect: o.dialect, name: o.name });
    }));
}

/** A command taking `<uri>` and the version flags (`verb` says what it does with that version). */
function versionCommand(program: Command, name: string, verb: string): Command {
  return program.command(name)
    .argument('<uri>', 'the table')
    .option('--version <v>', `${verb} this table version (3:8,5 or a base version like 3; default: the newest${name === 'verify' ? ', with its WAL' : ''})`)
    .addOption(new Option('--table-version <v>').hideHelp()) // what `--version` arrives as (see subcommandVersionFlag)
    .option('--tag <name>', `${verb} the version this tag names`);
}

/** The table version the flags name (`--version` arrives as `tableVersion`). */
function versionOf(cmd: Command): { version?: string; tag?: string } {
  const o = cmd.opts<{ tableVersion?: string; tag?: string }>();
  return { version: o.tableVersion, tag: o.tag };
}

/** Subcommands whose own `--version <v>` names a table version. */
const TABLE_VERSION_COMMANDS = new Set(['verify', 'files', 'sql']);

/**
 * commander reads `--version` anywhere on the line as the program's own flag (print the
 * CLI version), so `freshtier verify t --version 3` would print 0.1.0. For the commands
 * that take a table version, the flag is renamed to `--table-version` before parsing.
 *
 * @example
 * ```ts
 * subcommandVersionFlag(['verify', 't', '--version', '3']); // ['verify', 't', '--table-version', '3']
 * ```
 */
export function subcommandVersionFlag(argv: readonly string[]): string[] {
  const command = argv.find((a) => !a.startsWith('-'));
  if (!command || !TABLE_VERSION_COMMANDS.has(command)) return [...argv];
  return argv.map((a) => (a === '--version' ? '--table-version' : a.startsWith('--version=') ? `--table-version=${a.slice('--version='.length)}` : a));
}
