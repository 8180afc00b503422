/** Identifiers made by the app: a short prefix saying what it is, then 100 random bits in base32. */
import { randomBytes } from '../keys/random';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function randomBase32(chars: number): string {
  const bytes = randomBytes(chars);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBase32(20)}`;
}

/** The base32 digits in ASCII order, so that the text sorts as the number does. */
const SORTED = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * An identifier that sorts by time: the prefix, `at` (epoch ms) in 10 base32 digits of an alphabet in ASCII order,
 * then 80 random bits. For rows that already carry their time and are written many at a time (queued mail): a
 * random key lands on a random page of the primary key's index, and each commit then writes every page it touched
 * (docs/performance.md).
 */
export function timeOrderedId(prefix: string, at: number): string {
  let time = '';
  for (let i = 9, t = Math.max(0, Math.floor(at)); i >= 0; i--, t = Math.floor(t / 32)) time = SORTED[t % 32] + time;
  return `${prefix}_${time}${randomBase32(16)}`;
}
