/**
 * Exact rational numbers on BigInt, and the two rounding steps the tally rules allow.
 *
 * A {@link Rational} is always normalized: the denominator is positive and the fraction is in lowest terms, so two
 * equal values have equal `p` and `q` and print the same way. Nothing here touches floating point: decimal strings
 * such as "0.827" are parsed exactly, and square roots are computed with an exact integer square root.
 */

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Greatest common divisor of |a| and |b| (0 when both are 0). */
export function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

export class Rational {
  /** Numerator (carries the sign). */
  readonly p: bigint;
  /** Denominator, always > 0; gcd(p, q) = 1. */
  readonly q: bigint;

  private constructor(p: bigint, q: bigint) {
    this.p = p;
    this.q = q;
  }

  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  /** p / q in lowest terms with q > 0. Throws on q = 0. */
  static of(p: bigint, q: bigint = 1n): Rational {
    if (q === 0n) throw new RangeError('Rational: zero denominator');
    if (q < 0n) {
      p = -p;
      q = -q;
    }
    const g = gcd(p, q);
    return g === 1n ? new Rational(p, q) : new Rational(p / g, q / g);
  }

  /** An integer, given as a BigInt or as a safe integer number. */
  static fromInt(n: bigint | number): Rational {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) {
      throw new RangeError(`Rational.fromInt: ${n} is not a safe integer`);
    }
    return new Rational(BigInt(n), 1n);
  }

  /** Exact value of a decimal string such as "0.827", "12", "-3.50". No exponents, no floating point. */
  static parseDecimal(s: string): Rational {
    const m = /^(-)?([0-9]+)(?:\.([0-9]+))?$/.exec(s);
    if (!m) throw new SyntaxError(`Rational.parseDecimal: not a decimal: ${JSON.stringify(s)}`);
    const frac = m[3] ?? '';
    const p = BigInt((m[2] ?? '0') + frac) * (m[1] ? -1n : 1n);
    return Rational.of(p, 10n ** BigInt(frac.length));
  }

  /** Inverse of {@link Rational.toString}: "p/q" or "p" (also accepts a non-reduced fraction). */
  static parse(s: string): Rational {
    const m = /^(-?[0-9]+)(?:\/([0-9]+))?$/.exec(s);
    if (!m) throw new SyntaxError(`Rational.parse: not a fraction: ${JSON.stringify(s)}`);
    return Rational.of(BigInt(m[1] ?? '0'), BigInt(m[2] ?? '1'));
  }

  add(o: Rational): Rational {
    if (this.q === o.q) return Rational.of(this.p + o.p, this.q);
    return Rational.of(this.p * o.q + o.p * this.q, this.q * o.q);
  }

  sub(o: Rational): Rational {
    return this.add(o.neg());
  }

  mul(o: Rational): Rational {
    return Rational.of(this.p * o.p, this.q * o.q);
  }

  /** Throws a RangeError when dividing by zero. */
  div(o: Rational): Rational {
    if (o.p === 0n) throw new RangeError('Rational: division by zero');
    return Rational.of(this.p * o.q, this.q * o.p);
  }

  neg(): Rational {
    return new Rational(-this.p, this.q);
  }

  /** -1, 0 or 1 as this is below, equal to or above `o`. */
  compare(o: Rational): -1 | 0 | 1 {
    const l = this.p * o.q;
    const r = o.p * this.q;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  equals(o: Rational): boolean {
    return this.p === o.p && this.q === o.q;
  }

  isZero(): boolean {
    return this.p === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.p < 0n ? -1 : this.p > 0n ? 1 : 0;
  }

  /** "p/q" in lowest terms, or "p" when q = 1: the form the tally vectors print. */
  toString(): string {
    return this.q === 1n ? this.p.toString() : `${this.p}/${this.q}`;
  }

  /** The same as {@link Rational.toString}, so a Rational serializes to its exact string in JSON. */
  toJSON(): string {
    return this.toString();
  }

  /** Decimal string with exactly `decimals` places, rounded half-even (for display only; never fed back). */
  toFixed(decimals: number): string {
    const r = roundHalfEven(this, decimals);
    const scaled = (r.p * 10n ** BigInt(decimals)) / r.q; // exact: r has a power-of-ten denominator dividing 10^d
    const neg = scaled < 0n;
    const digits = abs(scaled)
      .toString()
      .padStart(decimals + 1, '0');
    const int = digits.slice(0, digits.length - decimals);
    const frac = digits.slice(digits.length - decimals);
    return `${neg ? '-' : ''}${int}${decimals > 0 ? `.${frac}` : ''}`;
  }
}

/** Sum of `values` (0 for none). */
export function sum(values: Iterable<Rational>): Rational {
  let acc = Rational.ZERO;
  for (const v of values) acc = acc.add(v);
  return acc;
}

/** Integer n rounded half-even from the exact fraction num/den (den > 0). */
function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const neg = num < 0n;
  const a = abs(num);
  let n = a / den;
  const twiceRem = 2n * (a % den);
  if (twiceRem > den || (twiceRem === den && n % 2n === 1n)) n += 1n;
  return neg ? -n : n;
}

function checkDecimals(decimals: number): bigint {
  if (!Number.isSafeInteger(decimals) || decimals < 0) {
    throw new RangeError(`decimals must be a non-negative integer, not ${decimals}`);
  }
  return 10n ** BigInt(decimals);
}

/** `r` rounded to `decimals` decimal places, ties to even; the result is exact from there on. */
export function roundHalfEven(r: Rational, decimals: number): Rational {
  const scale = checkDecimals(decimals);
  return Rational.of(divRoundHalfEven(r.p * scale, r.q), scale);
}

/** floor(sqrt(n)) for a BigInt n >= 0, exactly (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt: negative argument');
  if (n < 2n) return n;
  // Start above the root: 2^ceil(bits/2) > sqrt(n).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * sqrt(r) rounded half-even to `decimals` places, computed exactly: with x = r * 10^(2 decimals) = p/q and
 * a = floor(sqrt(x)) = isqrt(floor(x)), the root rounds up when x > (a + 1/2)^2, i.e. 4p > (2a + 1)^2 q, and a
 * root exactly halfway (x a perfect square of a half-integer) goes to the even neighbour.
 */
export function sqrtRoundHalfEven(r: Rational, decimals: number): Rational {
  if (r.p < 0n) throw new RangeError('sqrtRoundHalfEven: negative argument');
  const scale = checkDecimals(decimals);
  const p = r.p * scale * scale;
  const q = r.q;
  let a = isqrt(p / q);
  const lhs = 4n * p;
  const rhs = (2n * a + 1n) ** 2n * q;
  if (lhs > rhs || (lhs === rhs && a % 2n === 1n)) a += 1n;
  return Rational.of(a, scale);
}
