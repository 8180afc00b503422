/**
 * Shared pieces of the tally tests: a fixed lot secret and closing root, the lot order recomputed with node:crypto
 * (independently of src/tally/lot.ts, which uses WebCrypto), and the published part of a result.
 */
import { createHash } from 'node:crypto';
import type { TallyResult } from '../../src/tally';

export const SECRET = '8f2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff001';
export const ROOT = '4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a';

/** SHA-256(bytes(S) || bytes(root)). */
export const seed = createHash('sha256').update(Buffer.from(SECRET, 'hex')).update(Buffer.from(ROOT, 'hex')).digest();

/** SHA-256(seed || UTF-8(id)) as hex, seed = SHA-256(S || root). */
export const lotKey = (id: string): string => createHash('sha256').update(seed).update(id, 'utf8').digest('hex');

/** Rule 7 by hand: ascending SHA-256(seed || id). */
export const byLot = (ids: string[]): string[] => [...ids].sort((a, b) => (lotKey(a) < lotKey(b) ? -1 : 1));

/** The result without `details`: what the vectors' `expected` block holds. */
export function published(result: TallyResult): Omit<TallyResult, 'details'> {
  const { details: _details, ...rest } = result;
  return rest;
}
