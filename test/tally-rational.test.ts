/**
 * Exact rationals and the two rounding steps of the tally.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcd, isqrt, Rational, roundHalfEven, sqrtRoundHalfEven, sum } from '../src/tally/rational';

const bigInt = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
const positive = fc.bigInt({ min: 1n, max: 10n ** 15n });
const rational = fc.tuple(bigInt, positive).map(([p, q]) => Rational.of(p, q));
const nonZero = rational.filter((r) => !r.isZero());

const eq = (a: Rational, b: Rational): void => {
  expect(a.toString()).toBe(b.toString());
};

describe('Rational', () => {
  it('normalizes: lowest terms, positive denominator', () => {
    expect(Rational.of(6n, -4n).toString()).toBe('-3/2');
    expect(Rational.of(0n, -7n).toString()).toBe('0');
    expect(Rational.of(10n, 5n).toString()).toBe('2');
    expect(Rational.fromInt(-12).toString()).toBe('-12');
    expect(() => Rational.of(1n, 0n)).toThrow(RangeError);
    expect(() => Rational.fromInt(0.5)).toThrow(RangeError);
    fc.assert(
      fc.property(
        bigInt,
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).filter((q) => q !== 0n),
        (p, q) => {
          const r = Rational.of(p, q);
          expect(r.q > 0n).toBe(true);
          expect(gcd(r.p, r.q)).toBe(1n);
          expect(r.p * q).toBe(p * r.q);
        },
      ),
    );
  });

  it('prints "p/q" or "p" and parses that back', () => {
    expect(Rational.of(890000n, 273n).toString()).toBe('890000/273');
    expect(Rational.of(5000n).toString()).toBe('5000');
    expect(JSON.stringify({ x: Rational.of(1n, 3n) })).toBe('{"x":"1/3"}');
    fc.assert(fc.property(rational, (r) => eq(Rational.parse(r.toString()), r)));
  });

  it('parses decimal strings exactly', () => {
    eq(Rational.parseDecimal('0.827'), Rational.of(827n, 1000n));
    eq(Rational.parseDecimal('12'), Rational.fromInt(12));
    eq(Rational.parseDecimal('1.50'), Rational.of(3n, 2n));
    eq(Rational.parseDecimal('-0.125'), Rational.of(-1n, 8n));
    // 0.1 + 0.2 is exactly 0.3 here.
    eq(Rational.parseDecimal('0.1').add(Rational.parseDecimal('0.2')), Rational.parseDecimal('0.3'));
    for (const bad of ['1e3', '.5', '0x10', '', '1.', ' 1', 'NaN']) {
      expect(() => Rational.parseDecimal(bad)).toThrow(SyntaxError);
    }
  });

  it('is a field: the laws hold exactly', () => {
    fc.assert(
      fc.property(rational, rational, rational, (a, b, c) => {
        eq(a.add(b), b.add(a));
        eq(a.mul(b), b.mul(a));
        eq(a.add(b).add(c), a.add(b.add(c)));
        eq(a.mul(b).mul(c), a.mul(b.mul(c)));
        eq(a.mul(b.add(c)), a.mul(b).add(a.mul(c)));
        eq(a.add(Rational.ZERO), a);
        eq(a.mul(Rational.ONE), a);
        eq(a.sub(a), Rational.ZERO);
        eq(a.add(a.neg()), Rational.ZERO);
        eq(a.sub(b).add(b), a);
      }),
    );
    fc.assert(
      fc.property(rational, nonZero, (a, b) => {
        eq(b.div(b), Rational.ONE);
        eq(a.div(b).mul(b), a);
      }),
    );
    expect(() => Rational.ONE.div(Rational.ZERO)).toThrow(RangeError);
  });

  it('compares consistently with subtraction and order', () => {
    fc.assert(
      fc.property(rational, rational, rational, (a, b, c) => {
        expect(a.compare(b)).toBe(a.sub(b).sign());
        expect(a.compare(b)).toBe(-b.compare(a) || 0);
        expect(a.compare(b) === 0).toBe(a.equals(b));
        expect(a.add(c).compare(b.add(c))).toBe(a.compare(b));
        if (a.compare(b) <= 0 && b.compare(c) <= 0) expect(a.compare(c)).toBeLessThanOrEqual(0);
      }),
    );
    expect(Rational.of(1n, 3n).compare(Rational.of(333333n, 1000000n))).toBe(1);
  });

  it('sums', () => {
    eq(sum([]), Rational.ZERO);
    eq(sum([Rational.of(1n, 2n), Rational.of(1n, 3n), Rational.of(1n, 6n)]), Rational.ONE);
  });

  it('prints fixed decimals for display', () => {
    expect(Rational.of(2n, 3n).toFixed(6)).toBe('0.666667');
    expect(Rational.of(-1n, 8n).toFixed(2)).toBe('-0.12');
    expect(Rational.fromInt(7).toFixed(0)).toBe('7');
  });
});

describe('roundHalfEven', () => {
  it('rounds ties to even', () => {
    const r = (s: string, d: number) => roundHalfEven(Rational.parseDecimal(s), d).toString();
    expect(r('0.5', 0)).toBe('0');
    expect(r('1.5', 0)).toBe('2');
    expect(r('2.5', 0)).toBe('2');
    expect(r('-0.5', 0)).toBe('0');
    expect(r('-1.5', 0)).toBe('-2');
    expect(r('-2.5', 0)).toBe('-2');
    expect(r('0.0000005', 6)).toBe('0');
    expect(r('0.0000015', 6)).toBe('1/500000');
    expect(r('0.0000025', 6)).toBe('1/500000');
    expect(r('6.787311396', 6)).toBe(Rational.parseDecimal('6.787311').toString());
    expect(r('5.613106524492', 6)).toBe(Rational.parseDecimal('5.613107').toString());
    expect(roundHalfEven(Rational.of(2n, 3n), 6).toString()).toBe(Rational.parseDecimal('0.666667').toString());
  });

  it('is the nearest multiple of 10^-d, ties to an even one', () => {
    fc.assert(
      fc.property(rational, fc.integer({ min: 0, max: 8 }), (x, d) => {
        const scale = Rational.of(10n ** BigInt(d));
        const rounded = roundHalfEven(x, d);
        const n = rounded.mul(scale);
        expect(n.q).toBe(1n); // a whole number of 10^-d
        const err = x.mul(scale).sub(n); // in units of 10^-d
        const half = Rational.of(1n, 2n);
        expect(err.compare(half)).toBeLessThanOrEqual(0);
        expect(err.compare(half.neg())).toBeGreaterThanOrEqual(0);
        if (err.equals(half) || err.equals(half.neg())) expect(n.p % 2n).toBe(0n);
      }),
    );
  });

  it('keeps exact ties exact: (2m + 1) / 2 goes to the even neighbour', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (m) => {
        const rounded = roundHalfEven(Rational.of(2n * m + 1n, 2n), 0);
        expect(rounded.q).toBe(1n);
        expect(rounded.p % 2n).toBe(0n);
        expect(rounded.p === m || rounded.p === m + 1n).toBe(true);
      }),
    );
  });
});

describe('isqrt and sqrtRoundHalfEven', () => {
  it('isqrt is the floor of the square root, even for huge numbers', () => {
    expect(isqrt(0n)).toBe(0n);
    expect(isqrt(1n)).toBe(1n);
    expect(isqrt(15n)).toBe(3n);
    expect(isqrt(16n)).toBe(4n);
    expect(isqrt(10n ** 40n)).toBe(10n ** 20n);
    expect(() => isqrt(-1n)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 60n }), (n) => {
        const r = isqrt(n);
        expect(r * r <= n).toBe(true);
        expect((r + 1n) * (r + 1n) > n).toBe(true);
      }),
    );
  });

  it('rounds square roots to 6 decimals, half-even', () => {
    const s = (r: Rational) => sqrtRoundHalfEven(r, 6).toString();
    expect(s(Rational.fromInt(2))).toBe(Rational.parseDecimal('1.414214').toString());
    expect(s(Rational.of(2n, 3n))).toBe(Rational.parseDecimal('0.816497').toString());
    expect(s(Rational.of(14n, 9n))).toBe(Rational.parseDecimal('1.247219').toString());
    expect(s(Rational.fromInt(16))).toBe('4');
    expect(s(Rational.ZERO)).toBe('0');
    // Roots exactly halfway between two 6-decimal numbers: 0.0000005 -> 0, 0.0000015 -> 0.000002.
    expect(s(Rational.of(1n, 4n * 10n ** 12n))).toBe('0');
    expect(s(Rational.of(9n, 4n * 10n ** 12n))).toBe('1/500000');
    expect(s(Rational.of(25n, 4n * 10n ** 12n))).toBe('1/500000');
    expect(() => sqrtRoundHalfEven(Rational.fromInt(-1), 6)).toThrow(RangeError);
  });

  it('gives the nearest 6-decimal number to the root', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), positive).map(([p, q]) => Rational.of(p, q)),
        (x) => {
          const a = sqrtRoundHalfEven(x, 6).mul(Rational.of(10n ** 6n)); // whole number
          expect(a.q).toBe(1n);
          const target = x.mul(Rational.of(10n ** 12n));
          const half = Rational.of(1n, 2n);
          const below = a.sub(half);
          const above = a.add(half);
          // (a - 1/2)^2 <= x 10^12 <= (a + 1/2)^2: a is the nearest integer to sqrt(x 10^12).
          if (below.sign() > 0) expect(below.mul(below).compare(target)).toBeLessThanOrEqual(0);
          expect(above.mul(above).compare(target)).toBeGreaterThanOrEqual(0);
          if (below.sign() > 0 && below.mul(below).equals(target)) expect(a.p % 2n).toBe(0n);
          if (above.mul(above).equals(target)) expect(a.p % 2n).toBe(0n);
        },
      ),
    );
  });

  it('rounds exact half-way roots to even', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), (m) => {
        // sqrt(x) = (m + 1/2) 10^-6 exactly.
        const x = Rational.of((2n * m + 1n) ** 2n, 4n * 10n ** 12n);
        const a = sqrtRoundHalfEven(x, 6).mul(Rational.of(10n ** 6n)).p;
        expect(a % 2n).toBe(0n);
        expect(a === m || a === m + 1n).toBe(true);
      }),
    );
  });
});
