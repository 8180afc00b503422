/**
 * Node only: the ballot log hashes with node:crypto's synchronous SHA-256 instead of WebCrypto's (src/audit/merkle.ts
 * `useDigest`). Imported for its effect by the Node entry points (server, CLI); Workers keep WebCrypto.
 */
import { createHash } from 'node:crypto';
import { useDigest } from '../audit/merkle';

useDigest((data) => createHash('sha256').update(data).digest());
