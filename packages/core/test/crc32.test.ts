import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32 (IEEE)', () => {
  it('matches the standard check value: "123456789" -> 0xcbf43926', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('matches other published vectors', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad); // 32 zero bytes
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it('honours start and end', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
    expect(crc32(bytes.subarray(2, 11))).toBe(0xcbf43926);
    expect(crc32(bytes, 2)).toBe(crc32(ascii('123456789yy')));
    expect(crc32(bytes, 5, 5)).toBe(0);
  });

  it('returns an unsigned 32-bit integer', () => {
    const v = crc32(ascii('123456789'));
    expect(v).toBeGreaterThan(2 ** 31); // would be negative without the final >>> 0
    expect(Number.isInteger(v)).toBe(true);
  });
});

describe('crc32 native and portable agree', () => {
  it('on random buffers and sub-ranges', async () => {
    const { crc32Js } = await import('../src/format/crc32.js');
    const range = fc.uint8Array({ maxLength: 5000 }).chain((bytes) => fc.nat(bytes.length).chain((s) => fc.tuple(fc.constant(bytes), fc.constant(s), fc.integer({ min: s, max: bytes.length }))));
    fc.assert(fc.property(range, ([bytes, s, e]) => crc32(bytes, s, e) === crc32Js(bytes, s, e)), { seed: 32, numRuns: 50 });
  });
});
