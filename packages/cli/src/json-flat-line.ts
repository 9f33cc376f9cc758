/**
 * The common JSON Lines line — one flat object whose values are strings without escapes,
 * numbers, `true`, `false` or `null` — read in two passes over its characters, without
 * the general parser's recursion (json-line.ts): it was most of the cost of a JSON Lines
 * append. A line that is anything else (a nested value, an escape, a control character,
 * a syntax error) is left to the general parser, which reads it or says exactly what is
 * wrong: this path only ever agrees with it (a property test compares the two).
 *
 * 1. The first pass checks the whole line against the flat grammar and records where each
 *    key and value is. It visits nothing, so a line it gives up on is read afresh.
 * 2. The second pass hands the members to `visit` in order, as `parseJsonObjectLine` does:
 *    keys written as on the line before are that line's strings (no slice, and their hash
 *    is already known to the caller's `Map`), numbers stay their source text.
 */
import { JsonNumber, JsonSyntaxError, jsonNumberEnd, type JsonValue } from './json-line.js';

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN = 123;
const CLOSE = 125;

/** Kinds of value the first pass records. */
const STRING = 0;
const NUMBER = 1;
const TRUE = 2;
const FALSE = 3;
const NULL = 4;

/**
 * Reads flat JSON Lines objects; one instance serves every line of a file (it keeps the
 * previous line's keys and its span buffer).
 *
 * @example
 * ```ts
 * const scanner = new FlatLineScanner();
 * scanner.scan('{"id": 1, "name": "x"}', (key, value) => { console.log(key, value); return false; }); // true
 * scanner.scan('{"tags": ["a"]}', () => false); // false: nested, for the general parser
 * ```
 */
export class FlatLineScanner {
  /** Per member: key start, key end, value kind, value start, value end (starts after the opening quote of strings). */
  private spans = new Int32Array(5 * 16);
  private keys: string[] = [];

  /**
   * Visits the members of `line` if it is a flat object (true; a key written twice throws
   * {@link JsonSyntaxError} as the general parser does), or visits nothing (false).
   */
  scan(line: string, visit: (key: string, value: JsonValue) => boolean | void): boolean {
    const members = this.check(line);
    if (members < 0) return false;
    const spans = this.spans;
    for (let m = 0; m < members; m++) {
      const at = 5 * m;
      const key = this.keyOf(line, m, spans[at], spans[at + 1]);
      if (visit(key, valueOf(line, spans[at + 2], spans[at + 3], spans[at + 4])) === true) {
        throw new JsonSyntaxError(`key ${JSON.stringify(key)} appears twice in one object (which one would count?)`, spans[at] - 1);
      }
    }
    return true;
  }

  /** Pass 1: the number of members when `line` is a flat object, else -1. */
  private check(line: string): number {
    const n = line.length;
    let i = skipSpace(line, 0);
    if (line.charCodeAt(i) !== OPEN) return -1;
    i = skipSpace(line, i + 1);
    let members = 0;
    if (line.charCodeAt(i) === CLOSE) return skipSpace(line, i + 1) === n ? 0 : -1;
    for (;;) {
      if (line.charCodeAt(i) !== QUOTE) return -1;
      const keyEnd = plainStringEnd(line, i + 1);
      if (keyEnd < 0) return -1;
      const keyStart = i + 1;
      i = skipSpace(line, keyEnd + 1);
      if (line.charCodeAt(i) !== COLON) return -1;
      i = skipSpace(line, i + 1);
      const kind = kindAt(line, i);
      const valueStart = kind === STRING ? i + 1 : i;
      const valueEnd = kind === STRING ? plainStringEnd(line, i + 1) : kind === NUMBER ? jsonNumberEnd(line, i) : kind < 0 ? -1 : i + WORD_LENGTH[kind];
      if (valueEnd < 0) return -1;
      this.record(members++, keyStart, keyEnd, kind, valueStart, valueEnd);
      i = skipSpace(line, kind === STRING ? valueEnd + 1 : valueEnd);
      const c = line.charCodeAt(i);
      if (c === CLOSE) return skipSpace(line, i + 1) === n ? members : -1;
      if (c !== COMMA) return -1;
      i = skipSpace(line, i + 1);
    }
  }

  private record(m: number, keyStart: number, keyEnd: number, kind: number, valueStart: number, valueEnd: number): void {
    if (5 * m + 5 > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    const at = 5 * m;
    this.spans[at] = keyStart;
    this.spans[at + 1] = keyEnd;
    this.spans[at + 2] = kind;
    this.spans[at + 3] = valueStart;
    this.spans[at + 4] = valueEnd;
  }

  /** The key of member `m`: the previous line's string when the text is the same. */
  private keyOf(line: string, m: number, start: number, end: number): string {
    const known = this.keys[m];
    if (known !== undefined && known.length === end - start && line.startsWith(known, start)) return known;
    return (this.keys[m] = line.slice(start, end));
  }
}

const WORD_LENGTH = [0, 0, 4, 5, 4];

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** The index of the closing quote of a string starting at `i` (after its opening quote) that has no escape or control character; -1 otherwise. */
function plainStringEnd(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === 92 || c < 0x20) return -1; // a backslash or a control character: the general parser decides
  }
  return -1;
}

/** The kind of value starting at `i`, or -1 for anything but a string, a number or a literal. */
function kindAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return STRING;
  if (c === 45 || (c >= 48 && c <= 57)) return NUMBER;
  if (s.startsWith('true', i)) return TRUE;
  if (s.startsWith('false', i)) return FALSE;
  return s.startsWith('null', i) ? NULL : -1;
}

function valueOf(line: string, kind: number, start: number, end: number): JsonValue {
  switch (kind) {
    case STRING: return line.slice(start, end);
    case NUMBER: return new JsonNumber(line.slice(start, end));
    case TRUE: return true;
    case FALSE: return false;
    default: return null;
  }
}
