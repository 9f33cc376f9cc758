import { MemoryStore } from '@freshtier/core';
import { it, expect } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

it('repro 1', async () => {
  const table = await makeTable(new MemoryStore());
  const w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 20_000, backpressureGraceMs: 0 });
  console.log('empty unflushed', w.unflushedBytes);
  const e = await w.put(rangeBatch(0, 1)).catch((e) => e);
  console.log('put1', e?.code);
  await w.close().catch(() => {});
});
it('repro 2', async () => {
  const table = await makeTable(new MemoryStore());
  const w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 1 << 20, backpressureGraceMs: 0 });
  await w.put(rangeBatch(0, 50_000));
  await w.flush();
  console.log('after flush unflushed', w.unflushedBytes);
  const e = await w.put(rangeBatch(0, 1)).catch((e) => e);
  console.log('put2', e?.code);
  await w.close().catch(() => {});
});
