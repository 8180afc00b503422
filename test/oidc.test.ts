import { type JWTPayload, SignJWT, UnsecuredJWT, createRemoteJWKSet, decodeJwt, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwardDefinition } from '../src/ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { verifyIdToken } from '../src/identity/oidc';
import { oidcIdentity, personKey } from '../src/identity/people';
import { readVoterSession } from '../src/identity/sessions';
import { type TestEnv, bearer, post, signIn, smallAward, snapshot, testClock, testEnv } from './helpers';
import { type TestIssuer, startIssuer } from './oidc-provider';

const PUBLIC_URL = 'https://laurel.example';
const CONFIDENTIAL_SECRET = 'a confidential client secret: not for logs';
const callbackAt = (origin: string, slug: string) => `${origin}/api/ceremonies/${slug}/verify/oidc/callback`;

const clock = testClock(Date.now());
const realFetch = globalThis.fetch;
let issuer: TestIssuer;
let env: TestEnv;
let awardId: string;

function oidcAward(slug: string, clientId: string, scopes = ['openid']): AwardDefinition {
  const base = smallAward(slug);
  return {
    ...base,
    rules: {
      ...base.rules,
      identity: { ...base.rules.identity, method: 'oidc', oidc: { issuer: issuer.issuer, clientId, scopes } },
    },
  };
}

async function openAward(target: TestEnv, def: AwardDefinition) {
  const { id } = await createAward(target, def, 'cli');
  await movePhase(target, await requireAward(target, id), 'nominating', 'cli', 'hand');
  return id;
}

beforeAll(async () => {
  issuer = await startIssuer([
    {
      client_id: 'laurel-public',
      redirect_uris: [callbackAt(PUBLIC_URL, 'oidc-award'), callbackAt('http://localhost', 'oidc-award')],
      token_endpoint_auth_method: 'none',
    },
    {
      client_id: 'laurel-confidential',
      client_secret: CONFIDENTIAL_SECRET,
      redirect_uris: [callbackAt(PUBLIC_URL, 'confidential-award')],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ]);
  env = await testEnv({ clock, env: { PUBLIC_URL } });
  awardId = await openAward(env, oidcAward('oidc-award', 'laurel-public'));
  await openAward(env, smallAward('email-award'));
  await createAward(env, oidcAward('oidc-draft', 'laurel-public'), 'cli');
});

afterAll(async () => {
  await env?.store.close();
  await issuer?.close();
});

// The provider signs with the real clock; Laurel's clock follows it except where a test moves it on purpose.
beforeEach(() => clock.set(Date.now()));
afterEach(() => vi.restoreAllMocks());

/** Everything a refused callback must leave alone (spending its login row is the one allowed change). */
async function everything(target: TestEnv = env) {
  return {
    ...(await snapshot(target)),
    oidc_clients: await target.store.db.selectFrom('oidc_clients').selectAll().execute(),
    outbox: await target.store.db.selectFrom('outbox').selectAll().execute(),
  };
}

async function start(target: TestEnv, slug: string, returnTo?: string) {
  const query = returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
  const res = await target.app.request(`/api/ceremonies/${slug}/verify/oidc/start${query}`);
  if (res.status !== 302) throw new Error(`start answered ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location')!);
  const binding = /laurel_oidc=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  return { res, location, state: location.searchParams.get('state')!, binding };
}

/** The callback as the browser would make it, from the provider's redirect. */
function callback(target: TestEnv, back: URL, headers: Record<string, string> = { accept: 'application/json' }) {
  return target.app.request(`${back.pathname}${back.search}`, { headers });
}

async function login(target: TestEnv, slug: string, subject: string) {
  const { location, state } = await start(target, slug);
  const back = await issuer.authorize(location.toString(), subject);
  return { res: await callback(target, back), state, back };
}

const loginRow = (state: string, target: TestEnv = env) =>
  target.store.db.selectFrom('oidc_logins').selectAll().where('state', '=', state).executeTakeFirstOrThrow();

describe('oidc login against a real OpenID provider', () => {
  it('redirects to the issuer with PKCE S256, state and nonce, and stores the login for 10 minutes', async () => {
    const { location, state, binding, res } = await start(env, 'oidc-award', '/a/oidc-award/best-mentor?tab=1');
    expect(`${location.origin}${location.pathname}`).toBe(`${issuer.issuer}/auth`);
    const p = Object.fromEntries(location.searchParams);
    expect(p).toMatchObject({
      response_type: 'code',
      client_id: 'laurel-public',
      scope: 'openid',
      redirect_uri: callbackAt(PUBLIC_URL, 'oidc-award'),
      code_challenge_method: 'S256',
    });
    expect(p.state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(p.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(p.nonce).not.toBe(p.state);
    const row = await loginRow(state);
    expect(row).toMatchObject({
      ceremony_id: awardId,
      nonce: p.nonce,
      return_to: '/a/oidc-award/best-mentor?tab=1',
      expires_at: clock() + 10 * 60_000,
      used: 0,
    });
    expect(row.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(row.code_verifier));
    expect(p.code_challenge).toBe(Buffer.from(digest).toString('base64url'));
    expect(binding).toBe(state);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    // The request itself named no person and wrote no event.
    expect(JSON.stringify(await everything())).not.toContain(state);
  });

  it('logs a person in: the same subject gets the same person key, another subject another one', async () => {
    const before = await everything();
    const first = await login(env, 'oidc-award', 'aigul');
    expect(first.res.status).toBe(200);
    const body = await first.res.json();
    expect(body).toMatchObject({ method: 'oidc' });
    expect(Date.parse(body.expiresAt)).toBe(clock() + 60 * 60_000);
    const session = await readVoterSession(env, body.token, awardId);
    const ceremony = (await requireAward(env, awardId)).ceremony;
    expect(session).toMatchObject({ method: 'oidc', ceremonyId: awardId });
    expect(session.email).toBeUndefined();
    expect(session.personKey).toBe(await personKey(env, ceremony, oidcIdentity(issuer.issuer, 'aigul')));
    expect((await loginRow(first.state)).used).toBe(1);

    const again = await (await login(env, 'oidc-award', 'aigul')).res.json();
    expect((await readVoterSession(env, again.token, awardId)).personKey).toBe(session.personKey);
    const other = await (await login(env, 'oidc-award', 'bermet')).res.json();
    expect((await readVoterSession(env, other.token, awardId)).personKey).not.toBe(session.personKey);

    const me = await env.app.request('/api/ceremonies/oidc-award/voter', { headers: bearer(body.token) });
    expect(await me.json()).toMatchObject({ method: 'oidc', emailOnFile: false });
    // Logging in writes no event and names nobody anywhere outside the encrypted token.
    expect(await everything()).toEqual(before);
  });

  it('in a browser, sets the voter cookie and returns to return_to; only in the browser that started', async () => {
    const { location, binding } = await start(env, 'oidc-award', '/a/oidc-award/best-mentor');
    const back = await issuer.authorize(location.toString(), 'cholpon');
    const res = await callback(env, back, { accept: 'text/html', cookie: `laurel_oidc=${binding}` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/a/oidc-award/best-mentor');
    const cookies = res.headers.getSetCookie();
    const voter = cookies.find((c) => c.startsWith('laurel_voter='))!;
    expect(voter).toMatch(/; Max-Age=3600/);
    expect(voter).toMatch(/; Path=\/(;|$)/);
    expect(voter).toMatch(/; HttpOnly/);
    expect(voter).toMatch(/; Secure/);
    expect(voter).toMatch(/; SameSite=Lax/);
    const token = /^laurel_voter=([^;]+)/.exec(voter)![1]!;
    expect((await readVoterSession(env, token, awardId)).method).toBe('oidc');
    expect(cookies.some((c) => /^laurel_oidc=;/.test(c))).toBe(true);

    // A login finished in a browser that did not start it (login CSRF) is refused.
    const foreign = await start(env, 'oidc-award');
    const foreignBack = await issuer.authorize(foreign.location.toString(), 'mallory');
    const before = await everything();
    const refused = await callback(env, foreignBack, { accept: 'text/html' });
    expect(refused.status).toBe(401);
    // A browser gets an error page, not JSON.
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toContain('401');
    const asApi = await callback(env, foreignBack, { accept: 'application/json' });
    expect(await asApi.json()).toMatchObject({ code: 'oidc-failed' });
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('laurel_voter='))).toBe(false);
    expect(await everything()).toEqual(before);
  });

  it('uses the request origin for redirect_uri when PUBLIC_URL is unset', async () => {
    const plain = await testEnv({ clock });
    try {
      const id = await openAward(plain, oidcAward('oidc-award', 'laurel-public'));
      const { location } = await start(plain, 'oidc-award');
      expect(location.searchParams.get('redirect_uri')).toBe(callbackAt('http://localhost', 'oidc-award'));
      const res = await callback(plain, await issuer.authorize(location.toString(), 'aigul'));
      expect(res.status).toBe(200);
      // Another award, another pepper: the same subject is another person key.
      const key = (await readVoterSession(plain, (await res.json()).token, id)).personKey;
      const here = await personKey(
        env,
        (await requireAward(env, awardId)).ceremony,
        oidcIdentity(issuer.issuer, 'aigul'),
      );
      expect(key).not.toBe(here);
    } finally {
      await plain.store.close();
    }
  });

  it('refuses a replayed callback: the state is spent once', async () => {
    const { res, back, state } = await login(env, 'oidc-award', 'aigul');
    expect(res.status).toBe(200);
    const before = await everything();
    const replay = await callback(env, back);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await replay.json()).toMatchObject({
      code: 'oidc-failed',
      detail: expect.stringMatching(/finished already/),
    });
    expect((await loginRow(state)).used).toBe(1);
    expect(await everything()).toEqual(before);
  });

  it('refuses an unknown state, an expired login, an issuer error and a mixed-up issuer', async () => {
    const before = await everything();
    const unknown = await env.app.request('/api/ceremonies/oidc-award/verify/oidc/callback?state=nope&code=x', {
      headers: { accept: 'application/json' },
    });
    expect(await unknown.json()).toMatchObject({
      status: 401,
      code: 'oidc-failed',
      detail: expect.stringMatching(/Bad state/),
    });
    const none = await env.app.request('/api/ceremonies/oidc-award/verify/oidc/callback?code=x');
    expect(await none.json()).toMatchObject({ code: 'oidc-failed', detail: expect.stringMatching(/Bad state/) });

    const late = await start(env, 'oidc-award');
    const lateBack = await issuer.authorize(late.location.toString(), 'aigul');
    clock.advance(10 * 60_000 + 1);
    const expired = await callback(env, lateBack);
    expect(await expired.json()).toMatchObject({ code: 'oidc-failed', detail: expect.stringMatching(/Expired login/) });
    expect((await loginRow(late.state)).used).toBe(0);
    clock.set(Date.now());

    const denied = await start(env, 'oidc-award');
    const deniedRes = await env.app.request(
      `/api/ceremonies/oidc-award/verify/oidc/callback?error=access_denied&state=${denied.state}`,
      { headers: { accept: 'application/json' } },
    );
    expect(await deniedRes.json()).toMatchObject({
      code: 'oidc-failed',
      detail: expect.stringMatching(/access_denied/),
    });
    expect((await loginRow(denied.state)).used).toBe(1);

    const mixed = await start(env, 'oidc-award');
    const mixedBack = await issuer.authorize(mixed.location.toString(), 'aigul');
    expect(mixedBack.searchParams.get('iss')).toBe(issuer.issuer);
    mixedBack.searchParams.set('iss', 'https://evil.example');
    const mixedRes = await callback(env, mixedBack);
    expect(await mixedRes.json()).toMatchObject({ code: 'oidc-failed', detail: expect.stringMatching(/Wrong issuer/) });
    expect((await loginRow(mixed.state)).used).toBe(1);

    expect(await everything()).toEqual(before);
  });

  it('PKCE: a tampered verifier makes the token exchange fail, reported as oidc-failed', async () => {
    const { location, state } = await start(env, 'oidc-award');
    await env.store.db
      .updateTable('oidc_logins')
      .set({ code_verifier: 'x'.repeat(43) })
      .where('state', '=', state)
      .execute();
    const back = await issuer.authorize(location.toString(), 'aigul');
    const before = await everything();
    const res = await callback(env, back);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      code: 'oidc-failed',
      detail: expect.stringMatching(/Token exchange failed.*invalid_grant/),
    });
    expect((await loginRow(state)).used).toBe(1);
    expect(await everything()).toEqual(before);
  });

  it('refuses a wrong method, a draft, and a return_to on another site, storing no login', async () => {
    const before = await everything();
    const rows = async () => (await env.store.db.selectFrom('oidc_logins').selectAll().execute()).length;
    const count = await rows();
    const wrong = await env.app.request('/api/ceremonies/email-award/verify/oidc/start');
    expect(wrong.status).toBe(409);
    expect((await wrong.json()).code).toBe('wrong-method');
    const wrongCallback = await env.app.request('/api/ceremonies/email-award/verify/oidc/callback?state=x&code=y');
    expect((await wrongCallback.json()).code).toBe('wrong-method');
    const draft = await env.app.request('/api/ceremonies/oidc-draft/verify/oidc/start');
    expect((await draft.json()).code).toBe('wrong-phase');
    const missing = await env.app.request('/api/ceremonies/no-such-award/verify/oidc/start');
    expect(missing.status).toBe(404);
    for (const returnTo of [
      'https://evil.example/a/oidc-award',
      '//evil.example/a/oidc-award',
      '/\\evil.example',
      'javascript:alert(1)',
      'a/oidc-award',
      '/a/oidc-award\r\nset-cookie: x=1',
    ]) {
      const res = await env.app.request(
        `/api/ceremonies/oidc-award/verify/oidc/start?return_to=${encodeURIComponent(returnTo)}`,
      );
      expect(res.status, returnTo).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation-failed', fields: [{ path: 'query.return_to' }] });
      expect(res.headers.get('location')).toBeNull();
    }
    expect(await rows()).toBe(count);
    expect(await everything()).toEqual(before);
    // The default return_to is the award's page.
    const { state } = await start(env, 'oidc-award');
    expect((await loginRow(state)).return_to).toBe('/a/oidc-award');
  });

  it('reads the discovery document once per 10 minutes', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    const discoveries = () =>
      spy.mock.calls.filter(([input]) => String(input).endsWith('/.well-known/openid-configuration')).length;
    await start(env, 'oidc-award');
    await start(env, 'oidc-award');
    expect(discoveries()).toBeLessThanOrEqual(1);
    const seen = discoveries();
    clock.advance(10 * 60_000 + 1);
    await start(env, 'oidc-award');
    expect(discoveries()).toBe(seen + 1);
  });
});

describe('confidential clients', () => {
  let admin: string;
  let confidentialId: string;

  beforeAll(async () => {
    ({ id: confidentialId } = await createAward(env, oidcAward('confidential-award', 'laurel-confidential'), 'cli'));
    admin = await signIn(env, 'organizer@example.org', confidentialId);
  });

  it('stores the secret wrapped, logs only that it was set, and authenticates with it', async () => {
    const put = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: 'first' },
      bearer(admin),
      'PUT',
    );
    expect(put.status).toBe(200);
    const res = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: CONFIDENTIAL_SECRET },
      bearer(admin),
      'PUT',
    );
    expect(res.status).toBe(200);
    const { event } = await res.json();
    const row = await env.store.db
      .selectFrom('events')
      .selectAll()
      .where('chain', '=', confidentialId)
      .where('seq', '=', event.seq)
      .executeTakeFirstOrThrow();
    expect(row.type).toBe('oidc.client-secret-set');
    expect(row.actor).toMatch(/^organizer:/);
    expect(JSON.parse(row.body).payload).toEqual({ clientId: 'laurel-confidential' });
    const stored = await env.store.db
      .selectFrom('oidc_clients')
      .selectAll()
      .where('ceremony_id', '=', confidentialId)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.client_secret_wrapped).toMatch(/^w1\./);
    const everywhere = JSON.stringify(await everything());
    expect(everywhere).not.toContain(CONFIDENTIAL_SECRET);
    expect(everywhere).not.toContain('first');

    await movePhase(env, await requireAward(env, confidentialId), 'nominating', 'cli', 'hand');
    const { res: loggedIn } = await login(env, 'confidential-award', 'aigul');
    expect(loggedIn.status).toBe(200);
    expect((await readVoterSession(env, (await loggedIn.json()).token, confidentialId)).method).toBe('oidc');
  });

  it('refuses other organizers, bad input, and changes once voting has opened', async () => {
    const stranger = await signIn(env, 'stranger@example.org', awardId);
    const before = await everything();
    const forbidden = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: 's' },
      bearer(stranger),
      'PUT',
    );
    expect((await forbidden.json()).code).toBe('forbidden');
    const anonymous = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: 's' },
      {},
      'PUT',
    );
    expect(anonymous.status).toBe(401);
    const empty = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: '' },
      bearer(admin),
      'PUT',
    );
    expect((await empty.json()).code).toBe('validation-failed');
    expect(await everything()).toEqual(before);

    await movePhase(env, await requireAward(env, confidentialId), 'voting', 'cli', 'hand');
    const frozen = await everything();
    const late = await post(
      env,
      '/api/ceremonies/confidential-award/oidc-client',
      { clientSecret: 'new' },
      bearer(admin),
      'PUT',
    );
    expect(late.status).toBe(409);
    expect((await late.json()).code).toBe('wrong-phase');
    expect(await everything()).toEqual(frozen);
  });

  it('without the stored secret, a confidential client cannot exchange its code', async () => {
    const def = oidcAward('confidential-award', 'laurel-confidential');
    const bare = await testEnv({ clock, env: { PUBLIC_URL } });
    try {
      await openAward(bare, def);
      const { res } = await login(bare, 'confidential-award', 'aigul');
      expect(await res.json()).toMatchObject({
        code: 'oidc-failed',
        detail: expect.stringMatching(/Token exchange failed.*invalid_client/),
      });
    } finally {
      await bare.store.close();
    }
  });
});

/**
 * Bad ID tokens, built here: signed with the provider's real key (claims wrong) or a foreign key (key wrong).
 * Each is fed to the verification function, and through the whole callback in place of the token the provider
 * really issued, which must then spend the login and change nothing else.
 */
describe('refused ID tokens', () => {
  const sign = (claims: JWTPayload, alg = 'RS256') =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: issuer.kid }).sign(issuer.signingKey);
  let foreign: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    foreign = await generateKeyPair('RS256');
  });

  const nowSeconds = () => Math.floor(clock() / 1000);
  const cases: [string, (genuine: JWTPayload) => Promise<string>, RegExp][] = [
    ['wrong issuer', (g) => sign({ ...g, iss: 'http://127.0.0.1:1' }), /ID token: wrong issuer/],
    ['wrong audience', (g) => sign({ ...g, aud: 'someone-else' }), /ID token: wrong audience/],
    ['several audiences, no azp', (g) => sign({ ...g, aud: [g.aud as string, 'other'] }), /ID token: wrong audience/],
    ['azp of another client', (g) => sign({ ...g, azp: 'other' }), /ID token: wrong audience/],
    ['expired', (g) => sign({ ...g, iat: nowSeconds() - 600, exp: nowSeconds() - 120 }), /ID token: expired/],
    [
      'issued too long ago',
      (g) => sign({ ...g, iat: nowSeconds() - 3600, exp: nowSeconds() + 600 }),
      /ID token: expired/,
    ],
    [
      'issued in the future',
      (g) => sign({ ...g, iat: nowSeconds() + 600, exp: nowSeconds() + 1200 }),
      /issued in the future/,
    ],
    ['alg none', async (g) => new UnsecuredJWT(g).encode(), /ID token: algorithm not allowed/],
    [
      'alg HS256',
      (g) => new SignJWT(g).setProtectedHeader({ alg: 'HS256', kid: issuer.kid }).sign(new Uint8Array(32)),
      /ID token: algorithm not allowed/,
    ],
    [
      'unknown key',
      (g) => new SignJWT(g).setProtectedHeader({ alg: 'RS256', kid: 'foreign-key' }).sign(foreign.privateKey),
      /ID token: unknown key/,
    ],
    [
      'foreign key under the issuer kid',
      (g) => new SignJWT(g).setProtectedHeader({ alg: 'RS256', kid: issuer.kid }).sign(foreign.privateKey),
      /ID token: bad signature/,
    ],
    ['nonce mismatch', (g) => sign({ ...g, nonce: 'a-nonce-of-another-login' }), /ID token: nonce mismatch/],
    ['no nonce', ({ nonce: _n, ...g }) => sign(g), /ID token: nonce mismatch/],
  ];

  it.each(cases)('verification refuses: %s', async (_name, forge, detail) => {
    const keys = createRemoteJWKSet(new URL(`${issuer.issuer}/jwks`));
    const genuine: JWTPayload = {
      iss: issuer.issuer,
      sub: 'aigul',
      aud: 'laurel-public',
      nonce: 'the-nonce-of-this-login',
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
    };
    const expectations = { issuer: issuer.issuer, clientId: 'laurel-public', nonce: 'the-nonce-of-this-login', keys };
    // The genuine token passes, so each refusal is the forged part's doing.
    await expect(verifyIdToken(await sign(genuine), { ...expectations, now: clock() })).resolves.toEqual({
      issuer: issuer.issuer,
      subject: 'aigul',
    });
    await expect(verifyIdToken(await forge(genuine), { ...expectations, now: clock() })).rejects.toMatchObject({
      code: 'oidc-failed',
      detail: expect.stringMatching(detail),
    });
  });

  it.each(cases)('the callback refuses: %s', async (_name, forge, detail) => {
    const tokenEndpoint = `${issuer.issuer}/token`;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      if (String(input) !== tokenEndpoint || !res.ok) return res;
      const answer = await res.json();
      answer.id_token = await forge(decodeJwt(answer.id_token));
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const { location, state } = await start(env, 'oidc-award');
    const back = await issuer.authorize(location.toString(), 'aigul');
    const before = await everything();
    const res = await callback(env, back);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'oidc-failed', detail: expect.stringMatching(detail) });
    expect((await loginRow(state)).used).toBe(1);
    expect(await everything()).toEqual(before);
  });
});
