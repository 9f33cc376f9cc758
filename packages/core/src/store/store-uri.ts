/**
 * Opening a store from one string, so the CLI and examples take a URI:
 * `file:///path`, a plain path, `memory://name`, or any scheme a package
 * registers (`@freshtier/s3-store` registers `s3://`).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionsError } from '../errors.js';
import { LocalStore } from './local-store.js';
import { MemoryStore } from './memory-store.js';
import type { ObjectStore } from './object-store.js';

type StoreFactory = (uri: string) => ObjectStore | Promise<ObjectStore>;

const factories = new Map<string, StoreFactory>();
const memoryStores = new Map<string, MemoryStore>();

/**
 * Registers a URI scheme (without `://`).
 *
 * @example
 * ```ts
 * registerStoreScheme('s3', (uri) => S3Store.fromUri(uri));
 * ```
 */
export function registerStoreScheme(scheme: string, factory: StoreFactory): void {
  factories.set(scheme.toLowerCase(), factory); // openStore matches schemes case-insensitively
}

/**
 * Opens the store a URI names. `memory://name` returns the same in-process store for the same name.
 *
 * @example
 * ```ts
 * const store = await openStore('file:///tmp/events');
 * const table = await Table.open(store);
 * ```
 */
export async function openStore(uri: string): Promise<ObjectStore> {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (!m) return new LocalStore(resolve(uri));
  const scheme = m[1].toLowerCase();
  if (scheme === 'file') return new LocalStore(fileURLToPath(uri));
  if (scheme === 'memory') return memoryStore(uri);
  const factory = factories.get(scheme);
  if (!factory) {
    const hint = scheme === 's3' ? 'import "@freshtier/s3-store" first (it registers s3://)' : 'use file://, memory:// or a registered scheme';
    throw new InvalidOptionsError('store URI', [{ path: 'uri', message: `unknown scheme "${scheme}" in ${uri}: ${hint}` }]);
  }
  return factory(uri);
}

function memoryStore(uri: string): MemoryStore {
  let s = memoryStores.get(uri);
  if (!s) memoryStores.set(uri, (s = new MemoryStore(uri.slice("memory://".length))));
  return s;
}
