import { WriterClosedError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { BackpressureGate } from '../src/backpressure.js';

function probe(bytes: { value: number }, stopped?: { error?: Error }) {
  let relieved = 0;
  return {
    relieved: () => relieved,
    probe: {
      unflushedBytes: () => bytes.value,
      relieve: () => void relieved++,
      lastFlushError: () => new Error('store down'),
      stopped: () => stopped?.error,
    },
  };
}

describe('BackpressureGate', () => {
  it('admits at once under the limit', async () => {
    const p = probe({ value: 10 });
    const gate = new BackpressureGate(0, { limit: 100, graceMs: 50 }, p.probe);
    expect(gate.mustWait()).toBe(false);
    await gate.admit();
    expect(p.relieved()).toBe(0);
  });

  it('waits for progress, and each progress restarts the grace period', async () => {
    const bytes = { value: 500 };
    const p = probe(bytes);
    const gate = new BackpressureGate(0, { limit: 100, graceMs: 60 }, p.probe);
    const admitted = gate.admit();
    setTimeout(() => gate.progress(), 40); // progress, still over the limit
    setTimeout(() => { bytes.value = 50; gate.progress(); }, 80); // past the first grace, within the renewed one
    await admitted;
    expect(p.relieved()).toBeGreaterThan(0);
  });

  it('fails with BackpressureError carrying the last flush error when nothing moves', async () => {
    const gate = new BackpressureGate(3, { limit: 100, graceMs: 30 }, probe({ value: 500 }).probe);
    const started = Date.now();
    const err = await gate.admit().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKPRESSURE', context: { shard: 3, unflushedBytes: 500, limit: 100 } });
    expect((err as Error).cause).toMatchObject({ message: 'store down' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('wakes waiting puts with the writer error when it stops', async () => {
    const stopped: { error?: Error } = {};
    const gate = new BackpressureGate(0, { limit: 100, graceMs: 10_000 }, probe({ value: 500 }, stopped).probe);
    const waiting = gate.admit();
    await new Promise((r) => setTimeout(r, 5));
    expect(gate.waiting).toBe(1);
    stopped.error = new WriterClosedError(0);
    gate.wake();
    await expect(waiting).rejects.toMatchObject({ code: 'WRITER_CLOSED' });
  });
});
