/**
 * Memtable memory against the Arrow bytes it holds (issue target: at most 1.5x).
 * Run: node --conditions=freshtier-src --import tsx bench/memtable-memory.ts [rows]
 */
import { Memtable, batchByteSize, encodeKeys } from '@freshtier/core';
import { collect } from './src/data.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const batches = collect({ rows, batchRows: 1_000, updateFraction: 0.1, seed: 7 });
const memtable = new Memtable(0, 1, true);
const heapBefore = process.memoryUsage();
for (const b of batches) memtable.append(b, 'put', encodeKeys(b, ['id']), -1);
const heapAfter = process.memoryUsage();
const arrow = batches.reduce((s, b) => s + batchByteSize(b), 0);
const used = heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers;
console.log(`rows ${rows.toLocaleString('en-US')}, distinct keys ${memtable.keyCount.toLocaleString('en-US')}`);
console.log(`Arrow bytes of the batches: ${(arrow / 2 ** 20).toFixed(1)} MiB`);
console.log(`memtable.byteSize (Arrow + encoded keys + key index + version links): ${(memtable.byteSize / 2 ** 20).toFixed(1)} MiB = ${(memtable.byteSize / arrow).toFixed(2)}x`);
console.log(`process memory grown by appending (index, links, encoded keys; the batches existed before): ${(used / 2 ** 20).toFixed(1)} MiB`);
