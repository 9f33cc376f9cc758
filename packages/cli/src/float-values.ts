/**
 * Decimal text as a float column's value: the nearest double for float64 (what
 * `Number` and `JSON.parse` give), the nearest float32 for float32 — computed from
 * the text itself, since rounding the text to a double and that double to a float32
 * is off by one float32 step when the double lands exactly halfway between two
 * float32s. A finite text too large for the type is refused, not stored as infinity.
 */

/**
 * Why a float text is refused.
 *
 * @example
 * ```ts
 * try { floatFromText('1e39', 'float32'); } catch (e) { if (e instanceof FloatRangeError) console.log(e.message); }
 * ```
 */
export class FloatRangeError extends Error {}

/**
 * The value a float column of `precision` stores for the decimal `text` (already
 * checked to be decimal number syntax).
 *
 * @example
 * ```ts
 * floatFromText('0.1', 'float32'); // Math.fround(0.1)
 * floatFromText('1e400', 'float64'); // throws FloatRangeError
 * ```
 */
export function floatFromText(text: string, precision: 'float32' | 'float64'): number {
  const d = Number(text);
  if (!Number.isFinite(d)) throw new FloatRangeError(`is beyond the largest ${precision} (about ${precision === 'float32' ? '3.4e38' : '1.8e308'})`);
  if (precision === 'float64') return d;
  const f = Math.fround(d);
  if (!Number.isFinite(f)) throw new FloatRangeError('is beyond the largest float32 (about 3.4e38)');
  if (f === d) return f;
  const other = neighbour(f, d > f);
  if ((f + other) / 2 !== d) return f; // d is not a float32 midpoint: the text is on d's side of it
  const side = compareDecimal(text, d); // the text itself decides which float32 is nearer
  return side === 0 ? f : (side > 0) === (other > f) ? other : f;
}

/** The float32 next to `f` upwards (`up`) or downwards. */
function neighbour(f: number, up: boolean): number {
  const bits = new Uint32Array(new Float32Array([f]).buffer);
  const positive = f > 0 || Object.is(f, 0);
  bits[0] += up === positive ? 1 : -1; // the magnitude grows in the direction away from zero
  if (f === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  return new Float32Array(bits.buffer)[0];
}

/** The sign of (decimal `text` − `d`), computed exactly in BigInt. */
function compareDecimal(text: string, d: number): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const negative = m[1] === '-';
  const digits = BigInt(`${m[2]}${m[3] ?? ''}` || '0');
  const e10 = Number(m[4] ?? '0') - (m[3] ?? '').length; // |text| = digits × 10^e10
  const [mant, e2] = decompose(Math.abs(d)); // |d| = mant × 2^e2
  let left = digits;
  let right = mant;
  if (e10 >= 0) left *= 10n ** BigInt(e10); else right *= 10n ** BigInt(-e10);
  if (e2 >= 0) right *= 2n ** BigInt(e2); else left *= 2n ** BigInt(-e2);
  const sign = left === right ? 0 : left > right ? 1 : -1;
  return negative ? -sign : sign;
}

/** A finite non-negative double as an exact integer mantissa and power-of-two exponent. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}
