/**
 * Bulk ingest, step 3 (ingest.ts; DESIGN.md invariant 9, "Ingestion takes effect at
 * commit"): the ingest takes its generation under the writer's lock.
 *
 * While the gate is held, puts and deletes wait at it (write-path.ts) and resume in
 * call order; another ingest waits its turn. Holding it, the writer freezes the active
 * memtable and commits everything in memory — looping, since a put admitted past
 * backpressure just before may still land — until only an empty active generation is
 * left. That generation becomes the ingest's (`WriterState.takeForIngest`) and is
 * committed like a flush. Writes acked before are in lower generations, writes after in
 * higher ones. If the commit fails, the files stay a frozen generation that the flusher
 * retries, like any flush.
 */
import type { Generation } from '@freshtier/core';
import type { IngestFiles } from './ingest.js';
import type { WritePath } from './write-path.js';
import type { WriterState } from './writer-state.js';

/**
 * The writer's parts an ingest commit uses.
 *
 * @example
 * ```ts
 * const parts: IngestCommitParts = { state, writes, flushThrough: (g) => flusher.flushThrough(g) };
 * ```
 */
export interface IngestCommitParts {
  readonly state: WriterState;
  readonly writes: Pick<WritePath, 'freeze'>;
  /** Flushes until no generation <= `generation` is in memory (throws after the retries). */
  flushThrough(generation: Generation): Promise<void>;
}

/**
 * The writer's ingest lock (see the module doc).
 *
 * @example
 * ```ts
 * const generation = await gate.commit({ state, writes, flushThrough }, written.files);
 * ```
 */
export class IngestGate {
  private held: Promise<void> | undefined;

  /** Resolves when the ingest committing now is done; undefined when none is. */
  get pending(): Promise<void> | undefined {
    return this.held;
  }

  /** Commits `files` as the next generation, holding the gate; returns that generation. */
  commit(w: IngestCommitParts, files: IngestFiles): Promise<Generation> {
    return this.run(async () => {
      do {
        w.state.assertWritable();
        w.writes.freeze('ingest');
        await w.flushThrough(w.state.active.generation - 1);
      } while (!w.state.drained);
      const slot = w.state.takeForIngest(files); // empty: it becomes the ingest's generation, sealed and frozen at once
      await w.flushThrough(slot.generation);
      return slot.generation;
    });
  }

  /** Runs `fn` holding the gate: one ingest commit at a time. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let open!: () => void;
    this.held = new Promise<void>((resolve) => (open = resolve));
    try {
      return await fn();
    } finally {
      this.held = undefined;
      open();
    }
  }
}
