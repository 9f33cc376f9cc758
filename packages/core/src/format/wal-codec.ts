/**
 * WAL entry codec. One WAL entry is one object:
 *
 * ```
 * "FTW1" | u32 headerLength | header (JSON) | Arrow IPC stream per record … | u32 CRC-32 of all before
 * ```
 *
 * The header names the writer epoch, the entry kind (`data` or `fence`) and, per
 * record, its batch coordinate `(generation, batchIndex)`, its op (`put` or
 * `delete`) and its byte length. The trailing checksum makes a torn or corrupt
 * entry a `CorruptEntryError` instead of silently wrong rows.
 *
 * A fence with `repaired: true` fills the position of a damaged entry that
 * `repair` set aside (writer/src/integrity/): the batches that entry held are lost,
 * so replay accepts a gap in batch indices after it.
 */
import { AsyncByteQueue, RecordBatchStreamWriter, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { crc32 } from './crc32.js';
import { checkedSchemaMessage } from '../arrow/checked-schema.js';
import { CorruptEntryError } from '../errors.js';

const MAGIC = [0x46, 0x54, 0x57, 0x31]; // "FTW1"

/** A record of a data entry: one batch with its coordinate. */
export interface WalRecord {
  generation: number;
  batchIndex: number;
  op: 'put' | 'delete';
  batch: RecordBatch;
}

/** A decoded WAL entry. */
export interface WalEntry {
  kind: 'data' | 'fence';
  shard: number;
  epoch: number;
  records: WalRecord[];
  /** On a fence: it fills the position of a damaged entry set aside by `repair`. */
  repaired?: true;
  /** The schema version the records' columns were written with (docs/format.md "Schema versions"); absent: 0. */
  schemaVersion?: number;
}

const headerSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['data', 'fence']),
  shard: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  repaired: z.literal(true).optional(),
  schemaVersion: z.number().int().positive().optional(),
  records: z.array(z.object({
    generation: z.number().int().nonnegative(),
    batchIndex: z.number().int().nonnegative(),
    op: z.enum(['put', 'delete']),
    byteLength: z.number().int().nonnegative(),
  })),
});

/**
 * Encodes a WAL entry.
 *
 * @example
 * ```ts
 * const bytes = encodeWalEntry({ kind: 'data', shard: 0, epoch: 3, records: [{ generation: 7, batchIndex: 0, op: 'put', batch }] });
 * ```
 */
export function encodeWalEntry(entry: WalEntry): Uint8Array {
  const bodies = entry.records.map((r) => ipcStreamChunks(r.batch));
  const header = new TextEncoder().encode(JSON.stringify({
    v: 1, kind: entry.kind, shard: entry.shard, epoch: entry.epoch, ...(entry.repaired ? { repaired: true } : {}),
    ...(entry.schemaVersion ? { schemaVersion: entry.schemaVersion } : {}),
    records: entry.records.map((r, i) => ({ generation: r.generation, batchIndex: r.batchIndex, op: r.op, byteLength: bodies[i].byteLength })),
  }));
  const total = 8 + header.length + bodies.reduce((s, b) => s + b.byteLength, 0) + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, header.length, true);
  out.set(header, 8);
  let p = 8 + header.length;
  for (const b of bodies) {
    for (const c of b.chunks) {
      out.set(c, p);
      p += c.byteLength;
    }
  }
  dv.setUint32(p, crc32(out, 0, p), true);
  return out;
}

/** Collects the IPC writer's output chunks (mostly views of the batch's own buffers) without joining them. */
class ChunkSink extends AsyncByteQueue {
  readonly chunks: Uint8Array[] = [];
  byteLength = 0;

  override write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.byteLength += chunk.byteLength;
  }
}

/**
 * The Arrow IPC stream of one batch — the bytes of `tableToIPC(new Table([batch]), 'stream')` —
 * as chunks, so the entry copies the batch's buffers once, into itself, instead of first into a
 * joined stream per record (half the large allocations on the durable put path).
 */
function ipcStreamChunks(batch: RecordBatch): ChunkSink {
  const sink = new ChunkSink();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink, batch.schema);
  writer.write(batch);
  writer.finish();
  return sink;
}

/**
 * Decodes and verifies a WAL entry; throws `CorruptEntryError` naming `path` on any damage.
 *
 * @example
 * ```ts
 * const [{ key }] = await listWal(table.store, 0, -1, table.walSuffix);
 * const entry = decodeWalEntry(await store.get(key), key);
 * ```
 */
export function decodeWalEntry(bytes: Uint8Array, path: string): WalEntry {
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) throw new CorruptEntryError(path, 'not a freshtier WAL entry (bad magic or too short)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 4;
  if (crc32(bytes, 0, end) !== dv.getUint32(end, true)) throw new CorruptEntryError(path, 'checksum mismatch');
  const headerLength = dv.getUint32(4, true);
  if (8 + headerLength > end) throw new CorruptEntryError(path, 'header length past the end');
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), path);
  // a fence only takes a position: rows in it would be rows no replay rule accounts for
  if (header.kind === 'fence' && header.records.length > 0) throw new CorruptEntryError(path, `fence entry carries ${header.records.length} record(s)`);
  let p = 8 + headerLength;
  const records = header.records.map((r) => {
    if (p + r.byteLength > end) throw new CorruptEntryError(path, 'record length past the end');
    const batch = decodeBatch(bytes.subarray(p, p + r.byteLength), path);
    p += r.byteLength;
    return { generation: r.generation, batchIndex: r.batchIndex, op: r.op, batch };
  });
  // the header must account for every byte the checksum covers: bytes it does not name are damage, not padding
  if (p !== end) throw new CorruptEntryError(path, `${end - p} byte(s) after the last record`);
  return {
    kind: header.kind, shard: header.shard, epoch: header.epoch, records,
    ...(header.repaired ? { repaired: true as const } : {}), ...(header.schemaVersion ? { schemaVersion: header.schemaVersion } : {}),
  };
}

/**
 * What a WAL entry's header claims, read WITHOUT verifying the checksum: for naming
 * what a damaged entry held in an error or a repair report, never for replaying it.
 * Undefined when the header itself is unreadable.
 *
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a WAL entry whose checksum failed
 * const claimed = peekWalHeader(bytes); // { kind: 'data', epoch: 3, records: [{ generation: 7, batchIndex: 0, op: 'put', byteLength: 912 }] }
 * ```
 */
export function peekWalHeader(bytes: Uint8Array): { kind: 'data' | 'fence'; shard: number; epoch: number; schemaVersion?: number; records: { generation: number; batchIndex: number; op: 'put' | 'delete'; byteLength: number }[] } | undefined {
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) return undefined;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + headerLength > bytes.length - 4) return undefined;
  const parsed = headerSchema.safeParse(safeJson(bytes.subarray(8, 8 + headerLength)));
  return parsed.success ? parsed.data : undefined;
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

function parseHeader(bytes: Uint8Array, path: string): z.infer<typeof headerSchema> {
  try {
    return headerSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable header', e);
  }
}

/**
 * One record's batch. A CRC proves only that the bytes are what the writer sealed, and
 * apache-arrow trusts the lengths in a stream: a garbage vector length in the schema message
 * makes it allocate until the heap is gone. So the schema message is bounds-checked first, by
 * the check for a stream whose schema is not known beforehand (the entry may be of another
 * schema version). The messages after it are not checked yet: the whole-stream check
 * (`decodeCheckedBatchOfAnySchema`) refuses dictionary batches, which a table with a
 * dictionary column logs.
 */
function decodeBatch(bytes: Uint8Array, path: string): RecordBatch {
  try {
    checkedSchemaMessage(bytes, path);
    const t = tableFromIPC(bytes);
    if (t.batches.length === 1) return t.batches[0];
    throw new Error(`expected one record batch, found ${t.batches.length}`);
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable Arrow record', e);
  }
}
