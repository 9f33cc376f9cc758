/**
 * CRC-32 (IEEE); guards WAL entries against torn and corrupt writes. Node's native
 * `zlib.crc32` (Node >= 20.15) is ~50x faster than a JS loop and is on the durable
 * put path, so it is used when present; the table-driven loop is the fallback.
 */
import * as zlib from 'node:zlib';

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of `bytes[start, end)`.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')) === 0xcbf43926;
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (native) return native(bytes.subarray(start, end)) >>> 0;
  return crc32Js(bytes, start, end);
}

/** The portable implementation (exported for tests that compare it with the native one). */
export function crc32Js(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
