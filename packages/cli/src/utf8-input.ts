/**
 * UTF-8 of a text input, decoded exactly or refused: a lenient decoder turns a byte
 * that is not UTF-8 (or a character cut off at the end of the file) into U+FFFD, so
 * the stored text silently differed from the file. Here a fatal decoder reads the
 * text, and on its error the file is scanned again (only then, so the common path
 * pays nothing) to name the line and byte offset of the first invalid byte.
 */
import { createReadStream } from 'node:fs';
import { InputRejectedError } from './errors.js';

/**
 * A streaming UTF-8 decoder of `path` that throws {@link InputRejectedError} naming the
 * line of the first invalid byte. `decode(bytes)` for each chunk, `decode()` at the end.
 *
 * @example
 * ```ts
 * const strict = strictUtf8('rows.csv');
 * const text = await strict.decode(chunk); // later: await strict.decode() for a character left unfinished
 * ```
 */
export function strictUtf8(path: string): { decode(bytes?: Uint8Array): Promise<string> } {
  // ignoreBOM: a BOM is kept as text (the readers drop it at the start of the file, as before)
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return {
    async decode(bytes) {
      try {
        return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw await invalidUtf8(path);
        throw e;
      }
    },
  };
}

/** The refusal of `path`, whose text is not valid UTF-8, naming where it first goes wrong. */
async function invalidUtf8(path: string): Promise<InputRejectedError> {
  const scan = new Utf8Locator();
  let bad = false;
  for await (const bytes of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) if ((bad = scan.feed(bytes))) break;
  const what = bad ? `an invalid UTF-8 byte at byte offset ${scan.offset}` : 'a UTF-8 character cut off at the end of the file';
  return new InputRejectedError(`${path} line ${scan.line}: not valid UTF-8 text (${what})`,
    'save the file as UTF-8 (bytes that are not UTF-8 are refused, not replaced with U+FFFD); nothing was written', { line: scan.line, offset: scan.offset });
}

/**
 * Finds the first byte that is not valid UTF-8 (the Unicode standard's well-formed byte
 * sequences: no overlong forms, surrogates or code points above U+10FFFF), counting
 * lines as the readers do (ended by \n, \r\n or \r).
 *
 * @example
 * ```ts
 * const scan = new Utf8Locator();
 * scan.feed(Buffer.from('a\nb\xff', 'latin1')); // true; scan.line 2, scan.offset 3
 * ```
 */
export class Utf8Locator {
  /** The line of the byte at {@link offset}. */
  line = 1;
  /** Bytes read so far: after `feed` returns true, the offset of the invalid byte. */
  offset = 0;
  /** Continuation bytes still expected, and the range the next one must be in. */
  private need = 0;
  private lo = 0x80;
  private hi = 0xbf;
  private prev = 0;

  /** Reads `bytes`; true at the first invalid one. */
  feed(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++, this.offset++) {
      const b = bytes[i];
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return true;
        this.expect(this.need - 1, 0x80, 0xbf);
      } else if (b >= 0x80) {
        if (!this.lead(b)) return true;
      } else if (b === 13 || (b === 10 && this.prev !== 13)) this.line++;
      this.prev = b;
    }
    return false;
  }

  /** A lead byte: how many continuation bytes follow, and the range of the first (Table 3-7 of the standard). */
  private lead(b: number): boolean {
    if (b >= 0xc2 && b <= 0xdf) return this.expect(1, 0x80, 0xbf);
    if (b === 0xe0) return this.expect(2, 0xa0, 0xbf); // no overlong forms
    if (b === 0xed) return this.expect(2, 0x80, 0x9f); // no surrogates
    if (b >= 0xe1 && b <= 0xef) return this.expect(2, 0x80, 0xbf);
    if (b === 0xf0) return this.expect(3, 0x90, 0xbf);
    if (b >= 0xf1 && b <= 0xf3) return this.expect(3, 0x80, 0xbf);
    if (b === 0xf4) return this.expect(3, 0x80, 0x8f); // nothing above U+10FFFF
    return false;
  }

  private expect(need: number, lo: number, hi: number): true {
    this.need = need;
    this.lo = lo;
    this.hi = hi;
    return true;
  }
}
