/**
 * Single-use links sent by mail (nominee consent and withdrawal, juror invitations): HS256 JWTs (jose) under a
 * key derived from the master secret for the link's kind, with an audience, a subject, a random jti and an
 * expiry. Reading a link spends nothing (mail scanners follow links); the change a link authorizes spends its
 * jti in the same atomic batch, by a constraint or a precondition of the caller's choosing.
 */
import { SignJWT, jwtVerify } from 'jose';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { randomBase32 } from '../store/ids';

const DAY_MS = 86_400_000;
const ISSUER = 'laurel';

export interface LinkKind {
  /** HKDF purpose of the signing key: links of one kind never verify as another. */
  key: string;
  audience: string;
  /** The refusal for a tampered, expired, malformed or wrong-purpose link. */
  invalid: () => ApiError;
}

export interface ReadLink {
  subject: string;
  ceremonyId: string;
  purpose: string;
  jti: string;
  expiresAt: number;
}

/** Signs a fresh link naming `subject` of award `ceremonyId` for `purpose`, valid `days` days. */
export async function signLink(
  deps: AppDeps,
  kind: LinkKind,
  link: { subject: string; ceremonyId: string; purpose: string; days: number },
): Promise<{ token: string; jti: string; expiresAt: number }> {
  const now = deps.clock();
  // JWT times are whole seconds: the expiry given back is the one the token carries.
  const exp = Math.floor((now + link.days * DAY_MS) / 1000);
  const jti = randomBase32(26);
  const token = await new SignJWT({ cer: link.ceremonyId, pur: link.purpose })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(kind.audience)
    .setSubject(link.subject)
    .setJti(jti)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(await deps.wrapper.derive(kind.key));
  return { token, jti, expiresAt: exp * 1000 };
}

/** Reads a link of `kind` for `purpose`; anything wrong with it is `kind.invalid()`. Whether it was spent is the caller's question. */
export async function readLink(deps: AppDeps, kind: LinkKind, token: string, purpose: string): Promise<ReadLink> {
  try {
    const { payload } = await jwtVerify(token, await deps.wrapper.derive(kind.key), {
      issuer: ISSUER,
      audience: kind.audience,
      algorithms: ['HS256'],
      currentDate: new Date(deps.clock()),
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    if (payload.pur !== purpose || typeof payload.cer !== 'string') throw new Error('wrong purpose');
    return {
      subject: payload.sub!,
      ceremonyId: payload.cer,
      purpose,
      jti: payload.jti!,
      expiresAt: payload.exp! * 1000,
    };
  } catch {
    throw kind.invalid();
  }
}
