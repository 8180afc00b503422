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
