/**
 * Node only: node:crypto's synchronous primitives instead of WebCrypto's, for the ballot log's tree
 * (src/audit/merkle.ts `useDigest`) and for the vote path (src/keys/primitives.ts `usePrimitives`). Imported for
 * its effect by the Node entry points (server, CLI); Workers keep WebCrypto. Same bytes: test/merkle.test.ts and
 * test/primitives.test.ts check both ways.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { useDigest } from '../audit/merkle';
import { type Primitives, usePrimitives } from '../keys/primitives';

const TAG = 16;
const gcm = (key: Uint8Array) => `aes-${key.length * 8}-gcm` as 'aes-256-gcm';

export const nodePrimitives: Primitives = {
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
  aesGcmSeal(key, iv, data, additionalData) {
    const cipher = createCipheriv(gcm(key), key, iv, { authTagLength: TAG });
    cipher.setAAD(additionalData);
    return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  },
  aesGcmOpen(key, iv, sealed, additionalData) {
    if (sealed.length < TAG) throw new Error('aes-gcm: sealed data shorter than its tag');
    const decipher = createDecipheriv(gcm(key), key, iv, { authTagLength: TAG });
    decipher.setAAD(additionalData);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  },
};

useDigest(nodePrimitives.sha256);
usePrimitives(nodePrimitives);
