/**
 * Rate limits as middleware, counted in fixed windows where every server sees the counts (src/abuse/store.ts):
 * per client address (proxy headers believed only as TRUST_PROXY says, src/http/client.ts) and per person (the
 * voter token's person key). Keys are HMACs under a server key, so no counter holds an address or a person key.
 * A refused request is a problem+json `rate-limited` with Retry-After, answered before the route runs: it changes
 * nothing.
 */
import { VOTER_COOKIE } from '../identity/sessions';
import { getCookie } from 'hono/cookie';
import type { Context, MiddlewareHandler } from 'hono';
import { findCeremonyId } from '../ceremonies/repository';
import type { AppDeps } from '../deps';
import { ApiError, onError } from '../errors';
import { clientAddress } from '../http/client';
import type { Env } from '../http/router';
import { readVoterSession } from '../identity/sessions';
import {
  BALLOTS_PER_ADDRESS,
  BALLOTS_PER_PERSON,
  type Limit,
  VERIFICATIONS_PER_ADDRESS,
  addressLimitKey,
  configuredLimit,
} from './limits';
import { throttleStore } from './store';

/**
 * A limiter keyed by `subject(c)`; requests whose subject is null (no client address known, no readable voter
 * token) are not counted by it. Each counted request is a hit, refused or not; over the limit the request is
 * answered 429 before the route runs. Written here rather than with a rate-limit library: the vote passes two of
 * these per ballot, and the library's promise plumbing was a tenth of a ballot's time (docs/performance.md).
 */
function limiter(
  deps: AppDeps,
  defaults: Limit,
  subject: (c: Context<Env>) => Promise<string | null>,
  refusal: string,
): MiddlewareHandler<Env> {
  const limit = configuredLimit(defaults, deps.config);
  const counts = throttleStore(deps, `rl:${limit.name}:`, limit.windowMs);
  // The same addresses and people come again and again (a voter's ballots, a NAT's crowd): their keys are kept.
  const keys = new Map<string, Promise<string>>();
  const keyOf = (value: string) => {
    let key = keys.get(value);
    if (!key) {
      if (keys.size >= 10_000) keys.clear();
      keys.set(value, (key = deps.wrapper.mac('rate-limit', value).then((mac) => mac.slice(0, 32))));
    }
    return key;
  };
  return async (c, next) => {
    const value = await subject(c);
    if (value === null) return next();
    const { totalHits, resetTime } = await counts.increment(await keyOf(value));
    if (totalHits <= limit.perWindow) return next();
    c.header('retry-after', String(Math.max(1, Math.ceil((resetTime.getTime() - deps.clock()) / 1000))));
    return onError(new ApiError('rate-limited', refusal), c);
  };
}

/** The limit key of the request's client address (null when the address is no client's; see addressLimitKey). */
export const addressSubject = (deps: AppDeps) => async (c: Context<Env>) => {
  const key = addressLimitKey(clientAddress(c, deps.config));
  return key === null ? null : `address:${key}`;
};

/**
 * Award ids by slug, per database: an award keeps its slug, and a stale entry could only change which counter a
 * request counts against, never what the route does (it reads the award itself).
 */
const awardIds = new WeakMap<object, Map<string, string>>();

async function awardIdOf(deps: AppDeps, slug: string): Promise<string | undefined> {
  const known = awardIds.get(deps.store.db) ?? new Map<string, string>();
  awardIds.set(deps.store.db, known);
  let id = known.get(slug);
  if (id === undefined) {
    id = await findCeremonyId(deps.store.db, slug);
    if (id === undefined) return undefined;
    if (known.size >= 1000) known.clear();
    known.set(slug, id);
  }
  return id;
}

/**
 * The person behind the request's voter token for the award in the path (`:slug`), or null when there is no
 * readable token: the route itself refuses those, and they still count against the address limit.
 */
export const personSubject = (deps: AppDeps) => async (c: Context<Env>) => {
  // The API sends the voter token as Bearer; the ballot form carries it in the voter cookie.
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? getCookie(c, VOTER_COOKIE);
  const slug = c.req.param('slug');
  if (!token || !slug) return null;
  const ceremonyId = await awardIdOf(deps, slug);
  if (!ceremonyId) return null;
  try {
    const voter = await readVoterSession(deps, token, ceremonyId);
    return `person:${ceremonyId}:${voter.personKey}`;
  } catch {
    return null;
  }
};

/** Limits of the ballot route: per client address, then per person. Attach to POST …/ballots (and its form). */
export function ballotLimits(deps: AppDeps): MiddlewareHandler<Env>[] {
  return [
    limiter(
      deps,
      BALLOTS_PER_ADDRESS,
      addressSubject(deps),
      'Too many ballots from your network in the last minute; nothing was recorded. Try again in a minute.',
    ),
    limiter(
      deps,
      BALLOTS_PER_PERSON,
      personSubject(deps),
      'Too many ballot requests from you in the last minute; nothing was recorded. Try again in a minute.',
    ),
  ];
}

/** The limit of verification routes (codes, roll codes, OIDC starts) per client address. */
export function verificationLimit(deps: AppDeps): MiddlewareHandler<Env> {
  return limiter(
    deps,
    VERIFICATIONS_PER_ADDRESS,
    addressSubject(deps),
    'Too many verification requests from your network in the last minute. Try again in a minute.',
  );
}
