/**
 * Key index files. Every data file (a flushed generation or a base file) has a
 * companion index holding its keys in ascending byte order, so membership and
 * point lookups read the index, never the data file, for a key the file lacks.
 *
 * Stored as an Arrow IPC stream with columns:
 * - `key` (Binary): the encoded primary key, ascending, unique;
 * - `row` (Uint32): the key's row in the data file (files are sorted by key, so row = position,
 *   kept explicitly so the format can hold unsorted files later);
 * - `firstBatch` (Int32): in a flushed generation, the first batch of the generation that held
 *   the key, which keeps `containsPksAsOf` exact after flush (invariant 10); -1 in base files;
 * - `tombstone` (Bool): the newest version in this file is a delete.
 *
 * Written as a blocked `FTK3` object (key-index-blocks.ts): prefix-coded keys in small
 * blocks, each with its own CRC-32, behind a directory of fence keys, so a lookup reads
 * the directory and the few blocks that can hold its keys (read/key-lookup.ts) instead of
 * the whole index. Still read: the Arrow IPC stream above in an `FTK2` frame (brotli with a
 * CRC-32 checked before decompressing, key-index-frame.ts), legacy `FTKZ` files and bare
 * streams. Every length and count is checked against the buffers before use (ipc-bounds.ts,
 * `checkedIndex`, key-block-directory.ts), so damage is a `CorruptEntryError`.
 */
import { Binary, Bool, Int32, Uint32, makeData, RecordBatch, Schema, Field, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { CorruptEntryError } from '../errors.js';
import { checkIpcStreamBounds, ipcSchemaMessage } from './ipc-bounds.js';
import { frameKeyIndex, unframeKeyIndex } from './key-index-frame.js';
import { decodeBlockedKeyIndex } from './key-block-directory.js';
import { encodeBlockedKeyIndex, isBlockedKeyIndex } from './key-index-blocks.js';
import { compareBytes } from '../keys/pk-encoding.js';

/** An in-memory key index: columns as flat typed arrays. */
export interface KeyIndex {
  readonly count: number;
  /** Key i is `keyBytes[keyOffsets[i], keyOffsets[i+1])`, ascending. */
  readonly keyBytes: Uint8Array;
  readonly keyOffsets: Int32Array;
  readonly rows: Uint32Array;
  readonly firstBatch: Int32Array;
  /** 1 where the newest version in the file is a tombstone. */
  readonly tombstone: Uint8Array;
}

const SCHEMA = new Schema([
  new Field('key', new Binary(), false),
  new Field('row', new Uint32(), false),
  new Field('firstBatch', new Int32(), false),
  new Field('tombstone', new Bool(), false),
]);

/**
 * Serialises a key index (keys must already be ascending and unique) as an `FTK3` object.
 *
 * @example
 * ```ts
 * declare const index: KeyIndex;
 * const indexPath = keyIndexPathFor('shards/0/gen-00000000000000000007/data.parquet');
 * await store.putIfAbsent(indexPath, encodeKeyIndex(index));
 * ```
 */
export function encodeKeyIndex(index: KeyIndex): Uint8Array {
  return encodeBlockedKeyIndex(index);
}

/**
 * The `FTK2` file of a key index (brotli IPC), as tables wrote before `FTK3`: kept so
 * tests and benchmarks can build older tables and check that they stay readable.
 *
 * @example
 * ```ts
 * declare const index: KeyIndex;
 * const old = encodeKeyIndexFtk2(index);
 * ```
 */
export function encodeKeyIndexFtk2(index: KeyIndex): Uint8Array {
  const n = index.count;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (index.tombstone[i]) bits[i >> 3] |= 1 << (i & 7);
  const children = [
    makeData({ type: new Binary(), length: n, valueOffsets: index.keyOffsets, data: index.keyBytes }),
    makeData({ type: new Uint32(), length: n, data: index.rows }),
    makeData({ type: new Int32(), length: n, data: index.firstBatch }),
    makeData({ type: new Bool(), length: n, data: bits }),
  ];
  const data = makeData({ type: new Struct(SCHEMA.fields), length: n, children });
  return frameKeyIndex(tableToIPC(new Table([new RecordBatch(SCHEMA, data)]), 'stream'));
}

/**
 * Parses a key index file; `path` names it in a `CorruptEntryError`. `checksummed`: the
 * table's key indexes all carry a checksum (`TableDoc.checksums`), so legacy framing is refused.
 *
 * @example
 * ```ts
 * const indexPath = keyIndexPathFor('shards/0/gen-00000000000000000007/data.parquet');
 * const index = decodeKeyIndex(await store.get(indexPath), indexPath);
 * ```
 */
export function decodeKeyIndex(stored: Uint8Array, path: string, checksummed = false): KeyIndex {
  if (isBlockedKeyIndex(stored)) return decodeBlockedKeyIndex(stored, path);
  const bytes = unframeKeyIndex(stored, path, checksummed);
  // Also rejects a stream cut after its schema (which would parse as an empty index): the
  // end-of-stream marker encodeKeyIndex always writes must end the buffer.
  checkIpcStreamBounds(bytes, schemaMessage(), path);
  let t: Table;
  try {
    t = tableFromIPC(bytes);
  } catch (e) {
    throw new CorruptEntryError(path, 'unreadable key index', e);
  }
  if (t.schema.fields.map((f) => f.name).join() !== 'key,row,firstBatch,tombstone') throw new CorruptEntryError(path, 'not a key index (unexpected columns)');
  if (t.batches.length === 0) return emptyKeyIndex();
  if (t.batches.length !== 1) throw new CorruptEntryError(path, `key index has ${t.batches.length} batches, expected 1`);
  return checkedIndex(t.batches[0], path);
}

let schemaBytes: Uint8Array | undefined;

/** The IPC schema message every key index starts with (apache-arrow writes it deterministically). */
function schemaMessage(): Uint8Array {
  return (schemaBytes ??= ipcSchemaMessage(SCHEMA));
}

/** The batch's columns as a KeyIndex, every count and offset checked against its buffers first. */
function checkedIndex(b: RecordBatch, path: string): KeyIndex {
  const bad = (what: string) => new CorruptEntryError(path, `key index ${what}`);
  const [key, row, first, tomb] = [0, 1, 2, 3].map((i) => b.getChildAt(i)?.data[0]);
  if (!key || !row || !first || !tomb || b.getChildAt(0)!.data.length !== 1) throw bad('columns are missing or split');
  if (!(key.values instanceof Uint8Array) || !(key.valueOffsets instanceof Int32Array)) throw bad('key column is not Binary');
  if (!(row.values instanceof Uint32Array) || !(first.values instanceof Int32Array) || !(tomb.values instanceof Uint8Array)) throw bad('has a column of the wrong type');
  const n = b.numRows;
  if (!Number.isSafeInteger(n) || n < 0 || [key, row, first, tomb].some((d) => d.length !== n)) throw bad(`row count ${n} disagrees with its columns`);
  if (row.values.length - row.offset < n || first.values.length - first.offset < n || tomb.values.length * 8 - tomb.offset < n) throw bad(`declares ${n} rows, more than its columns hold`);
  const offs = key.valueOffsets;
  if (offs.length - key.offset < n + 1) throw bad(`declares ${n} keys, more than its key offsets hold`);
  const base = offs[key.offset];
  for (let i = key.offset; i < key.offset + n; i++) if (offs[i + 1] < offs[i]) throw bad(`key offsets decrease at key ${i - key.offset}`);
  if (base < 0 || offs[key.offset + n] > key.values.length) throw bad('key offsets point outside the key bytes');
  const tombstone = new Uint8Array(n);
  // the column is non-nullable (encodeKeyIndex writes no validity), so only the value bits matter
  for (let i = 0, j = tomb.offset; i < n; i++, j++) tombstone[i] = (tomb.values[j >> 3] >> (j & 7)) & 1;
  const keyOffsets = rebase(offs.subarray(key.offset, key.offset + n + 1), base);
  return {
    count: n,
    keyBytes: key.values.subarray(base, base + keyOffsets[n]),
    keyOffsets,
    rows: row.values.subarray(row.offset, row.offset + n),
    firstBatch: first.values.subarray(first.offset, first.offset + n),
    tombstone,
  };
}

/** An index of no keys. */
export function emptyKeyIndex(): KeyIndex {
  return { count: 0, keyBytes: new Uint8Array(0), keyOffsets: new Int32Array(1), rows: new Uint32Array(0), firstBatch: new Int32Array(0), tombstone: new Uint8Array(0) };
}

/**
 * Position of `key[s,e)` in the index, or -1 (binary search).
 *
 * @example
 * ```ts
 * declare const index: KeyIndex;
 * const keys = encodeKeys(keyBatch, table.primaryKey);
 * const i = findKey(index, keys.bytes, keys.offsets[0], keys.offsets[1]);
 * if (i >= 0 && !index.tombstone[i]) console.log('live at row', index.rows[i]);
 * ```
 */
export function findKey(index: KeyIndex, key: Uint8Array, s: number, e: number): number {
  let lo = 0;
  let hi = index.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(index.keyBytes, index.keyOffsets[mid], index.keyOffsets[mid + 1], key, s, e);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * First position whose key is >= `key[s,e)` (`index.count` if none): where a key range
 * starts in the index.
 *
 * @example
 * ```ts
 * declare const index: KeyIndex;
 * declare const range: KeyRange;
 * const from = lowerBoundKey(index, range.min, 0, range.min.length);
 * ```
 */
export function lowerBoundKey(index: KeyIndex, key: Uint8Array, s: number, e: number): number {
  let lo = 0;
  let hi = index.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(index.keyBytes, index.keyOffsets[mid], index.keyOffsets[mid + 1], key, s, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Offsets shifted so the first is 0; a plain view when they already are (the usual case). */
function rebase(offsets: Int32Array, base: number): Int32Array {
  if (base === 0) return offsets;
  const out = new Int32Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = offsets[i] - base;
  return out;
}
