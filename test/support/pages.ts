/**
 * Driving the server-rendered pages as a browser would: a small cookie jar that posts forms with the CSRF token,
 * an organizer signed in through the pages, a voter verified through the pages or handed a session directly.
 */
import { expect } from 'vitest';
import { issueVoterSession } from '../../src/identity/sessions';
import { latestCode, type TestEnv } from '../helpers';

export const ORIGIN = 'http://localhost';

/** A tiny cookie jar: keeps what Set-Cookie says, sends it back. */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(private readonly env: TestEnv) {}

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  cookieHeader(): Record<string, string> {
    return this.jar.size ? { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await this.env.app.request(path, { headers: { ...this.cookieHeader(), ...headers } });
    this.remember(res);
    return res;
  }

  /** Posts a form as a browser on this site would: Origin set, `_csrf` from the cookie unless told otherwise. */
  async post(
    path: string,
    fields: Record<string, string>,
    opts: { origin?: string | null; csrf?: string | null } = {},
  ) {
    const body = new URLSearchParams(fields);
    const csrf = opts.csrf === undefined ? this.jar.get('laurel_csrf') : opts.csrf;
    if (csrf !== null && csrf !== undefined) body.set('_csrf', csrf);
    const origin = opts.origin === undefined ? ORIGIN : opts.origin;
    const res = await this.env.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin ? { origin } : {}),
        ...this.cookieHeader(),
      },
      body: body.toString(),
    });
    this.remember(res);
    return res;
  }
}

/** How many top-level headings a page has. */
export const h1Count = (html: string) => (html.match(/<h1[\s>]/g) ?? []).length;
/** A page's size in bytes as sent. */
export const bytes = (html: string) => new TextEncoder().encode(html).length;
/** The Set-Cookie line of a response for one cookie, if any. */
export const setCookie = (res: Response, name: string) =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

/** A test clock that can move on, so the next mail is later than the last. */
interface Advancing {
  advance(ms: number): unknown;
}

/** The code of the latest mail to an address; with a clock, the clock moves on a second afterwards. */
async function mailedCode(env: TestEnv, address: string, clock?: Advancing) {
  const code = await latestCode(env, address);
  clock?.advance(1000);
  return code;
}

/** Signs an organizer in through the pages by emailed code and returns the browser holding the session cookie. */
export async function signInOrganizer(env: TestEnv, email: string, opts: { clock?: Advancing } = {}) {
  const b = new Browser(env);
  expect((await b.get('/organizer/login')).status).toBe(200);
  expect((await b.post('/organizer/login', { email })).status).toBe(200);
  const code = await mailedCode(env, email, opts.clock);
  const res = await b.post('/organizer/verify', { email, code });
  expect(res.status).toBe(303);
  expect(b.jar.get('laurel_session')).toBeTruthy();
  return b;
}

/**
 * A browser that verified for an award through the email code pages. With `returnTo` the pages are asked to come
 * back there, and the final redirect must go there.
 */
export async function verifyVoter(
  env: TestEnv,
  slug: string,
  email: string,
  opts: { returnTo?: string; clock?: Advancing } = {},
) {
  const b = new Browser(env);
  const back: Record<string, string> = opts.returnTo === undefined ? {} : { return_to: opts.returnTo };
  await b.get(
    `/a/${slug}/verify${opts.returnTo === undefined ? '' : `?return_to=${encodeURIComponent(opts.returnTo)}`}`,
  );
  expect((await b.post(`/a/${slug}/verify/email`, { email, ...back })).status).toBe(200);
  const code = await mailedCode(env, email, opts.clock);
  const res = await b.post(`/a/${slug}/verify/code`, { email, code, ...back });
  expect(res.status).toBe(303);
  if (opts.returnTo !== undefined) expect(res.headers.get('location')).toBe(opts.returnTo);
  expect(b.jar.get('laurel_voter')).toBeTruthy();
  return b;
}

/** A browser holding a voter session of a made-up person (no mail round trip), having opened the award's page. */
export async function voterWithKey(env: TestEnv, slug: string, ceremonyId: string, personKey: string) {
  const b = new Browser(env);
  const { token } = await issueVoterSession(env, { ceremonyId, personKey, method: 'email' });
  b.jar.set('laurel_voter', token);
  await b.get(`/a/${slug}`);
  return b;
}
