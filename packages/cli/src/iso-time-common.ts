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
let lastDaysNumber = 0;

/** What {@link commonParts} read: reused, so reading a text allocates nothing. */
const parts = { days: 0n, daysNumber: 0, secondOfDay: 0, fractionStart: 0, fractionEnd: 0 };

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
  if (!commonParts(text)) return undefined;
  return { days: parts.days, secondOfDay: BigInt(parts.secondOfDay), fraction: text.slice(parts.fractionStart, parts.fractionEnd), hasTime: true, offsetSeconds: 0 };
}

/** Days within which a count of microseconds or coarser stays below 2^53, so a double holds every step exactly. */
const NEAR_DAYS = 100_000;
const FRACTION_DIGITS = [0, 3, 6];
const UNITS_PER_SECOND = [1, 1_000, 1_000_000];

/**
 * The instant of `text` in `unit`s (0 s, 1 ms, 2 us) when it has the common shape and
 * computing it in doubles is exact: a day within 100,000 days of the epoch (so every step
 * stays below 2^53) and no fraction digit finer than the unit. Otherwise undefined: the
 * general parser decides, and refuses what it must.
 *
 * @example
 * ```ts
 * commonInstant('1970-01-01T00:00:01.5Z', 1); // 1500n
 * commonInstant('1970-01-01T00:00:01.5Z', 0); // undefined: finer than seconds
 * ```
 */
export function commonInstant(text: string, unit: number): bigint | undefined {
  if (unit > 2 || !commonParts(text)) return undefined;
  const digits = parts.fractionEnd - parts.fractionStart;
  const keep = FRACTION_DIGITS[unit];
  const days = parts.daysNumber; // exact: a day number far below 2^53
  if (digits > keep || days <= -NEAR_DAYS || days >= NEAR_DAYS) return undefined;
  let fraction = 0;
  for (let i = parts.fractionStart; i < parts.fractionEnd; i++) fraction = fraction * 10 + text.charCodeAt(i) - 48;
  for (let d = digits; d < keep; d++) fraction *= 10;
  return BigInt((days * 86_400 + parts.secondOfDay) * UNITS_PER_SECOND[unit] + fraction);
}

/** Reads `text` into {@link parts} when it has the common shape with every field in range. */
function commonParts(text: string): boolean {
  const n = text.length;
  if (n < 20 || !shaped(text)) return false;
  const last = text.charCodeAt(n - 1);
  if (last !== 90 && last !== 122) return false; // Z or z
  parts.fractionStart = parts.fractionEnd = 0;
  if (n > 20) {
    const point = text.charCodeAt(19);
    if ((point !== 46 && point !== 44) || n === 21 || !digitsBetween(text, 20, n - 1)) return false; // . or , then digits
    parts.fractionStart = 20;
    parts.fractionEnd = n - 1;
  }
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (!dateDays(text)) return false;
  parts.days = lastDays;
  parts.daysNumber = lastDaysNumber;
  parts.secondOfDay = hour * 3600 + minute * 60 + second;
  return true;
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

/** Reads the `YYYY-MM-DD` starting `text` into `lastDays` (days since the epoch); false if the month or day is out of range. */
function dateDays(text: string): boolean {
  if (lastDate.length === 10 && text.startsWith(lastDate)) return true;
  const year = BigInt(text.slice(0, 4));
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  lastDays = daysFromCivil(year, month, day);
  lastDaysNumber = Number(lastDays);
  lastDate = text.slice(0, 10);
  return true;
}
