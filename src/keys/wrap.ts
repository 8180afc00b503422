/**
 * Wrapping of secrets at rest (award peppers, lot secrets, signing and session keys) under the server's master
 * secret: AES-256-GCM with a key derived by HKDF-SHA256. WebCrypto only, so Node and Workers share it.
 * Format: `w1.<iv base64url>.<ciphertext+tag base64url>`; the purpose is bound as additional data, so a
 * wrapped pepper cannot be unwrapped as a session key.
 */
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
  const material = await crypto.subtle.importKey('raw', encoder.encode(masterSecret), 'HKDF', false, [
    'deriveKey',
    'deriveBits',
  ]);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('laurel'), info: encoder.encode('laurel wrap v1') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  const macKeys = new Map<string, Promise<CryptoKey>>();
  const macKey = (purpose: string) => {
    let k = macKeys.get(purpose);
    if (!k) {
      k = crypto.subtle.deriveKey(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: encoder.encode('laurel'),
          info: encoder.encode(`laurel mac v1 ${purpose}`),
        },
        material,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
      macKeys.set(purpose, k);
    }
    return k;
  };
  // Derived keys and unwrapped secrets are pure functions of their inputs: computed once, then copied out. The
  // vote path derives the session key and unwraps three award keys per ballot; HKDF and AES-GCM each time cost
  // more than the rest of the ballot's crypto (docs/performance.md). A destroyed award key is gone all the same:
  // its wrapped row is read from the database on every use, and only the unwrapping of a row that exists is saved.
  const derived = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const unwrapped = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const remember = (
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
    return value.then((bytes) => new Uint8Array(bytes));
  };
  return {
    derive(purpose) {
      return remember(derived, purpose, async () => {
        const bits = await crypto.subtle.deriveBits(
          {
            name: 'HKDF',
            hash: 'SHA-256',
            salt: encoder.encode('laurel'),
            info: encoder.encode(`laurel derive v1 ${purpose}`),
          },
          material,
          256,
        );
        return new Uint8Array(bits);
      });
    },
    async mac(purpose, data) {
      const sig = await crypto.subtle.sign('HMAC', await macKey(purpose), encoder.encode(data));
      return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    async wrap(purpose, secret) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(purpose) },
        key,
        secret as Uint8Array<ArrayBuffer>,
      );
      return `w1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
    },
    unwrap(purpose, wrapped) {
      return remember(unwrapped, `${purpose}\n${wrapped}`, async () => {
        const [version, iv, sealed] = wrapped.split('.');
        if (version !== 'w1' || !iv || !sealed) throw new Error('unknown wrapping format');
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: encoder.encode(purpose) },
          key,
          fromBase64Url(sealed),
        );
        return new Uint8Array(plain);
      });
    },
  };
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
