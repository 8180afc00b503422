/**
 * Single-use links mailed to nominees: HS256 JWTs (jose) under a key derived from the master secret for
 * `consent-link`. A link names the nominee, the award and what it is for (`consent` or `withdraw`), and carries a
 * random jti. Reading a link spends nothing (mail scanners follow links); the change it authorizes inserts the
 * jti into `spent_tokens` in the same batch, whose primary key lets exactly one change through.
 */
import { SignJWT, jwtVerify } from 'jose';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { randomBase32 } from '../store/ids';

export type LinkPurpose = 'consent' | 'withdraw';

export const CONSENT_LINK_DAYS = 30;
/** A withdraw link is kept by the nominee for the whole award; the phase decides when withdrawing ends. */
export const WITHDRAW_LINK_DAYS = 365;

const DAY_MS = 86_400_000;
const ISSUER = 'laurel';
const AUDIENCE = 'laurel:nominee';

export interface NomineeLink {
  nomineeId: string;
  ceremonyId: string;
  purpose: LinkPurpose;
  jti: string;
  expiresAt: number;
}

const keyOf = (deps: AppDeps) => deps.wrapper.derive('consent-link');

/** Signs a fresh link token for the nominee; consent links live 30 days, withdraw links a year. */
export async function signNomineeLink(
  deps: AppDeps,
  link: { nomineeId: string; ceremonyId: string; purpose: LinkPurpose },
): Promise<{ token: string; expiresAt: number }> {
  const now = deps.clock();
  const days = link.purpose === 'consent' ? CONSENT_LINK_DAYS : WITHDRAW_LINK_DAYS;
  // JWT times are whole seconds: the expiry given back is the one the token carries.
  const exp = Math.floor((now + days * DAY_MS) / 1000);
  const token = await new SignJWT({ cer: link.ceremonyId, pur: link.purpose })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(link.nomineeId)
    .setJti(randomBase32(26))
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(await keyOf(deps));
  return { token, expiresAt: exp * 1000 };
}

/**
 * Reads a link token for `purpose`. A tampered, expired, malformed or wrong-purpose token is a 401
 * `token-invalid`; whether it was spent is a separate question (repository.ts `isSpent`).
 */
export async function readNomineeLink(deps: AppDeps, token: string, purpose: LinkPurpose): Promise<NomineeLink> {
  try {
    const { payload } = await jwtVerify(token, await keyOf(deps), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: new Date(deps.clock()),
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    if (payload.pur !== purpose || typeof payload.cer !== 'string') throw new Error('wrong purpose');
    return {
      nomineeId: payload.sub!,
      ceremonyId: payload.cer,
      purpose,
      jti: payload.jti!,
      expiresAt: payload.exp! * 1000,
    };
  } catch {
    throw new ApiError('token-invalid', 'This link is not valid or has expired; ask the organizers for a new one.');
  }
}

/** The row id of a spent link in `spent_tokens`: prefixed, so it never collides with other single-use facts. */
export const spentId = (link: NomineeLink) => `nominee-link:${link.jti}`;

export const spentError = () => new ApiError('token-spent', 'This link has been used already; each link works once.');
