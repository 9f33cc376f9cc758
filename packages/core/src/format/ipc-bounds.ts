/**
 * Bounds check of an Arrow IPC stream, run before apache-arrow decodes it. apache-arrow
 * trusts the lengths in a stream: a damaged flatbuffer vector length makes it loop and
 * allocate by a garbage number until the heap is exhausted. So here, with every offset
 * checked against the buffer: each message's metadata and body lie inside the buffer, the
 * schema message is byte-for-byte the one expected (a fixed-schema stream needs no parsing
 * of it), and each record batch's node and buffer vectors lie inside its metadata and its
 * buffers inside its body. Anything else is a `CorruptEntryError`.
 */
import { RecordBatch, Table, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow';
import { CorruptEntryError } from '../errors.js';
import { checkedSchemaMessage } from '../arrow/checked-schema.js';

const CONTINUATION = 0xffffffff;
const RECORD_BATCH = 3;
/** Flatbuffer structs `FieldNode` and `Buffer` are both two int64s. */
const STRUCT_BYTES = 16;

/**
 * Throws `CorruptEntryError` unless `bytes` is an IPC stream whose first message is exactly
 * `schemaMessage`, whose other messages are record batches that fit in it, and which ends
 * with its end-of-stream marker exactly at the end of the buffer.
 *
 * @example
 * ```ts
 * checkIpcStreamBounds(ipc, SCHEMA_MESSAGE, indexPath);
 * const table = tableFromIPC(ipc);
 * ```
 */
export function checkIpcStreamBounds(bytes: Uint8Array, schemaMessage: Uint8Array, path: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  for (let message = 0; ; message++) {
    if (pos + 8 > bytes.length) throw new CorruptEntryError(path, `IPC stream cut at byte ${pos} (no end-of-stream marker)`);
    if (view.getUint32(pos, true) !== CONTINUATION) throw new CorruptEntryError(path, `IPC message at byte ${pos} lacks its continuation marker`);
    const metaLength = view.getInt32(pos + 4, true);
    if (metaLength === 0) break;
    if (metaLength < 0 || pos + 8 + metaLength > bytes.length) throw new CorruptEntryError(path, `IPC message at byte ${pos} declares ${metaLength} metadata bytes, past the end`);
    if (message === 0) {
      if (!sameBytes(bytes, pos, schemaMessage)) throw new CorruptEntryError(path, 'not a key index (unexpected schema message)');
      pos += schemaMessage.length;
      continue;
    }
    pos += 8 + checkRecordBatch(new Flat(view, pos + 8, pos + 8 + metaLength, path), bytes.length - pos - 8 - metaLength) + metaLength;
  }
  if (pos + 8 !== bytes.length) throw new CorruptEntryError(path, `${bytes.length - pos - 8} bytes after the IPC end-of-stream marker`);
}

/** Checks a record batch message's metadata against its sizes; returns its body length. */
function checkRecordBatch(meta: Flat, room: number): number {
  const message = meta.root();
  if (meta.u8Field(message, 1) !== RECORD_BATCH) throw meta.bad('a message that is not a record batch');
  const bodyLength = meta.i64Field(message, 3);
  if (bodyLength < 0 || bodyLength > room) throw meta.bad(`a ${bodyLength}-byte body, past the end`);
  const batch = meta.tableField(message, 2);
  meta.structVector(batch, 1); // nodes: their lengths are checked against the columns after decoding
  const buffers = meta.structVector(batch, 2);
  for (let i = 0; i < buffers.count; i++) {
    const offset = meta.i64At(buffers.at + i * STRUCT_BYTES);
    const length = meta.i64At(buffers.at + i * STRUCT_BYTES + 8);
    if (offset < 0 || length < 0 || offset + length > bodyLength) throw meta.bad(`buffer ${i} outside the ${bodyLength}-byte body`);
  }
  return bodyLength;
}

/** A flatbuffer in `[start, end)` of a view, every read checked against those bounds. */
class Flat {
  constructor(private readonly view: DataView, private readonly start: number, private readonly end: number, private readonly path: string) {}

  bad(what: string): CorruptEntryError {
    return new CorruptEntryError(this.path, `IPC message metadata at byte ${this.start - 8} is damaged (${what})`);
  }

  private at(p: number, size: number): number {
    if (p < this.start || p + size > this.end) throw this.bad(`offset ${p - this.start} out of range`);
    return p;
  }

  root(): number {
    return this.table(this.at(this.start, 4));
  }

  /** The table an offset at `p` points to. */
  private table(p: number): number {
    return this.at(p + this.view.getUint32(this.at(p, 4), true), 4);
  }

  /** Position of field `slot` of `table`, or -1 when absent. */
  private field(table: number, slot: number): number {
    const vtable = this.at(table - this.view.getInt32(table, true), 4);
    const size = this.view.getUint16(vtable, true);
    this.at(vtable, size);
    if (4 + 2 * slot + 2 > size) return -1;
    const off = this.view.getUint16(vtable + 4 + 2 * slot, true);
    return off === 0 ? -1 : table + off;
  }

  u8Field(table: number, slot: number): number {
    const p = this.field(table, slot);
    return p < 0 ? 0 : this.view.getUint8(this.at(p, 1));
  }

  i64At(p: number): number {
    const v = this.view.getBigInt64(this.at(p, 8), true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n ? -1 : Number(v);
  }

  i64Field(table: number, slot: number): number {
    const p = this.field(table, slot);
    return p < 0 ? 0 : this.i64At(p);
  }

  tableField(table: number, slot: number): number {
    const p = this.field(table, slot);
    if (p < 0) throw this.bad(`missing field ${slot}`);
    return this.table(p);
  }

  /** A vector of 16-byte structs: its first element's position and its length, both in range. */
  structVector(table: number, slot: number): { at: number; count: number } {
    const p = this.field(table, slot);
    if (p < 0) return { at: 0, count: 0 };
    const v = this.table(p);
    const count = this.view.getUint32(v, true);
    if (count > (this.end - v - 4) / STRUCT_BYTES) throw this.bad(`a vector of ${count} entries, longer than the metadata`);
    return { at: v + 4, count };
  }
}

function sameBytes(bytes: Uint8Array, at: number, want: Uint8Array): boolean {
  if (at + want.length > bytes.length) return false;
  for (let i = 0; i < want.length; i++) if (bytes[at + i] !== want[i]) return false;
  return true;
}

/**
 * The IPC schema message a stream of `schema` starts with (apache-arrow writes it
 * deterministically), for {@link checkIpcStreamBounds}.
 *
 * @example
 * ```ts
 * checkIpcStreamBounds(ipc, ipcSchemaMessage(table.schema), path);
 * ```
 */
export function ipcSchemaMessage(schema: Schema): Uint8Array {
  const ipc = tableToIPC(new Table(schema), 'stream');
  return ipc.slice(0, 8 + new DataView(ipc.buffer, ipc.byteOffset).getInt32(4, true));
}

/**
 * Decodes a one-batch IPC stream of untrusted bytes whose schema is one of `schemas`,
 * bounds-checked first: never an unbounded allocation, a `CorruptEntryError` otherwise.
 *
 * @example
 * ```ts
 * declare const body: Uint8Array; // an IPC stream message read from `path`
 * const path = 'shards/0/wal/00000000000000000042.ftw';
 * const batch = decodeCheckedBatch(body, [table.schema], path);
 * ```
 */
export function decodeCheckedBatch(bytes: Uint8Array, schemas: readonly Schema[], path: string): RecordBatch {
  const message = schemas.map(ipcSchemaMessage).find((m) => m.length <= bytes.length && m.every((b, i) => bytes[i] === b));
  if (!message) throw new CorruptEntryError(path, 'not an Arrow stream of an expected schema');
  checkIpcStreamBounds(bytes, message, path);
  const t = tableFromIPC(bytes);
  if (t.batches.length !== 1) throw new CorruptEntryError(path, `expected one record batch, found ${t.batches.length}`);
  return t.batches[0];
}

/**
 * As {@link decodeCheckedBatch}, for a stream whose schema is not known beforehand (a WAL
 * record written under another schema version): its schema message is bounds-checked on its
 * own (`checkedSchemaMessage`), then the stream against it.
 *
 * @example
 * ```ts
 * declare const body: Uint8Array; // one record of a damaged WAL entry
 * const batch = decodeCheckedBatchOfAnySchema(body, 'shards/0/wal/00000000000000000042.ftw');
 * ```
 */
export function decodeCheckedBatchOfAnySchema(bytes: Uint8Array, path: string): RecordBatch {
  const message = checkedSchemaMessage(bytes, path);
  checkIpcStreamBounds(bytes, message, path);
  const t = tableFromIPC(bytes);
  if (t.batches.length !== 1) throw new CorruptEntryError(path, `expected one record batch, found ${t.batches.length}`);
  return t.batches[0];
}
