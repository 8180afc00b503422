/**
 * Voter sessions: short-lived encrypted JWTs (JWE, dir + A256GCM, jose) with the award as audience. The
 * payload is the person key and, where the person verified by email, the address, so that a receipt can be
 * mailed later without the server keeping addresses. Encrypted, because it carries an address.
 */
import { EncryptJWT } from 'jose';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { aesGcmOpen } from '../keys/primitives';
import { fromBase64Url } from '../keys/wrap';

export const VOTER_SESSION_MINUTES = 60;
/** The cookie that carries the voter token on pages (HttpOnly, Secure, SameSite=Lax). */
export const VOTER_COOKIE = 'laurel_voter';
const ISSUER = 'laurel';

export const voterAudience = (ceremonyId: string) => `laurel:voter:${ceremonyId}`;

export interface VoterSession {
  ceremonyId: string;
  personKey: string;
  /** The verified address (email and roll methods), for mailing receipts. */
  email?: string;
  method: 'email' | 'oidc' | 'roll';
  expiresAt: number;
}

const keyOf = (deps: AppDeps) => deps.wrapper.derive('voter-session');

export async function issueVoterSession(
  deps: AppDeps,
  session: Omit<VoterSession, 'expiresAt'>,
  minutes = VOTER_SESSION_MINUTES,
): Promise<{ token: string; expiresAt: number }> {
  const now = deps.clock();
  const expiresAt = now + minutes * 60_000;
  const token = await new EncryptJWT({
    pk: session.personKey,
    m: session.method,
    ...(session.email ? { em: session.email } : {}),
  })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(voterAudience(session.ceremonyId))
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .encrypt(await keyOf(deps));
  return { token, expiresAt };
}

/**
 * Sessions already decrypted, per wrapper (so per master secret): the ballot route reads the token twice (the
 * per-person rate limit, then the route) and a voter sends it with every ballot, and each read was a JWE
 * decryption through WebCrypto (docs/performance.md). The token is the key, and the decryption under way is
 * what is kept, so that the ballots a voter sends at once share one; expiry is checked on every read.
 */
const decrypted = new WeakMap<AppDeps['wrapper'], Map<string, Promise<VoterSession>>>();
const DECRYPTED_MAX = 10_000;

const invalidToken = () =>
  new ApiError('token-invalid', 'Your verification has expired or is not for this award; verify again.');

export async function readVoterSession(deps: AppDeps, token: string, ceremonyId: string): Promise<VoterSession> {
  let cache = decrypted.get(deps.wrapper);
  if (!cache) decrypted.set(deps.wrapper, (cache = new Map()));
  const cacheKey = `${ceremonyId} ${token}`;
  let session = cache.get(cacheKey);
  if (!session) {
    if (cache.size >= DECRYPTED_MAX) cache.clear();
    session = decryptSession(deps, token, ceremonyId);
    cache.set(cacheKey, session);
    // A token refused now is not remembered (a test clock may move back); a valid one is, until it expires.
    session.catch(() => cache.delete(cacheKey));
  }
  const known = await session;
  if (deps.clock() >= known.expiresAt) {
    cache.delete(cacheKey);
    throw invalidToken();
  }
  return { ...known };
}

async function decryptSession(deps: AppDeps, token: string, ceremonyId: string): Promise<VoterSession> {
  try {
    const payload = await openVoterToken(token, await keyOf(deps));
    const nowSeconds = deps.clock() / 1000;
    const audience = voterAudience(ceremonyId);
    if (payload.iss !== ISSUER) throw new Error('issuer');
    if (!(payload.aud === audience || (Array.isArray(payload.aud) && payload.aud.includes(audience))))
      throw new Error('audience');
    if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) throw new Error('expired');
    if (payload.nbf !== undefined && !(typeof payload.nbf === 'number' && payload.nbf <= nowSeconds))
      throw new Error('not yet valid');
    if (typeof payload.pk !== 'string') throw new Error('malformed');
    return {
      ceremonyId,
      personKey: payload.pk,
      method: payload.m as VoterSession['method'],
      ...(typeof payload.em === 'string' ? { email: payload.em } : {}),
      expiresAt: payload.exp * 1000,
    };
  } catch {
    throw invalidToken();
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Opens a compact JWE of exactly the form issueVoterSession makes: protected header {alg: dir, enc: A256GCM}
 * (typ JWT allowed, nothing else: no zip, no crit), no encrypted key, a 12-byte IV, a 16-byte tag, the header's
 * base64url text as additional data (RFC 7516 §5.2). jose's jwtDecrypt did the same through WebCrypto, a round
 * trip to a thread pool per voter; here AES-GCM is node:crypto's on Node (src/keys/primitives.ts).
 * test/voter-sessions.test.ts opens jose's tokens with it and refuses every other form.
 */
async function openVoterToken(token: string, key: Uint8Array): Promise<Record<string, unknown>> {
  const parts = token.split('.');
  if (parts.length !== 5) throw new Error('not a compact JWE');
  const [headerText, encryptedKey, ivText, cipherText, tagText] = parts as [string, string, string, string, string];
  const header = JSON.parse(decoder.decode(fromBase64Url(headerText))) as Record<string, unknown>;
  const names = Object.keys(header);
  if (header.alg !== 'dir' || header.enc !== 'A256GCM' || names.some((n) => !['alg', 'enc', 'typ'].includes(n)))
    throw new Error('unexpected header');
  const iv = fromBase64Url(ivText);
  const tag = fromBase64Url(tagText);
  if (encryptedKey !== '' || iv.length !== 12 || tag.length !== 16) throw new Error('malformed');
  const cipher = fromBase64Url(cipherText);
  const sealed = new Uint8Array(cipher.length + tag.length);
  sealed.set(cipher);
  sealed.set(tag, cipher.length);
  const plain = await aesGcmOpen(key, iv, sealed, encoder.encode(headerText));
  const payload: unknown = JSON.parse(decoder.decode(plain));
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('malformed');
  return payload as Record<string, unknown>;
}
