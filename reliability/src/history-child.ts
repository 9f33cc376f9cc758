/**
 * Child process of the two-process history: the writer of shard 0 of the
 * LocalStore table at <root>, writing while the parent (writer of shard 1, and the
 * readers) reads. Timestamps are `process.hrtime` nanoseconds: CLOCK_MONOTONIC,
 * one clock for every process on the machine.
 *
 * Prints:
 * - `A <seq> <callNs> <ackNs> <id,id,…>` after each put of fresh ids (v = seq) is acked;
 * - `F <callNs> <returnNs>` around each flush(): every write acked before it was
 *   called is then committed, so a reader in another process must see it;
 * - `ready` once open, `done` after close.
 *
 * Usage: history-child.ts <root> <seed> <ops>
 */
import { LocalStore, Table } from '@freshtier/core';
import { ShardWriter } from '@freshtier/writer';
import { idsOfShard, prng, rowsBatch } from './data.js';

const [root, seedArg, opsArg] = process.argv.slice(2);
const rnd = prng(Number(seedArg));
const now = () => process.hrtime.bigint().toString();
const say = (line: string) => process.stdout.write(line + '\n');

const table = await Table.open(new LocalStore(root));
const writer = await ShardWriter.open(table, { shard: 0, maxMemtableRows: 40, flushRetry: { initialDelayMs: 1 } });
let cursor = 0;
say('ready');
for (let seq = 1; seq <= Number(opsArg); seq++) {
  const taken = idsOfShard(table, 0, cursor, rnd.int(1, 4));
  cursor = taken.next;
  const call = now();
  await writer.put(rowsBatch(taken.ids, seq));
  say(`A ${seq} ${call} ${now()} ${taken.ids.join(',')}`);
  if (rnd.chance(0.15)) {
    const flushCall = now();
    await writer.flush();
    say(`F ${flushCall} ${now()}`);
  }
  // a seeded pause only varies the interleaving with the parent: the checks hold whatever the timing
  if (rnd.chance(0.5)) await new Promise((r) => setTimeout(r, rnd.int(0, 3)));
}
await writer.close();
say('done');
