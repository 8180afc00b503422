/**
 * Node only: node:crypto's synchronous primitives instead of WebCrypto's, for the ballot log's tree
 * (src/audit/merkle.ts `useDigest`) and for the vote path (src/keys/primitives.ts `usePrimitives`). Imported for
 * its effect by the Node entry points (server, CLI); Workers keep WebCrypto. Same bytes: test/merkle.test.ts and
 * test/primitives.test.ts check both ways.
 */
import * as nodeCrypto from 'node:crypto';
import { type KeyObject, createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey } from 'node:crypto';
import { useDigest } from '../audit/merkle';
import { type Primitives, usePrimitives } from '../keys/primitives';

const TAG = 16;
const gcm = (key: Uint8Array) => `aes-${key.length * 8}-gcm` as 'aes-256-gcm';

/**
 * Keys as node:crypto KeyObjects, made once per key array: given raw bytes, each HMAC and cipher imports the key
 * anew (a third of an HMAC's time). The vote's keys are long-lived arrays (src/ballots/keys.ts keeps them). Keyed
 * by the array itself, which is sound because no key array is changed after its first use (src/keys/wrap.ts hands
 * callers copies and keeps its own).
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();
function keyObject(key: Uint8Array): KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = createSecretKey(key)));
  return k;
}

/** One-shot `crypto.hash` (Node 20.12 and later) skips the Hash object: about 60 % of createHash's time. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

export const nodePrimitives: Primitives = {
  sha256: oneShot ? (data) => oneShot('sha256', data, 'buffer') : (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', keyObject(key)).update(data).digest(),
  aesGcmSeal(key, iv, data, additionalData) {
    const cipher = createCipheriv(gcm(key), keyObject(key), iv, { authTagLength: TAG });
    cipher.setAAD(additionalData);
    return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  },
  aesGcmOpen(key, iv, sealed, additionalData) {
    if (sealed.length < TAG) throw new Error('aes-gcm: sealed data shorter than its tag');
    const decipher = createDecipheriv(gcm(key), keyObject(key), iv, { authTagLength: TAG });
    decipher.setAAD(additionalData);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  },
};

useDigest(nodePrimitives.sha256);
usePrimitives(nodePrimitives);
