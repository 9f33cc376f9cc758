/**
 * Appending a writer's data entries after its fence block (wal.ts), several at once.
 *
 * Each `append` takes the next position when it is called (so positions follow call
 * order) and creates the entry there with `putIfAbsent`; several appends may be in
 * flight, finishing in any order. What a finished append means is the caller's
 * business: the group committer (group-commit.ts) acknowledges them in position
 * order, so an ack implies every lower position of this writer is durable.
 *
 * A taken position: a newer epoch there fences this writer (`ShardFencedError`); its
 * own epoch means an earlier attempt with a lost ack (`WriterPoisonedError`); an older
 * epoch is a zombie writer's entry and is stepped over — but only when no later append
 * is in flight: moving the entry above later ones would put its batches after theirs,
 * which replay reads as damage. Otherwise the writer is poisoned. (Above a fence block
 * no older entry can exist, see wal.ts; this is the defensive path.)
 *
 * After any failure the appender is broken at the lowest failed position: every append
 * to come, and every one in flight ABOVE that position, fails with its error, and no new
 * entry is written — nothing after the failed position may be acknowledged, so writing it
 * would be useless. An append below it that lands still succeeds: its entry is below
 * whatever fenced the writer, so the next writer replays it, and its caller is acked
 * (rejecting it would report as unapplied a write that is applied). A failure before the
 * store write (encoding) still takes its position: it leaves a hole, never a batch gap,
 * and the next open fills the hole and skips what this writer put above it (replay rule 5).
 */
import {
  ShardFencedError, WriterPoisonedError, encodeWalEntry, failpoint, isFreshtierError, layout,
  schemaVersionField, type ShardId, type WalRecord,
} from '@freshtier/core';
import { inspectTaken, type WalTable } from './wal.js';

/**
 * Appends data entries after the fence block; see the module doc.
 *
 * @example
 * ```ts
 * const wal = new WalAppender(table, 0, epoch, fencePosition);
 * const [a, b] = await Promise.all([wal.append(recordsA), wal.append(recordsB)]); // b === a + 1
 * ```
 */
export class WalAppender {
  private next: number;
  private last: number;
  /** Positions finished (created, or stepped over) above `last`. */
  private readonly finished = new Set<number>();
  /** The lowest failed position and its error. */
  private broken: { error: unknown; position: number } | undefined;

  constructor(private readonly wal: WalTable, readonly shard: ShardId, readonly epoch: number, fencePosition: number) {
    this.next = fencePosition + 1;
    this.last = fencePosition;
  }

  /** The highest position up to which every position of this writer is finished (its fence block top before the first append). */
  get lastWritten(): number {
    return this.last;
  }

  /**
   * Writes one entry holding `records` at the next position (taken now); resolves with
   * that position once the entry is persisted. Rejects at once if an earlier append failed.
   */
  async append(records: WalRecord[]): Promise<number> {
    if (this.broken) throw this.broken.error;
    const position = this.next++;
    try {
      return await this.place(position, encodeWalEntry({ kind: 'data', shard: this.shard, epoch: this.epoch, records, ...schemaVersionField(this.wal.schemaVersion) }));
    } catch (e) {
      const lower = this.broken as WalAppender['broken']; // set meanwhile, perhaps (TypeScript keeps the narrowing above)
      if (lower && lower.position < position) throw lower.error; // above a lower failure: failed because of it
      this.broken = { error: e, position };
      throw e;
    }
  }

  private async place(first: number, bytes: Uint8Array): Promise<number> {
    for (let position = first; ;) {
      const key = layout.walEntry(this.shard, position, this.wal.walSuffix);
      let result;
      try {
        failpoint('wal:before-append'); // inside the try: a failure here counts as an unknown outcome, like a store error
        result = await this.wal.store.putIfAbsent(key, bytes);
      } catch (e) {
        throw new WriterPoisonedError(this.shard, `the WAL write of ${key} failed with an unknown outcome`, e);
      }
      if (this.broken && this.broken.position < position) throw this.broken.error; // a lower position failed meanwhile: this one is never acknowledged
      if (result === 'created') {
        failpoint('wal:after-append');
        this.finish(position);
        return position;
      }
      await this.checkTaken(position, key);
      if (position !== this.next - 1) {
        throw new WriterPoisonedError(this.shard, `${key} holds an older writer's entry while later entries of this writer are in flight; reopen the shard (replay skips what was not acknowledged)`);
      }
      this.finish(position);
      position = this.next++;
    }
  }

  /** Marks `position` finished and moves `lastWritten` over every finished position above it. */
  private finish(position: number): void {
    this.finished.add(position);
    while (this.finished.delete(this.last + 1)) this.last++;
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
