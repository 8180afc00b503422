/**
 * The OpenID Connect protocol as Laurel speaks it (the `oidc` identity method): discovery, the authorization
 * request (authorization-code flow with PKCE S256, a server-issued state and nonce), the code exchange, and ID
 * token verification with jose against the issuer's JWKS. No database and no routes here; network access only
 * through `fetch`, so the same code runs on Node and Workers.
 *
 * Every failure is an ApiError `oidc-failed` whose detail names what failed, so a voter (or the organizer
 * reading a report) can tell a wrong issuer from an expired token.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ApiError } from '../errors';
import { toBase64Url } from '../keys/wrap';
import { timingSafeEqual } from './codes';

/** How long a login may take from the redirect to the issuer to the callback. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;
/** How long an issuer's discovery document is reused before it is fetched again. */
export const DISCOVERY_TTL_MS = 10 * 60_000;
/** Asymmetric signatures only: never `none`, and never HS* (a shared secret would let the client forge tokens). */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
/** Seconds of clock skew between Laurel and the issuer tolerated on exp, iat and nbf. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** An ID token older than this (by its iat) is refused: it was just issued in exchange for a fresh code. */
const MAX_ID_TOKEN_AGE_SECONDS = OIDC_LOGIN_TTL_MS / 1000;
const FETCH_TIMEOUT_MS = 10_000;

export const oidcFailed = (detail: string) => new ApiError('oidc-failed', detail);

/** The parts of an issuer's discovery document that the code flow needs. */
export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

const discoveries = new Map<string, { metadata: IssuerMetadata; fetchedAt: number }>();
const keySets = new Map<string, JWTVerifyGetKey>();

/**
 * The issuer's discovery document (`/.well-known/openid-configuration`), cached in memory per issuer for
 * DISCOVERY_TTL_MS. The document must name the configured issuer exactly (OpenID Connect Discovery 1.0, 4.3).
 */
export async function discover(issuer: string, now: number): Promise<IssuerMetadata> {
  const cached = discoveries.get(issuer);
  if (cached && now - cached.fetchedAt < DISCOVERY_TTL_MS && now >= cached.fetchedAt) return cached.metadata;
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let doc: Record<string, unknown>;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: timeout() });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw oidcFailed(`Could not read the issuer's configuration at ${url} (${reason(err)}).`);
  }
  if (doc.issuer !== issuer)
    throw oidcFailed(`The issuer's configuration names issuer ${JSON.stringify(doc.issuer)}, not ${issuer}.`);
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
    if (typeof doc[field] !== 'string' || !isHttpUrl(doc[field]))
      throw oidcFailed(`The issuer's configuration has no usable ${field}.`);
  const metadata: IssuerMetadata = {
    issuer,
    authorization_endpoint: doc.authorization_endpoint as string,
    token_endpoint: doc.token_endpoint as string,
    jwks_uri: doc.jwks_uri as string,
  };
  discoveries.set(issuer, { metadata, fetchedAt: now });
  return metadata;
}

/** The issuer's signing keys, fetched (and refetched on an unknown kid, with jose's cooldown) from its jwks_uri. */
export function issuerKeys(metadata: IssuerMetadata): JWTVerifyGetKey {
  let keys = keySets.get(metadata.jwks_uri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS });
    keySets.set(metadata.jwks_uri, keys);
  }
  return keys;
}

/** The secrets of one login in flight. */
export interface LoginSecrets {
  /** 128 random bits: ties the callback to the login row. */
  state: string;
  /** 128 random bits: ties the ID token to this login (replayed tokens carry another nonce). */
  nonce: string;
  /** PKCE code verifier: 256 random bits, 43 characters (RFC 7636 wants 43 to 128). */
  codeVerifier: string;
}

export function newLoginSecrets(): LoginSecrets {
  const random = (bytes: number) => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
  return { state: random(16), nonce: random(16), codeVerifier: random(32) };
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export async function codeChallenge(codeVerifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return toBase64Url(new Uint8Array(digest));
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  codeChallenge: string;
}

/** The URL that sends the voter's browser to the issuer (authorization-code flow, PKCE S256). */
export function authorizationUrl(metadata: IssuerMetadata, request: AuthorizationRequest): string {
  // `openid` makes it an OpenID Connect request (an ID token comes back); the rules may add others.
  const scopes = request.scopes.includes('openid') ? request.scopes : ['openid', ...request.scopes];
  const url = new URL(metadata.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: scopes.join(' '),
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  clientId: string;
  /** Present for a confidential client: sent as client_secret_basic. Absent: client authentication `none`. */
  clientSecret?: string;
  codeVerifier: string;
}

/** Exchanges the authorization code at the token endpoint and returns the ID token. */
export async function exchangeCode(metadata: IssuerMetadata, exchange: CodeExchange): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    code_verifier: exchange.codeVerifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (exchange.clientSecret !== undefined) {
    // RFC 6749 2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
    const credentials = `${formEncode(exchange.clientId)}:${formEncode(exchange.clientSecret)}`;
    headers.authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(credentials)))}`;
  } else {
    body.set('client_id', exchange.clientId);
  }
  let res: Response;
  let answer: Record<string, unknown>;
  try {
    res = await fetch(metadata.token_endpoint, { method: 'POST', headers, body, signal: timeout() });
    answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  } catch (err) {
    throw oidcFailed(`Token exchange failed: the issuer's token endpoint did not answer (${reason(err)}).`);
  }
  if (!res.ok) {
    const error = typeof answer.error === 'string' ? answer.error.slice(0, 100) : `HTTP ${res.status}`;
    const description =
      typeof answer.error_description === 'string' ? `: ${answer.error_description.slice(0, 200)}` : '';
    throw oidcFailed(`Token exchange failed: the issuer answered ${error}${description}.`);
  }
  if (typeof answer.id_token !== 'string')
    throw oidcFailed('Token exchange failed: the issuer sent no ID token (is `openid` among the scopes?).');
  return answer.id_token;
}

export interface IdTokenExpectations {
  /** The configured issuer; the token's `iss` must equal it exactly. */
  issuer: string;
  clientId: string;
  /** The nonce stored with the login. */
  nonce: string;
  keys: JWTVerifyGetKey;
  /** The application clock (epoch ms). */
  now: number;
}

/** The verified person behind an ID token: issuer and subject. */
export interface OidcPerson {
  issuer: string;
  subject: string;
}

/**
 * Verifies an ID token (OpenID Connect Core 1.0, 3.1.3.7): signature by a key of the issuer's JWKS with an
 * allowed algorithm, `iss` exactly the issuer, `aud` containing the client (and `azp` the client when there are
 * several audiences, or whenever it is present), `exp`, `iat` and `nbf` within a small tolerance, and the
 * nonce of this login.
 */
export async function verifyIdToken(idToken: string, expected: IdTokenExpectations): Promise<OidcPerson> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(idToken).alg;
  } catch {
    throw oidcFailed('ID token: not a signed JWT.');
  }
  if (typeof alg !== 'string' || !(ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg))
    throw oidcFailed(
      `ID token: algorithm not allowed (${String(alg).slice(0, 20)}; allowed: ${ID_TOKEN_ALGORITHMS.join(', ')}).`,
    );
  let payload;
  try {
    ({ payload } = await jwtVerify(idToken, expected.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: [...ID_TOKEN_ALGORITHMS],
      requiredClaims: ['sub', 'exp', 'iat'],
      maxTokenAge: MAX_ID_TOKEN_AGE_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(expected.now),
    }));
  } catch (err) {
    throw oidcFailed(`ID token: ${verificationFailure(err)}.`);
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== expected.clientId)
    throw oidcFailed('ID token: wrong audience (azp is not this client).');
  if (typeof payload.nonce !== 'string' || !timingSafeEqual(payload.nonce, expected.nonce))
    throw oidcFailed('ID token: nonce mismatch (the token was not issued for this login).');
  if (typeof payload.sub !== 'string' || !payload.sub || payload.sub.length > 255)
    throw oidcFailed('ID token: no usable subject.');
  return { issuer: expected.issuer, subject: payload.sub };
}

/** Names what jose refused, in the words of the `oidc-failed` detail. */
function verificationFailure(err: unknown): string {
  if (err instanceof errors.JWTExpired) return err.claim === 'iat' ? 'expired (issued too long ago)' : 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'wrong issuer';
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'iat') return 'issued in the future';
    if (err.claim === 'nbf') return 'not valid yet';
    return `claim ${err.claim} is missing or invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown key (no key of the issuer matches)';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'unknown key (several keys of the issuer match)';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return "the issuer's keys could not be fetched";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed';
  return `could not be verified (${reason(err)})`;
}

const formEncode = (s: string) => new URLSearchParams({ s }).toString().slice(2);

const timeout = () => AbortSignal.timeout(FETCH_TIMEOUT_MS);

function isHttpUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}
