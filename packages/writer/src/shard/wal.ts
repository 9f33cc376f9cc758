/**
 * The write-ahead log of a shard: one object per entry at
 * `shards/<id>/wal/<20-digit position><suffix>` (`layout.walEntry`, the table's suffix), each created
 * with `putIfAbsent`, each encoded by core's `encodeWalEntry` (writer epoch,
 * and per record its generation, batch index and op; checksummed).
 *
 * Positions and fencing. A writer appends at consecutive positions, up to
 * `WAL_WINDOW_MAX` writes in flight (wal-appender.ts), acknowledged in position order.
 * A new writer writes a *fence* entry above the tip, fills every free position
 * between the tip and it, and reserves the `WAL_WINDOW_MAX - 1` positions above it
 * (the *fence block*). When an append finds its position taken, the entry there
 * decides — a newer epoch means this writer was fenced (`ShardFencedError`, nothing
 * acked from that position on); an older epoch is a zombie writer's entry and is
 * stepped over while no later append is in flight. Why the block: a fenced writer
 * issues a position only while its lowest unfinished one is less than a window
 * below it, and it never finishes the fence position, so its entries can land at
 * most `WAL_WINDOW_MAX - 1` positions above the fence — in the block, never where
 * the new writer appends. Those entries follow a failed position, so they were
 * never acked, and replay skips them (core's `WalReplayer`: an entry of an epoch
 * below one already seen).
 *
 * Unknown outcomes. If `putIfAbsent` throws, the entry may or may not exist
 * (possibly later). The appender cannot tell, so it raises `WriterPoisonedError`
 * and the writer stops; reopening replays whatever landed.
 *
 * Damage. Stores create entries whole (temporary file + link; an S3 object is atomic),
 * so an entry that fails its checksum is damage at rest, never a half-finished write:
 * it stops the open wherever it lies (replay.ts) and nothing is moved aside
 * automatically — that would drop acked rows silently. `repair` (integrity/) is the
 * one explicit way to set it aside; it fills the position with a `repaired` fence.
 */
import {
  CorruptEntryError, ShardFencedError, encodeWalEntry, layout, readWalEntry,
  failpoint, type ShardId, type Table, type WalListing,
} from '@freshtier/core';

/** What the WAL functions need of a table: its store and its WAL entries' suffix. */
export type WalTable = Pick<Table, 'store' | 'walSuffix' | 'schemaVersion'>;

/**
 * The bytes of a fence entry of `epoch`; `repaired` marks one that fills the position of
 * a damaged entry `repair` set aside.
 *
 * @example
 * ```ts
 * await table.store.putIfAbsent(layout.walEntry(0, position, table.walSuffix), fenceBytes(0, epoch, true));
 * ```
 */
export function fenceBytes(shard: ShardId, epoch: number, repaired = false): Uint8Array {
  return encodeWalEntry({ kind: 'fence', shard, epoch, records: [], ...(repaired ? { repaired: true } : {}) });
}

/**
 * Decides about a position someone else created: throws `ShardFencedError` for a
 * newer epoch, returns `'older'` for an older epoch (step over it) and `'same'`
 * for our own epoch (which only an earlier attempt of ours with a lost ack can explain).
 *
 * @example
 * ```ts
 * if ((await table.store.putIfAbsent(key, bytes)) === 'exists') await inspectTaken(table, 0, epoch, position);
 * ```
 */
export async function inspectTaken(wal: WalTable, shard: ShardId, epoch: number, position: number): Promise<'older' | 'same'> {
  const entry = await readWalEntry(wal.store, shard, position, wal.walSuffix);
  if (entry.epoch > epoch) throw new ShardFencedError(shard, epoch, entry.epoch);
  return entry.epoch < epoch ? 'older' : 'same';
}

/** How far past the listed tip the first fence lands (doubled each time a busy writer passed it). */
const FENCE_JUMP = 8;
/**
 * The most WAL writes one writer has in flight (the `walWindow` option's bound), and the
 * size of the fence block (see the module doc). Every writer must respect it: a writer with
 * a larger window could land an entry above a newer writer's fence block.
 */
export const WAL_WINDOW_MAX = 8;

/**
 * The window a writer of this table may use: `asked` on tables of format version 2, and 1
 * on tables of format version 1 (`.arrow` WAL entries). Builds from before the pipelined WAL
 * open version 1 tables and replay without rule 5 (docs/format.md §9); with one entry in
 * flight a writer never leaves an entry they would misread, so such a table stays readable by
 * them. Version 2 tables are refused by those builds, so their writers pipeline.
 *
 * @example
 * ```ts
 * walWindowOf(table, 4); // 4 for a table this build created, 1 for an older one
 * ```
 */
export function walWindowOf(wal: WalTable, asked: number): number {
  return wal.walSuffix === '.ftw' ? asked : 1;
}
/** Positions filled at once below the fence. */
const FILL_CONCURRENCY = 32;

/**
 * Writes the fence entry of `epoch` above every position a previous writer holds, in a
 * bounded number of store round trips whatever that writer does; returns the top of its
 * fence block, after which this writer appends.
 *
 * 1. Jump ahead: create the fence at `from + FENCE_JUMP - 1`. A previous writer appends
 *    at most a window of positions per round trip, so it rarely gets there first; if it
 *    did (an older epoch's entry is there), jump twice as far above it and try again.
 * 2. Fill every free position between `from` and the fence with fence entries, and the
 *    fence block above it (`WAL_WINDOW_MAX - 1` positions), all at once. A position the
 *    previous writer took first holds its entry (below the fence: maybe acked, and replay
 *    reads it; in the block: never acked, replay skips it); one we took stops it: its
 *    append there finds a newer epoch and fails with `ShardFencedError`. After the fill no
 *    position below the block top is free, so nothing the previous writer creates later
 *    can hide below it from replay, and nothing it has in flight can land above it.
 * Chasing the tip one position at a time instead lost every race against a writer
 * putting back to back: its open never finished while that writer kept acking.
 * Throws `ShardFencedError` if a newer writer's entry is met.
 *
 * @example
 * ```ts
 * const fencePosition = await writeFence(table, 0, head.doc.epoch, tip + 1); // appends go above it
 * ```
 */
export async function writeFence(wal: WalTable, shard: ShardId, epoch: number, from: number): Promise<number> {
  const bytes = fenceBytes(shard, epoch);
  let position = from + FENCE_JUMP - 1;
  for (let jump = FENCE_JUMP; ; jump *= 2) {
    failpoint('open:before-fence');
    if ((await wal.store.putIfAbsent(layout.walEntry(shard, position, wal.walSuffix), bytes)) === 'created') break;
    if ((await inspectTaken(wal, shard, epoch, position)) === 'same') {
      throw new CorruptEntryError(layout.walEntry(shard, position, wal.walSuffix), `an entry of epoch ${epoch} exists before its writer wrote its fence`);
    }
    position += jump; // a previous writer is past it: jump farther
  }
  const top = position + WAL_WINDOW_MAX - 1;
  const around = Array.from({ length: top - from + 1 }, (_, i) => from + i).filter((p) => p !== position);
  await fillPositions(wal, shard, epoch, around, bytes);
  return top;
}

/**
 * Creates a fence entry of `epoch` at each of `positions` that is free, a bounded number
 * at once. A taken position holds an older writer's entry (replay reads it) or a newer
 * writer's: then we are fenced (`ShardFencedError`).
 */
async function fillPositions(wal: WalTable, shard: ShardId, epoch: number, positions: readonly number[], bytes: Uint8Array): Promise<void> {
  for (let lo = 0; lo < positions.length; lo += FILL_CONCURRENCY) {
    const chunk = positions.slice(lo, lo + FILL_CONCURRENCY);
    const results = await Promise.all(chunk.map((p) => wal.store.putIfAbsent(layout.walEntry(shard, p, wal.walSuffix), bytes)));
    await Promise.all(chunk.filter((_, i) => results[i] === 'exists').map((p) => inspectTaken(wal, shard, epoch, p)));
  }
}

/**
 * Fills the holes of a WAL listing: every free position in `(after, tip]`. An open that
 * crashed while filling below its fence leaves such holes, and so does a writer that
 * crashed (or was fenced) with several appends in flight: entry k missing, k+1 present.
 * A zombie writer whose append at a hole is still in flight could create its entry
 * there — acked, but below every later listing's tip, so no later replay or fence would
 * cover it. Filling them before the new fence closes that: the zombie's append there
 * finds a newer epoch and fails, and so nothing it wrote after the hole is acked (acks
 * come in position order) — replay skips those entries (core's `WalReplayer`).
 *
 * @example
 * ```ts
 * await fillHoles(table, 0, epoch, await listWal(table.store, 0, replayAfter, table.walSuffix), replayAfter);
 * ```
 */
export async function fillHoles(wal: WalTable, shard: ShardId, epoch: number, listed: readonly WalListing[], after: number): Promise<number> {
  const taken = new Set(listed.map((l) => l.position));
  const tip = listed.length > 0 ? listed[listed.length - 1].position : after;
  const holes: number[] = [];
  for (let p = after + 1; p < tip; p++) if (!taken.has(p)) holes.push(p);
  await fillPositions(wal, shard, epoch, holes, fenceBytes(shard, epoch));
  return holes.length;
}

export { WalAppender } from './wal-appender.js';
