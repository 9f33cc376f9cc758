/**
 * Byte helpers of the blocked key index (`FTK3`, key-index-blocks.ts): a growable
 * little-endian writer and a bounds-checked reader. Every read is checked against the
 * end of the region it may use, so damage is a `CorruptEntryError`, never a read past
 * a buffer or a huge allocation.
 */
import { CorruptEntryError } from '../errors.js';

/**
 * An append-only byte buffer (doubles when full).
 *
 * @example
 * ```ts
 * const w = new ByteWriter(64);
 * w.varint(300);
 * w.u32(0xdeadbeef);
 * const bytes = w.finish();
 * ```
 */
export class ByteWriter {
  buf: Uint8Array;
  at = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.at++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    const b = this.buf;
    b[this.at] = v & 0xff;
    b[this.at + 1] = (v >>> 8) & 0xff;
    b[this.at + 2] = (v >>> 16) & 0xff;
    b[this.at + 3] = (v >>> 24) & 0xff;
    this.at += 4;
  }

  /** Unsigned LEB128 of a value in [0, 2^32). */
  varint(v: number): void {
    this.reserve(5);
    while (v >= 0x80) {
      this.buf[this.at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    if (end - start <= 32) {
      // a key is a few bytes: a loop costs less than a view and a set per key
      const b = this.buf;
      for (let i = start, at = this.at; i < end; i++, at++) b[at] = src[i];
    } else this.buf.set(src.subarray(start, end), this.at);
    this.at += end - start;
  }

  /** The bytes written (a view: the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/**
 * Reads `bytes[at, end)`; any read past `end` is a `CorruptEntryError` naming `path`.
 *
 * @example
 * ```ts
 * const r = new ByteReader(block, 0, block.length, 'shards/0/gen-1/data.keys.arrow');
 * const n = r.varint('key count');
 * ```
 */
export class ByteReader {
  constructor(readonly buf: Uint8Array, public at: number, readonly end: number, readonly path: string) {}

  fail(what: string): CorruptEntryError {
    return new CorruptEntryError(this.path, `key index ${what}`);
  }

  /** Checks that `n` bytes remain (before anything is sized by `n`). */
  need(n: number, what: string): void {
    if (n > this.end - this.at) throw this.fail(`${what} runs past its region (${n} bytes wanted, ${this.end - this.at} left)`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++];
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const v = (b[this.at] | (b[this.at + 1] << 8) | (b[this.at + 2] << 16) | (b[this.at + 3] << 24)) >>> 0;
    this.at += 4;
    return v;
  }

  i32(what: string): number {
    return this.u32(what) | 0;
  }

  /** Unsigned LEB128 below 2^32 (at most 5 bytes). */
  varint(what: string): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (v > 0xffffffff) break;
        return v;
      }
      scale *= 128;
    }
    throw this.fail(`${what} is not a varint below 2^32`);
  }
}
