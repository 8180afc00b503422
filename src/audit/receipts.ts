/**
 * Ballot receipts and trackers of audit format version 1 (docs/audit.md, "Version 1: the ballot log").
 *
 * A receipt is 20 bytes (160 bits). Laurel derives it from the ballot form's nonce so that the same submission (a
 * double tap, a lost response) gets the same receipt back without the receipt being stored:
 *
 *   receipt bytes = first 20 bytes of HMAC-SHA256(award receipt key, UTF-8(personKey "\n" categoryId "\n" nonce))
 *   canonical     = base32 (RFC 4648 alphabet, lowercase, no padding) of the 20 bytes: 32 characters
 *   shown as      = 8 groups of 4 characters joined by "-", e.g. "abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567"
 *   tracker       = lowercase hex SHA-256(UTF-8(canonical))     (the 32 ASCII characters, not the 20 bytes)
 *
 * Only the tracker is stored with the ballot; the voter keeps the receipt. WebCrypto only (Node 20 and Workers).
 */
import { hmacSha256 } from '../keys/primitives';
import { bytesToHex, sha256Hex, utf8 } from './canonical';

/** Bytes in a Laurel receipt (160 bits). */
export const RECEIPT_BYTES = 20;

/** Characters in the canonical receipt text: base32 of 20 bytes, no padding. */
export const RECEIPT_LENGTH = 32;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CANONICAL = /^[a-z2-7]{32}$/;
const TRACKER = /^[0-9a-f]{64}$/;

/** Base32 (RFC 4648 section 6 alphabet, lowercase, no padding) of `bytes`. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The readable form of a canonical receipt: 8 groups of 4 characters separated by "-". Throws on a bad input. */
export function formatReceipt(canonical: string): string {
  if (!CANONICAL.test(canonical)) throw new TypeError('formatReceipt: expected 32 lowercase base32 characters');
  return canonical.match(/.{4}/g)!.join('-');
}

/**
 * The canonical receipt (32 lowercase base32 characters) of what a voter typed or pasted, or null when it is not a
 * receipt. Case is ignored, and whitespace and dashes anywhere are dropped, so "ABCD EFGH…", "abcdefgh…" and
 * "abcd-efgh-…" are the same receipt. No other character is accepted: in particular 0, 1, 8 and 9 are not in the
 * alphabet and are not silently read as o, l, b or g.
 */
export function parseReceipt(text: string): string | null {
  if (typeof text !== 'string') return null;
  const compact = text.replace(/[\s-]+/g, '').toLowerCase();
  return CANONICAL.test(compact) ? compact : null;
}

/** The tracker stored with a ballot: lowercase hex SHA-256 of the canonical receipt text (parsed first). */
export async function trackerOf(receipt: string): Promise<string> {
  const canonical = parseReceipt(receipt);
  if (canonical === null) throw new TypeError('trackerOf: not a receipt');
  return sha256Hex(utf8(canonical));
}

/** True when `tracker` is 64 lowercase hex digits. */
export function isTracker(tracker: string): boolean {
  return typeof tracker === 'string' && TRACKER.test(tracker);
}

function receiptMessage(personKey: string, categoryId: string, nonce: string): Uint8Array<ArrayBuffer> {
  for (const [name, value] of [
    ['personKey', personKey],
    ['categoryId', categoryId],
    ['nonce', nonce],
  ] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`receipt: ${name} must be a non-empty string`);
    // "\n" separates the fields; refusing it keeps the message unambiguous.
    if (value.includes('\n')) throw new TypeError(`receipt: ${name} must not contain a line feed`);
  }
  return utf8(`${personKey}\n${categoryId}\n${nonce}`);
}

/** An HMAC-SHA256 signing key from raw key bytes (the award's receipt key). */
export async function importReceiptKey(raw: Uint8Array): Promise<CryptoKey> {
  const bytes = new Uint8Array(raw); // a copy on a plain ArrayBuffer, as WebCrypto wants
  return globalThis.crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * The receipt of a ballot, in its readable grouped form: the first 20 bytes of
 * HMAC-SHA256(key, UTF-8(personKey + "\n" + categoryId + "\n" + nonce)) in base32. The same inputs always give the
 * same receipt. `key` is an HMAC-SHA256 CryptoKey with the `sign` usage, or the raw key bytes. The three strings
 * must be non-empty and must not contain "\n".
 */
export async function receiptFromKey(
  key: CryptoKey | Uint8Array,
  personKey: string,
  categoryId: string,
  nonce: string,
): Promise<string> {
  const message = receiptMessage(personKey, categoryId, nonce);
  const mac =
    key instanceof Uint8Array
      ? await hmacSha256(key, message)
      : new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, message));
  return formatReceipt(base32(mac.subarray(0, RECEIPT_BYTES)));
}

/** A receipt of 20 random bytes, in its grouped form, for ballots that have no form nonce. */
export function randomReceipt(): string {
  return formatReceipt(base32(globalThis.crypto.getRandomValues(new Uint8Array(RECEIPT_BYTES))));
}

/** Lowercase hex of the 20 bytes a canonical or grouped receipt encodes (for display in tests and tools). */
export function receiptBytesHex(receipt: string): string {
  const canonical = parseReceipt(receipt);
  if (canonical === null) throw new TypeError('receiptBytesHex: not a receipt');
  const out = new Uint8Array(RECEIPT_BYTES);
  let buffer = 0;
  let bits = 0;
  let i = 0;
  for (const ch of canonical) {
    buffer = ((buffer << 5) | ALPHABET.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[i++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return bytesToHex(out);
}
