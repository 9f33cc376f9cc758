/**
 * The shape nearly every timestamp in a CSV or JSON Lines file has,
 * `YYYY-MM-DDThh:mm:ss[.fraction]Z`, read without the general ISO-8601 regex of
 * iso-time.ts: that regex was the largest single cost of reading a timestamp column
 * (about 0.7 µs a cell). Anything else — an offset, an expanded year, a missing second,
 * a field out of range — is left to the general parser, which reads it or says what is
 * wrong, so this path only ever agrees with it (a property test compares the two).
 */
import { daysFromCivil, daysInMonth } from './civil.js';
import type { IsoFields } from './iso-time.js';

/** The date part last read, and its days since the epoch: timestamps of a file often share a day. */
let lastDate = '';
let lastDays = 0n;

/**
 * The fields of `text` when it has the common shape and every field is in range;
 * otherwise undefined (the general parser decides).
 *
 * @example
 * ```ts
 * commonIsoFields('2024-05-01T12:00:00.5Z'); // { days: 19844n, secondOfDay: 43200n, fraction: '5', hasTime: true, offsetSeconds: 0 }
 * commonIsoFields('2024-05-01T12:00:00+02:00'); // undefined
 * ```
 */
export function commonIsoFields(text: string): IsoFields | undefined {
  const n = text.length;
  if (n < 20 || !shaped(text)) return undefined;
  const last = text.charCodeAt(n - 1);
  if (last !== 90 && last !== 122) return undefined; // Z or z
  let fraction = '';
  if (n > 20) {
    const point = text.charCodeAt(19);
    if ((point !== 46 && point !== 44) || n === 21 || !digitsBetween(text, 20, n - 1)) return undefined; // . or , then digits
    fraction = text.slice(20, n - 1);
  }
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const days = dateDays(text);
  if (days === undefined) return undefined;
  return { days, secondOfDay: BigInt(hour * 3600 + minute * 60 + second), fraction, hasTime: true, offsetSeconds: 0 };
}

/** `DDDD-DD-DD?DD:DD:DD` with `?` one of T, t or a space. */
function shaped(text: string): boolean {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return false;
  return digitsBetween(text, 0, 4) && digitsBetween(text, 5, 7) && digitsBetween(text, 8, 10) && digitsBetween(text, 11, 13) && digitsBetween(text, 14, 16) && digitsBetween(text, 17, 19);
}

function digitsBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/** Days since the epoch of the `YYYY-MM-DD` starting `text`, or undefined if the month or day is out of range. */
function dateDays(text: string): bigint | undefined {
  if (text.startsWith(lastDate) && lastDate.length === 10) return lastDays;
  const year = BigInt(text.slice(0, 4));
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  lastDays = daysFromCivil(year, month, day);
  lastDate = text.slice(0, 10);
  return lastDays;
}
