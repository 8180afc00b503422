/**
 * Node's primitives (src/runtime/crypto.ts) give the same bytes as WebCrypto's (src/keys/primitives.ts), and
 * secrets wrapped before the primitives existed (WebCrypto's HKDF deriveKey, then AES-GCM and HMAC with those
 * keys) still unwrap and verify: nothing stored changes meaning.
 */
import { randomBytes as nodeRandom } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../src/audit/canonical';
import { webPrimitives } from '../src/keys/primitives';
import { createWrapper, fromBase64Url, toBase64Url } from '../src/keys/wrap';
import { nodePrimitives } from '../src/runtime/crypto';

const bytes = (n: number) => new Uint8Array(nodeRandom(n));
const hex = async (b: Uint8Array | Promise<Uint8Array>) => bytesToHex(await b);

describe('the crypto primitives', () => {
  it('Node and WebCrypto agree on SHA-256, HMAC-SHA256 and AES-GCM, both ways', async () => {
    for (const size of [0, 1, 31, 32, 33, 64, 1000]) {
      const data = bytes(size);
      const key = bytes(32);
      const iv = bytes(12);
      const ad = bytes(size % 17);
      expect(await hex(nodePrimitives.sha256(data))).toBe(await hex(webPrimitives.sha256(data)));
      expect(await hex(nodePrimitives.hmacSha256(key, data))).toBe(await hex(webPrimitives.hmacSha256(key, data)));
      const sealedByNode = await nodePrimitives.aesGcmSeal(key, iv, data, ad);
      expect(bytesToHex(sealedByNode)).toBe(await hex(webPrimitives.aesGcmSeal(key, iv, data, ad)));
      expect(await hex(webPrimitives.aesGcmOpen(key, iv, sealedByNode, ad))).toBe(bytesToHex(data));
      expect(await hex(nodePrimitives.aesGcmOpen(key, iv, sealedByNode, ad))).toBe(bytesToHex(data));
    }
    // SHA-256("abc"), FIPS 180-2.
    expect(await hex(nodePrimitives.sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('gives the same bytes when one key array is used again (Node keeps a KeyObject per array)', async () => {
    const key = bytes(32);
    const iv = bytes(12);
    for (const data of [bytes(5), bytes(70), bytes(0)]) {
      expect(await hex(nodePrimitives.hmacSha256(key, data))).toBe(await hex(webPrimitives.hmacSha256(key, data)));
      const sealed = await nodePrimitives.aesGcmSeal(key, iv, data, data);
      expect(bytesToHex(sealed)).toBe(await hex(webPrimitives.aesGcmSeal(key, iv, data, data)));
      expect(await hex(nodePrimitives.aesGcmOpen(key, iv, sealed, data))).toBe(bytesToHex(data));
    }
  });

  it('writes base64url without padding as RFC 4648 says, for every length, and reads it back', () => {
    for (let n = 0; n <= 70; n++) {
      const data = bytes(n);
      expect(toBase64Url(data)).toBe(Buffer.from(data).toString('base64url'));
      expect(bytesToHex(fromBase64Url(toBase64Url(data)))).toBe(bytesToHex(data));
    }
    // A view into a larger buffer encodes only its own bytes.
    expect(toBase64Url(new Uint8Array([0, 251, 255, 191, 0]).subarray(1, 4))).toBe('-_-_');
  });

  it('refuses a changed ciphertext, tag or additional data on both', async () => {
    const key = bytes(32);
    const iv = bytes(12);
    const sealed = new Uint8Array(await nodePrimitives.aesGcmSeal(key, iv, bytes(40), bytes(5)));
    const flipped = sealed.slice();
    flipped[3]! ^= 1;
    for (const p of [nodePrimitives, webPrimitives]) {
      await expect(async () => p.aesGcmOpen(key, iv, flipped, bytes(5))).rejects.toThrow();
      await expect(async () => p.aesGcmOpen(key, iv, sealed, bytes(5))).rejects.toThrow();
      await expect(async () => p.aesGcmOpen(key, iv, sealed.subarray(0, 10), bytes(5))).rejects.toThrow();
    }
  });

  it('unwraps and verifies what the WebCrypto-only wrapper wrote', async () => {
    const secret = 'a master secret of at least thirty-two characters';
    const enc = new TextEncoder();
    // The former wrapper: HKDF deriveKey straight into an AES-GCM key and an HMAC key.
    const material = await crypto.subtle.importKey('raw', enc.encode(secret), 'HKDF', false, ['deriveKey']);
    const hkdf = (info: string) => ({
      name: 'HKDF',
      hash: 'SHA-256',
      salt: enc.encode('laurel'),
      info: enc.encode(info),
    });
    const aes = await crypto.subtle.deriveKey(
      hkdf('laurel wrap v1'),
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt'],
    );
    const hmac = await crypto.subtle.deriveKey(
      hkdf('laurel mac v1 login-code'),
      material,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    const iv = bytes(12);
    const pepper = bytes(32);
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: enc.encode('pepper') },
      aes,
      pepper,
    );
    const oldWrapped = `w1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
    const oldMac = bytesToHex(new Uint8Array(await crypto.subtle.sign('HMAC', hmac, enc.encode('id:123456'))));

    const wrapper = await createWrapper(secret);
    expect(bytesToHex(await wrapper.unwrap('pepper', oldWrapped))).toBe(bytesToHex(pepper));
    expect(await wrapper.mac('login-code', 'id:123456')).toBe(oldMac);
    // And the other way: what it wraps now, the former key opens.
    const [, newIv, newSealed] = (await wrapper.wrap('pepper', pepper)).split('.');
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(newIv!), additionalData: enc.encode('pepper') },
      await crypto.subtle.deriveKey(hkdf('laurel wrap v1'), material, { name: 'AES-GCM', length: 256 }, false, [
        'decrypt',
      ]),
      fromBase64Url(newSealed!),
    );
    expect(bytesToHex(new Uint8Array(opened))).toBe(bytesToHex(pepper));
    await expect(wrapper.unwrap('lot-secret', oldWrapped)).rejects.toThrow();
  });
});
