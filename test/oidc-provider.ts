/**
 * A real OpenID provider for tests: `oidc-provider` (v9) on 127.0.0.1 at a free port, with our own RS256 signing
 * key (so tests can forge ID tokens with it) and its development interactions, which a test completes the way a
 * browser would: GET the authorization URL, post the login form with a login name, post the consent form, and
 * follow redirects until the provider sends the browser back to the client's redirect URI.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, exportJWK, generateKeyPair } from 'jose';
// @ts-expect-error oidc-provider ships no type declarations
import Provider from 'oidc-provider';

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: 'none' | 'client_secret_basic';
}

export interface TestIssuer {
  /** The issuer identifier, e.g. http://127.0.0.1:54321 (no trailing slash). */
  issuer: string;
  /** The provider's signing key (private), whose public half is in its JWKS under `kid`. */
  signingKey: CryptoKey;
  kid: string;
  /** Completes the browser part of a login as `login` (the subject) and returns the redirect to the client. */
  authorize(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startIssuer(clients: TestClient[]): Promise<TestIssuer> {
  const kid = 'test-issuer-key-1';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

  // The issuer must be known before the provider is built, so the server listens first and mounts it after.
  let handler: ((req: unknown, res: unknown) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['laurel-test-cookie-key'] },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    pkce: { required: () => true },
    // Explicit lifetimes keep the provider from warning about its defaults on every token.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: true } },
  });
  handler = provider.callback();

  return {
    issuer,
    signingKey: privateKey,
    kid,
    authorize: (url, login) => drive(issuer, url, login),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A browser in miniature: one cookie jar, manual redirects, and the two dev-interaction forms. */
async function drive(issuer: string, start: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = new URL(start);
  let init: RequestInit = {};
  for (let step = 0; step < 12; step++) {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookie() },
    });
    remember(res);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      if (url.origin !== issuer) return url;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 500)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!prompt || !action) throw new Error(`unexpected provider page: ${html.slice(0, 500)}`);
    const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
    url = new URL(action.replace(/&amp;/g, '&'), url);
    init = {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new Error('the provider never redirected back to the client');
}
