/**
 * The symmetric primitives of the vote path behind one seam: SHA-256, HMAC-SHA256 and AES-GCM over raw key bytes.
 * WebCrypto by default, which Workers and Node both have. Node installs node:crypto's synchronous versions
 * (src/runtime/crypto.ts): each WebCrypto call normalizes its arguments, imports the key and makes a round trip to a
 * thread pool, and a ballot made about a dozen of them (docs/performance.md). The bytes are the same either way;
 * test/primitives.test.ts compares the two.
 */

type Bytes = Uint8Array;
type Maybe<T> = T | Promise<T>;

export interface Primitives {
  sha256(data: Bytes): Maybe<Bytes>;
  hmacSha256(key: Bytes, data: Bytes): Maybe<Bytes>;
  /** AES-GCM with a 12-byte IV; the result is ciphertext || 16-byte tag, as WebCrypto lays it out. */
  aesGcmSeal(key: Bytes, iv: Bytes, plain: Bytes, additionalData: Bytes): Maybe<Bytes>;
  /** The inverse of aesGcmSeal; throws when the tag does not verify. */
  aesGcmOpen(key: Bytes, iv: Bytes, sealed: Bytes, additionalData: Bytes): Maybe<Bytes>;
}

/** WebCrypto wants views on plain ArrayBuffers: anything else is copied. */
const plain = (b: Bytes): Uint8Array<ArrayBuffer> =>
  b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);

export const webPrimitives: Primitives = {
  async sha256(data) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', plain(data)));
  },
  async hmacSha256(key, data) {
    const k = await crypto.subtle.importKey('raw', plain(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, plain(data)));
  },
  async aesGcmSeal(key, iv, data, additionalData) {
    const k = await crypto.subtle.importKey('raw', plain(key), 'AES-GCM', false, ['encrypt']);
    const params = { name: 'AES-GCM', iv: plain(iv), additionalData: plain(additionalData) };
    return new Uint8Array(await crypto.subtle.encrypt(params, k, plain(data)));
  },
  async aesGcmOpen(key, iv, sealed, additionalData) {
    const k = await crypto.subtle.importKey('raw', plain(key), 'AES-GCM', false, ['decrypt']);
    const params = { name: 'AES-GCM', iv: plain(iv), additionalData: plain(additionalData) };
    return new Uint8Array(await crypto.subtle.decrypt(params, k, plain(sealed)));
  },
};

let current: Primitives = webPrimitives;

/** Installs other primitives (Node's); `undefined` goes back to WebCrypto. */
export function usePrimitives(next: Primitives | undefined): void {
  current = next ?? webPrimitives;
}

export const sha256 = async (data: Bytes): Promise<Bytes> => current.sha256(data);
export const hmacSha256 = async (key: Bytes, data: Bytes): Promise<Bytes> => current.hmacSha256(key, data);
export const aesGcmSeal = async (key: Bytes, iv: Bytes, data: Bytes, additionalData: Bytes): Promise<Bytes> =>
  current.aesGcmSeal(key, iv, data, additionalData);
export const aesGcmOpen = async (key: Bytes, iv: Bytes, sealed: Bytes, additionalData: Bytes): Promise<Bytes> =>
  current.aesGcmOpen(key, iv, sealed, additionalData);
