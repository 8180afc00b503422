/**
 * Wrapping of secrets at rest (award peppers, lot secrets, signing and session keys) under the server's master
 * secret: AES-256-GCM with a key derived by HKDF-SHA256 (HKDF from WebCrypto, AES-GCM and HMAC through
 * src/keys/primitives.ts).
 * Format: `w1.<iv base64url>.<ciphertext+tag base64url>`; the purpose is bound as additional data, so a
 * wrapped pepper cannot be unwrapped as a session key.
 */
import { bytesToHex } from '../audit/canonical';
import { aesGcmOpen, aesGcmSeal, hmacSha256 } from './primitives';
import { randomBytes } from './random';

const encoder = new TextEncoder();

export interface Wrapper {
  wrap(purpose: string, secret: Uint8Array): Promise<string>;
  unwrap(purpose: string, wrapped: string): Promise<Uint8Array<ArrayBuffer>>;
  /** HMAC-SHA256 under a key derived from the master secret for this purpose; lowercase hex. */
  mac(purpose: string, data: string): Promise<string>;
  /** 32 bytes derived from the master secret for this purpose (HKDF-SHA256), e.g. a JWE key. */
  derive(purpose: string): Promise<Uint8Array<ArrayBuffer>>;
}

export async function createWrapper(masterSecret: string): Promise<Wrapper> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(masterSecret), 'HKDF', false, ['deriveBits']);
  /** 32 bytes of HKDF-SHA256 (salt "laurel") for `info`: the same bytes WebCrypto's deriveKey puts in a 256-bit key. */
  const hkdf = async (info: string) =>
    new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('laurel'), info: encoder.encode(info) },
        material,
        256,
      ),
    );
  const wrapKey = await hkdf('laurel wrap v1');
  // Derived keys and unwrapped secrets are pure functions of their inputs: computed once, then copied out. The
  // vote path derives the session key and unwraps three award keys per ballot; HKDF and AES-GCM each time cost
  // more than the rest of the ballot's crypto (docs/performance.md). A destroyed award key is gone all the same:
  // its wrapped row is read from the database on every use, and only the unwrapping of a row that exists is saved.
  const macKeys = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const derived = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const unwrapped = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  /** The kept value itself: for keys used only in here (never handed out, so nobody can change them). */
  const kept = (
    cache: Map<string, Promise<Uint8Array<ArrayBuffer>>>,
    key: string,
    make: () => Promise<Uint8Array<ArrayBuffer>>,
  ) => {
    let value = cache.get(key);
    if (!value) {
      if (cache.size >= 1000) cache.clear();
      value = make();
      cache.set(key, value);
      value.catch(() => cache.delete(key));
    }
    return value;
  };
  /** A copy of the kept value, for callers. */
  const remember = (...args: Parameters<typeof kept>) => kept(...args).then((bytes) => new Uint8Array(bytes));
  return {
    derive(purpose) {
      return remember(derived, purpose, () => hkdf(`laurel derive v1 ${purpose}`));
    },
    async mac(purpose, data) {
      // The same array every time: node:crypto keeps a KeyObject per key array (src/runtime/crypto.ts).
      const key = await kept(macKeys, purpose, () => hkdf(`laurel mac v1 ${purpose}`));
      return bytesToHex(await hmacSha256(key, encoder.encode(data)));
    },
    async wrap(purpose, secret) {
      const iv = randomBytes(12);
      const sealed = await aesGcmSeal(wrapKey, iv, secret, encoder.encode(purpose));
      return `w1.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
    },
    unwrap(purpose, wrapped) {
      return remember(unwrapped, `${purpose}\n${wrapped}`, async () => {
        const [version, iv, sealed] = wrapped.split('.');
        if (version !== 'w1' || !iv || !sealed) throw new Error('unknown wrapping format');
        const plain = await aesGcmOpen(wrapKey, fromBase64Url(iv), fromBase64Url(sealed), encoder.encode(purpose));
        return new Uint8Array(plain);
      });
    },
  };
}

export { randomBytes };

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Base64url without padding (RFC 4648 §5). Every ballot encodes its sealed tracker with it; btoa with three
 * replacements took four times as long (docs/performance.md).
 */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]! + BASE64URL[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]!;
    if (i + 1 < bytes.length) out += BASE64URL[(n >>> 6) & 63]!;
  }
  return out;
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
