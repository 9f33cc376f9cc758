/**
 * Lifecycle events of a {@link ShardWriter}: freeze, flush, replay, fencing,
 * poisoning. They are reported through the optional `onEvent` option, for the
 * CLI's progress output, for metrics and for tests that need to observe the
 * moment something happened (e.g. "the frozen memtable was still readable
 * when its flush committed").
 *
 * A listener runs synchronously inside the writer; it must be quick and must
 * not throw (a throwing listener is ignored, so a logging bug can never break a write).
 */
import type { Generation, ShardId } from '@freshtier/core';

/**
 * Why a memtable was frozen.
 *
 * @example
 * ```ts
 * let forcedFreezes = 0;
 * await ShardWriter.open(table, { shard: 0, onEvent: (e) => { if (e.type === 'freeze' && e.reason === 'backpressure') forcedFreezes++; } });
 * ```
 */
export type FreezeReason = 'bytes' | 'rows' | 'batches' | 'manual' | 'flush' | 'close' | 'backpressure' | 'replay' | 'ingest';

/** Fields every event carries. */
interface EventBase {
  readonly shard: ShardId;
  /** The epoch of the writer reporting the event. */
  readonly epoch: number;
}

/**
 * One lifecycle event.
 *
 * @example
 * ```ts
 * const writer = await ShardWriter.open(table, {
 *   shard: 0,
 *   onEvent: (e) => { if (e.type === 'flush-failed') console.warn(`generation(s) ${e.generations} failed`, e.error); },
 * });
 * ```
 */
export type WriterEvent =
  | (EventBase & { type: 'freeze'; generation: Generation; reason: FreezeReason; rows: number; bytes: number })
  | (EventBase & { type: 'flush-start'; generation: Generation; rows: number })
  | (EventBase & { type: 'flush-committed'; generations: Generation[]; version: number; replayAfter: number })
  | (EventBase & { type: 'flush-failed'; generations: Generation[]; stage: 'write' | 'commit'; attempt: number; error: unknown })
  | (EventBase & { type: 'replay-progress'; entriesDone: number; entriesTotal: number; position: number })
  | (EventBase & { type: 'fenced'; newerEpoch: number | undefined })
  | (EventBase & { type: 'poisoned'; reason: string; error: unknown });

/**
 * An event without the fields the writer fills in (`shard`, `epoch`).
 *
 * @example
 * ```ts
 * const body: WriterEventBody = { type: 'fenced', newerEpoch: 5 };
 * ```
 */
export type WriterEventBody = WriterEvent extends infer E ? (E extends WriterEvent ? Omit<E, 'shard' | 'epoch'> : never) : never;

/**
 * The `type` of a {@link WriterEvent}.
 *
 * @example
 * ```ts
 * const counts = new Map<WriterEventType, number>();
 * ```
 */
export type WriterEventType = WriterEvent['type'];

/**
 * A listener for {@link WriterEvent}s.
 *
 * @example
 * ```ts
 * const log: WriterEventListener = (e) => console.log(e.type, e.shard, e.epoch);
 * ```
 */
export type WriterEventListener = (event: WriterEvent) => void;

/**
 * Calls `listener` with `event`, swallowing anything it throws: events are
 * observations, and an observer's bug must not turn into a failed write.
 *
 * @example
 * ```ts
 * emitEvent(options.onEvent, { type: 'fenced', shard: 0, epoch: 3, newerEpoch: 4 });
 * ```
 */
export function emitEvent(listener: WriterEventListener | undefined, event: WriterEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // deliberately ignored, see above
  }
}
