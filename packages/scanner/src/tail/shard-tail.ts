/**
 * A remote reader's view of one shard's unflushed rows (DESIGN.md "Read path": remote
 * readers; invariant 15): read-only memtables rebuilt from the shard's WAL, by the same
 * replay rules a writer's open uses (core's `WalReplayer`), kept current by `refresh`.
 *
 * A refresh, in order:
 * 1. reads the base manifest, then the shard manifest (latest versions), and drops the
 *    memtables of generations they make durable (flushed, compacted, or excluded by a
 *    rollback): from then on reads take those rows from files;
 * 2. moves its read position past `replayAfter` (everything at or below is committed or
 *    a fence);
 * 3. lists the WAL after its read position — one LIST — and reads, in position order,
 *    only the new entries — one GET each — up to the first hole;
 * 4. if GC raced it (a listed entry vanished, or the first missing position is at or below
 *    the `replayAfter` of a commit made meanwhile: collected, not a hole), goes on from
 *    newer manifests.
 *
 * Why stop at a hole: positions are created in order by one writer, but an opening
 * writer fills the positions below its fence in parallel, and until it is done a
 * zombie writer may still create (and ack) an entry in one of them. Reading past the
 * hole would skip that entry forever; stopping there only delays the entries above it
 * until the hole is filled (every open fills the holes below its tip: writer wal.ts).
 *
 * Refreshes of one tail run one at a time, each listing after it starts, so a read that
 * refreshes sees every write acknowledged (durably) before the read was called.
 */
import {
  WalReplayer, baseCoverage, decodeOrExplain, fetchWalEntries, isFreshtierError, listWal,
  type BaseManifest, type MemtableRef, type MemtableSource, type ShardMemtableRefs, type Table, type Versioned, type WalListing,
} from '@freshtier/core';

/**
 * What one refresh of a shard did (the bench reports these per refresh).
 *
 * @example
 * ```ts
 * const tail = new ShardTail(table, 0);
 * const r: ShardTailRefresh = await tail.refresh();
 * console.log(r.entriesRead, r.lists);
 * ```
 */
export interface ShardTailRefresh {
  readonly shard: number;
  /** WAL LIST requests (1, or more when GC collected entries during the refresh and it read on from newer manifests). */
  readonly lists: number;
  /** New WAL entries read (one GET each). */
  readonly entriesRead: number;
  /** Generations whose memtables were dropped because a commit made them durable. */
  readonly generationsDropped: number;
  /** The first WAL position not read yet (a hole or the tip). */
  readonly nextPosition: number;
}

/**
 * One shard's WAL, tailed (see the module doc).
 *
 * @example
 * ```ts
 * const tail = new ShardTail(table, 0);
 * await tail.refresh();
 * const scanner = new LsmScanner(table, { writers: [tail] });
 * ```
 */
export class ShardTail implements MemtableSource {
  private replayer: WalReplayer;
  private next = 0;
  private epoch = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly table: Table, readonly shard: number) {
    // a reader replays every epoch: it is no writer, so no entry can fence it
    this.replayer = new WalReplayer(table, shard, Number.POSITIVE_INFINITY, () => false);
  }

  /**
   * Steps 1–4 of the module doc; runs after any refresh already in progress. `base`: the
   * newest base manifest, when the caller read it for every shard at once (it must be read
   * before the shard manifest, as here).
   */
  refresh(base?: Versioned<BaseManifest>): Promise<ShardTailRefresh> {
    const run = this.queue.then(() => this.refreshNow(base));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The memtables rebuilt so far, ascending by generation, with their batch counts now. */
  inMemoryMemtableRefs(): ShardMemtableRefs {
    const refs: MemtableRef[] = this.replayer.generations().map((g) => ({ memtable: g.memtable, batchCount: g.memtable.batchCount }));
    return { shard: this.shard, epoch: this.epoch, refs };
  }

  /** Rows held in memory (for `inspect` and memory accounting). */
  get rowCount(): number {
    return this.replayer.generations().reduce((n, g) => n + g.memtable.rowCount, 0);
  }

  /**
   * One refresh, tried again (from newer manifests) when GC raced it: an entry it listed
   * is gone, or the first missing position it met lies at or below the `replayAfter` of a
   * commit made meanwhile — a collected entry, not a hole an opening writer will fill.
   */
  private async refreshNow(first: Versioned<BaseManifest> | undefined): Promise<ShardTailRefresh> {
    let entriesRead = 0;
    let generationsDropped = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.refreshOnce(attempt === 1 ? first : undefined); // a retry reads newer manifests
        entriesRead += r.entriesRead;
        generationsDropped += r.generationsDropped;
        if (!r.stoppedAtHole || attempt >= MAX_ATTEMPTS || !(await this.collectedBelow(this.next))) {
          return { shard: this.shard, lists: attempt, entriesRead, generationsDropped, nextPosition: this.next };
        }
      } catch (e) {
        if (!isFreshtierError(e, 'NOT_FOUND') || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }

  /** Whether a commit made after this refresh's manifest read covers `position` (so GC may have collected it). */
  private async collectedBelow(position: number): Promise<boolean> {
    return (await this.table.shardManifests(this.shard).latest()).doc.replayAfter >= position;
  }

  private async refreshOnce(given: Versioned<BaseManifest> | undefined): Promise<{ entriesRead: number; generationsDropped: number; stoppedAtHole: boolean }> {
    const base = given ?? (await this.table.baseManifests.latest());
    const head = await this.table.shardManifests(this.shard).latest();
    const coverage = baseCoverage(base.doc, this.shard);
    const flushed = new Set(head.doc.flushed.map((f) => f.generation));
    const dropped = this.replayer.setDurable((g) => coverage.inBase(g) || flushed.has(g));
    this.epoch = head.doc.epoch;
    this.next = Math.max(this.next, head.doc.replayAfter + 1);
    const listed = await listWal(this.table.store, this.shard, this.next - 1, this.table.walSuffix);
    const fresh = contiguousFrom(listed, this.next);
    for await (const { listing, bytes } of fetchWalEntries(this.table.store, fresh)) {
      this.replayer.apply(listing, await decodeOrExplain(this.table.store, this.shard, listing, bytes, this.replayer.lastRead));
      this.next = listing.position + 1;
    }
    return { entriesRead: fresh.length, generationsDropped: dropped.length, stoppedAtHole: fresh.length < listed.length };
  }
}

/** Attempts of one refresh when GC races it (each retry reads newer manifests). */
const MAX_ATTEMPTS = 3;

/** The listed entries at `from`, `from + 1`, … up to the first missing position. */
function contiguousFrom(listed: readonly WalListing[], from: number): WalListing[] {
  const out: WalListing[] = [];
  for (const l of listed) {
    if (l.position !== from + out.length) break;
    out.push(l);
  }
  return out;
}
