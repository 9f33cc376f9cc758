/** `freshtier init <uri> --schema <file> [--primary-key id] [--shards N]`: creates a table. */
import { isFreshtierError } from '@freshtier/core';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { readSchemaFile } from '../schema-file.js';
import { createTable } from '../table-uri.js';
import { resolve } from 'node:path';

export interface InitOptions {
  schema: string;
  primaryKey?: string;
  shards: number;
}

export async function init(ctx: Context, uri: string, opts: InitOptions): Promise<void> {
  const file = await readSchemaFile(resolve(ctx.cwd, opts.schema));
  const columns = file.schema.fields.map((f) => f.name);
  const primaryKey = opts.primaryKey !== undefined ? splitList(opts.primaryKey) : file.primaryKey ?? [];
  const unknown = primaryKey.filter((k) => !columns.includes(k));
  if (unknown.length) throw new UsageError(`--primary-key names column(s) not in the schema: ${unknown.join(', ')}`, `the schema's columns are ${columns.join(', ')}`);
  let opened;
  try {
    opened = await createTable(uri, ctx.cwd, { schema: file.schema, primaryKey, shards: opts.shards });
  } catch (e) {
    // the key columns' types are checked by Table.create: that is still a problem with the arguments
    if (isFreshtierError(e, 'SCHEMA_MISMATCH')) throw new UsageError(`cannot use that primary key: ${e.message}`, 'primary keys are integer, float, bool, date, time, timestamp, utf8 or binary columns');
    if (isFreshtierError(e, 'ALREADY_EXISTS')) throw new CliError(`a table already exists at ${uri}; nothing was changed`, `add rows with: freshtier append ${uri} <file>, or pick another URI`, { code: 'ALREADY_EXISTS' });
    throw e;
  }
  const { table } = opened;
  opened.close();
  const fields = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
  ctx.emit({ uri, store: table.store.uri, fields, primaryKey: [...table.primaryKey], shards: table.shardCount, appendOnly: table.appendOnly });
  ctx.say(`created table ${table.store.uri}`);
  ctx.say(`  columns:     ${fields.map((f) => `${f.name} ${f.type}${f.nullable ? '' : ' not null'}`).join(', ')}`);
  ctx.say(`  primary key: ${table.appendOnly ? '(none: append-only table, rows are never deduplicated)' : table.primaryKey.join(', ')}`);
  ctx.say(`  shards:      ${table.shardCount}`);
}

export function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
}
