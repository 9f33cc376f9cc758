/**
 * Repairing a damaged WAL entry: the one explicit way its acked rows are dropped
 * (DESIGN.md invariant 13; replay refuses to skip it, wal-damage.ts).
 *
 * 1. Confirm the damage at rest: a second read gives the same bytes at the listed
 *    size. A bad read of a healthy entry must never cost its rows.
 * 2. Name what is lost from the entry itself, unverified: the batch coordinates its
 *    header claims, and the keys of every record whose bytes still decode as a
 *    bounds-checked Arrow stream of the table's schema (or its key columns, a delete).
 * 3. Apply (only with `apply`): copy the bytes to `shards/<id>/wal-quarantine/`,
 *    delete the entry, and fill its position with a `repaired` fence of the repair's
 *    epoch. Replay then accepts the gap in batch indices after it (replay.ts). The hole
 *    must not stay open: a zombie writer whose next position it is could otherwise
 *    create an entry there that replay has already passed.
 */
import {
  decodeCheckedBatch, decodeCheckedBatchOfAnySchema, layout, peekWalHeader, walBatchAt,
  type ObjectStore, type ShardId, type Table,
} from '@freshtier/core';
import { Schema, type RecordBatch } from 'apache-arrow';
import { fenceBytes, inspectTaken } from '../shard/wal.js';
import { decodeWalEntryOf } from './table-objects.js';

/**
 * The rows a damaged WAL entry held, as far as its damaged bytes tell.
 *
 * @example
 * ```ts
 * const lost: LostRows = { known: true, batches: [{ generation: 7, batchIndex: 3, op: 'put', rows: 1000 }], keys: ['{"id":"17"}'], keysComplete: true };
 * ```
 */
export interface LostRows {
  /** False when the header is unreadable: what the entry held is unknown. */
  readonly known: boolean;
  /** The batches the header claims (`rows` undefined where the record does not decode). */
  readonly batches: readonly { generation: number; batchIndex: number; op: 'put' | 'delete'; rows?: number }[];
  /** The primary keys of the rows that decode, as JSON objects of the key columns (int64 as strings). */
  readonly keys: readonly string[];
  /** True when every record decoded, so `keys` lists every lost row. */
  readonly keysComplete: boolean;
}

/**
 * Step 1: whether the entry of shard `shard`'s WAL reads back damaged twice (by verify's
 * checks, the replayer's shard rule included), the same bytes at the listed size.
 *
 * @example
 * ```ts
 * if (await damagedAtRest(store, key, 0)) plan.push(setAside);
 * ```
 */
export async function damagedAtRest(store: ObjectStore, key: string, shard: ShardId): Promise<Uint8Array | undefined> {
  const first = await store.get(key);
  if (decodes(first, key, shard)) return undefined;
  const again = await store.get(key);
  const meta = await store.head(key);
  const same = again.byteLength === first.byteLength && Buffer.from(again.buffer, again.byteOffset, again.byteLength).equals(first);
  return same && meta?.size === first.byteLength && !decodes(again, key, shard) ? first : undefined;
}

function decodes(bytes: Uint8Array, key: string, shard: ShardId): boolean {
  try {
    decodeWalEntryOf(bytes, key, shard);
    return true;
  } catch {
    return false;
  }
}

/**
 * Step 2: what the damaged bytes say the entry held.
 *
 * @example
 * ```ts
 * const lost = lostRowsOf(table, bytes, key);
 * console.log(lost.batches, lost.keys.length);
 * ```
 */
export function lostRowsOf(table: Table, bytes: Uint8Array, key: string): LostRows {
  const claim = peekWalHeader(bytes);
  if (!claim) return { known: false, batches: [], keys: [], keysComplete: false };
  let offset = 8 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  const keys: string[] = [];
  let complete = true;
  const batches = claim.records.map((r) => {
    const body = offset + r.byteLength <= bytes.length - 4 ? bytes.subarray(offset, offset + r.byteLength) : undefined;
    offset += r.byteLength;
    const batch = body && decodeRecord(table, body, key, r.op, claim.schemaVersion ?? 0);
    if (!batch) complete = false;
    else keys.push(...keysOf(table, batch));
    return { generation: r.generation, batchIndex: r.batchIndex, op: r.op, rows: batch?.numRows };
  });
  return { known: true, batches, keys, keysComplete: complete };
}

/**
 * A record's batch, if its bytes decode as a stream of the table's schema or of its key columns;
 * one logged under another schema version is decoded with its own (bounds-checked) schema and
 * projected onto the table's by field id (`walBatchAt`), so its keys are named all the same.
 */
function decodeRecord(table: Table, body: Uint8Array, key: string, op: 'put' | 'delete', schemaVersion: number): RecordBatch | undefined {
  const keySchema = new Schema(table.primaryKey.map((name) => table.schema.fields.find((f) => f.name === name)!));
  try {
    if (schemaVersion === table.schemaVersion) return decodeCheckedBatch(body, [table.schema, keySchema], key);
    return walBatchAt(decodeCheckedBatchOfAnySchema(body, key), op, schemaVersion, table.schemaState, key);
  } catch {
    return undefined;
  }
}

/** Each row's key columns as JSON (bigint as a decimal string, so it stays exact). */
function keysOf(table: Table, batch: RecordBatch): string[] {
  const columns = table.primaryKey.map((name) => batch.getChild(name));
  const out: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    table.primaryKey.forEach((name, c) => (row[name] = columns[c]?.get(i)));
    out.push(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  }
  return out;
}

/**
 * Step 3: moves the entry aside and fills its position; returns where its bytes went.
 *
 * @example
 * ```ts
 * const kept = await setAsideWalEntry(table, 0, 17, bytes, repairEpoch);
 * ```
 */
export async function setAsideWalEntry(table: Table, shard: ShardId, position: number, bytes: Uint8Array, epoch: number): Promise<string> {
  const { store, walSuffix } = table;
  const key = layout.walEntry(shard, position, walSuffix);
  const kept = layout.walQuarantine(shard, position, epoch, walSuffix);
  await store.put(kept, bytes);
  await store.delete(key);
  // only a zombie writer could race us into the hole, and its entry is then a real one replay reads
  if ((await store.putIfAbsent(key, fenceBytes(shard, epoch, true))) === 'exists') await inspectTaken(table, shard, epoch, position);
  return kept;
}
