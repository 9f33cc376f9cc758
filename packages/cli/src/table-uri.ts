/**
 * `<uri>` arguments: `file:///abs/path`, a plain path (relative to the working
 * directory), `memory://name` (tests) or `s3://bucket/prefix` (registered by
 * importing `@freshtier/s3-store`, loaded only for s3:// URIs since the AWS SDK is
 * slow to load; endpoint and credentials come from the environment:
 * FRESHTIER_S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, …).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Table, isFreshtierError, openStore, type CreateTableOptions, type ObjectStore } from '@freshtier/core';
import { openTableForRepair } from '@freshtier/writer';
import { UsageError } from './errors.js';

const URI_HINT = 'give a table location as a path (./data/events), file:///abs/path or s3://bucket/prefix';

/** Opens the store a `<uri>` argument names; a malformed URI is a {@link UsageError}. */
export async function storeFor(uri: string, cwd: string): Promise<ObjectStore> {
  if (typeof uri !== 'string' || uri.trim() === '') throw new UsageError('missing table <uri>', URI_HINT);
  const schemeless = !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
  const target = schemeless ? pathToFileURL(isAbsolute(uri) ? uri : resolve(cwd, uri)).href : uri;
  if (/^s3:\/\//i.test(target)) await import('@freshtier/s3-store'); // registers s3://
  try {
    return await openStore(target);
  } catch (e) {
    if (isFreshtierError(e, 'INVALID_OPTIONS') || e instanceof TypeError) {
      throw new UsageError(`bad table URI "${uri}": ${conciseMessage(e)}`, URI_HINT);
    }
    throw e;
  }
}

function conciseMessage(e: unknown): string {
  if (isFreshtierError(e, 'INVALID_OPTIONS')) return (e.context.issues as { message: string }[]).map((i) => i.message).join('; ');
  return (e as Error).message;
}

/** An open table and its store (close the store when done: S3 holds sockets). */
export interface OpenedTable {
  table: Table;
  store: ObjectStore;
  close(): void;
}

function closer(store: ObjectStore): () => void {
  return () => (store as { close?: () => void }).close?.();
}

/**
 * Opens an existing table; no table there is a {@link UsageError} (the URI is wrong, or `init` was not run).
 * `forRepair` (verify, repair, inspect) opens also when the newest base manifest is the damaged object.
 */
export async function openTable(uri: string, cwd: string, options: { forRepair?: boolean } = {}): Promise<OpenedTable> {
  const store = await storeFor(uri, cwd);
  try {
    return { table: await (options.forRepair ? openTableForRepair(store) : Table.open(store)), store, close: closer(store) };
  } catch (e) {
    closer(store)();
    if (isFreshtierError(e, 'NOT_FOUND')) {
      throw new UsageError(`no freshtier table at ${uri} (${store.uri} has no _table.json)`, `check the URI, or create a table there with: freshtier init ${uri} --schema schema.json --primary-key id`);
    }
    throw e;
  }
}

/** Creates a table at `<uri>`. */
export async function createTable(uri: string, cwd: string, options: CreateTableOptions): Promise<OpenedTable> {
  const store = await storeFor(uri, cwd);
  try {
    return { table: await Table.create(store, options), store, close: closer(store) };
  } catch (e) {
    closer(store)();
    throw e;
  }
}
