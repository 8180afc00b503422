/** Identifiers made by the app: a short prefix saying what it is, then 100 random bits in base32. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Random bytes drawn from a pool filled 4 KB at a time: each getRandomValues call costs microseconds of its own
 * (argument checks, a call into the runtime), and a ballot wants several ids (docs/performance.md).
 */
const pool = new Uint8Array(4096);
let used = pool.length;

export function randomBase32(chars: number): string {
  if (chars > pool.length) throw new RangeError('randomBase32: at most 4096 characters');
  if (used + chars > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let out = '';
  for (let i = used; i < used + chars; i++) out += ALPHABET[pool[i]! & 31];
  used += chars;
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBase32(20)}`;
}
