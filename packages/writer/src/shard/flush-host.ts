/**
 * How a `ShardWriter` serves its `Flusher` (flush/flusher.ts): the flusher runs the
 * rounds and retries; the writer supplies its generations in memory, writes their
 * files where its options say, and commits a run of them:
 * 1. `WriterState.commitChange`: the files, `nextGeneration` and the replay point
 *    (invariant 6), computed before the commit's first await;
 * 2. one epoch-guarded commit (flush/commit.ts `FlushCommits`); `ShardFencedError`
 *    stops the writer (invariant 8), any other error leaves the generations frozen
 *    for the next round;
 * 3. `WriterState.committed`: the generations leave memory only now (invariant 2);
 *    then the `flush-committed` event, and puts waiting for memory re-check.
 */
import { isFreshtierError, type FreshtierError, type Table } from '@freshtier/core';
import { FlushCommits } from '../flush/commit.js';
import type { FlushHost } from '../flush/flusher.js';
import { writeGenerationFiles } from '../flush/write-files.js';
import type { WriterEventBody } from './events.js';
import type { MemtableSlot } from './memtable-slot.js';
import type { ResolvedWriterOptions } from './options.js';
import type { WritePath } from './write-path.js';
import type { WriterState } from './writer-state.js';

/**
 * The writer's parts its flush host uses.
 *
 * @example
 * ```ts
 * const flusher = new Flusher(writerFlushHost({ table, options, epoch, state, commits, writes, die, emit }), options);
 * ```
 */
export interface WriterFlushParts {
  readonly table: Table;
  readonly options: ResolvedWriterOptions;
  readonly epoch: number;
  readonly state: WriterState;
  readonly commits: FlushCommits;
  readonly writes: WritePath;
  die(error: unknown): FreshtierError;
  emit(event: WriterEventBody): void;
}

/**
 * The `FlushHost` of a writer (see the module doc).
 *
 * @example
 * ```ts
 * const host = writerFlushHost(parts);
 * ```
 */
export function writerFlushHost(w: WriterFlushParts): FlushHost {
  const o = w.options;
  const target = { store: w.table.store, table: w.table, shard: o.shard, epoch: w.epoch, rowGroupSize: o.rowGroupSize, compression: o.compression, flushInWorker: o.flushInWorker };
  return {
    slots: () => w.state.slots,
    writeFiles: (slot) => writeGenerationFiles(target, slot),
    commit: (prefix) => commitGenerations(w, prefix),
    settle: () => w.writes.settle(),
    fatal: () => w.state.fatal,
    failed: (stage, generations, attempt, error) => w.emit({ type: 'flush-failed', stage, generations, attempt, error }),
    starting: (slot) => w.emit({ type: 'flush-start', generation: slot.generation, rows: slot.memtable.rowCount }),
  };
}

/** Publishes the files of `prefix` (the oldest generations in memory) in one guarded commit, then drops them. */
async function commitGenerations(w: WriterFlushParts, prefix: MemtableSlot[]): Promise<void> {
  const files = prefix.map((s) => s.files!);
  const change = { files, epoch: w.epoch, ...w.state.commitChange(prefix) };
  let head;
  try {
    head = await w.commits.commit(change);
  } catch (e) {
    throw isFreshtierError(e, 'SHARD_FENCED') ? w.die(e) : e;
  }
  w.state.committed(prefix); // invariant 2: the frozen memtables leave memory only now
  w.emit({ type: 'flush-committed', generations: files.map((f) => f.generation), version: head.version, replayAfter: head.doc.replayAfter });
  w.writes.progress();
}
