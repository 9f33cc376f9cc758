/**
 * @freshtier/cli — the `freshtier` command. `main(argv, io)` runs it in-process
 * (tests, embedding); `bin.ts` runs it as a program.
 *
 * Commands: init, append, delete, scan, changes, inspect, alter, verify, repair, compact, gc, tag, tags, rollback, bench (and files, sql).
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
export { main, VERSION } from './main.js';
export type { CliIo, OutStream } from './io.js';
export { EXIT, UsageError, CliError, InputRejectedError, NotAvailableError, describeFailure, type Failure } from './errors.js';
export { parseWhere } from './where.js';
export { parseSchemaJson, readSchemaFile, parseTypeName, TYPE_NAMES, type SchemaFile } from './schema-file.js';
export { collect as inspectTable, type InspectReport, type ShardReport } from './commands/inspect.js';
export { parseDuration } from './commands/maintenance.js';
