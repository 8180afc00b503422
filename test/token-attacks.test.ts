/**
 * Token attacks (issue 10), one table over every kind of token Laurel issues: organizer and juror sessions (HS256
 * JWT), voter sessions (JWE), juror invitation links (HS256 JWT). Each is refused when its algorithm is `none`,
 * when it is signed (or encrypted) with another key, when its payload is changed, when it has expired, and when it
 * belongs to another award; the genuine token works up to its expiry.
 */
import { EncryptJWT, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, post, signIn, testClock, testEnv, type TestEnv } from './helpers';
import { openVote, plainAward, voterToken } from './support/awards';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const randomKey = () => crypto.getRandomValues(new Uint8Array(32));

interface Kind {
  name: string;
  /** A genuine token of award 1, one of award 2 (same kind), and how long it lives. */
  issue(env: TestEnv): Promise<{ token: string; other: string; lifetimeMs: number }>;
  /** The request that needs the token; 200 when it is good. */
  probe(env: TestEnv, token: string): Response | Promise<Response>;
  jwe?: boolean;
}

async function twoAwards(env: TestEnv) {
  const one = await openVote(
    env,
    plainAward('tok-one', { institutions: [{ slug: 'p', name: { en: 'P' }, weight: 1 }] }),
  );
  const two = await openVote(
    env,
    plainAward('tok-two', { institutions: [{ slug: 'p', name: { en: 'P' }, weight: 1 }] }),
  );
  return { one, two };
}

async function invitation(env: TestEnv, slug: string, organizer: string): Promise<string> {
  const res = await post(
    env,
    `/api/ceremonies/${slug}/jury/jurors`,
    { name: 'J', institution: 'p', categories: ['mentor'] },
    bearer(organizer),
  );
  const { invitation } = (await res.json()) as { invitation: { url: string } };
  return new URL(invitation.url).pathname.split('/').pop()!;
}

const KINDS: Kind[] = [
  {
    name: 'organizer session',
    async issue(env) {
      const { one, two } = await twoAwards(env);
      const token = await signIn(env, 'one@example.kg', one);
      const other = await signIn(env, 'two@example.kg', two);
      return { token, other, lifetimeMs: 12 * 3600_000 };
    },
    // An organizer of the other award is a valid organizer, but not of this award's jury.
    probe: (env, token) => env.app.request('/api/ceremonies/tok-one/jury', { headers: bearer(token) }),
  },
  {
    name: 'juror session',
    async issue(env) {
      const { one, two } = await twoAwards(env);
      const spend = async (slug: string, ceremony: string, email: string) => {
        const link = await invitation(env, slug, await signIn(env, email, ceremony));
        return ((await (await post(env, `/api/jury/invitations/${link}`, {})).json()) as { token: string }).token;
      };
      return {
        token: await spend('tok-one', one, 'o1@example.kg'),
        other: await spend('tok-two', two, 'o2@example.kg'),
        lifetimeMs: 72 * 3600_000,
      };
    },
    probe: (env, token) => env.app.request('/api/ceremonies/tok-one/jury/me', { headers: bearer(token) }),
  },
  {
    name: 'voter session',
    jwe: true,
    async issue(env) {
      const { one, two } = await twoAwards(env);
      return { token: await voterToken(env, one, 'v1'), other: await voterToken(env, two, 'v1'), lifetimeMs: 3600_000 };
    },
    probe: (env, token) => env.app.request('/api/ceremonies/tok-one/ballots/mine', { headers: bearer(token) }),
  },
  {
    name: 'juror invitation link',
    async issue(env) {
      const { one, two } = await twoAwards(env);
      return {
        token: await invitation(env, 'tok-one', await signIn(env, 'i1@example.kg', one)),
        other: await invitation(env, 'tok-two', await signIn(env, 'i2@example.kg', two)),
        lifetimeMs: 14 * 86_400_000,
      };
    },
    // The link names its award: the other award's link opens that award, so it must not open award one's juror.
    probe: async (env, token) => {
      const res = await env.app.request(`/api/jury/invitations/${token}`);
      if (res.status !== 200) return res;
      const { award } = (await res.clone().json()) as { award: string };
      return award === 'tok-one' ? res : new Response(null, { status: 403 });
    },
  },
];

/** The same claims, signed as HS256 with a key of our own and the genuine header's kid. */
async function foreignSigned(token: string): Promise<string> {
  const header = decodeProtectedHeader(token);
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ ...header, alg: 'HS256' }).sign(randomKey());
}

describe('token attacks', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: none, foreign key, changed payload, expiry and another award are all refused`, async () => {
      const clock = testClock();
      const env = await testEnv({ clock });
      const { token, other, lifetimeMs } = await kind.issue(env);
      expect((await kind.probe(env, token)).status).toBe(200);

      const attacks: [string, string][] = [['another award', other]];
      if (kind.jwe) {
        // A voter token encrypted by someone else with their own key.
        const forged = await new EncryptJWT({ pk: 'f'.repeat(64), m: 'email' })
          .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'JWT' })
          .setIssuer('laurel')
          .setAudience('laurel:voter:anything')
          .setExpirationTime('1h')
          .encrypt(randomKey());
        const parts = token.split('.');
        const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
        attacks.push(
          ['foreign key', forged],
          ['changed ciphertext', [...parts.slice(0, 3), flipped, parts[4]].join('.')],
        );
      } else {
        const [h, p] = token.split('.');
        const claims = decodeJwt(token);
        attacks.push(
          ['alg none', [b64({ alg: 'none', typ: 'JWT' }), p, ''].join('.')],
          ['foreign key', await foreignSigned(token)],
          ['changed payload', [h, b64({ ...claims, sub: `${claims.sub}x` }), token.split('.')[2]].join('.')],
          [
            'longer life',
            [h, b64({ ...claims, exp: (claims.exp ?? 0) + 86_400 * 365 }), token.split('.')[2]].join('.'),
          ],
        );
      }
      for (const [what, forged] of attacks) {
        const res = await kind.probe(env, forged);
        expect(res.status, `${kind.name}: ${what}`).toBeGreaterThanOrEqual(401);
        expect(res.status, `${kind.name}: ${what}`).toBeLessThan(500);
      }
      clock.advance(lifetimeMs + 1000);
      const expired = await kind.probe(env, token);
      expect(expired.status, `${kind.name}: expired`).toBe(401);
    });
  }
});
