/**
 * Voter sessions: short-lived encrypted JWTs (JWE, dir + A256GCM, jose) with the award as audience. The
 * payload is the person key and, where the person verified by email, the address, so that a receipt can be
 * mailed later without the server keeping addresses. Encrypted, because it carries an address.
 */
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';

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
    const { payload } = await jwtDecrypt(token, await keyOf(deps), {
      issuer: ISSUER,
      audience: voterAudience(ceremonyId),
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      currentDate: new Date(deps.clock()),
    });
    if (typeof payload.pk !== 'string' || typeof payload.exp !== 'number') throw new Error('malformed');
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
