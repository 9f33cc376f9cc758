/**
 * Naming what a damaged WAL entry held. Replay (a writer's open, a remote reader's
 * refresh) stops on such an entry (DESIGN.md invariant 13: no silent loss) and `repair`
 * reports what setting it aside loses; all describe it the same way, from two sources:
 * - the entry's own header, read without its checksum (`peekWalHeader`): usually
 *   intact, since a flipped bit most often lands in the much larger record bodies,
 *   but unverified, and said so;
 * - the verified neighbours: the last batch replayed before it, which bounds what it
 *   can have held even when its header is unreadable.
 */
import { CorruptEntryError } from '../errors.js';
import { decodeWalEntry, peekWalHeader, type WalEntry } from '../format/wal-codec.js';
import type { ObjectStore } from '../store/object-store.js';
import type { WalListing } from './wal-listing.js';

/**
 * A batch coordinate, as the WAL names it.
 *
 * @example
 * ```ts
 * const c: WalCoordinate = { generation: 7, batchIndex: 3 };
 * ```
 */
export interface WalCoordinate {
  readonly generation: number;
  readonly batchIndex: number;
}

/**
 * One sentence on what a damaged entry held, for errors and repair reports. `before`:
 * the last batch read from an intact entry before it, `'none'` if none was, or
 * `'unknown'` when the caller did not read the entries before it.
 *
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // an entry that failed its checksum
 * describeDamagedEntry(bytes, { generation: 7, batchIndex: 2 });
 * // 'its header (unverified) says it held generation 7 batches 3–4 (put) of epoch 5; the last intact batch before it is generation 7 batch 2'
 * ```
 */
export function describeDamagedEntry(bytes: Uint8Array, before: WalCoordinate | 'none' | 'unknown'): string {
  const claim = peekWalHeader(bytes);
  const after = before === 'unknown' ? '' : before === 'none' ? '; no intact batch precedes it after replayAfter' : `; the last intact batch before it is generation ${before.generation} batch ${before.batchIndex}`;
  if (!claim) return `its header is unreadable, so what it held is unknown${after}`;
  if (claim.kind === 'fence') return `its header (unverified) says it is a fence of epoch ${claim.epoch}, which holds no rows${after}`;
  return `its header (unverified) says it held ${describeRecords(claim.records)} of epoch ${claim.epoch}${after}`;
}

/** "generation 7 batches 3–4 (put), generation 8 batch 0 (delete)". */
function describeRecords(records: readonly { generation: number; batchIndex: number; op: string }[]): string {
  if (records.length === 0) return 'no records';
  const parts: string[] = [];
  for (let i = 0; i < records.length;) {
    let j = i;
    while (j + 1 < records.length && records[j + 1].generation === records[i].generation && records[j + 1].batchIndex === records[j].batchIndex + 1) j++;
    const ops = [...new Set(records.slice(i, j + 1).map((r) => r.op))].join('/');
    const batches = i === j ? `batch ${records[i].batchIndex}` : `batches ${records[i].batchIndex}–${records[j].batchIndex}`;
    parts.push(`generation ${records[i].generation} ${batches} (${ops})`);
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * The error that stops an open on a damaged entry: what it held, and the command
 * that resolves it. Nothing was set aside.
 *
 * @example
 * ```ts
 * declare const listing: WalListing, bytes: Uint8Array, before: WalCoordinate | undefined, cause: unknown;
 * throw damagedEntryError(store, 0, listing, bytes, before, cause);
 * ```
 */
export function damagedEntryError(store: ObjectStore, shard: number, listing: WalListing, bytes: Uint8Array, before: WalCoordinate | undefined, cause: unknown): CorruptEntryError {
  return new CorruptEntryError(listing.key, [
    `WAL entry ${listing.position} of shard ${shard} is damaged (${errorDetail(cause)}) and holds acked rows the writer must replay, so the writer did not open`,
    describeDamagedEntry(bytes, before ?? 'none'),
    `run \`freshtier repair ${store.uri} --shard ${shard}\` to list the rows it held, then add \`--apply\` to set it aside (those rows are lost)`,
  ].join('; '), cause);
}

/**
 * The detail of a `CorruptEntryError` (without its generic advice), or any error's text.
 *
 * @example
 * ```ts
 * errorDetail(new CorruptEntryError('x', 'checksum mismatch')); // 'checksum mismatch'
 * ```
 */
export function errorDetail(e: unknown): string {
  if (e instanceof CorruptEntryError && typeof e.context.detail === 'string') return e.context.detail;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decodes a WAL entry, reading it a second time if the first bytes fail (a short or
 * garbled read of a healthy entry must not stop anything); a second failure is
 * {@link damagedEntryError}.
 *
 * @example
 * ```ts
 * declare const listing: WalListing, bytes: Uint8Array, replayer: WalReplayer;
 * const entry = await decodeOrExplain(store, 0, listing, bytes, replayer.lastRead);
 * ```
 */
export async function decodeOrExplain(store: ObjectStore, shard: number, listing: WalListing, bytes: Uint8Array, before: WalCoordinate | undefined): Promise<WalEntry> {
  try {
    return decodeWalEntry(bytes, listing.key);
  } catch (e) {
    const again = await store.get(listing.key);
    try {
      return decodeWalEntry(again, listing.key);
    } catch {
      throw damagedEntryError(store, shard, listing, again, before, e);
    }
  }
}
