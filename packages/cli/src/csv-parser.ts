/**
 * A streaming CSV/TSV parser (RFC 4180: fields in double quotes may hold delimiters,
 * newlines and doubled quotes), fed text chunk by chunk, handing each record to a
 * callback with the line it starts on. It replaced csv-parse, whose per-field
 * `cast`/`info` callbacks (needed to tell an empty unquoted cell from `""`) cost most
 * of an append's time. An empty unquoted field is `null`, a quoted one its text (so
 * `""` is the empty string). Empty lines are skipped, a UTF-8 BOM at the start is
 * dropped, and records end with `\n`, `\r\n` or `\r`.
 *
 * Malformed text is a {@link CsvSyntaxError} naming the line: a quote inside an
 * unquoted field, text after a closing quote, a quote left open at the end.
 */

/**
 * CSV text that is not well-formed; `line` is 1-based.
 *
 * @example
 * ```ts
 * try { parser.push('a,"b\n'); parser.end(); } catch (e) { if (e instanceof CsvSyntaxError) console.log(e.line); }
 * ```
 */
export class CsvSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} (line ${line})`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/**
 * The parser. `onRecord(fields, line)` gets each record's fields and the line the
 * record starts on.
 *
 * @example
 * ```ts
 * const p = new CsvParser(',', (fields, line) => console.log(line, fields));
 * p.push('id,name\n1,"a, b"\n');
 * p.end();
 * ```
 */
export class CsvParser {
  private fields: (string | null)[] = [];
  /** Text of the current field so far (a field may span chunks). */
  private text = '';
  /** The current field began with a quote. */
  private quoted = false;
  /** Inside quotes right now. */
  private inQuotes = false;
  /** Just read a quote that ends the quoted part (or starts a doubled quote). */
  private afterQuote = false;
  /** Some character of the current record has been read. */
  private started = false;
  /** The last chunk ended with `\r`: a `\n` starting the next one belongs to it. */
  private pendingCr = false;
  private line = 1;
  private recordLine = 1;
  private first = true;
  private readonly delimiter: number;

  constructor(delimiter: string, private readonly onRecord: (fields: readonly (string | null)[], line: number) => void) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the next chunk of text. */
  push(chunk: string): void {
    let s = chunk;
    if (this.first) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (s.charCodeAt(0) === LF) i = 1;
    }
    const n = s.length;
    while (i < n) {
      if (this.inQuotes) i = this.quotedPart(s, i);
      else if (this.afterQuote) i = this.afterClosingQuote(s, i);
      else i = this.unquotedPart(s, i);
    }
  }

  /** Ends the input: the last record needs no newline; an open quote is an error. */
  end(): void {
    if (this.inQuotes) throw new CsvSyntaxError('a quoted field is not closed before the end of the file', this.recordLine);
    if (!this.started) return;
    this.takeField();
    this.endRecord();
  }

  /** Inside quotes: everything up to the next quote is text. */
  private quotedPart(s: string, i: number): number {
    const q = s.indexOf('"', i);
    const end = q < 0 ? s.length : q;
    const part = s.slice(i, end);
    this.text += part;
    for (let k = part.indexOf('\n'); k >= 0; k = part.indexOf('\n', k + 1)) this.line++;
    if (q < 0) return s.length;
    this.inQuotes = false;
    this.afterQuote = true;
    return q + 1;
  }

  /** After a closing quote: a second quote is a literal one; else the field must end here. */
  private afterClosingQuote(s: string, i: number): number {
    const c = s.charCodeAt(i);
    this.afterQuote = false;
    if (c === QUOTE) {
      this.text += '"';
      this.inQuotes = true;
      return i + 1;
    }
    if (c === this.delimiter || c === LF || c === CR) return this.fieldEnd(s, i);
    throw new CsvSyntaxError(`unexpected ${JSON.stringify(s[i])} after the closing quote of field ${this.fields.length + 1}: a quoted field must end at its closing quote (write a quote inside quotes as "")`, this.line);
  }

  /** An unquoted field (or the start of a field): text up to a delimiter or a newline. */
  private unquotedPart(s: string, i: number): number {
    if (!this.started || this.atFieldStart()) {
      if (s.charCodeAt(i) === QUOTE && this.text === '') {
        this.started = true;
        this.quoted = true;
        this.inQuotes = true;
        if (this.fields.length === 0) this.recordLine = this.line;
        return i + 1;
      }
    }
    if (!this.started) {
      const c = s.charCodeAt(i);
      if (c === LF || c === CR) return this.newline(s, i); // an empty line: skipped
      this.started = true;
      this.recordLine = this.line;
    }
    const n = s.length;
    const d = this.delimiter;
    let j = i;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === d || c === LF || c === CR || c === QUOTE) break;
    }
    this.text += s.slice(i, j);
    if (j === n) return n;
    if (s.charCodeAt(j) === QUOTE) {
      throw new CsvSyntaxError(`a quote inside unquoted field ${this.fields.length + 1} (${JSON.stringify((this.text + '"').slice(0, 40))}): quote the whole field and double the quotes in it`, this.line);
    }
    return this.fieldEnd(s, j);
  }

  private atFieldStart(): boolean {
    return this.text === '' && !this.quoted;
  }

  /** At a delimiter or a newline that ends the current field. */
  private fieldEnd(s: string, j: number): number {
    this.takeField();
    if (s.charCodeAt(j) === this.delimiter) return j + 1;
    this.endRecord();
    return this.newline(s, j);
  }

  /** Adds the current field to the record: quoted text as is, an empty unquoted field as null. */
  private takeField(): void {
    this.fields.push(this.quoted ? this.text : this.text === '' ? null : this.text);
    this.text = '';
    this.quoted = false;
    this.afterQuote = false;
  }

  /** Steps over `\n`, `\r\n` or `\r` at `j`, counting the line. */
  private newline(s: string, j: number): number {
    this.line++;
    if (s.charCodeAt(j) === CR) {
      if (j + 1 === s.length) {
        this.pendingCr = true;
        return j + 1;
      }
      if (s.charCodeAt(j + 1) === LF) return j + 2;
    }
    return j + 1;
  }

  private endRecord(): void {
    const fields = this.fields;
    this.fields = [];
    this.started = false;
    this.onRecord(fields, this.recordLine);
  }
}
