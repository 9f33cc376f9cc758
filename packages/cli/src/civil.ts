/**
 * Proleptic Gregorian calendar arithmetic in BigInt (Howard Hinnant's
 * "chrono-compatible low-level date algorithms"): exact for any year, no `Date`.
 */

/**
 * `a / b` rounded toward negative infinity (BigInt division truncates toward zero).
 *
 * @example
 * ```ts
 * floorDiv(-1n, 1000n); // -1n
 * ```
 */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * Is `year` a leap year of the Gregorian calendar?
 *
 * @example
 * ```ts
 * isLeapYear(2000n); // true; isLeapYear(1900n) is false
 * ```
 */
export function isLeapYear(year: bigint): boolean {
  return year % 4n === 0n && (year % 100n !== 0n || year % 400n === 0n);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days in `month` (1-12) of `year`.
 *
 * @example
 * ```ts
 * daysInMonth(2024n, 2); // 29
 * ```
 */
export function daysInMonth(year: bigint, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

/**
 * Days since 1970-01-01 of a valid calendar date (month 1-12, day in range).
 *
 * @example
 * ```ts
 * daysFromCivil(1970n, 1, 1); // 0n
 * daysFromCivil(1969n, 12, 31); // -1n
 * ```
 */
export function daysFromCivil(year: bigint, month: number, day: number): bigint {
  const y = month <= 2 ? year - 1n : year;
  const era = floorDiv(y, 400n);
  const yoe = y - era * 400n; // [0, 399]
  const mp = BigInt(month > 2 ? month - 3 : month + 9); // March = 0
  const doy = (153n * mp + 2n) / 5n + BigInt(day - 1); // [0, 365]
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy; // [0, 146096]
  return era * 146_097n + doe - 719_468n;
}

/**
 * The calendar date of `days` since 1970-01-01.
 *
 * @example
 * ```ts
 * civilFromDays(19782n); // { year: 2024n, month: 2, day: 29 }
 * ```
 */
export function civilFromDays(days: bigint): { year: bigint; month: number; day: number } {
  const z = days + 719_468n;
  const era = floorDiv(z, 146_097n);
  const doe = z - era * 146_097n; // [0, 146096]
  const yoe = (doe - doe / 1460n + doe / 36_524n - doe / 146_096n) / 365n; // [0, 399]
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n); // [0, 365]
  const mp = (5n * doy + 2n) / 153n; // [0, 11]
  const day = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const month = Number(mp < 10n ? mp + 3n : mp - 9n);
  return { year: yoe + era * 400n + (month <= 2 ? 1n : 0n), month, day };
}
