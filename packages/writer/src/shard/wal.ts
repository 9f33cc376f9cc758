/**
 * The write-ahead log of a shard: one object per entry at
 * `shards/<id>/wal/<20-digit position><suffix>` (`layout.walEntry`, the table's suffix), each created
 * with `putIfAbsent`, each encoded by core's `encodeWalEntry` (writer epoch,
 * and per record its generation, batch index and op; checksummed).
 *
 * Positions and fencing. A writer appends at consecutive positions, one write
 * in flight at a time. A new writer writes a *fence* entry at the tip. When an
 * append finds its position taken, the position was created by someone else:
 * the entry there decides — a newer epoch means this writer was fenced
 * (`ShardFencedError`, nothing acked); an older epoch is a zombie writer's entry
 * below the fence and is stepped over. Because every writer writes its positions
 * in order and a fence sits at or above every position existing when it was
 * written, a fenced writer can never create an entry above the fence.
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
  CorruptEntryError, ShardFencedError, WriterPoisonedError, encodeWalEntry, isFreshtierError, layout, readWalEntry,
  failpoint, type ShardId, type Table, type WalListing, type WalRecord,
} from '@freshtier/core';

/** What the WAL functions need of a table: its store and its WAL entries' suffix. */
export type WalTable = Pick<Table, 'store' | 'walSuffix'>;

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
/** Positions filled at once below the fence. */
const FILL_CONCURRENCY = 32;

/**
 * Writes the fence entry of `epoch` above every position a previous writer holds, in a
 * bounded number of store round trips whatever that writer does; returns its position.
 *
 * 1. Jump ahead: create the fence at `from + FENCE_JUMP - 1`. A previous writer appends
 *    one position per round trip, so it rarely gets there first; if it did (an older
 *    epoch's entry is there), jump twice as far above it and try again.
 * 2. Fill every free position between `from` and the fence with fence entries, all at
 *    once. A position the previous writer took first holds its entry (acked, and replay
 *    reads it); one we took stops it: its append there finds a newer epoch and fails
 *    with `ShardFencedError`. After the fill no position below the fence is free, so
 *    nothing the previous writer creates later can hide below it from replay.
 * Chasing the tip one position at a time instead lost every race against a writer
 * putting back to back: its open never finished while that writer kept acking.
 * Throws `ShardFencedError` if a newer writer's entry is met.
 *
 * @example
 * ```ts
 * const fencePosition = await writeFence(table, 0, head.doc.epoch, tip + 1);
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
  await fillBelow(wal, shard, epoch, from, position, bytes);
  return position;
}

/** Step 2 of {@link writeFence}: fence entries in every free position of `[from, fence)`. */
async function fillBelow(wal: WalTable, shard: ShardId, epoch: number, from: number, fence: number, bytes: Uint8Array): Promise<void> {
  await fillPositions(wal, shard, epoch, Array.from({ length: fence - from }, (_, i) => from + i), bytes);
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
 * crashed while filling below its fence leaves such holes, and a zombie writer whose
 * next position one is could still create an entry there — acked, but below every later
 * listing's tip, so no later replay or fence would cover it. Filling them before the new
 * fence closes that: the zombie's append there finds a newer epoch and fails.
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

/**
 * Appends data entries after the fence, one at a time. See the module doc for
 * what a taken position and an unknown outcome mean.
 *
 * @example
 * ```ts
 * const wal = new WalAppender(table, 0, epoch, fencePosition);
 * const position = await wal.append([{ generation: 4, batchIndex: 0, op: 'put', batch }]);
 * ```
 */
export class WalAppender {
  private next: number;
  private last: number;
  private busy = false;

  constructor(private readonly wal: WalTable, readonly shard: ShardId, readonly epoch: number, fencePosition: number) {
    this.next = fencePosition + 1;
    this.last = fencePosition;
  }

  /** The highest position this writer created (its fence before the first append). */
  get lastWritten(): number {
    return this.last;
  }

  /** Writes one entry holding `records`; resolves with its position once it is persisted. */
  async append(records: WalRecord[]): Promise<number> {
    if (this.busy) throw new Error('WalAppender.append called while another append is in flight');
    this.busy = true;
    try {
      return await this.appendEncoded(encodeWalEntry({ kind: 'data', shard: this.shard, epoch: this.epoch, records }));
    } finally {
      this.busy = false;
    }
  }

  private async appendEncoded(bytes: Uint8Array): Promise<number> {
    for (;;) {
      const position = this.next;
      const key = layout.walEntry(this.shard, position, this.wal.walSuffix);
      let result;
      try {
        failpoint('wal:before-append'); // inside the try: a failure here counts as an unknown outcome, like a store error
        result = await this.wal.store.putIfAbsent(key, bytes);
      } catch (e) {
        throw new WriterPoisonedError(this.shard, `the WAL write of ${key} failed with an unknown outcome`, e);
      }
      this.next = position + 1;
      if (result === 'created') failpoint('wal:after-append');
      if (result === 'created') return (this.last = position);
      await this.checkTaken(position, key);
    }
  }

  private async checkTaken(position: number, key: string): Promise<void> {
    let verdict;
    try {
      verdict = await inspectTaken(this.wal, this.shard, this.epoch, position);
    } catch (e) {
      if (e instanceof ShardFencedError || isFreshtierError(e, 'SHARD_FENCED')) throw e;
      throw new WriterPoisonedError(this.shard, `${key} was taken by an unreadable entry`, e);
    }
    if (verdict === 'same') throw new WriterPoisonedError(this.shard, `${key} already holds an entry of this writer's epoch`);
  }
}
