/**
 * Session tokens: jose JWTs (HS256) with audience, expiry and key rotation. Keys are random, wrapped by the
 * master secret in the `keys` table and named by `kid`; the newest signs, every unretired one verifies.
 */
import { type JWTPayload, SignJWT, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { ApiError } from '../errors';
import { randomBase32 } from '../store/ids';
import { type Wrapper, randomBytes } from './wrap';

export const ISSUER = 'laurel';
const PURPOSE = 'session';

interface SessionKey {
  kid: string;
  secret: Uint8Array;
  createdAt: number;
}

export interface SessionKeys {
  sign(claims: JWTPayload & { sub: string }, audience: string, ttlSeconds: number): Promise<string>;
  verify(token: string, audience: string): Promise<JWTPayload & { sub: string }>;
  /** Adds a new signing key; older ones keep verifying until retired. */
  rotate(): Promise<string>;
}

export function createSessionKeys(db: Kysely<Database>, wrapper: Wrapper, clock: () => number): SessionKeys {
  let cache: SessionKey[] | undefined;
  const load = async (): Promise<SessionKey[]> => {
    const rows = await db
      .selectFrom('keys')
      .select(['kid', 'secret_wrapped', 'created_at'])
      .where('purpose', '=', PURPOSE)
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    cache = await Promise.all(
      rows.map(async (r) => ({
        kid: r.kid,
        secret: await wrapper.unwrap(PURPOSE, r.secret_wrapped),
        createdAt: r.created_at,
      })),
    );
    return cache;
  };
  const rotate = async () => {
    const kid = `s_${randomBase32(12)}`;
    const secret_wrapped = await wrapper.wrap(PURPOSE, randomBytes(32));
    await db
      .insertInto('keys')
      .values({ kid, purpose: PURPOSE, alg: 'HS256', secret_wrapped, public_jwk: null, created_at: clock() })
      .execute();
    cache = undefined;
    return kid;
  };
  const keys = async () => {
    const current = cache ?? (await load());
    if (current.length > 0) return current;
    await rotate();
    return load();
  };
  return {
    rotate,
    async sign(claims, audience, ttlSeconds) {
      const [key] = await keys();
      const now = Math.floor(clock() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: key!.kid, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(key!.secret);
    },
    async verify(token, audience) {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            let key = (await keys()).find((k) => k.kid === header.kid);
            // Another server may have rotated: reload once before refusing.
            if (!key) key = (await load()).find((k) => k.kid === header.kid);
            if (!key) throw new Error('unknown key');
            return key.secret;
          },
          { issuer: ISSUER, audience, algorithms: ['HS256'], currentDate: new Date(clock()) },
        );
        if (typeof payload.sub !== 'string') throw new Error('no subject');
        return payload as JWTPayload & { sub: string };
      } catch {
        throw new ApiError('token-invalid', 'The session is invalid or has expired; sign in again.');
      }
    },
  };
}
