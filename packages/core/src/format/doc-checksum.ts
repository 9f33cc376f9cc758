/**
 * Checksums on the JSON documents freshtier reads back: manifests, tags and `_table.json`
 * (DESIGN.md "Integrity", invariant 13).
 *
 * A sealed document is the pretty JSON freshtier always wrote, with one line added first:
 *
 *     {
 *      "checksum": "crc32:1a2b3c4d",
 *      "formatVersion": 1,
 *      …
 *
 * The prefix `{\n "checksum": "crc32:XXXXXXXX",` has a fixed length; the CRC-32 covers every
 * byte after it, to the end of the object. So checking is exact and needs no canonical
 * re-serialisation: compare the hex with the CRC of the bytes that follow. The file stays
 * valid JSON, readable with `cat`, and an older reader sees one extra key.
 */
import { CorruptEntryError, UnsupportedFormatError } from '../errors.js';
import { parseJsonBytes } from '../validate.js';
import { crc32 } from './crc32.js';

const HEAD = '{\n "checksum": "crc32:';
const TAIL = '",';
const HEX_LEN = 8;
/** Bytes before the checksummed part: `HEAD`, 8 lowercase hex digits, `TAIL`. */
const PREFIX_LEN = HEAD.length + HEX_LEN + TAIL.length;
const HEAD_BYTES = new TextEncoder().encode(HEAD);
const TAIL_BYTES = new TextEncoder().encode(TAIL);

/**
 * A document read back: its content (without the checksum) and whether a checksum was verified.
 *
 * @example
 * ```ts
 * const bytes = await store.get('_table.json');
 * const { doc, checked } = openStoredJson(bytes, '_table.json', false, FORMAT_VERSION); // checked: false for a legacy table
 * ```
 */
export interface OpenedDoc {
  doc: unknown;
  checked: boolean;
}

/**
 * JSON bytes of `doc` with its checksum first (see the file comment). `doc` must be a
 * plain object with at least one key: every stored document has `formatVersion`.
 *
 * @example
 * ```ts
 * declare const tagDoc: TagDoc;
 * await store.putIfAbsent(layout.tag('x'), sealedJsonBytes(tagDoc));
 * ```
 */
export function sealedJsonBytes(doc: object): Uint8Array {
  if ('checksum' in doc) throw new TypeError('a stored document may not have its own "checksum" key');
  const text = JSON.stringify(doc, null, 1);
  if (!text.startsWith('{\n')) throw new TypeError('only a non-empty JSON object can be sealed');
  const body = new TextEncoder().encode(text.slice(1) + '\n');
  const hex = crc32(body).toString(16).padStart(HEX_LEN, '0');
  const out = new Uint8Array(PREFIX_LEN + body.length);
  out.set(new TextEncoder().encode(HEAD + hex + TAIL));
  out.set(body, PREFIX_LEN);
  return out;
}

/**
 * Verifies and parses a stored document. A document that starts with the checksum prefix
 * must match it; one without it is accepted only when `required` is false (a legacy table,
 * written before checksums). Anything else is `CorruptEntryError` naming `path` — unless the
 * document parses and states a format version other than `supported`: that is an
 * `UnsupportedFormatError`, because another format may seal its documents differently.
 *
 * @example
 * ```ts
 * const path = layout.tag('nightly');
 * const { doc, checked } = openStoredJson(await store.get(path), path, table.doc.checksums === true, FORMAT_VERSION);
 * ```
 */
export function openStoredJson(bytes: Uint8Array, path: string, required: boolean, supported: number | readonly number[]): OpenedDoc {
  const stated = statedChecksum(bytes);
  if (stated === undefined) {
    if (required) throw refusal(bytes, path, supported, 'it has no checksum, but this table writes one on every document');
    const doc = parseJsonBytes(bytes, path);
    // freshtier writes the key only as the sealed prefix: anywhere else it is damage
    if (doc !== null && typeof doc === 'object' && 'checksum' in doc) throw refusal(bytes, path, supported, 'its checksum line is malformed');
    return { doc, checked: false };
  }
  const actual = crc32(bytes, PREFIX_LEN);
  if (actual !== stated) throw refusal(bytes, path, supported, `checksum mismatch (stored crc32 ${hex(stated)}, content has ${hex(actual)})`);
  const doc = parseJsonBytes(bytes, path) as Record<string, unknown>;
  delete doc.checksum;
  return { doc, checked: true };
}

/**
 * The error for a document whose checksum does not hold: `UnsupportedFormatError` if it is
 * readable JSON of another format version (a newer build's document), else `CorruptEntryError`.
 */
function refusal(bytes: Uint8Array, path: string, supported: number | readonly number[], what: string): Error {
  let found: unknown;
  try {
    found = (JSON.parse(new TextDecoder().decode(bytes)) as { formatVersion?: unknown })?.formatVersion;
  } catch {
    found = undefined; // not JSON: damage, whatever format it was
  }
  const known = typeof supported === 'number' ? [supported] : supported;
  // a newer format may seal documents differently, but a flipped bit in the version looks the same: say both
  if (typeof found === 'number' && !known.includes(found)) return new UnsupportedFormatError(path, found, supported, `or the document is damaged: its checksum does not hold here; \`freshtier verify\` tells which`);
  return new CorruptEntryError(path, `${what}; the document was damaged or edited after freshtier wrote it, so none of it is used`);
}

/** The CRC stated by a well-formed prefix, or undefined when the bytes do not start with one. */
function statedChecksum(bytes: Uint8Array): number | undefined {
  if (bytes.length < PREFIX_LEN) return undefined;
  for (let i = 0; i < HEAD_BYTES.length; i++) if (bytes[i] !== HEAD_BYTES[i]) return undefined;
  const tailAt = HEAD.length + HEX_LEN;
  for (let i = 0; i < TAIL_BYTES.length; i++) if (bytes[tailAt + i] !== TAIL_BYTES[i]) return undefined;
  const digits = new TextDecoder().decode(bytes.subarray(HEAD.length, tailAt));
  // lowercase only, as written: an uppercased digit is a changed byte, not the same checksum
  if (!/^[0-9a-f]{8}$/.test(digits)) return undefined;
  return parseInt(digits, 16) >>> 0;
}

function hex(n: number): string {
  return n.toString(16).padStart(HEX_LEN, '0');
}
