/**
 * Keys of an award's vote, random and wrapped by the master secret in `ceremony_keys`:
 * - `receipt`: makes receipts from the form's nonce (kept: the same nonce gives the same receipt back);
 * - `seal`: encrypts the tracker kept in a voter's mark; destroyed when voting closes, after which nothing links
 *   marks to ballots;
 * - `signals`: HMACs of network signals for fraud review; destroyed at finalization.
 * They are created in the batch that opens the vote. Destroying a key is deleting its row.
 */
import type { Compilable, Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { prepared } from '../store/prepared';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { bytesToHex } from '../audit/canonical';
import { aesGcmOpen, aesGcmSeal, hmacSha256 } from '../keys/primitives';
import { fromBase64Url, randomBytes, toBase64Url } from '../keys/wrap';

export type AwardKeyPurpose = 'receipt' | 'seal' | 'signals';
const PURPOSES: AwardKeyPurpose[] = ['receipt', 'seal', 'signals'];

/** The inserts of fresh keys for an award (put them in the batch that opens the vote). */
export async function awardKeyStatements(deps: AppDeps, ceremonyId: string): Promise<Compilable[]> {
  return Promise.all(
    PURPOSES.map(async (purpose) =>
      deps.store.db
        .insertInto('ceremony_keys')
        .values({
          ceremony_id: ceremonyId,
          purpose,
          wrapped: await deps.wrapper.wrap(`award-${purpose}`, randomBytes(32)),
        })
        .onConflict((oc) => oc.columns(['ceremony_id', 'purpose']).doNothing()),
    ),
  );
}

export function destroyKeyStatement(deps: AppDeps, ceremonyId: string, purpose: AwardKeyPurpose): Compilable {
  return deps.store.db.deleteFrom('ceremony_keys').where('ceremony_id', '=', ceremonyId).where('purpose', '=', purpose);
}

/** The raw key, or undefined once destroyed. Keys never change while they exist, so they are cached. */
export async function awardKey(
  deps: AppDeps,
  ceremonyId: string,
  purpose: AwardKeyPurpose,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const row = await deps.store.db
    .selectFrom('ceremony_keys')
    .select('wrapped')
    .where('ceremony_id', '=', ceremonyId)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  return row ? deps.wrapper.unwrap(`award-${purpose}`, row.wrapped) : undefined;
}

// Prepared once per database (src/store/prepared.ts): read by every ballot.
const voteKeyRows = prepared((db: Kysely<Database>, v: { ceremonyId: string }) =>
  db
    .selectFrom('ceremony_keys')
    .select(['purpose', 'wrapped'])
    .where('ceremony_id', '=', v.ceremonyId)
    .where('purpose', 'in', PURPOSES),
);

type VoteKeys = Record<AwardKeyPurpose, Uint8Array>;

/**
 * Keys read recently, per database and award, with the seq of the award's chain head they were read at. A key is
 * created and destroyed only in a batch that appends an event to the award's chain (the opening of the vote, its
 * close, the finalization), so while the head stands the keys do: a ballot then reads no key row
 * (docs/performance.md).
 */
const keysAtHead = new WeakMap<object, Map<string, { head: number; keys: Promise<VoteKeys> }>>();

/**
 * The vote's three keys in one read (a ballot needs all of them), or `wrong-phase` if any is gone: the seal key
 * goes when voting closes. With `head` (the award's chain head as the caller read it), a read at the same head is
 * reused.
 */
export async function voteKeys(deps: AppDeps, ceremonyId: string, head?: number): Promise<VoteKeys> {
  if (head === undefined) return readVoteKeys(deps, ceremonyId);
  const cache = keysAtHead.get(deps.store.db) ?? new Map<string, { head: number; keys: Promise<VoteKeys> }>();
  keysAtHead.set(deps.store.db, cache);
  const known = cache.get(ceremonyId);
  if (known?.head === head) return known.keys;
  const keys = readVoteKeys(deps, ceremonyId);
  if (cache.size >= 100) cache.clear();
  cache.set(ceremonyId, { head, keys });
  keys.catch(() => cache.delete(ceremonyId));
  return keys;
}

async function readVoteKeys(deps: AppDeps, ceremonyId: string): Promise<VoteKeys> {
  const { rows } = await deps.store.db.executeQuery<{ purpose: string; wrapped: string }>(
    voteKeyRows(deps.store.db, { ceremonyId }),
  );
  const keys: Partial<VoteKeys> = {};
  for (const row of rows) {
    const purpose = row.purpose as AwardKeyPurpose;
    keys[purpose] = await deps.wrapper.unwrap(`award-${purpose}`, row.wrapped);
  }
  if (!PURPOSES.every((p) => keys[p])) throw new ApiError('wrong-phase', 'Voting is not open for this award.');
  return keys as VoteKeys;
}

const encoder = new TextEncoder();

/** The tracker sealed for a mark: AES-GCM under the seal key, bound to the mark's category and person. */
export async function sealTracker(sealKey: Uint8Array, tracker: string, binding: string): Promise<string> {
  const iv = randomBytes(12);
  const sealed = await aesGcmSeal(sealKey, iv, encoder.encode(tracker), encoder.encode(binding));
  return `${toBase64Url(iv)}.${toBase64Url(sealed)}`;
}

export async function unsealTracker(sealKey: Uint8Array, sealed: string, binding: string): Promise<string> {
  const [iv, data] = sealed.split('.');
  const plain = await aesGcmOpen(sealKey, fromBase64Url(iv ?? ''), fromBase64Url(data ?? ''), encoder.encode(binding));
  return new TextDecoder().decode(plain);
}

/**
 * Signal hashes made recently, per signals key object: many ballots come from one network and one browser. The
 * key object lives as long as voteKeys keeps it (while the award's head stands), and its hashes with it.
 */
const signalHashes = new WeakMap<Uint8Array, Map<string, string>>();

/** HMAC of a network signal under the signals key (lowercase hex, first 16 bytes: enough to group, no more). */
export async function signalHash(signalsKey: Uint8Array, value: string): Promise<string> {
  let known = signalHashes.get(signalsKey);
  if (!known) signalHashes.set(signalsKey, (known = new Map()));
  let hash = known.get(value);
  if (hash === undefined) {
    hash = bytesToHex((await hmacSha256(signalsKey, encoder.encode(value))).subarray(0, 16));
    if (known.size >= 10_000) known.clear();
    known.set(value, hash);
  }
  return hash;
}
