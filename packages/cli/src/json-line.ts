/**
 * One line of JSON Lines, parsed without losing a number: `JSON.parse` turns
 * `9007199254740993` into 9007199254740992, so two distinct int64 ids became one key
 * (and Node 20's `JSON.parse` reviver cannot see a number's source text). Here every
 * number stays its source text ({@link JsonNumber}) until the column's type decides
 * how to read it; strings are decoded by `JSON.parse` itself, so escapes and the
 * rest of the grammar are exactly JSON's. A key written twice in one object is
 * refused (`JSON.parse` keeps the last one silently).
 */

/**
 * A JSON number as written, e.g. `12345678901234567891` or `1.5e3`.
 *
 * @example
 * ```ts
 * const n = new JsonNumber('9007199254740993');
 * BigInt(n.text); // 9007199254740993n, exactly
 * ```
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** The nearest double, as `JSON.parse` would give it. */
  toNumber(): number {
    return Number(this.text);
  }
  toJSON(): number {
    return this.toNumber();
  }
}

/**
 * A parsed JSON value: objects are `Map`s (insertion order, no prototype keys).
 *
 * @example
 * ```ts
 * const v: JsonValue = new Map([['id', new JsonNumber('1')]]);
 * ```
 */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

/**
 * Not valid JSON (or a repeated key); `message` says where.
 *
 * @example
 * ```ts
 * try { parseJsonLine('{"a":1,}'); } catch (e) { if (e instanceof JsonSyntaxError) console.log(e.position); }
 * ```
 */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 64; // a deeper line is refused instead of overflowing the stack

/**
 * Parses one JSON text (a whole line) losslessly. Throws {@link JsonSyntaxError}.
 *
 * @example
 * ```ts
 * const obj = parseJsonLine('{"id": 9007199254740993}') as Map<string, JsonValue>;
 * (obj.get('id') as JsonNumber).text; // '9007199254740993'
 * ```
 */
export function parseJsonLine(text: string): JsonValue {
  const p = new Parser(text);
  const v = p.value(0);
  p.space();
  if (p.at < text.length) throw p.error(`unexpected ${JSON.stringify(text[p.at])} after the JSON value`);
  return v;
}

/**
 * Parses one JSON text that must be an object, handing each member to `visit` in order
 * (values parsed as by {@link parseJsonLine}) instead of building a `Map`: JSON Lines input
 * is read this way, one row per line, without a map or a set per row. `visit` returns true
 * when it has seen the key before in this object: that is refused like in
 * {@link parseJsonLine}. Returns false, having visited nothing, when the text is valid JSON
 * but not an object (the caller says what it got). Throws {@link JsonSyntaxError}.
 *
 * @example
 * ```ts
 * const row = new Map<string, JsonValue>();
 * parseJsonObjectLine('{"id": 1, "name": "x"}', (key, value) => row.has(key) || void row.set(key, value)); // true
 * ```
 */
export function parseJsonObjectLine(text: string, visit: (key: string, value: JsonValue) => boolean | void): boolean {
  const p = new Parser(text);
  p.space();
  if (text[p.at] !== '{') {
    parseJsonLine(text); // a syntax error is reported as such; valid JSON is not an object
    return false;
  }
  p.members(visit);
  p.space();
  if (p.at < text.length) throw p.error(`unexpected ${JSON.stringify(text[p.at])} after the JSON value`);
  return true;
}

class Parser {
  at = 0;
  constructor(private readonly src: string) {}

  error(message: string): JsonSyntaxError {
    return new JsonSyntaxError(message, this.at);
  }

  space(): void {
    const s = this.src;
    while (this.at < s.length && (s[this.at] === ' ' || s[this.at] === '\t' || s[this.at] === '\n' || s[this.at] === '\r')) this.at++;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw this.error(`nesting deeper than ${MAX_DEPTH} levels`);
    this.space();
    const c = this.src[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of WORDS) {
      if (this.src.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    throw this.error(c === undefined ? 'unexpected end of JSON input' : `unexpected ${JSON.stringify(c)}`);
  }

  number(): JsonNumber {
    const end = jsonNumberEnd(this.src, this.at);
    if (end < 0) throw this.error('bad number');
    const text = this.src.slice(this.at, end);
    this.at = end;
    return new JsonNumber(text);
  }

  string(): string {
    const s = this.src;
    // most strings have no escape and no control character: their text is their value
    for (let k = this.at + 1; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c === 34) { // "
        const out = s.slice(this.at + 1, k);
        this.at = k + 1;
        return out;
      }
      if (c === 92 || c < 0x20) break; // a backslash or a control character: JSON.parse decides
    }
    let i = this.at + 1;
    while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    if (i >= s.length) throw this.error('unterminated string');
    try {
      const out = JSON.parse(s.slice(this.at, i + 1)) as string; // JSON's own escapes and control-character rules
      this.at = i + 1;
      return out;
    } catch (e) {
      throw this.error(`bad string (${(e as Error).message})`);
    }
  }

  array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.at++;
    this.space();
    if (this.src[this.at] === ']') return this.at++, out;
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.close(']')) return out;
    }
  }

  object(depth: number): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>();
    this.members((key, v) => out.has(key) || void out.set(key, v), depth);
    return out;
  }

  /** The members of the object starting at `at` (a `{`), each handed to `visit`, which returns true for a repeated key (refused). */
  members(visit: (key: string, value: JsonValue) => boolean | void, depth = 0): void {
    this.at++;
    this.space();
    if (this.src[this.at] === '}') return void this.at++;
    for (;;) {
      this.space();
      if (this.src[this.at] !== '"') throw this.error('expected a quoted key');
      const keyAt = this.at;
      const key = this.string();
      this.space();
      if (this.src[this.at++] !== ':') throw this.error('expected ":" after a key');
      const v = this.value(depth + 1);
      if (visit(key, v) === true) throw new JsonSyntaxError(`key ${JSON.stringify(key)} appears twice in one object (which one would count?)`, keyAt);
      if (this.close('}')) return;
    }
  }

  /** After an element: `,` continues (false), `close` ends (true). */
  private close(close: string): boolean {
    this.space();
    const c = this.src[this.at++];
    if (c === close) return true;
    if (c === ',') return false;
    this.at--;
    throw this.error(c === undefined ? 'unexpected end of JSON input' : `expected "," or "${close}", found ${JSON.stringify(c)}`);
  }
}

const WORDS: [string, JsonValue][] = [['true', true], ['false', false], ['null', null]];

/**
 * The end of the JSON number starting at `i` in `s`, or -1 if none starts there: JSON's
 * grammar `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, longest match (a `.` or an
 * exponent without digits after it is not part of the number).
 *
 * @example
 * ```ts
 * jsonNumberEnd('[-1.5e3,', 1); // 7
 * jsonNumberEnd('01', 0); // 1: a leading 0 stands alone
 * ```
 */
export function jsonNumberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++; // -
  const first = s.charCodeAt(i);
  if (!isDigit(first)) return -1;
  i = first === 48 ? i + 1 : digitsFrom(s, i + 1);
  if (s.charCodeAt(i) === 46 && isDigit(s.charCodeAt(i + 1))) i = digitsFrom(s, i + 2); // .
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) { // e E
    const sign = s.charCodeAt(i + 1);
    const digitAt = sign === 43 || sign === 45 ? i + 2 : i + 1;
    if (isDigit(s.charCodeAt(digitAt))) i = digitsFrom(s, digitAt + 1);
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The index of the first character from `i` on that is not a digit. */
function digitsFrom(s: string, i: number): number {
  while (isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * The exact integer a JSON number or digit string denotes (`1e3` and `10.0` are integers),
 * or undefined if it has a fraction. Values with more than `maxDigits` integer digits are
 * reported as `'too large'` without being expanded (so `1e999999999` costs nothing).
 *
 * @example
 * ```ts
 * exactInteger('1.5e1'); // 15n
 * exactInteger('0.5'); // undefined
 * ```
 */
export function exactInteger(text: string, maxDigits = 40): bigint | undefined | 'too large' {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return 0n;
  const e = Number(exp) - frac.length; // value = digits × 10^e
  const kept = e >= 0 ? digits : digits.slice(0, e);
  if (e < 0 && /[1-9]/.test(digits.slice(e))) return undefined; // a non-zero digit after the point
  if (kept.length + Math.max(e, 0) > maxDigits) return 'too large';
  const n = BigInt(kept === '' ? '0' : kept) * 10n ** BigInt(Math.max(e, 0));
  return sign === '-' ? -n : n;
}
