/**
 * The byte framing of a key index file around its Arrow IPC stream (key-index.ts), as
 * written before the blocked `FTK3` index (key-index-blocks.ts); still read, and still
 * written by `encodeKeyIndexFtk2` for tests and benchmarks of older tables.
 *
 * Format `FTK2` (all integers little-endian):
 *   magic "FTK2" (4) | crc32 (4) | compressed length (4) | decompressed length (4) | brotli body
 * The CRC-32 covers everything after itself (both lengths and the body), so a flipped byte
 * anywhere is caught BEFORE brotli runs: brotli has no checksum of its own, and a damaged
 * body can decompress "successfully" to a different index. The declared decompressed length
 * bounds brotli's output (`maxOutputLength`), so damage never allocates beyond it.
 *
 * Legacy `FTKZ` (magic + brotli body, no checksum) and bare IPC streams are still read:
 * tables written before the checksum stay readable; their decompression is bounded by
 * {@link MAX_KEY_INDEX_BYTES} and the decoded index is still range-checked by the caller.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { CorruptEntryError } from '../errors.js';
import { crc32 } from './crc32.js';

/** Largest decompressed key index accepted (1 GiB): far above any real index, below a heap abort. */
export const MAX_KEY_INDEX_BYTES = 1 << 30;

const MAGIC_V2 = [0x46, 0x54, 0x4b, 0x32]; // "FTK2"
const MAGIC_LEGACY = [0x46, 0x54, 0x4b, 0x5a]; // "FTKZ"
const HEADER = 16;

const hasMagic = (b: Uint8Array, m: number[]) => b.length >= 4 && m.every((x, i) => b[i] === x);

/**
 * Compresses an IPC stream into an `FTK2` frame.
 *
 * @example
 * ```ts
 * const stored = frameKeyIndex(tableToIPC(table, 'stream'));
 * ```
 */
export function frameKeyIndex(ipc: Uint8Array): Uint8Array {
  if (ipc.length > MAX_KEY_INDEX_BYTES) throw new RangeError(`key index of ${ipc.length} bytes exceeds ${MAX_KEY_INDEX_BYTES}`);
  const body = brotliCompressSync(ipc, { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: ipc.length } });
  const out = new Uint8Array(HEADER + body.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC_V2, 0);
  view.setUint32(8, body.length, true);
  view.setUint32(12, ipc.length, true);
  out.set(body, HEADER);
  view.setUint32(4, crc32(out, 8), true);
  return out;
}

/**
 * The IPC stream inside a stored key index, checked and bounded; `path` names it in a
 * `CorruptEntryError`. `checksummed`: the table writes only `FTK2` frames (its
 * `_table.json` says `checksums: true`), so any other framing is damage, not a legacy file.
 *
 * @example
 * ```ts
 * const ipc = unframeKeyIndex(await store.get(indexPath), indexPath);
 * ```
 */
export function unframeKeyIndex(stored: Uint8Array, path: string, checksummed = false): Uint8Array {
  if (hasMagic(stored, MAGIC_V2)) return unframeV2(stored, path);
  if (checksummed) throw new CorruptEntryError(path, 'key index without a checksum frame (FTK2 or FTK3), in a table whose key indexes all carry one');
  if (hasMagic(stored, MAGIC_LEGACY)) return inflate(stored.subarray(4), MAX_KEY_INDEX_BYTES, path);
  return stored;
}

function unframeV2(stored: Uint8Array, path: string): Uint8Array {
  if (stored.length < HEADER) throw new CorruptEntryError(path, `key index header cut short (${stored.length} of ${HEADER} bytes)`);
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  const want = view.getUint32(4, true);
  const bodyLength = view.getUint32(8, true);
  const rawLength = view.getUint32(12, true);
  if (bodyLength !== stored.length - HEADER) throw new CorruptEntryError(path, `key index body is ${stored.length - HEADER} bytes, its header says ${bodyLength}`);
  const got = crc32(stored, 8);
  if (got !== want) throw new CorruptEntryError(path, `key index checksum mismatch (stored ${hex(want)}, computed ${hex(got)})`);
  if (rawLength > MAX_KEY_INDEX_BYTES) throw new CorruptEntryError(path, `key index declares ${rawLength} decompressed bytes, above the ${MAX_KEY_INDEX_BYTES} limit`);
  const ipc = inflate(stored.subarray(HEADER), rawLength, path);
  if (ipc.length !== rawLength) throw new CorruptEntryError(path, `key index decompresses to ${ipc.length} bytes, its header says ${rawLength}`);
  return ipc;
}

function inflate(body: Uint8Array, limit: number, path: string): Uint8Array {
  try {
    return new Uint8Array(brotliDecompressSync(body, { maxOutputLength: Math.max(limit, 1) }));
  } catch (e) {
    throw new CorruptEntryError(path, 'key index does not decompress', e);
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
