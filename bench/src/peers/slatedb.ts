/**
 * SlateDB through its Node binding (`@slatedb/uniffi`, UniFFI over the Rust library via
 * koffi) on a local `file://` object store: the upsert stream only (a key-value store has no
 * append-only table, scans of Arrow rows or compaction to compare).
 *
 * Each 1,000-row batch is one `WriteBatch` of `put(key, value)` — key: the id as 8
 * order-preserving big-endian bytes; value: qty (4), price (8), label (20 UTF-8 bytes) —
 * written with the default `await_durable: true`, so a write resolves once the WAL SST
 * holding it is in the object store (SlateDB batches writes for `flush_interval`, 100 ms
 * by default). The local file store (Rust `object_store`'s LocalFileSystem) writes a temp
 * file and renames it, with no fsync (strace shows none): "durable" here survives a process
 * crash, not a power loss. Timed to the end of `shutdown()` (the memtable flushed to L0),
 * as freshtier's stream is timed to the end of `close()`. Keys and values are encoded
 * before the clock starts; building each WriteBatch (one FFI call per row) is timed.
 */
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { arrowBytes, collect, producerSpecs, rowCount } from '../data.js';
import { importPeer } from './load.js';
import { SkipError, peerStream, startClock, type Adapter, type Result, type WorkloadContext } from './types.js';

/* The few binding shapes used here, typed locally: bench/peers is outside tsc's reach. */
interface Disposable { dispose(): void }
interface WriteBatch extends Disposable { put(key: Uint8Array, value: Uint8Array): void }
interface Db extends Disposable {
  write(batch: WriteBatch): Promise<unknown>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  shutdown(): Promise<void>;
}
interface SlateDb {
  ObjectStore: { resolve(url: string): Disposable };
  DbBuilder: new (path: string, store: Disposable) => Disposable & { build(): Promise<Db> };
  WriteBatch: new () => WriteBatch;
}

/** Loads the binding, or skips with the reason (not installed, no prebuilt library for this platform). */
async function slate(): Promise<SlateDb> {
  try {
    return await importPeer<SlateDb>('@slatedb/uniffi');
  } catch (e) {
    throw new SkipError(`@slatedb/uniffi does not load on ${process.platform}-${process.arch} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** One batch as SlateDB rows: keys and values side by side. */
interface Encoded { keys: Uint8Array[]; values: Uint8Array[] }

/**
 * A key as SlateDB stores it: the id's 8 bytes big-endian with the sign bit flipped, so
 * byte order is numeric order, as an LSM's sorted keys need.
 *
 * @example
 * ```ts
 * encodeKey(-1n); // 7f ff ff ff ff ff ff ff
 * ```
 */
export function encodeKey(id: bigint): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, id) ^ (1n << 63n));
  return key;
}

/**
 * A row's value: qty (Int32 LE), price (Float64 LE), then the label's UTF-8 bytes.
 *
 * @example
 * ```ts
 * encodeValue(7, 1.5, 'sku-1').length; // 12 + 5
 * ```
 */
export function encodeValue(qty: number, price: number, label: string): Uint8Array {
  const text = new TextEncoder().encode(label);
  const value = new Uint8Array(12 + text.length);
  const view = new DataView(value.buffer);
  view.setInt32(0, qty, true);
  view.setFloat64(4, price, true);
  value.set(text, 12);
  return value;
}

function encodeBatch(batch: RecordBatch): Encoded {
  const ids = batch.getChild('id')!.toArray() as BigInt64Array;
  const qty = batch.getChild('qty')!.toArray() as Int32Array;
  const price = batch.getChild('price')!.toArray() as Float64Array;
  const labels = batch.getChild('label')!;
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i++) {
    keys.push(encodeKey(ids[i]));
    values.push(encodeValue(qty[i], price[i], labels.get(i) as string));
  }
  return { keys, values };
}

/** Writes every producer's batches concurrently, one WriteBatch per batch. */
async function writeAll(lib: SlateDb, db: Db, encoded: Encoded[][]): Promise<void> {
  await Promise.all(encoded.map(async (list) => {
    for (const { keys, values } of list) {
      const wb = new lib.WriteBatch();
      for (let i = 0; i < keys.length; i++) wb.put(keys[i], values[i]);
      await db.write(wb);
      wb.dispose();
    }
  }));
}

/** Checks the last row of every producer reads back as written. */
async function verifyLastRows(db: Db, encoded: Encoded[][]): Promise<void> {
  for (const list of encoded) {
    const last = list[list.length - 1];
    const got = await db.get(last.keys[last.keys.length - 1]);
    if (!got || Buffer.compare(Buffer.from(got), Buffer.from(last.values[last.values.length - 1])) !== 0) throw new Error('slatedb: a written row reads back wrong');
  }
}

async function upsert(ctx: WorkloadContext): Promise<Result> {
  const lib = await slate();
  const { sizes, note } = peerStream(ctx.sizes);
  const batches = producerSpecs(sizes, 'upsert').map(collect);
  const encoded = batches.map((list) => list.map(encodeBatch));
  const store = lib.ObjectStore.resolve(`file://${join(ctx.dir, 'slatedb')}`);
  const builder = new lib.DbBuilder('bench', store);
  const db = await builder.build();
  builder.dispose();
  const elapsed = startClock();
  await writeAll(lib, db, encoded);
  const writtenAt = elapsed();
  await verifyLastRows(db, encoded); // untimed: subtracted below
  const checkSeconds = elapsed() - writtenAt;
  await db.shutdown();
  const seconds = elapsed() - checkSeconds;
  db.dispose();
  store.dispose();
  const all = batches.flat();
  return {
    rows: rowCount(all), bytes: arrowBytes(all), seconds,
    notes: `WriteBatch of 1,000 puts per batch, await_durable (default settings: WAL flushed every 100 ms); local file store: no fsync; timed to the end of shutdown() (last write at ${writtenAt.toFixed(2)} s, shutdown ${(seconds - writtenAt).toFixed(2)} s)${note}`,
  };
}

/** The SlateDB adapter: the upsert stream only. */
export const slatedbAdapter: Adapter = {
  name: 'slatedb',
  needsPeers: true,
  workloads: { upsert },
};
