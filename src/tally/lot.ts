/**
 * The committed lot (tally rule 7): seed = SHA-256(bytes(S) || bytes(closing root)); nominees are ordered by
 * SHA-256(seed || UTF-8(nominee id)), ascending bytes, the first being the best.
 *
 * Hashing is async (WebCrypto), so the keys of every nominee that may meet a tie are computed once up front and the
 * rest of the tally stays synchronous.
 */
import { concatBytes, hexToBytes, sha256Hex, utf8 } from '../audit/canonical';
import { compareIds } from './ties';

/** The lot, ready to order any of the nominees it was drawn for. */
export interface Lot {
  /** Lowercase hex of the seed. */
  readonly seed: string;
  /** Lowercase hex of SHA-256(seed || UTF-8(id)). Throws for an id the lot was not drawn for. */
  key(id: string): string;
  /** `ids` best first: ascending lot key. */
  order(ids: readonly string[]): string[];
}

/** seed = SHA-256(bytes(S) || bytes(closing root)), both given as hex; lowercase hex of the digest. */
export async function lotSeed(lotSecret: string, closingRoot: string): Promise<string> {
  return sha256Hex(concatBytes(hexToBytes(lotSecret.toLowerCase()), hexToBytes(closingRoot.toLowerCase())));
}

/** Lowercase hex SHA-256(seed || UTF-8(id)): the lot key of one nominee. */
export async function lotKey(seed: string, id: string): Promise<string> {
  return sha256Hex(concatBytes(hexToBytes(seed), utf8(id)));
}

/** Draws the lot for `ids` (duplicates are fine). */
export async function drawLot(lotSecret: string, closingRoot: string, ids: Iterable<string>): Promise<Lot> {
  const seed = await lotSeed(lotSecret, closingRoot);
  const unique = [...new Set(ids)];
  const keys = new Map<string, string>();
  const hashes = await Promise.all(unique.map((id) => lotKey(seed, id)));
  unique.forEach((id, i) => keys.set(id, hashes[i] as string));
  const key = (id: string): string => {
    const k = keys.get(id);
    if (k === undefined) throw new Error(`lot: no key drawn for nominee ${JSON.stringify(id)}`);
    return k;
  };
  return {
    seed,
    key,
    // Equal-length lowercase hex compares like the bytes it encodes; equal keys (never, short of a SHA-256
    // collision) would fall back to the id so the order stays total.
    order: (list) =>
      [...list].sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return ka < kb ? -1 : ka > kb ? 1 : compareIds(a, b);
      }),
  };
}
