/**
 * The `_latest` hint of a manifest directory (docs/format.md §4.4): the newest version
 * number as ASCII decimal, then a space and the CRC-32 of those digits as 8 lowercase hex
 * digits (`"42 c6f1a3b2"`). The hint is only a starting point for probing, but a damaged
 * one (a flipped digit) names an older version that GC may have left stored below a gap
 * (a tagged version), where probing forward stops too early: so it is checked like every
 * other stored byte. A hint that fails the check reads as none (the caller lists).
 * Tables created before checksums wrote bare digits; those are taken only there.
 */
import { crc32 } from '../format/crc32.js';

const HINT = /^(0|[1-9]\d{0,15})(?: ([0-9a-f]{8}))?$/;

/**
 * The bytes of the hint naming `version`.
 *
 * @example
 * ```ts
 * await store.put(layout.manifestHint(dir), encodeHint(7));
 * ```
 */
export function encodeHint(version: number): Uint8Array {
  return new TextEncoder().encode(`${version} ${digitsCrc(String(version))}`);
}

/**
 * The version a stored hint names, or undefined when it is not a well-formed, checked hint
 * (`legacy`: a table without checksums, whose hints are bare digits, also takes those).
 *
 * @example
 * ```ts
 * const start = decodeHint(await store.get(layout.manifestHint(dir)), false); // undefined: list
 * ```
 */
export function decodeHint(bytes: Uint8Array, legacy: boolean): number | undefined {
  const m = HINT.exec(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
  if (!m) return undefined;
  if (m[2] === undefined ? !legacy : m[2] !== digitsCrc(m[1])) return undefined;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : undefined;
}

function digitsCrc(digits: string): string {
  const b = new TextEncoder().encode(digits);
  return crc32(b, 0, b.length).toString(16).padStart(8, '0');
}
