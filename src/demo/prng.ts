/**
 * A small deterministic random number generator for the demo (pure): mulberry32 over a 32-bit state, seeded from
 * the demo's seed and a stream label. Separate streams (votes, jury, …) keep one part of the demo from shifting
 * another's draws when it draws more or fewer numbers. Not for anything secret: Laurel's own randomness (ids,
 * receipts, the lot secret) comes from the platform's CSPRNG.
 */

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** An index drawn with probability proportional to its (non-negative) weight. */
  weighted(weights: readonly number[]): number;
  /** A new array with the items in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** FNV-1a (32 bits) of a string: turns the seed and a stream label into a mulberry32 state. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The generator of stream `stream` for `seed`: the same pair gives the same sequence on every run and machine. */
export function createRng(seed: number, stream: string): Rng {
  let state = fnv1a(`${seed}/${stream}`);
  const next = (): number => {
    // mulberry32 (Tommy Ettinger): a 32-bit state, full period, good enough for simulated people.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    weighted(weights) {
      const total = weights.reduce((a, b) => a + b, 0);
      if (!(total > 0)) throw new Error('weighted: no positive weight');
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i]!;
        if (x < 0) return i;
      }
      // Rounding can leave x a hair above 0 after the last weight: that is the last positive one.
      let last = weights.length - 1;
      while (!(weights[last]! > 0)) last--;
      return last;
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
