/**
 * Authorization matrix (issue 10): every operation of the OpenAPI document under /api/ is called by seven
 * principals of ONE world — anonymous, a voter of award A, a voter of award B, a juror of A, a juror of A with a
 * conflict, the organizer of B and the organizer of A — and the table below says who is allowed. A refused
 * principal must get 401 or 403 (404 only where the entry says the route hides existence), never 2xx; an allowed
 * one anything but 401/403. Allowed principals send an empty JSON body, so they fail validation (or the state) and
 * change nothing, which is checked. Refused principals send a VALID body where the route validates its body before
 * it authorizes (the organizer check runs in the handler, after zod), so that the refusal really is the
 * authorization and not the validation. A route of the document missing from the table fails the first test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireAward } from '../src/ceremonies/service';
import { type TestEnv, bearer, signIn, testEnv } from './helpers';
import { openVote, voterToken } from './support/awards';
import { stateSnapshot } from './support/coverage';
import { type AwardSpec, type Pipeline, api, call, castBallot, closeVote, resultsAward } from './support/results';

// ------------------------------------------------------------------------------------------------ principals

const PRINCIPALS = ['anonymous', 'voterA', 'voterB', 'juror', 'conflictedJuror', 'organizerB', 'organizerA'] as const;
type Who = (typeof PRINCIPALS)[number];

const EVERYONE: readonly Who[] = PRINCIPALS;
const ORGANIZER: readonly Who[] = ['organizerA'];
const JURORS: readonly Who[] = ['juror', 'conflictedJuror'];
const VOTER: readonly Who[] = ['voterA'];

interface Rule {
  allowed: readonly Who[];
  /** The route answers 404 rather than 403 to a refused principal, so as not to tell that the thing exists. */
  hides?: true;
  /** A body valid for the route, sent by refused principals (validation runs before the organizer check). */
  valid?: unknown | ((p: Params) => unknown);
  /**
   * The credential is in the path (an invitation token): the Bearer is ignored, so every principal must get the
   * same answer (with the made-up token 'x', a refusal).
   */
  pathCredential?: true;
  /**
   * Why the allowed principal's empty-body call is a complete request that changes state. Such routes run after
   * all the others (in table order), and only the refused principals' calls are checked to change nothing.
   */
  effect?: string;
}

/** Well-formed but unknown review inputs (32 and 64 hex digits), so refused calls pass validation. */
const SIGNAL = '0'.repeat(32);
const TRACKER = '0'.repeat(64);

const organizer = (valid?: unknown): Rule => ({ allowed: ORGANIZER, ...(valid === undefined ? {} : { valid }) });
const jurors = (valid?: unknown): Rule => ({ allowed: JURORS, ...(valid === undefined ? {} : { valid }) });
const everyone: Rule = { allowed: EVERYONE };

// ------------------------------------------------------------------------------------------------ the table

/** One category of three nominees, organizer-picked finalists, one rubric institution. */
const SPEC: AwardSpec = {
  rules: { finalists: { mode: 'organizer' } },
  categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c'] }],
};

/** Path parameters, filled for award A (the slug, the juror id) when the world exists. */
interface Params {
  slug: string;
  juror: string;
}

const ROUTES: Record<string, Rule> = {
  // ------------------------------------------------------------------ sign-in, organizers, awards
  'POST /api/auth/code': everyone,
  'POST /api/auth/token': everyone,
  // Any organizer session may read itself; the others are not organizer sessions.
  'GET /api/auth/me': { allowed: ['organizerA', 'organizerB'] },
  'POST /api/bootstrap': everyone,
  'GET /api/ceremonies/{slug}/organizers': organizer(),
  'POST /api/ceremonies/{slug}/organizers': organizer({ email: 'new-organizer@example.org' }),
  'GET /api/ceremonies': everyone,
  // Site organizers only; none of the seven is one, so organizer A is refused too.
  'POST /api/ceremonies': { allowed: [], valid: () => resultsAward('authz-new', SPEC) },
  'GET /api/ceremonies/{slug}': everyone,
  'GET /api/ceremonies/{slug}/definition': organizer(),
  'PUT /api/ceremonies/{slug}/definition': organizer((p: Params) => resultsAward(p.slug, SPEC)),
  'PUT /api/ceremonies/{slug}/rules': organizer({}),
  'PUT /api/ceremonies/{slug}/schedule': organizer({}),
  'POST /api/ceremonies/{slug}/phase': organizer({ to: 'voting' }),
  'POST /api/ceremonies/{slug}/categories/{category}/nominees': organizer({ slug: 'd', name: { en: 'D' } }),
  'PATCH /api/ceremonies/{slug}/nominees/{nominee}': organizer({ name: { en: 'Aida' } }),
  'GET /api/ceremonies/{slug}/events/head': everyone,
  'GET /api/ceremonies/{slug}/events': organizer(),
  'GET /api/ceremonies/{slug}/mail': organizer(),

  // ------------------------------------------------------------------ voter identity
  'POST /api/ceremonies/{slug}/verify/email': everyone,
  'POST /api/ceremonies/{slug}/verify/email/code': everyone,
  'GET /api/ceremonies/{slug}/voter': { allowed: VOTER },
  'GET /api/ceremonies/{slug}/verify/oidc/start': everyone,
  'GET /api/ceremonies/{slug}/verify/oidc/callback': everyone,
  'PUT /api/ceremonies/{slug}/oidc-client': organizer({ clientSecret: 's3cret' }),
  'POST /api/ceremonies/{slug}/roll': organizer(),
  'GET /api/ceremonies/{slug}/roll': organizer(),
  'POST /api/ceremonies/{slug}/roll/codes': organizer({ emails: ['voter@example.kg'] }),
  'POST /api/ceremonies/{slug}/verify/roll': everyone,

  // ------------------------------------------------------------------ nominations and moderation
  'POST /api/ceremonies/{slug}/categories/{category}/nominations': {
    allowed: VOTER,
    valid: { nominee: 'a', reason: 'Mentor of many' },
  },
  'GET /api/ceremonies/{slug}/nominations/mine': { allowed: VOTER },
  'GET /api/ceremonies/{slug}/moderation': organizer(),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/accept': organizer(),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/reject': organizer({ reason: 'Not eligible' }),
  'PATCH /api/ceremonies/{slug}/nominees/{nominee}/proposal': organizer({ name: { en: 'Aida' } }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/merge': organizer({ into: 'b' }),
  'GET /api/ceremonies/{slug}/nominations.csv': organizer(),
  'POST /api/ceremonies/{slug}/nominees.csv': organizer(),
  'GET /api/ceremonies/{slug}/consents': organizer(),
  'PUT /api/ceremonies/{slug}/nominees/{nominee}/contact': organizer({ email: 'aida@example.kg' }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/consent-request': organizer(),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/withdraw': organizer({ reason: 'Asked by phone' }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/erase': organizer(),

  // ------------------------------------------------------------------ the vote
  'POST /api/ceremonies/{slug}/ballots': {
    allowed: VOTER,
    valid: { category: 'mentor', nominee: 'a', nonce: 'n'.repeat(32) },
  },
  'GET /api/ceremonies/{slug}/ballots/mine': { allowed: VOTER },
  'GET /api/ceremonies/{slug}/receipts/{receipt}': everyone,
  'GET /api/ceremonies/{slug}/checkpoints': everyone,
  'GET /api/ceremonies/{slug}/checkpoints/consistency': everyone,
  'GET /api/ceremonies/{slug}/review/groups': organizer(),
  'POST /api/ceremonies/{slug}/review/flag': organizer({ network: SIGNAL, reason: 'automated' }),
  'POST /api/ceremonies/{slug}/review/void': organizer({ trackers: [TRACKER], reason: 'duplicate-person' }),
  'POST /api/ceremonies/{slug}/review/restore': organizer({ trackers: [TRACKER], reason: 'voided-by-mistake' }),
  'GET /api/ceremonies/{slug}/turnout': organizer(),
  // Security is optional Bearer, but per-nominee counts stay the organizers' until the results are announced.
  'GET /api/ceremonies/{slug}/counts': organizer(),
  'GET /api/ceremonies/{slug}/categories/{category}/finalists': organizer(),
  'PUT /api/ceremonies/{slug}/categories/{category}/finalists': organizer({ nominees: ['b', 'c'] }),
  'POST /api/ceremonies/{slug}/categories/{category}/finalists/wildcards': organizer({
    nominee: 'c',
    reason: 'Regional balance',
  }),

  // ------------------------------------------------------------------ the jury
  'GET /api/ceremonies/{slug}/jury': organizer(),
  'POST /api/ceremonies/{slug}/jury/jurors': organizer({ name: 'J', institution: 'panel', categories: ['mentor'] }),
  'PATCH /api/ceremonies/{slug}/jury/jurors/{juror}': {
    ...organizer({ weight: 2 }),
    effect: 'an empty patch is accepted (200) and appends an event although nothing changes',
  },
  'POST /api/ceremonies/{slug}/jury/jurors/{juror}/invitation': {
    ...organizer(),
    effect: 'takes no body: issues a new invitation link',
  },
  'POST /api/ceremonies/{slug}/jury/conflicts': organizer((p: Params) => ({ nominee: 'b', juror: p.juror })),
  'GET /api/jury/invitations/{token}': { allowed: EVERYONE, pathCredential: true },
  'POST /api/jury/invitations/{token}': { allowed: EVERYONE, pathCredential: true },
  'POST /api/ceremonies/{slug}/jury/link': everyone,
  'GET /api/ceremonies/{slug}/jury/me': jurors(),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/conflicts': jurors({ nominees: [] }),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/scores/{nominee}': jurors({ scores: { merit: 7 } }),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/ranking': jurors({ ranking: ['a', 'b'] }),
  'POST /api/ceremonies/{slug}/jury/sheets/{category}/submit': jurors(),

  // ------------------------------------------------------------------ results
  'POST /api/ceremonies/{slug}/results/finalize': { ...organizer(), effect: 'takes no body: finalizes award A' },
  'POST /api/ceremonies/{slug}/results/announce': {
    ...organizer(),
    effect: 'takes no body: announces (after finalize)',
  },
  'POST /api/ceremonies/{slug}/results/amend': organizer({ reason: 'A voided ballot restored' }),
  'POST /api/ceremonies/{slug}/results/reveal': organizer(),
  'GET /api/ceremonies/{slug}/results/live': everyone,
  'GET /api/ceremonies/{slug}/results': everyone,
  'GET /api/ceremonies/{slug}/results/versions': everyone,
  'GET /api/ceremonies/{slug}/results.csv': everyone,
  'GET /api/ceremonies/{slug}/bundle': everyone,
};

/** Not part of the matrix: pages (cookies and CSRF, not Bearer) and the service's own documents. */
const OUT_OF_SCOPE = [/^\/health$/, /^\/openapi\.json$/, /^\/api-docs$/, /^\/\.well-known\//];

/** Every operation of the document under /api/, as `METHOD /path`. */
async function apiOperations(env: TestEnv): Promise<string[]> {
  const res = await env.app.request('/openapi.json');
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/') && !OUT_OF_SCOPE.some((re) => re.test(path)))
    .flatMap(([path, ops]) =>
      ['get', 'post', 'put', 'patch', 'delete'].filter((m) => m in ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
}

const SCORE_A = 'PUT /api/ceremonies/{slug}/jury/sheets/{category}/scores/{nominee}';

/** Path parameters of award A; the juror is the unconflicted juror of A. */
function fill(path: string, p: Params): string {
  const values: Record<string, string> = {
    slug: p.slug,
    category: 'mentor',
    nominee: 'a',
    juror: p.juror,
    token: 'x',
    receipt: 'x',
  };
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for path parameter ${name} in ${path}`);
    return v;
  });
}

// ------------------------------------------------------------------------------------------------ the world

interface World {
  a: Pipeline;
  params: Params;
  tokens: Record<Exclude<Who, 'anonymous'>, string>;
}

/** Adds a juror of `mentor` to award A and spends the invitation; returns the juror's id and session token. */
async function juror(a: Pipeline, name: string): Promise<{ id: string; token: string }> {
  const added = await call(a, api(a, '/jury/jurors'), { name, institution: 'panel', categories: ['mentor'] });
  expect(added.status, await added.clone().text()).toBe(201);
  const body = (await added.json()) as { juror: { id: string }; invitation: { url: string } };
  const invitation = new URL(body.invitation.url, 'http://localhost').pathname.split('/').pop()!;
  const session = await call(a, `/api/jury/invitations/${invitation}`, {}, { token: '' });
  expect(session.status, await session.clone().text()).toBe(200);
  return { id: body.juror.id, token: ((await session.json()) as { token: string }).token };
}

/** Declares a juror's conflicts in `mentor` through the juror's own sheet. */
async function declare(a: Pipeline, token: string, nominees: string[]): Promise<void> {
  const res = await call(a, api(a, '/jury/sheets/mentor/conflicts'), { nominees }, { method: 'PUT', token });
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * Award A voted (one ballot for a), closed, finalists a and b picked, a declared juror and a juror conflicted with
 * a; award B in voting with its own organizer; a voter of each.
 */
async function world(): Promise<World> {
  const env = await testEnv();
  const slug = 'authz-a';
  const idA = await openVote(env, resultsAward(slug, SPEC));
  const idB = await openVote(env, resultsAward('authz-b', SPEC));
  const awardA = await requireAward(env, idA);
  const a: Pipeline = {
    env,
    slug,
    id: idA,
    organizer: await signIn(env, 'org-a@example.org', idA),
    nominee: Object.fromEntries(awardA.nominees.map((n) => [n.slug, n.id])),
    category: Object.fromEntries(awardA.categories.map((c) => [c.slug, c.id])),
    institution: Object.fromEntries(awardA.institutions.map((i) => [i.slug, i.id])),
  };
  const organizerB = await signIn(env, 'org-b@example.org', idB);
  await castBallot(a, 'mentor', 'a');
  const plain = await juror(a, 'Juror One');
  const conflicted = await juror(a, 'Juror Two');
  await closeVote(a);
  const picked = await call(a, api(a, '/categories/mentor/finalists'), { nominees: ['a', 'b'] }, { method: 'PUT' });
  expect(picked.status, await picked.clone().text()).toBe(200);
  await declare(a, plain.token, []);
  await declare(a, conflicted.token, ['a']);
  return {
    a,
    params: { slug, juror: plain.id },
    tokens: {
      voterA: await voterToken(env, idA, 'voter-a'),
      voterB: await voterToken(env, idB, 'voter-b'),
      juror: plain.token,
      conflictedJuror: conflicted.token,
      organizerB,
      organizerA: a.organizer,
    },
  };
}

/** One call of a route as a principal; `body` is sent (as JSON) on mutating methods only. */
function request(w: World, route: string, who: Who, body: unknown): Promise<Response> {
  const [method, path] = route.split(' ') as [string, string];
  const headers: Record<string, string> = who === 'anonymous' ? {} : bearer(w.tokens[who]);
  if (method === 'GET') return Promise.resolve(w.a.env.app.request(fill(path, w.params), { headers }));
  return Promise.resolve(
    w.a.env.app.request(fill(path, w.params), {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** The body a refused principal sends: the rule's valid body (built from award A's parameters), or `{}`. */
const validBody = (rule: Rule, w: World): unknown =>
  typeof rule.valid === 'function' ? (rule.valid as (p: Params) => unknown)(w.params) : (rule.valid ?? {});

// ------------------------------------------------------------------------------------------------ the tests

describe('authorization matrix of the JSON API', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  }, 30_000);

  it('has an entry for every /api/ operation of the document, and none that is gone', async () => {
    expect((await apiOperations(w.a.env)).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('refuses a conflicted juror a score of the nominee they are conflicted with (409 conflict-of-interest)', async () => {
    const res = await request(w, SCORE_A, 'conflictedJuror', { scores: { merit: 7 } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('conflict-of-interest');
  });

  // Routes with an effect last: finalizing moves award A out of judging, which the other routes are called in.
  const ordered = Object.entries(ROUTES).sort(([, x], [, y]) => Number(!!x.effect) - Number(!!y.effect));
  for (const [route, rule] of ordered) {
    const refused = PRINCIPALS.filter((p) => !rule.allowed.includes(p));
    it(`${route}: allowed ${rule.allowed.join(', ') || 'nobody'}; refused ${refused.join(', ') || 'nobody'}`, async () => {
      const mutating = !route.startsWith('GET ');
      const seen: string[] = [];
      for (const who of PRINCIPALS) {
        const allowed = rule.allowed.includes(who);
        const before = mutating ? await stateSnapshot(w.a.env) : undefined;
        const res = await request(w, route, who, allowed ? {} : validBody(rule, w));
        const text = await res.text();
        const where = `${who}: ${res.status} ${text.slice(0, 200)}`;
        seen.push(`${who}=${res.status}`);
        if (rule.pathCredential) {
          expect(res.status, where).not.toBeLessThan(300);
        } else if (allowed) {
          expect([401, 403], where).not.toContain(res.status);
        } else {
          expect(rule.hides ? [401, 403, 404] : [401, 403], where).toContain(res.status);
        }
        // Nobody's call may change anything: allowed principals send an empty body, refused ones are refused.
        if (before && !(allowed && rule.effect)) expect(await stateSnapshot(w.a.env), where).toEqual(before);
      }
      if (rule.pathCredential) expect(new Set(seen.map((s) => s.split('=')[1])).size, seen.join(' ')).toBe(1);
    });
  }
});
