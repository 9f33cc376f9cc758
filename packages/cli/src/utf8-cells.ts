/**
 * The cells of a UTF-8 column of a text input, encoded a group of rows at a time into one
 * growing byte buffer with its offsets (Arrow's layout). Keeping every string of a batch
 * until the batch is taken made them survive young-generation collections, which then
 * copied them (most of a text append's garbage-collection time); a group of 1,024 is
 * encoded as soon as it is full, so its strings die young.
 */

/** Rows encoded together: one join and one write each. */
const GROUP = 1_024;

/**
 * A UTF-8 column being filled row by row.
 *
 * @example
 * ```ts
 * const cells = new Utf8Cells();
 * cells.push('a'); cells.push('é');
 * const { offsets, bytes } = cells.take(2); // offsets [0, 1, 3], bytes 61 c3 a9
 * ```
 */
export class Utf8Cells {
  private pending: string[] = [];
  private bytes = new Uint8Array(1 << 16);
  /** offsets[r] is where row r starts (offsets[encoded] is the end of the last encoded row). */
  private offsets = new Int32Array(GROUP + 1);
  private encoded = 0;

  /** Rows pushed so far (not yet taken). */
  get length(): number {
    return this.encoded + this.pending.length;
  }

  push(text: string): void {
    this.pending.push(text);
    if (this.pending.length === GROUP) this.encode();
  }

  /** The first `count` rows as Arrow offsets and bytes; later rows stay, as rows 0…. */
  take(count: number): { offsets: Int32Array; bytes: Uint8Array } {
    this.encode();
    const end = this.offsets[count];
    const out = { offsets: this.offsets.slice(0, count + 1), bytes: this.bytes.slice(0, end) };
    const rest = this.encoded - count;
    const offsets = new Int32Array(Math.max(this.offsets.length, rest + 1));
    for (let r = 0; r <= rest; r++) offsets[r] = this.offsets[count + r] - end;
    const bytes = new Uint8Array(this.bytes.length);
    bytes.set(this.bytes.subarray(end, this.offsets[this.encoded]));
    this.offsets = offsets;
    this.bytes = bytes;
    this.encoded = rest;
    return out;
  }

  private encode(): void {
    if (this.pending.length === 0) return;
    const group = utf8Group(this.pending);
    const n = this.pending.length;
    const at = this.offsets[this.encoded];
    this.reserve(n, at + group.bytes.length);
    this.bytes.set(group.bytes, at);
    for (let r = 1; r <= n; r++) this.offsets[this.encoded + r] = at + group.offsets[r];
    this.encoded += n;
    this.pending = [];
  }

  /** Room for `rows` more rows and `bytes` bytes in all. */
  private reserve(rows: number, bytes: number): void {
    if (this.encoded + rows + 1 > this.offsets.length) {
      const grown = new Int32Array(Math.max(2 * this.offsets.length, this.encoded + rows + 1));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    if (bytes > this.bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.bytes.length, bytes));
      grown.set(this.bytes);
      this.bytes = grown;
    }
  }
}

/** Offsets (from 0) and UTF-8 bytes of `texts`. */
function utf8Group(texts: readonly string[]): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(texts.length + 1);
  let chars = 0;
  for (let r = 0; r < texts.length; r++) offsets[r + 1] = chars += texts[r].length;
  const all = texts.join('');
  if (Buffer.byteLength(all, 'utf8') === all.length) {
    // as many UTF-8 bytes as characters: all ASCII, so the UTF-8 bytes are the Latin-1 ones
    const bytes = new Uint8Array(all.length);
    Buffer.from(bytes.buffer).write(all, 'latin1');
    return { offsets, bytes };
  }
  // otherwise string by string (joining could pair surrogate halves of neighbours)
  let at = 0;
  for (let r = 0; r < texts.length; r++) offsets[r + 1] = at += Buffer.byteLength(texts[r], 'utf8');
  const bytes = new Uint8Array(at);
  const view = Buffer.from(bytes.buffer);
  for (let r = 0; r < texts.length; r++) view.write(texts[r], offsets[r], 'utf8');
  return { offsets, bytes };
}
