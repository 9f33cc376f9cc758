/**
 * The `freshtier` command line, built on commander. `main(argv, io)` runs one
 * command and returns its exit code (0 ok, 1 error, 2 usage); it never calls
 * `process.exit`, so tests run it in-process.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { alterCommand } from './commands/alter.js';
import { append } from './commands/append.js';
import { benchCommand } from './commands/bench.js';
import { init } from './commands/init.js';
import { inspect } from './commands/inspect.js';
import { repairCommand } from './commands/integrity.js';
import { changesCommand } from './commands/changes.js';
import { compactCommand, gcCommand, rollbackCommand, tagCommand } from './commands/maintenance.js';
import { deleteCommand } from './commands/delete.js';
import { deleteTagCommand, tagsCommand } from './commands/tags.js';
import { scan } from './commands/scan.js';
import { registerTableVersionCommands, subcommandVersionFlag } from './commands/table-version-commands.js';
import { makeContext, toJson, type Context } from './context.js';
import { EXIT, describeFailure } from './errors.js';
import { INPUT_FORMATS } from './input.js';
import { OutputClosedError, processIo, type CliIo } from './io.js';
import { OUTPUT_FORMATS } from './output.js';

export const VERSION = '0.1.0';

function integer(min: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected ${what} (an integer >= ${min}).`);
    return n;
  };
}

const SCHEMA_HELP = `
Schema files (--schema): JSON like
  {"fields": [{"name": "id", "type": "int64", "nullable": false},
              {"name": "name", "type": "utf8"},
              {"name": "ts", "type": "timestamp[ms, UTC]"}],
   "primaryKey": ["id"]}
types: int8..int64, uint8..uint64, float32, float64, bool, utf8, large_utf8, binary, large_binary,
date32, date64, timestamp[s|ms|us|ns(, tz)]. "nullable" defaults to true. Or an Arrow
IPC file (.arrow): its schema is used as is.`;

const WHERE_HELP = `
--where: comparisons (= != < <= > >=), IN (...), IS [NOT] NULL, BETWEEN a AND b,
combined with AND, OR, NOT and parentheses. Strings in single quotes; dates and
timestamps as quoted ISO-8601. Example:
  freshtier scan ./t --where "age >= 30 and (city in ('Paris', 'Lyon') or email is null)"`;

/**
 * Runs the CLI on `argv` (without `node` and the script path).
 *
 * @example
 * ```ts
 * const code = await main(['scan', './data/users', '--where', 'age > 30', '--format', 'csv']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let ctx: Context = makeContext(io, {});
  let exitCode: number = EXIT.ok;
  // each action builds the context from the global flags, then does its work
  const run = (work: (c: Context, cmd: Command) => Promise<void | number>) => async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    ctx = makeContext(io, cmd.optsWithGlobals<{ json?: boolean; progress?: boolean }>());
    const r = await work(ctx, cmd);
    if (typeof r === 'number') exitCode = r;
  };

  const program = new Command('freshtier')
    .description('freshtier: an LSM storage engine for Apache Arrow tables on object storage.\n<uri> is a path, file:///abs/path or s3://bucket/prefix (S3 settings from FRESHTIER_S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).')
    .version(VERSION)
    .option('--json', 'print one JSON document on stdout (for scripts); messages still go to stderr')
    .option('--no-progress', 'never draw progress bars (they are drawn only when stderr is a terminal)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 error, 2 usage (bad arguments, schema file, URI, --where, input file content or a schema change refused before writing).');

  program.command('init')
    .description('create a table')
    .argument('<uri>', 'where the table lives')
    .requiredOption('--schema <file>', 'schema file: JSON (see below) or an Arrow IPC file')
    .option('--primary-key <columns>', 'primary-key column(s), comma-separated (default: the schema file\'s "primaryKey"; none = append-only table)')
    .option('--shards <n>', 'number of shards (fixed for the life of the table)', integer(1, 'a shard count'), 1)
    .option('--merge-engine <engine>', 'how the versions of a key combine: deduplicate (default), partial-update, first-row or aggregate')
    .option('--sequence-field <column>', 'a non-key integer, float, date or timestamp column ordering the versions of a key (default: arrival order)')
    .option('--aggregate <pairs>', 'with --merge-engine aggregate: column=function pairs, e.g. clicks=sum,seen=max (sum, min, max, count, last, last-non-null, first, bool_and, bool_or)')
    .addHelpText('after', SCHEMA_HELP)
    .action(run((c, cmd) => init(c, cmd.args[0], cmd.opts())));

  program.command('append')
    .description('append (upsert, on a table with a primary key) the rows of a file, flushing them to Parquet')
    .argument('<uri>', 'the table')
    .argument('<file>', `.parquet, .arrow, .csv, .tsv or .jsonl file`)
    .addOption(new Option('--input-format <format>', 'file format, when the extension does not tell').choices([...INPUT_FORMATS]))
    .option('--batch-rows <n>', 'rows per batch handed to the writers', integer(1, 'a row count'), 50_000)
    .option('--shard <n>', 'append-only tables: the shard to write (default: spread batches over all shards)', integer(0, 'a shard number'))
    .addOption(new Option('--durability <mode>', 'durable: ack after the WAL entry is persisted; none: no WAL (redo the load after a crash)').choices(['durable', 'async', 'none']).default('durable'))
    .option('--no-validate', 'skip the first pass that checks the whole file before writing anything')
    .option('--allow-missing-columns', 'store null in nullable columns the file lacks (refused by default: on a table with a primary key it overwrites those columns of existing rows)')
    .addHelpText('after', [
      '\nCSV/TSV need a header row naming every column; an empty unquoted cell is null. JSONL: one object per line,',
      'with every column as a key ("col": null for a null). Integers are read exactly (JSON numbers of any size, or strings).',
      'Timestamps: ISO-8601 exact to the column\'s unit (zone-less text is UTC on a column without a time zone and refused on',
      'one with a zone), or epoch milliseconds; dates: YYYY-MM-DD; binary: base64.',
    ].join('\n'))
    .action(run((c, cmd) => {
      const [uri, file] = cmd.args;
      return append(c, uri, file, cmd.opts());
    }));

  program.command('delete')
    .description('delete the rows whose primary keys a file lists (tombstones, flushed to Parquet)')
    .argument('<uri>', 'the table')
    .argument('<file>', '.csv, .tsv, .jsonl, .parquet or .arrow file with the primary-key column(s); other columns of the table are ignored')
    .addOption(new Option('--input-format <format>', 'file format, when the extension does not tell').choices([...INPUT_FORMATS]))
    .option('--batch-rows <n>', 'keys per batch handed to the writers', integer(1, 'a row count'), 50_000)
    .addOption(new Option('--durability <mode>', 'durable: ack after the WAL entry is persisted; none: no WAL (redo the delete after a crash)').choices(['durable', 'async', 'none']).default('durable'))
    .option('--no-validate', 'skip the first pass that checks every key before deleting anything')
    .addHelpText('after', '\nKeys are read like append reads values (exactly or refused). A key that is not in the table changes nothing.\nExample: freshtier scan ./t --where "age > 90" --columns id --format csv > old.csv && freshtier delete ./t old.csv')
    .action(run((c, cmd) => {
      const [uri, file] = cmd.args;
      return deleteCommand(c, uri, file, cmd.opts());
    }));

  program.command('scan')
    .description('print the latest state of the table (base + fresh tier, newest version per key)')
    .argument('<uri>', 'the table')
    .option('--columns <list>', 'columns to print, comma-separated (default: all)')
    .option('--where <expr>', 'row filter, e.g. "age > 30 and name = \'x\'"')
    .option('--limit <n>', 'at most this many rows', integer(0, 'a row count'))
    .addOption(new Option('--format <format>', 'output format (default table; jsonl with --json)').choices([...OUTPUT_FORMATS]))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--committed', 'read committed data only (base and flushed generations); by default the scan also reads the WAL, so it shows every row a live writer in any process acked durably')
    .addHelpText('after', WHERE_HELP)
    .action(run((c, cmd) => {
      return scan(c, cmd.args[0], cmd.opts());
    }));

  program.command('alter')
    .description('change the schema in one commit (a new schema version): add, widen, rename or drop a column, or make one nullable')
    .argument('<uri>', 'the table')
    .argument('<change>', 'add-column, widen-column, rename-column, drop-column or make-nullable')
    .argument('[words...]', 'add-column <name> <type> | widen-column <name> <type> | rename-column <name> <to> | drop-column <name> | make-nullable <name>')
    .option('--not-null', 'add-column: the new column is required (needs --default)')
    .option('--default <literal>', 'add-column: what rows written before the column read as (default: null); dates YYYY-MM-DD, timestamps ISO-8601')
    .option('--aggregate <fn>', 'add-column on an aggregate table: the column\'s function (default last-non-null)')
    .addHelpText('after', '\nTypes as in schema files (see `freshtier init --help`). Widening: a wider signed int, uint to a wider uint or signed int,\nfloat16/float32 to float64, date32 to timestamp[s|ms], date64 to timestamp[ms] (no zone or UTC),\nutf8 to large_utf8, binary to large_binary.\nKey columns can only be renamed. Nothing is rewritten: readers project older files onto the new schema (docs/format.md "Schema versions").\nExample: freshtier alter ./t add-column score float64 --not-null --default 1.5')
    .action(run((c, cmd) => {
      const [uri, change, ...words] = cmd.args;
      return alterCommand(c, uri, change, words, cmd.opts());
    }));

  program.command('inspect')
    .description('show the schema (version, field ids), shards, epochs, generations, sizes, WAL backlog, base versions and tags')
    .argument('<uri>', 'the table')
    .option('--versions <n>', 'how many recent base versions to list', integer(0, 'a count'), 10)
    .option('--committed', 'count committed rows only; by default the rows acked in the WAL but not yet flushed are counted too (read from the WAL)')
    .action(run((c, cmd) => {
      return inspect(c, cmd.args[0], cmd.opts());
    }));

  program.command('compact')
    .description('merge flushed generations into the base table (every shard, or one)')
    .argument('<uri>', 'the table')
    .option('--shard <n>', 'compact only this shard', integer(0, 'a shard number'))
    .action(run((c, cmd) => {
      return compactCommand(c, cmd.args[0], cmd.opts());
    }));

  program.command('gc')
    .description('delete files no retained version, tag or snapshot needs')
    .argument('<uri>', 'the table')
    .option('--older-than <duration>', 'keep every version committed within this long, e.g. 1h, 7d (default: the engine\'s)')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action(run((c, cmd) => {
      return gcCommand(c, cmd.args[0], cmd.opts());
    }));

  program.command('tag')
    .description('name the current version of the table (or, with --delete, remove a tag)')
    .argument('<uri>', 'the table')
    .argument('<name>', 'tag name (letters, digits, . _ -)')
    .option('--delete', 'delete the tag instead: gc may then free what only its version needed')
    .action(run((c, cmd) => {
      if (cmd.opts<{ delete?: boolean }>().delete) return deleteTagCommand(c, cmd.args[0], cmd.args[1]);
      return tagCommand(c, cmd.args[0], cmd.args[1]);
    }));

  program.command('tags')
    .description('list the tags and the table version each names')
    .argument('<uri>', 'the table')
    .action(run((c, cmd) => tagsCommand(c, cmd.args[0])));

  program.command('rollback')
    .description('make an old version (a tag, a table version or a base version) the newest, in one commit')
    .argument('<uri>', 'the table')
    .argument('<target>', 'a tag name, a table version 3:8,5 (as inspect lists them), or a base version 3 or v3 (the table right after that base commit)')
    .action(run((c, cmd) => {
      return rollbackCommand(c, cmd.args[0], cmd.args[1]);
    }));

  program.command('changes')
    .description('the change feed between two table versions: the table\'s columns plus _ft_op (insert, update_before, update_after, delete)')
    .argument('<uri>', 'the table')
    .requiredOption('--from <ref>', 'the version the feed starts from: a tag, a table version 3:8,5, or a base version 3')
    .option('--to <ref>', 'the version it leads to (default: the newest)')
    .addOption(new Option('--format <format>', 'output format (default table; jsonl with --json)').choices([...OUTPUT_FORMATS]))
    .option('--out <file>', 'write to this file instead of stdout')
    .action(run((c, cmd) => changesCommand(c, cmd.args[0], cmd.opts())));

  registerTableVersionCommands(program, run);

  program.command('repair')
    .description('plan what can be done about damaged objects (a dry run), or do it with --apply')
    .argument('<uri>', 'the table')
    .option('--shard <n>', 'only objects of this shard (and table-wide ones)', integer(0, 'a shard number'))
    .option('--apply', 'act: set damaged WAL entries aside (their rows are lost, and listed), rebuild files from copies that still exist, delete damaged tags; fences the shard\'s writers')
    .action(run((c, cmd) => repairCommand(c, cmd.args[0], cmd.opts())));

  program.command('bench')
    .description('run the benchmark harness (npx -y pnpm@10 bench) of this source checkout')
    .argument('[args...]', 'passed to the harness')
    .option('--dry-run', 'print the command instead of running it')
    .allowUnknownOption()
    .action(run(async (c, cmd) => {
      return benchCommand(c, cmd.args.filter((a) => a !== '--dry-run'), cmd.opts());
    }));

  try {
    await program.parseAsync(subcommandVersionFlag(argv), { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof OutputClosedError) return EXIT.ok; // the reader left (`| head`): stop quietly, like other Unix tools
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // commander already printed "error: …" (or the help, when no command was given) on stderr
      if (optionsPart(argv).includes('--json')) io.stdout.write(toJson({ error: usageFailure(e) }) + '\n');
      return EXIT.usage;
    }
    return report(ctx, program, e);
  }
}

/** The arguments before a `--` terminator (after it, `--json` is an operand). */
function optionsPart(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** A refused command line as `--json` prints every error (README "Scripts"): the usage code, exit 2. */
function usageFailure(e: CommanderError): { code: string; message: string; hint: string; exitCode: number } {
  const message = e.code === 'commander.help' ? 'no command given' : e.message.replace(/^error: /, '');
  return { code: 'USAGE', message, hint: 'run `freshtier --help`, or `freshtier <command> --help`, for the commands, arguments and options', exitCode: EXIT.usage };
}

function report(ctx: Context, program: Command, e: unknown): number {
  const f = describeFailure(e);
  const name = program.args[0] ? `freshtier ${program.args[0]}` : 'freshtier';
  ctx.note(`${name}: error: ${f.message}`);
  if (f.hint) ctx.note(`hint: ${f.hint}`);
  if (ctx.env.FRESHTIER_DEBUG && e instanceof Error && e.stack) ctx.note(e.stack);
  if (ctx.json) ctx.io.stdout.write(toJson({ error: { code: f.code, message: f.message, hint: f.hint, exitCode: f.exitCode } }) + '\n');
  return f.exitCode;
}
