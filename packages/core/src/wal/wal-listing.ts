/**
 * Listing and reading a shard's WAL: one object per entry at
 * `shards/<id>/wal/<20-digit position><suffix>` (`layout.walEntry`; the suffix is the
 * table's, `table.walSuffix`: `.ftw`, or `.arrow` in tables of format version 1), encoded by
 * `encodeWalEntry` (format/wal-codec.ts). Writers (replay on open), remote readers
 * (scanner tail mode), `verify`/`repair` and GC all read it through these.
 */
import { decodeWalEntry, type WalEntry } from '../format/wal-codec.js';
import { layout, parseWalPosition, type WalSuffix } from '../layout/layout.js';
import type { ObjectStore } from '../store/object-store.js';

/**
 * A listed WAL entry.
 *
 * @example
 * ```ts
 * const [first]: WalListing[] = await listWal(table.store, 0, -1, table.walSuffix);
 * ```
 */
export interface WalListing {
  readonly position: number;
  readonly key: string;
  readonly size: number;
}

/**
 * The WAL entries of a shard with position > `after`, ascending. Only names with the
 * table's `suffix` are entries.
 *
 * @example
 * ```ts
 * const { doc: manifest } = await table.shardManifests(0).latest();
 * const pending = await listWal(table.store, 0, manifest.replayAfter, table.walSuffix);
 * ```
 */
export async function listWal(store: ObjectStore, shard: number, after: number, suffix: WalSuffix): Promise<WalListing[]> {
  const metas = await store.list(layout.walDir(shard));
  const out: WalListing[] = [];
  for (const m of metas) {
    const position = parseWalPosition(m.key, suffix);
    if (position !== undefined && position > after) out.push({ position, key: m.key, size: m.size });
  }
  return out.sort((a, b) => a.position - b.position);
}

/**
 * Reads and verifies one WAL entry (`CorruptEntryError` on damage, `NotFoundError` if absent).
 *
 * @example
 * ```ts
 * const entry = await readWalEntry(table.store, 0, 17, table.walSuffix);
 * if (entry.kind === 'fence') console.log('fence of epoch', entry.epoch);
 * ```
 */
export async function readWalEntry(store: ObjectStore, shard: number, position: number, suffix: WalSuffix): Promise<WalEntry> {
  const key = layout.walEntry(shard, position, suffix);
  return decodeWalEntry(await store.get(key), key);
}

/**
 * The entries' bytes in order, with up to `readAhead` fetches in flight (which matters on
 * remote stores). Stops early if the consumer does.
 *
 * @example
 * ```ts
 * const listed = await listWal(table.store, 0, -1, table.walSuffix);
 * for await (const { listing, bytes } of fetchWalEntries(store, listed)) console.log(listing.position, decodeWalEntry(bytes, listing.key).records.length);
 * ```
 */
export async function* fetchWalEntries(store: ObjectStore, listed: readonly WalListing[], readAhead = 8): AsyncGenerator<{ listing: WalListing; bytes: Uint8Array }> {
  const fetches: Promise<Uint8Array>[] = [];
  const start = (i: number) => {
    if (i >= listed.length) return;
    fetches[i] = store.get(listed[i].key);
    fetches[i].catch(() => undefined); // awaited below; this only keeps an abandoned read-ahead from being "unhandled"
  };
  for (let i = 0; i < Math.min(readAhead, listed.length); i++) start(i);
  for (let i = 0; i < listed.length; i++) {
    start(i + readAhead);
    const bytes = await fetches[i];
    delete fetches[i];
    yield { listing: listed[i], bytes };
  }
}
