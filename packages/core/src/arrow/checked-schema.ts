/**
 * Bounded decoding of the Arrow schema stored in `_table.json` (base64 Arrow IPC stream).
 *
 * The IPC decoder trusts the lengths inside the message: a flipped byte in a vector length
 * makes it loop (and allocate) billions of times, and the process dies of heap exhaustion.
 * So before decoding, every offset and vector length the schema decoder follows (message →
 * schema → fields → children, names, metadata) is checked against the bytes that are there.
 * A bad one is `CorruptEntryError` naming the document.
 */
import type { Schema } from 'apache-arrow';
import { CorruptEntryError } from '../errors.js';
import { schemaFromBase64 } from './arrow-util.js';

const MAX_DEPTH = 64;
/** `MessageHeader.Schema` in Arrow's Message.fbs. */
const SCHEMA_HEADER = 1;

/**
 * {@link schemaFromBase64}, after checking the stored bytes are well-formed and bounded.
 *
 * @example
 * ```ts
 * const schema = checkedSchemaFromBase64(doc.arrowSchema, '_table.json');
 * ```
 */
export function checkedSchemaFromBase64(b64: string, path: string): Schema {
  const bytes = Buffer.from(b64, 'base64');
  // Buffer.from skips characters that are not base64: only an exact round trip is the stored schema
  if (bytes.toString('base64') !== b64) throw bad(path, 'arrowSchema is not canonical base64');
  checkSchemaMessage(bytes, path);
  try {
    return schemaFromBase64(b64);
  } catch (e) {
    throw new CorruptEntryError(path, 'arrowSchema is not a readable Arrow IPC schema; restore the document', e);
  }
}

/**
 * The schema message an IPC stream of untrusted bytes starts with, after the same bounds checks
 * as {@link checkedSchemaFromBase64}: for decoding a stream whose schema is not known beforehand
 * (a WAL record of another schema version). Damage is a `CorruptEntryError` naming `path`.
 *
 * @example
 * ```ts
 * declare const record: Uint8Array; // one record's IPC stream from a WAL entry
 * const message = checkedSchemaMessage(record, 'shards/0/wal/00000000000000000042.ftw');
 * ```
 */
export function checkedSchemaMessage(stream: Uint8Array, path: string): Uint8Array {
  const bytes = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  if (bytes.length < 8) throw bad(path, 'a record is too short for an Arrow IPC message');
  const metaLen = bytes.readInt32LE(4);
  if (metaLen < 8 || 8 + metaLen > bytes.length) throw bad(path, `a record declares a ${metaLen}-byte schema message in ${bytes.length} bytes`);
  const message = bytes.subarray(0, 8 + metaLen);
  checkSchemaMessage(message, path);
  return message;
}

function checkSchemaMessage(bytes: Buffer, path: string): void {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0xffffffff) throw bad(path, 'arrowSchema does not start with an Arrow IPC message');
  const metaLen = bytes.readInt32LE(4);
  if (metaLen < 8 || 8 + metaLen > bytes.length) throw bad(path, `arrowSchema declares a ${metaLen}-byte message in ${bytes.length} bytes`);
  // a schema-only stream: after the one message, only an end-of-stream marker (or nothing), so
  // the decoder never goes on to read a "next message" out of damaged bytes
  const rest = bytes.subarray(8 + metaLen).toString('hex');
  if (!['', '00000000', 'ffffffff00000000'].includes(rest)) throw bad(path, `arrowSchema has ${bytes.length - 8 - metaLen} unexpected bytes after the schema message`);
  const fb = new Flatbuffer(bytes.subarray(8, 8 + metaLen), path);
  const message = fb.table(fb.u32(0), 0);
  const header = fb.child(message, 2);
  if (fb.u8Field(message, 1) !== SCHEMA_HEADER) throw bad(path, 'arrowSchema\'s message is not a schema');
  if (header === undefined) throw bad(path, 'arrowSchema has no schema header');
  let budget = metaLen; // every node visited takes bytes, so more nodes than bytes is damage
  const keyValue = (at: number) => { fb.str(fb.offsetField(at, 0)); fb.str(fb.offsetField(at, 1)); };
  const field = (at: number, depth: number): void => {
    if (depth > MAX_DEPTH || --budget < 0) throw bad(path, 'arrowSchema nests fields too deeply');
    fb.str(fb.offsetField(at, 0));
    fb.child(at, 3);
    fb.child(at, 4);
    fb.vector(fb.offsetField(at, 5), 4, (c) => field(c, depth + 1));
    fb.vector(fb.offsetField(at, 6), 4, keyValue);
  };
  fb.vector(fb.offsetField(header, 1), 4, (f) => field(f, 0));
  fb.vector(fb.offsetField(header, 2), 4, keyValue);
}

/** Bounds-checked reads of a flatbuffer: every offset followed must land inside the bytes. */
class Flatbuffer {
  constructor(private readonly b: Buffer, private readonly path: string) {}

  u32(at: number): number {
    if (at < 0 || at + 4 > this.b.length) throw bad(this.path, `arrowSchema points outside its ${this.b.length} bytes`);
    return this.b.readUInt32LE(at);
  }

  /** A table at `at` (checked with its vtable); returns its position. */
  table(at: number, from: number): number {
    const pos = from + at;
    const vt = pos - (this.u32(pos) | 0);
    if (vt < 0 || vt + 4 > this.b.length) throw bad(this.path, 'arrowSchema has a table outside its bytes');
    const vtSize = this.b.readUInt16LE(vt);
    if (vtSize < 4 || vt + vtSize > this.b.length) throw bad(this.path, 'arrowSchema has a malformed table');
    return pos;
  }

  /** The absolute position an offset-typed field points to, or undefined when absent. */
  offsetField(table: number, index: number): number | undefined {
    const vt = table - (this.b.readInt32LE(table));
    const vtSize = this.b.readUInt16LE(vt);
    const slot = 4 + 2 * index;
    if (slot + 2 > vtSize) return undefined;
    const o = this.b.readUInt16LE(vt + slot);
    if (o === 0) return undefined;
    return table + o + this.u32(table + o);
  }

  /** A one-byte scalar field (0 when absent, the flatbuffer default). */
  u8Field(table: number, index: number): number {
    const vt = table - this.b.readInt32LE(table);
    const slot = 4 + 2 * index;
    if (slot + 2 > this.b.readUInt16LE(vt)) return 0;
    const o = this.b.readUInt16LE(vt + slot);
    if (o === 0) return 0;
    if (table + o >= this.b.length) throw bad(this.path, 'arrowSchema points outside its bytes');
    return this.b[table + o];
  }

  /** A sub-table field (checked), or undefined when absent. */
  child(table: number | undefined, index: number): number | undefined {
    if (table === undefined) return undefined;
    const at = this.offsetField(table, index);
    return at === undefined ? undefined : this.table(0, at);
  }

  /** Checks a vector of `size`-byte elements fits, then visits each (offset-typed) element. */
  vector(at: number | undefined, size: number, visit: (element: number) => void): void {
    if (at === undefined) return;
    const n = this.u32(at);
    if (at + 4 + n * size > this.b.length) throw bad(this.path, `arrowSchema declares ${n} entries that do not fit in its bytes`);
    for (let i = 0; i < n; i++) {
      const el = at + 4 + i * size;
      visit(this.table(0, el + this.u32(el)));
    }
  }

  str(at: number | undefined): void {
    if (at === undefined) return;
    const n = this.u32(at);
    if (at + 4 + n > this.b.length) throw bad(this.path, `arrowSchema declares a ${n}-byte string that does not fit`);
  }
}

function bad(path: string, what: string): CorruptEntryError {
  return new CorruptEntryError(path, `${what}; restore the document`);
}
