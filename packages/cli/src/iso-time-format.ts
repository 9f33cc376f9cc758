/**
 * Exact ISO-8601 text of instants, the inverse of iso-time.ts's `parseInstant`: every int64
 * value in every unit, years beyond 0000-9999 written expanded, as they read back.
 */
import { floorDiv } from './civil.js';
import { FRACTION_DIGITS, SECONDS_PER_DAY, UNITS_PER_SECOND, formatDate, type TimeUnitCode } from './iso-time.js';

/**
 * Options of {@link formatInstant}: the offset to print the wall-clock time in (UTC
 * and `Z` by default) and the fraction digits (default: the unit's, at least 3).
 *
 * @example
 * ```ts
 * const opts: FormatOptions = { offsetSeconds: -5 * 3600, fractionDigits: 9 };
 * ```
 */
export interface FormatOptions {
  readonly offsetSeconds?: number;
  readonly fractionDigits?: number;
}

/**
 * ISO-8601 text of `raw` units since the epoch, exact for every int64 value (years
 * beyond 0000-9999 are written expanded, `+275760-09-13…`, as `parseInstant` reads them).
 *
 * @example
 * ```ts
 * formatInstant(1n, 3); // '1970-01-01T00:00:00.000000001Z'
 * formatInstant(0n, 0, { offsetSeconds: 3600 }); // '1970-01-01T01:00:00.000+01:00'
 * ```
 */
export function formatInstant(raw: bigint, unit: TimeUnitCode, options: FormatOptions = {}): string {
  const perSecond = UNITS_PER_SECOND[unit];
  const offset = options.offsetSeconds ?? 0;
  const shifted = raw + BigInt(offset) * perSecond;
  const perDay = SECONDS_PER_DAY * perSecond;
  const days = floorDiv(shifted, perDay);
  const inDay = shifted - days * perDay;
  const sec = Number(inDay / perSecond);
  const hms = [Math.floor(sec / 3600), Math.floor(sec / 60) % 60, sec % 60].map((n) => String(n).padStart(2, '0')).join(':');
  const digits = options.fractionDigits ?? Math.max(3, FRACTION_DIGITS[unit]);
  const frac = (inDay % perSecond).toString().padStart(FRACTION_DIGITS[unit], '0').padEnd(digits, '0').slice(0, digits);
  return `${formatDate(days)}T${hms}${digits > 0 ? `.${frac}` : ''}${formatOffset(offset)}`;
}

function formatOffset(offset: number): string {
  if (offset === 0) return 'Z';
  const a = Math.abs(offset);
  const parts = [Math.floor(a / 3600), Math.floor(a / 60) % 60].map((n) => String(n).padStart(2, '0'));
  if (a % 60 !== 0) parts.push(String(a % 60).padStart(2, '0'));
  return `${offset < 0 ? '-' : '+'}${parts.join(':')}`;
}
