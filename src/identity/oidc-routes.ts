/**
 * The `oidc` identity method over HTTP: the redirect to the award's issuer, the callback that turns an ID token
 * into a voter session, and the organizers' route that stores a confidential client's secret (wrapped, never in
 * the rules).
 *
 * A login in flight is a row of `oidc_logins` (state, nonce, PKCE verifier, where to return), valid 10 minutes
 * and spent by the callback with one guarded update, so a replayed callback finds it spent. Voters are never
 * named in events: a login is not an award event, and the person is only ever a person key.
 */
import { spendLoginRow, startLoginStatements, upsertClientSecret, wrappedClientSecret } from './oidc-repository';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { commitChange } from '../audit/log';
import { ceremonyIs } from '../ceremonies/repository';
import { requireAward } from '../ceremonies/service';
import type { AwardRows } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { json, newRouter, organizerRoute, problems, requireOrganizer, SlugParam, type Env } from '../http/router';
import { manageAward } from '../organizers/service';
import { timingSafeEqual } from './codes';
import {
  OIDC_LOGIN_TTL_MS,
  authorizationUrl,
  codeChallenge,
  discover,
  exchangeCode,
  issuerKeys,
  newLoginSecrets,
  oidcFailed,
  verifyIdToken,
} from './oidc';
import { oidcIdentity, personKey } from './people';
import { VoterToken } from './routes';
import { issueVoterSession } from './sessions';
import { requireMethod } from './verify';
import { rulesOf } from '../ceremonies/model';

export { VOTER_COOKIE } from './sessions';
import { VOTER_COOKIE } from './sessions';
/** Binds a login to the browser that started it, so nobody can finish their own login in someone else's browser. */
const LOGIN_COOKIE = 'laurel_oidc';
/** Spent and expired logins are kept a day, so a late callback is told "expired" rather than "unknown". */
const KEEP_SPENT_LOGINS_MS = 24 * 60 * 60_000;
/** The client secret may change until voting opens, like the rules it belongs with. */
const SECRET_PHASES = ['draft', 'nominating'] as const;
const COOKIE = { httpOnly: true, secure: true, sameSite: 'Lax' } as const;

export function oidcRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);
  const { db } = deps.store;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/verify/oidc/start',
      summary: "Start an OpenID Connect login at the award's issuer",
      description:
        "For awards whose identity method is `oidc`. Answers 302 to the issuer's authorization endpoint (authorization-code flow, PKCE S256, a server-issued state and nonce). The login must come back within 10 minutes. `return_to` is a path on this site (default `/a/{slug}`) where the browser lands afterwards.",
      tags: ['Verification'],
      request: {
        params: SlugParam,
        query: z.object({
          return_to: z
            .string()
            .max(512)
            .optional()
            .openapi({ description: 'A path on this site', example: '/a/stem4all-2024' }),
        }),
      },
      responses: {
        302: {
          description: 'To the issuer',
          headers: z.object({ location: z.string().openapi({ description: 'The authorization URL' }) }),
        },
        400: problems[400],
        401: problem401,
        404: problems[404],
        409: problems[409],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      requireMethod(award, 'oidc');
      const slug = award.ceremony.slug;
      const returnTo = sameSitePath(c.req.valid('query').return_to, `/a/${slug}`);
      const client = clientOf(award);
      const now = deps.clock();
      const metadata = await discover(client.issuer, now);
      const login = newLoginSecrets();
      await deps.store.batch(
        startLoginStatements(
          db,
          {
            state: login.state,
            ceremonyId: award.ceremony.id,
            nonce: login.nonce,
            codeVerifier: login.codeVerifier,
            returnTo,
            expiresAt: now + OIDC_LOGIN_TTL_MS,
          },
          now - KEEP_SPENT_LOGINS_MS,
        ),
      );
      setCookie(c, LOGIN_COOKIE, login.state, {
        ...COOKIE,
        path: loginPath(slug),
        maxAge: OIDC_LOGIN_TTL_MS / 1000,
      });
      c.header('cache-control', 'no-store');
      const location = authorizationUrl(metadata, {
        clientId: client.clientId,
        redirectUri: redirectUri(deps, c, slug),
        scopes: client.scopes,
        state: login.state,
        nonce: login.nonce,
        codeChallenge: await codeChallenge(login.codeVerifier),
      });
      return c.redirect(location, 302);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/verify/oidc/callback',
      summary: 'Finish an OpenID Connect login: the issuer sends the browser back here',
      description:
        "Spends the login (a second callback with the same state is refused), exchanges the code with the PKCE verifier, and verifies the ID token against the issuer's JWKS (issuer, audience, expiry, nonce; RS256, PS256, ES256 or EdDSA only). The person is issuer + subject. With `Accept: application/json` the answer is the voter token; otherwise the `laurel_voter` cookie is set and the browser is sent to `return_to` (303), which needs the browser that started the login. Every refusal is 401 `oidc-failed` with a detail naming what failed.",
      tags: ['Verification'],
      request: {
        params: SlugParam,
        query: z.object({
          state: z.string().max(256).optional(),
          code: z.string().max(2048).optional(),
          iss: z.string().max(2048).optional(),
          error: z.string().max(256).optional(),
          error_description: z.string().max(2048).optional(),
        }),
      },
      responses: {
        200: json(VoterToken, 'Verified (Accept: application/json)'),
        303: {
          description: 'Verified: the voter cookie is set; on to return_to',
          headers: z.object({ location: z.string() }),
        },
        401: problem401,
        404: problems[404],
        409: problems[409],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      requireMethod(award, 'oidc');
      const client = clientOf(award);
      const query = c.req.valid('query');
      const slug = award.ceremony.slug;
      const login = await spendLogin(deps, award.ceremony.id, query.state);
      if (query.error)
        throw oidcFailed(
          `The issuer did not log you in: ${query.error}${query.error_description ? ` (${query.error_description.slice(0, 200)})` : ''}.`,
        );
      // RFC 9207: an issuer that names itself in the response must be ours, or the code may be another's.
      if (query.iss !== undefined && query.iss !== client.issuer)
        throw oidcFailed(`Wrong issuer in the authorization response: ${query.iss.slice(0, 200)}.`);
      if (!query.code) throw oidcFailed('The issuer sent no authorization code.');
      const wantsJson = /\bapplication\/json\b/i.test(c.req.header('accept') ?? '');
      if (!wantsJson) {
        const bound = getCookie(c, LOGIN_COOKIE);
        if (!bound || !timingSafeEqual(bound, login.state))
          throw oidcFailed('This login was started in another browser; start again here.');
      }
      const now = deps.clock();
      const metadata = await discover(client.issuer, now);
      const idToken = await exchangeCode(metadata, {
        code: query.code,
        redirectUri: redirectUri(deps, c, slug),
        clientId: client.clientId,
        clientSecret: await clientSecret(deps, award.ceremony.id),
        codeVerifier: login.code_verifier,
      });
      const person = await verifyIdToken(idToken, {
        issuer: client.issuer,
        clientId: client.clientId,
        nonce: login.nonce,
        keys: issuerKeys(metadata),
        now,
      });
      const key = await personKey(deps, award.ceremony, oidcIdentity(person.issuer, person.subject));
      const session = await issueVoterSession(deps, { ceremonyId: award.ceremony.id, personKey: key, method: 'oidc' });
      c.header('cache-control', 'no-store');
      if (wantsJson)
        return c.json(
          { token: session.token, expiresAt: new Date(session.expiresAt).toISOString(), method: 'oidc' as const },
          200,
        );
      deleteCookie(c, LOGIN_COOKIE, { ...COOKIE, path: loginPath(slug) });
      setCookie(c, VOTER_COOKIE, session.token, {
        ...COOKIE,
        path: '/',
        maxAge: Math.max(1, Math.floor((session.expiresAt - now) / 1000)),
      });
      return c.redirect(login.return_to, 303);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/oidc-client',
      summary: "Store the award's OpenID Connect client secret (confidential clients; until voting opens)",
      description:
        'The secret is stored wrapped by the master secret and used for client_secret_basic at the token endpoint; it never appears in the rules, the log or any answer. Without one, the client authenticates as a public client (PKCE only).',
      tags: ['Verification'],
      request: {
        params: SlugParam,
        body: {
          content: {
            'application/json': {
              schema: z.object({ clientSecret: z.string().min(1).max(2048) }).openapi('OidcClientSecret'),
            },
          },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ event: z.object({ seq: z.number().int(), hash: z.string() }) }), 'Stored'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const ceremonyId = award.ceremony.id;
      const wrongPhase = () => new ApiError('wrong-phase', 'The client secret can change only until voting opens.');
      if (!(SECRET_PHASES as readonly string[]).includes(award.ceremony.phase)) throw wrongPhase();
      const wrapped = await deps.wrapper.wrap(
        'oidc-client-secret',
        new TextEncoder().encode(c.req.valid('json').clientSecret),
      );
      const event = await commitChange(deps.store, deps.clock, {
        chain: ceremonyId,
        event: {
          actor,
          type: 'oidc.client-secret-set',
          // That a secret was set, and for which client; never the secret.
          payload: { clientId: rulesOf(award).identity.oidc?.clientId ?? null },
        },
        precondition: ceremonyIs(db, ceremonyId, SECRET_PHASES),
        refused: wrongPhase,
        changes: [upsertClientSecret(db, ceremonyId, wrapped)],
      });
      return c.json({ event }, 200);
    },
  );

  return app;
}

const problem401 = {
  ...problems[401],
  description: '`oidc-failed`: the login could not be completed; the detail says why',
};

/** The issuer settings of an oidc award; an award that names the method but no issuer cannot log anyone in. */
function clientOf(award: AwardRows) {
  const oidc = rulesOf(award).identity.oidc;
  if (!oidc)
    throw new ApiError('conflict', 'This award verifies people by OpenID Connect but its rules name no issuer yet.');
  return oidc;
}

/**
 * Spends the login of this state with one guarded update (unspent and unexpired → spent): of two callbacks
 * with the same state only one gets past here. The refusals name why.
 */
async function spendLogin(deps: AppDeps, ceremonyId: string, state: string | undefined) {
  if (!state) throw oidcFailed('Bad state: the callback carries none.');
  const { spent, row } = await spendLoginRow(deps.store.db, ceremonyId, state, deps.clock());
  if (spent && row) return row;
  if (!row) throw oidcFailed('Bad state: no login of this award is waiting for it.');
  if (row.used === 1) throw oidcFailed('Bad state: this login was finished already (a replayed callback).');
  throw oidcFailed('Expired login: more than 10 minutes passed since it started; start again.');
}

/** The confidential client's secret, when the organizers stored one. */
async function clientSecret(deps: AppDeps, ceremonyId: string): Promise<string | undefined> {
  const wrapped = await wrappedClientSecret(deps.store.db, ceremonyId);
  if (!wrapped) return undefined;
  return new TextDecoder().decode(await deps.wrapper.unwrap('oidc-client-secret', wrapped));
}

/** The callback URL registered at the issuer: PUBLIC_URL when set (behind a proxy), else this request's origin. */
function redirectUri(deps: AppDeps, c: Context<Env>, slug: string): string {
  const base = deps.config.PUBLIC_URL?.replace(/\/+$/, '') ?? new URL(c.req.url).origin;
  return `${base}${loginPath(slug)}/callback`;
}

const loginPath = (slug: string) => `/api/ceremonies/${slug}/verify/oidc`;

/**
 * A path on this site to return to: relative, starting with one `/` and no scheme, host or backslash tricks
 * (`//evil.example`, `/\evil.example` and `https://…` are refused), so the login cannot become an open redirect.
 */
function sameSitePath(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  const refuse = () =>
    new ApiError('validation-failed', 'return_to must be a path on this site, such as /a/award-slug.', [
      { path: 'query.return_to', message: 'not a path on this site' },
    ]);
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\s\u0000-\u001f\u007f]/.test(raw)) throw refuse();
  const probe = 'https://laurel.invalid';
  let url: URL;
  try {
    url = new URL(raw, probe);
  } catch {
    throw refuse();
  }
  if (url.origin !== probe) throw refuse();
  return `${url.pathname}${url.search}${url.hash}`;
}
