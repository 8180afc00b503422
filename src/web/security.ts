/**
 * Cookies of the pages: the organizer session, the voter session, the double-submit CSRF token, the chosen
 * language. All are HttpOnly, Secure, SameSite=Lax, Path=/. Every form POST passes two checks before anything
 * else happens: the Origin (or Sec-Fetch-Site) must be this site (hono/csrf), and the hidden `_csrf` field must
 * equal the `laurel_csrf` cookie.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import { isLang, type Lang } from '../i18n/messages';
import { timingSafeEqual } from '../identity/codes';
import { VOTER_COOKIE } from '../identity/sessions';
import { readVoterSession, type VoterSession } from '../identity/sessions';
import { type OrganizerPrincipal, principalFromToken } from '../organizers/service';
import { chooseLang } from './format';

export const SESSION_COOKIE = 'laurel_session';
export const CSRF_COOKIE = 'laurel_csrf';
export const LANG_COOKIE = 'laurel_lang';

export const COOKIE = { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' } as const;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
const LANG_COOKIE_SECONDS = 365 * 24 * 3600;

type C = Context<Env>;

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The CSRF token for the forms of this page: the cookie's own if it has one, else a new one (cookie set). */
export function csrfToken(c: C, { fresh = false } = {}): string {
  const existing = getCookie(c, CSRF_COOKIE);
  const token = !fresh && existing && TOKEN_RE.test(existing) ? existing : newToken();
  setCookie(c, CSRF_COOKIE, token, COOKIE);
  return token;
}

/** Origins a form may come from: the request's own, and PUBLIC_URL's (behind a TLS-terminating proxy). */
export function originGuard(deps: AppDeps) {
  let publicOrigin: string | undefined;
  try {
    publicOrigin = deps.config.PUBLIC_URL ? new URL(deps.config.PUBLIC_URL).origin : undefined;
  } catch {
    publicOrigin = undefined;
  }
  const middleware = csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === publicOrigin });
  return async (c: C): Promise<boolean> => {
    let passed = false;
    try {
      await middleware(c, async () => {
        passed = true;
      });
    } catch (err) {
      if (err instanceof HTTPException) return false;
      throw err;
    }
    return passed;
  };
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/**
 * The fields of a posted form when both CSRF checks pass; `null` (answer 403, change nothing) otherwise.
 * Only string fields are returned; files are ignored.
 */
export async function verifiedForm(
  c: C,
  sameOrigin: (c: C) => Promise<boolean>,
): Promise<Record<string, string> | null> {
  if (!(await sameOrigin(c))) return null;
  if (!FORM_TYPES.test(c.req.header('content-type') ?? '')) return null;
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return null;
  }
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') fields[k] = v;
  const cookie = getCookie(c, CSRF_COOKIE);
  const given = fields._csrf;
  if (!cookie || !given || !TOKEN_RE.test(cookie) || !timingSafeEqual(cookie, given)) return null;
  return fields;
}

/** The signed-in organizer of this request, or null (an invalid or expired session cookie is cleared). */
export async function currentOrganizer(deps: AppDeps, c: C): Promise<OrganizerPrincipal | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  try {
    return await principalFromToken(deps, token);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'token-invalid') {
      clearSession(c);
      return null;
    }
    throw err;
  }
}

export function startSession(c: C, token: string, maxAgeSeconds: number): void {
  setCookie(c, SESSION_COOKIE, token, { ...COOKIE, maxAge: Math.max(1, Math.floor(maxAgeSeconds)) });
  // A new session gets a new CSRF token, so a token planted before sign-in is worth nothing after it.
  csrfToken(c, { fresh: true });
}

export function clearSession(c: C): void {
  deleteCookie(c, SESSION_COOKIE, COOKIE);
}

/**
 * The verified person of this award behind the `laurel_voter` cookie, or null. A cookie that is expired, forged or
 * for another award is ignored but kept: one browser holds one voter session, and it may belong to another award.
 */
export async function currentVoter(deps: AppDeps, c: C, ceremonyId: string): Promise<VoterSession | null> {
  const token = getCookie(c, VOTER_COOKIE);
  if (!token) return null;
  try {
    return await readVoterSession(deps, token, ceremonyId);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'token-invalid') return null;
    throw err;
  }
}

/** Sets the voter cookie (the same one the OpenID Connect callback sets) until the session expires. */
export function startVoterSession(c: C, token: string, maxAgeSeconds: number): void {
  setCookie(c, VOTER_COOKIE, token, { ...COOKIE, maxAge: Math.max(1, Math.floor(maxAgeSeconds)) });
  // As for organizers: a CSRF token planted before verification is worth nothing after it.
  csrfToken(c, { fresh: true });
}

/**
 * The page language (see format.ts `chooseLang`); `?lang=xx` also sets the `laurel_lang` cookie. Pages vary by
 * Accept-Language and Cookie.
 */
export function pageLang(c: C, awardLocales?: readonly string[]): Lang {
  const query = c.req.query('lang');
  if (isLang(query)) setCookie(c, LANG_COOKIE, query, { ...COOKIE, maxAge: LANG_COOKIE_SECONDS });
  c.header('vary', 'Accept-Language, Cookie');
  return chooseLang({
    query,
    cookie: getCookie(c, LANG_COOKIE),
    acceptLanguage: c.req.header('accept-language'),
    awardLocales,
  });
}
