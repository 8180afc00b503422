/**
 * Single-use roll codes: what an invited person types (or reads off a printed card) to verify once. Pure: no
 * database, no clock; WebCrypto's random source only, so it runs on Node and Workers alike.
 *
 * A code is 12 characters from an alphabet without the look-alikes 0/O and 1/I/L, shown in three groups of four
 * (`ABCD-EFGH-JKMN`). Typing is forgiving: lowercase, spaces and missing or extra dashes are all accepted. Only
 * `wrapper.mac('roll-code', canonical code)` is ever stored.
 *
 * Strength: 31 symbols make 31^12 ≈ 2^59.45 codes. Sixty full bits would need a 32nd unambiguous symbol, and the
 * alphanumerics hold only 31 once 0, O, 1, I and L are gone; a 13th character would break the 4-4-4 grouping
 * printed on the cards. Guessing is throttled per client address (20 failures per 15 minutes), so even with
 * 10^5 live codes in one award a guesser needs ~10^12 attempts per expected hit.
 */
export const ROLL_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const ROLL_CODE_LENGTH = 12;
/** Entropy of one code in bits (documented above; a test keeps it honest). */
export const ROLL_CODE_BITS = ROLL_CODE_LENGTH * Math.log2(ROLL_CODE_ALPHABET.length);

const SYMBOLS = ROLL_CODE_ALPHABET.length;
// The largest multiple of the alphabet size below 256: bytes at or above it are drawn again, so that every
// symbol is equally likely (no modulo bias).
const BYTE_LIMIT = 256 - (256 % SYMBOLS);

/** A fresh code in canonical form: 12 symbols, upper case, no dashes. */
export function newRollCode(): string {
  let out = '';
  const buf = new Uint8Array(2 * ROLL_CODE_LENGTH);
  while (out.length < ROLL_CODE_LENGTH) {
    crypto.getRandomValues(buf);
    for (const b of buf) {
      if (b >= BYTE_LIMIT) continue;
      out += ROLL_CODE_ALPHABET[b % SYMBOLS];
      if (out.length === ROLL_CODE_LENGTH) break;
    }
  }
  return out;
}

/** The code as printed and mailed: `ABCD-EFGH-JKMN`. */
export function groupRollCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/**
 * The canonical form of what someone typed, or null when it cannot be a code at all (wrong length, a symbol
 * outside the alphabet). Case, spaces and dashes do not matter.
 */
export function canonicalRollCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s\-‐‑‒–—]+/g, '');
  if (code.length !== ROLL_CODE_LENGTH) return null;
  for (const ch of code) if (!ROLL_CODE_ALPHABET.includes(ch)) return null;
  return code;
}
