/**
 * Memtable memory against the Arrow bytes it holds (issue 16 target: at most 1.3x), before and
 * after issue 16 in one run. "Before" rebuilds the previous layout from core's `KeyMap` (what the
 * memtable used): every batch's encoded keys kept beside it, copied again into the map's arena,
 * key offsets, two int32 lanes and (entry, hash) slots per key, one version link per row.
 * "After" is today's `Memtable` (`byteSize`: allocated, spare capacity included).
 *
 * Run: node --expose-gc --conditions=freshtier-src --import tsx bench/memtable-memory.ts [rows] [--no-before]
 */
import { KeyMap, Memtable, batchByteSize, encodeKeys, hashKey, type EncodedKeys } from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';
import { collect } from './src/data.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const before = !process.argv.includes('--no-before');
const batches = collect({ rows, batchRows: 1_000, updateFraction: 0.1, seed: 7 });
const arrow = batches.reduce((s, b) => s + batchByteSize(b), 0);
const keys = batches.map((b) => encodeKeys(b, ['id']));
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** Process memory (heap + array buffers) taken by what `build` returns and keeps. */
function measured<T>(build: () => T): { value: T; grown: number } {
  gc();
  const m0 = process.memoryUsage();
  const value = build();
  gc();
  const m1 = process.memoryUsage();
  return { value, grown: m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers };
}

/** The previous memtable's layout (see the module doc); returns its allocated bytes. */
function previousLayout(list: RecordBatch[], encoded: EncodedKeys[]): { bytes: number; held: unknown } {
  const map = new KeyMap(2, 1024);
  let prev = new Int32Array(1024);
  let base = 0;
  const kept: EncodedKeys[] = [];
  list.forEach((b, i) => {
    const k = { count: encoded[i].count, bytes: encoded[i].bytes.slice(), offsets: encoded[i].offsets.slice() }; // kept per batch
    kept.push(k);
    map.reserve(k.count, k.bytes.byteLength);
    if (base + k.count > prev.length) {
      const next = new Int32Array(prev.length * 2);
      next.set(prev);
      prev = next;
    }
    for (let r = 0; r < k.count; r++) {
      const e = map.upsert(k.bytes, k.offsets[r], k.offsets[r + 1], hashKey(k.bytes, k.offsets[r], k.offsets[r + 1]));
      prev[base + r] = map.lastWasNew ? -1 : map.get(e, 0);
      if (map.lastWasNew) map.set(e, 1, i);
      map.set(e, 0, base + r);
    }
    base += k.count;
  });
  const keyBytes = kept.reduce((s, k) => s + k.bytes.byteLength + k.offsets.byteLength, 0);
  return { bytes: arrow + keyBytes + map.byteSize + prev.byteLength, held: [map, prev, kept] };
}

console.log(`rows ${rows.toLocaleString('en-US')}, Arrow bytes of the batches ${mib(arrow)}`);
if (before) {
  const { value, grown } = measured(() => previousLayout(batches, keys));
  console.log(`before (encoded keys per batch + KeyMap arena/offsets/lanes/slots + links): ${mib(value.bytes)} = ${(value.bytes / arrow).toFixed(2)}x the Arrow bytes (process memory grown ${mib(grown)})`);
}
const { value: memtable, grown } = measured(() => {
  const m = new Memtable(0, 1, true);
  batches.forEach((b, i) => m.append(b, 'put', keys[i], -1));
  return m;
});
console.log(`after  (Memtable.byteSize; ${memtable.keyCount.toLocaleString('en-US')} distinct keys):                          ${mib(memtable.byteSize)} = ${(memtable.byteSize / arrow).toFixed(2)}x the Arrow bytes (process memory grown ${mib(grown)}; the batches and encoded keys existed before)`);
