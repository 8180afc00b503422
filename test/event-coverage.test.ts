/**
 * Event coverage (issue 8): every mutating route of the OpenAPI document, API and page forms alike, is in the table
 * below. A covered route is called for real, each in a fresh database: refused calls (no session, no CSRF token, a
 * bad body, a state that forbids the change) must change no table at all, and the successful call must append
 * exactly the named events. An exempt route says why it appends no event (ballots go to the ballot log; codes and
 * sessions are not award state; some forms change nothing persistent), and a probe proves it appends none and
 * writes only the tables named. A route that writes without an event would be a `gap` (an it.todo). A mutating route of the document missing from the table
 * fails the first test, so the coverage cannot rot.
 */
import { describe, expect, it } from 'vitest';
import { addOrganizer } from '../src/organizers/service';
import { bearer, latestCode, post, requestCode, signIn, testEnv, type TestEnv, usingPostgres } from './helpers';
import { nonce, voterToken } from './support/awards';
import {
  appendedSince,
  awardIn,
  eventKeys,
  mutatingOperations,
  stateSnapshot,
  tablesWrittenBy,
} from './support/coverage';
import { Browser, signInOrganizer } from './support/pages';
import {
  type AwardSpec,
  type Pipeline,
  api,
  call,
  castBallot,
  closeVote,
  finalize,
  invitedJuror,
  openPipeline,
  resultsAward,
} from './support/results';

// ------------------------------------------------------------------------------------------------ the table's types

/** Why a route appends no event. */
type ExemptReason =
  | 'ballot-log' // ballots are not events (they would serialize voting); leaves and checkpoints cover them
  | 'sends-code' // only mails a one-time code
  | 'opens-session' // spends a code and hands out a session; the person, not the award, changes
  | 'no-state'; // changes nothing persistent (a cookie at most)

interface Refusal<S> {
  why: string;
  status: number;
  call: (s: S) => Response | Promise<Response>;
}

interface Recipe<S extends { env: TestEnv }> {
  /** Builds the state the route needs, in a fresh database. */
  arrange: () => Promise<S>;
  /** Calls refused on that state; each must change no table. */
  refusals: Refusal<S>[];
  /** The successful call, its status, and the types of the events it must append (by chain, then seq). */
  call: (s: S) => Response | Promise<Response>;
  status: number;
  events: string[];
}

interface Covered {
  kind: 'covered';
  events: string[];
  refusals: string[];
  run: () => Promise<void>;
}

interface Exempt {
  kind: 'exempt';
  reason: ExemptReason;
  why: string;
  /** A successful call: it must append no event and write exactly `writes` (sorted table names). */
  probe: () => Promise<{ env: TestEnv; call: () => Response | Promise<Response>; status: number }>;
  writes: string[];
}

/** A route that writes without an event: a finding, listed so that it is not forgotten. */
interface Gap {
  kind: 'gap';
  writes: string;
}

type Entry = Covered | Exempt | Gap;

/** A covered route: the recipe's type is checked here and erased for the table. */
function covered<S extends { env: TestEnv }>(r: Recipe<S>): Covered {
  return {
    kind: 'covered',
    events: r.events,
    refusals: r.refusals.map((x) => x.why),
    run: async () => {
      const s = await r.arrange();
      for (const refusal of r.refusals) {
        const before = await stateSnapshot(s.env);
        const seen = await eventKeys(s.env);
        const res = await refusal.call(s);
        expect(res.status, `${refusal.why}: ${await res.clone().text()}`).toBe(refusal.status);
        expect(await appendedSince(s.env, seen), refusal.why).toEqual([]);
        expect(await stateSnapshot(s.env), refusal.why).toEqual(before);
      }
      const seen = await eventKeys(s.env);
      const res = await r.call(s);
      expect(res.status, await res.clone().text()).toBe(r.status);
      expect(await appendedSince(s.env, seen)).toEqual(r.events);
      expect((await eventKeys(s.env)).size).toBe(seen.size + r.events.length);
    },
  };
}

/** What a ballot writes: the rate limiters count in the `throttles` table, except on SQLite (src/abuse/store.ts). */
const BALLOT_WRITES = ['ballot_signals', 'ballots', 'marks', ...(usingPostgres ? ['throttles'] : [])];

const exempt = (reason: ExemptReason, why: string, writes: string[], probe: Exempt['probe']): Exempt => ({
  kind: 'exempt',
  reason,
  why,
  writes,
  probe,
});

// ------------------------------------------------------------------------------------------------ arrangements

/** One category of three nominees, organizer-picked finalists, one rubric institution. */
const SPEC: AwardSpec = {
  rules: { finalists: { mode: 'organizer' } },
  categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c'] }],
};
const RANKING: AwardSpec = {
  rules: { finalists: { mode: 'organizer' }, jury: { mode: 'ranking', rankPoints: { kind: 'borda' } } },
  categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c'] }],
};
const ROLL: AwardSpec = { ...SPEC, rules: { ...SPEC.rules, identity: { method: 'roll' } } };
const OIDC: AwardSpec = {
  ...SPEC,
  rules: {
    ...SPEC.rules,
    identity: { method: 'oidc', oidc: { issuer: 'https://id.example.kg', clientId: 'laurel' } },
  },
};
const TRUST_PROXY = { TRUST_PROXY: 'x-forwarded-for' };

/** A definition in the import format (the award of SPEC under another slug). */
const resultsDef = (slug: string) => resultsAward(slug, SPEC);

const draft = () => awardIn('draft', SPEC);
const nominating = () => awardIn('nominating', SPEC);
const withPending = () => awardIn('nominating', SPEC, { pending: ['p', 'q'] });

/** The same request without any session. */
const anonymous = (p: Pipeline, path: string, body: unknown, method = 'POST') => post(p.env, path, body, {}, method);

/** A request with a raw (non-JSON) body, as the organizer. */
const upload = (p: Pipeline, path: string, body: string, type: string) =>
  p.env.app.request(path, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${p.organizer}` },
    body,
  });

/** A browser signed in through the pages as an organizer of the award. */
async function organizerPages(p: Pipeline) {
  await addOrganizer(p.env, 'pages@example.org', p.id, 'cli');
  return signInOrganizer(p.env, 'pages@example.org');
}

/** Voting closed by hand and the organizer's finalists picked: a and b. */
async function judging(spec: AwardSpec = SPEC, withJuror = true) {
  const p = await openPipeline('cov', spec);
  const juror = withJuror ? await invitedJuror(p, { name: 'Juror One', categories: ['mentor'] }) : '';
  await closeVote(p);
  const picked = await call(p, api(p, '/categories/mentor/finalists'), { nominees: ['a', 'b'] }, { method: 'PUT' });
  expect(picked.status, await picked.clone().text()).toBe(200);
  return { ...p, juror };
}

/** A juror session whose conflicts in `mentor` are declared (none). */
async function declared(spec: AwardSpec = SPEC) {
  const p = await judging(spec);
  const res = await call(p, sheet(p, '/conflicts'), { nominees: [] }, { method: 'PUT', token: p.juror });
  expect(res.status, await res.clone().text()).toBe(200);
  return p;
}

const sheet = (p: Pipeline, rest: string) => api(p, `/jury/sheets/mentor${rest}`);

/** Judging with a declared juror who has scored both finalists (the sheet is complete but not submitted). */
async function scored() {
  const p = await declared();
  for (const n of ['a', 'b']) {
    const res = await call(p, sheet(p, `/scores/${n}`), { scores: { merit: 7 } }, { method: 'PUT', token: p.juror });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return p;
}

/** Finalized with no sheets (the jury component is flagged, which finalizing allows). */
async function finalized() {
  const p = await judging(SPEC, false);
  await finalize(p);
  return p;
}

async function announced() {
  const p = await finalized();
  const res = await call(p, api(p, '/results/announce'), {});
  expect(res.status, await res.clone().text()).toBe(200);
  return p;
}

/** A juror added with an address, invitation not spent; returns its id and the invitation's path. */
async function addedJuror(p: Pipeline, email: string | null = 'juror@example.kg') {
  const res = await call(p, api(p, '/jury/jurors'), {
    name: 'Juror Two',
    email,
    institution: 'panel',
    categories: ['mentor'],
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { juror: { id: string }; invitation: { url: string } };
  return { id: body.juror.id, invitation: new URL(body.invitation.url, 'http://localhost').pathname };
}

/** A browser that spent a juror invitation through the pages; it holds the juror's session cookie. */
async function jurorPages(p: Pipeline) {
  const { invitation } = await addedJuror(p, null);
  const b = new Browser(p.env);
  expect((await b.get(invitation)).status).toBe(200);
  expect((await b.post(invitation, {})).status).toBe(303);
  return b;
}

/** Judging with finalists a and b and a juror in the pages, conflicts declared (none) unless told otherwise. */
async function juryPages(spec: AwardSpec = SPEC, declare = true) {
  const p = await judging(spec, false);
  const b = await jurorPages(p);
  expect((await b.get(`/jury/${p.slug}/mentor`)).status).toBe(200);
  if (declare) expect((await b.post(`/jury/${p.slug}/mentor/conflicts`, {})).status).toBe(303);
  return { ...p, b };
}

/** The path of the newest consent (or withdraw) link mailed to an address. */
async function mailedLink(env: TestEnv, to: string, kind: 'consent-request' | 'consent-given') {
  const mail = await env.store.db
    .selectFrom('outbox')
    .select('text_body')
    .where('to_address', '=', to)
    .where('kind', '=', kind)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const path = kind === 'consent-request' ? 'consent' : 'withdraw';
  const m = new RegExp(`/${path}/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)`).exec(mail.text_body);
  if (!m) throw new Error(`no ${path} link in: ${mail.text_body}`);
  return `/${path}/${m[1]}`;
}

const NOMINEE_EMAIL = 'aida@example.kg';

/** Nominee a has a contact address and has been asked for consent; returns the consent link. */
async function consentAsked() {
  const p = await nominating();
  const set = await call(p, api(p, '/nominees/a/contact'), { email: NOMINEE_EMAIL }, { method: 'PUT' });
  expect(set.status, await set.clone().text()).toBe(200);
  const asked = await call(p, api(p, '/nominees/a/consent-request'), {});
  expect(asked.status, await asked.clone().text()).toBe(202);
  const b = new Browser(p.env);
  const link = await mailedLink(p.env, NOMINEE_EMAIL, 'consent-request');
  expect((await b.get(link)).status).toBe(200);
  return { ...p, b, link };
}

/** Nominee a consented; returns the withdraw link mailed afterwards, opened in a browser. */
async function consented() {
  const p = await consentAsked();
  expect((await p.b.post(p.link, { decision: 'give' })).status).toBe(200);
  const withdraw = await mailedLink(p.env, NOMINEE_EMAIL, 'consent-given');
  expect((await p.b.get(withdraw)).status).toBe(200);
  return { ...p, withdraw };
}

/** Two ballots for a from one network and one for b from another; returns the big group's network signal. */
async function reviewable() {
  const p = await openPipeline('cov', SPEC, TRUST_PROXY);
  const trackers = [
    await castBallot(p, 'mentor', 'a', '203.0.113.7'),
    await castBallot(p, 'mentor', 'a', '203.0.113.8'),
  ];
  await castBallot(p, 'mentor', 'b', '198.51.100.1');
  const res = await call(p, api(p, '/review/groups?min=2'));
  expect(res.status, await res.clone().text()).toBe(200);
  const { groups } = (await res.json()) as { groups: { network: string }[] };
  expect(groups).toHaveLength(1);
  return { ...p, network: groups[0]!.network, trackers };
}

/** A roll award in nominations with one person on it; returns their mailed code. */
async function rolled() {
  const p = await awardIn('nominating', ROLL);
  const res = await upload(p, api(p, '/roll?delivery=mail'), 'email\nvoter@example.kg\n', 'text/csv');
  expect(res.status, await res.clone().text()).toBe(201);
  const mail = await p.env.store.db
    .selectFrom('outbox')
    .select('text_body')
    .where('to_address', '=', 'voter@example.kg')
    .executeTakeFirstOrThrow();
  const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(mail.text_body)?.[1];
  if (!code) throw new Error(`no roll code in: ${mail.text_body}`);
  return { ...p, code };
}

/** A browser holding a voter session of the award (as if verified by email), having opened the award's page. */
async function voterPages(p: Pipeline, who: string) {
  const b = new Browser(p.env);
  b.jar.set('laurel_voter', await voterToken(p.env, p.id, who));
  expect((await b.get(`/a/${p.slug}`)).status).toBe(200);
  return b;
}

/** The nonces of a ballot form, by category slug. */
const noncesOf = (html: string): Record<string, string> =>
  Object.fromEntries([...html.matchAll(/name="nonce-([a-z0-9-]+)" value="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));

// ------------------------------------------------------------------------------------------------ the table

const ROUTES: Record<string, Entry> = {
  // ------------------------------------------------------------------ sign-in, bootstrap, organizers
  'POST /api/auth/code': exempt(
    'sends-code',
    'mails an organizer a sign-in code',
    ['login_codes', 'outbox', 'throttles'],
    async () => {
      const env = await testEnv();
      await addOrganizer(env, 'org@example.org', null, 'cli');
      return { env, call: () => post(env, '/api/auth/code', { email: 'org@example.org' }), status: 202 };
    },
  ),
  'POST /api/auth/token': exempt(
    'opens-session',
    'spends the code for an organizer session (the site’s first session also creates the session signing key)',
    ['keys', 'login_codes'],
    async () => {
      const env = await testEnv();
      await addOrganizer(env, 'org@example.org', null, 'cli');
      const code = await requestCode(env, 'org@example.org');
      return { env, call: () => post(env, '/api/auth/token', { email: 'org@example.org', code }), status: 200 };
    },
  ),
  'POST /api/bootstrap': covered({
    arrange: async () => ({ env: await testEnv({ env: { BOOTSTRAP_TOKEN: 'bootstrap-secret-0123456789' } }) }),
    refusals: [
      {
        why: 'wrong token',
        status: 401,
        call: (s) => post(s.env, '/api/bootstrap', { token: 'bootstrap-secret-wrong', email: 'first@example.org' }),
      },
      { why: 'not an address', status: 400, call: (s) => post(s.env, '/api/bootstrap', { token: 'x', email: 'no' }) },
    ],
    call: (s) => post(s.env, '/api/bootstrap', { token: 'bootstrap-secret-0123456789', email: 'first@example.org' }),
    status: 201,
    events: ['organizer.added'],
  }),
  'POST /api/ceremonies/{slug}/organizers': covered({
    arrange: draft,
    refusals: [
      {
        why: 'no session',
        status: 401,
        call: (p) => anonymous(p, api(p, '/organizers'), { email: 'two@example.org' }),
      },
      { why: 'not an address', status: 400, call: (p) => call(p, api(p, '/organizers'), { email: 'two' }) },
    ],
    call: (p) => call(p, api(p, '/organizers'), { email: 'two@example.org' }),
    status: 201,
    events: ['organizer.added'],
  }),

  // ------------------------------------------------------------------ awards
  'POST /api/ceremonies': covered({
    arrange: async () => {
      const env = await testEnv();
      return { env, site: await signIn(env, 'site@example.org') };
    },
    refusals: [
      { why: 'no session', status: 401, call: (s) => post(s.env, '/api/ceremonies', resultsDef('new-award')) },
      {
        why: 'invalid definition',
        status: 400,
        call: (s) => post(s.env, '/api/ceremonies', { ...resultsDef('new-award'), slug: 'Bad Slug' }, bearer(s.site)),
      },
    ],
    call: (s) => post(s.env, '/api/ceremonies', resultsDef('new-award'), bearer(s.site)),
    status: 201,
    events: ['ceremony.created'],
  }),
  'PUT /api/ceremonies/{slug}/definition': covered({
    arrange: draft,
    refusals: [
      {
        why: 'invalid definition',
        status: 400,
        call: (p) => call(p, api(p, '/definition'), { format: 'laurel-award/1' }, { method: 'PUT' }),
      },
    ],
    call: (p) => call(p, api(p, '/definition'), resultsDef(p.slug), { method: 'PUT' }),
    status: 200,
    events: ['ceremony.replaced'],
  }),
  'PUT /api/ceremonies/{slug}/rules': covered({
    arrange: draft,
    refusals: [
      {
        why: 'both weights zero',
        status: 400,
        call: (p) => call(p, api(p, '/rules'), { weights: { jury: 0, public: 0 } }, { method: 'PUT' }),
      },
    ],
    call: (p) => call(p, api(p, '/rules'), { voteChange: 'last-counts' }, { method: 'PUT' }),
    status: 200,
    events: ['rules.updated'],
  }),
  'PUT /api/ceremonies/{slug}/schedule': covered({
    arrange: draft,
    refusals: [
      {
        why: 'closes before it opens',
        status: 422,
        call: (p) =>
          call(
            p,
            api(p, '/schedule'),
            { voting: { opens: '2031-02-01T09:00:00+06:00', closes: '2031-01-01T09:00:00+06:00' } },
            { method: 'PUT' },
          ),
      },
    ],
    call: (p) =>
      call(
        p,
        api(p, '/schedule'),
        { voting: { opens: '2031-01-01T09:00:00+06:00', closes: '2031-02-01T09:00:00+06:00' } },
        { method: 'PUT' },
      ),
    status: 200,
    events: ['schedule.updated'],
  }),
  'POST /api/ceremonies/{slug}/phase': covered({
    arrange: nominating,
    refusals: [
      { why: 'backwards', status: 409, call: (p) => call(p, api(p, '/phase'), { to: 'draft' }) },
      { why: 'no session', status: 401, call: (p) => anonymous(p, api(p, '/phase'), { to: 'voting' }) },
    ],
    call: (p) => call(p, api(p, '/phase'), { to: 'voting' }),
    status: 200,
    events: ['phase.changed'],
  }),
  'POST /api/ceremonies/{slug}/categories/{category}/nominees': covered({
    arrange: nominating,
    refusals: [
      {
        why: 'bad slug',
        status: 400,
        call: (p) => call(p, api(p, '/categories/mentor/nominees'), { slug: 'Not A Slug', name: { en: 'D' } }),
      },
      {
        why: 'unknown category',
        status: 404,
        call: (p) => call(p, api(p, '/categories/nowhere/nominees'), { slug: 'd', name: { en: 'D' } }),
      },
    ],
    call: (p) => call(p, api(p, '/categories/mentor/nominees'), { slug: 'd', name: { en: 'D' } }),
    status: 201,
    events: ['nominee.added'],
  }),
  'PATCH /api/ceremonies/{slug}/nominees/{nominee}': covered({
    arrange: draft,
    refusals: [
      {
        why: 'no language',
        status: 400,
        call: (p) => call(p, api(p, '/nominees/a'), { name: {} }, { method: 'PATCH' }),
      },
      {
        why: 'no session',
        status: 401,
        call: (p) => anonymous(p, api(p, '/nominees/a'), { name: { en: 'Aida' } }, 'PATCH'),
      },
    ],
    call: (p) => call(p, api(p, '/nominees/a'), { name: { en: 'Aida' } }, { method: 'PATCH' }),
    status: 200,
    events: ['nominee.updated'],
  }),

  // ------------------------------------------------------------------ verification and the roll
  'POST /api/ceremonies/{slug}/verify/email': exempt(
    'sends-code',
    'mails a voter a one-time code',
    ['login_codes', 'outbox', 'throttles'],
    async () => {
      const p = await nominating();
      return {
        env: p.env,
        call: () => post(p.env, api(p, '/verify/email'), { email: 'voter@example.kg' }),
        status: 202,
      };
    },
  ),
  'POST /api/ceremonies/{slug}/verify/email/code': exempt(
    'opens-session',
    'spends the code for a voter token (a JWE; nothing stored)',
    ['login_codes'],
    async () => {
      const p = await nominating();
      expect((await post(p.env, api(p, '/verify/email'), { email: 'voter@example.kg' })).status).toBe(202);
      const code = await latestCode(p.env, 'voter@example.kg');
      return {
        env: p.env,
        call: () => post(p.env, api(p, '/verify/email/code'), { email: 'voter@example.kg', code }),
        status: 200,
      };
    },
  ),
  'PUT /api/ceremonies/{slug}/oidc-client': covered({
    arrange: () => awardIn('draft', OIDC),
    refusals: [
      {
        why: 'empty secret',
        status: 400,
        call: (p) => call(p, api(p, '/oidc-client'), { clientSecret: '' }, { method: 'PUT' }),
      },
      {
        why: 'no session',
        status: 401,
        call: (p) => anonymous(p, api(p, '/oidc-client'), { clientSecret: 's3cret' }, 'PUT'),
      },
    ],
    call: (p) => call(p, api(p, '/oidc-client'), { clientSecret: 's3cret' }, { method: 'PUT' }),
    status: 200,
    events: ['oidc.client-secret-set'],
  }),
  'POST /api/ceremonies/{slug}/roll': covered({
    arrange: () => awardIn('nominating', ROLL),
    refusals: [
      {
        why: 'no address column',
        status: 400,
        call: (p) => upload(p, api(p, '/roll?delivery=mail'), 'name\nAigul\n', 'text/csv'),
      },
    ],
    call: (p) => upload(p, api(p, '/roll?delivery=mail'), 'email\nvoter@example.kg\n', 'text/csv'),
    status: 201,
    events: ['roll.imported'],
  }),
  'POST /api/ceremonies/{slug}/roll/codes': covered({
    arrange: rolled,
    refusals: [
      {
        why: 'not on the roll',
        status: 400,
        call: (p) => call(p, api(p, '/roll/codes'), { emails: ['stranger@example.kg'] }),
      },
      { why: 'no address', status: 400, call: (p) => call(p, api(p, '/roll/codes'), { emails: [] }) },
    ],
    call: (p) => call(p, api(p, '/roll/codes'), { emails: ['voter@example.kg'] }),
    status: 201,
    events: ['roll.codes_reissued'],
  }),
  'POST /api/ceremonies/{slug}/verify/roll': exempt(
    'opens-session',
    'spends a single-use roll code for a voter token; the roll entry was logged when the code was issued',
    ['roll_codes'],
    async () => {
      const p = await rolled();
      return { env: p.env, call: () => post(p.env, api(p, '/verify/roll'), { code: p.code }), status: 200 };
    },
  ),

  // ------------------------------------------------------------------ nominations, moderation, consent
  'POST /api/ceremonies/{slug}/categories/{category}/nominations': covered({
    arrange: async () => {
      const p = await nominating();
      return { ...p, voter: await voterToken(p.env, p.id, 'nominator') };
    },
    refusals: [
      {
        why: 'no voter session',
        status: 401,
        call: (p) => anonymous(p, api(p, '/categories/mentor/nominations'), { nominee: 'a', reason: 'Mentor of many' }),
      },
      {
        why: 'no reason',
        status: 400,
        call: (p) => call(p, api(p, '/categories/mentor/nominations'), { nominee: 'a' }, { token: p.voter }),
      },
    ],
    call: (p) =>
      call(p, api(p, '/categories/mentor/nominations'), { nominee: 'a', reason: 'Mentor of many' }, { token: p.voter }),
    status: 201,
    events: ['nomination.submitted'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/accept': covered({
    arrange: withPending,
    refusals: [
      { why: 'unknown nominee', status: 404, call: (p) => call(p, api(p, '/nominees/nobody/accept'), {}) },
      { why: 'no session', status: 401, call: (p) => anonymous(p, api(p, '/nominees/p/accept'), {}) },
    ],
    call: (p) => call(p, api(p, '/nominees/p/accept'), {}),
    status: 200,
    events: ['nominee.accepted'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/reject': covered({
    arrange: withPending,
    refusals: [{ why: 'no reason', status: 400, call: (p) => call(p, api(p, '/nominees/p/reject'), { reason: '' }) }],
    call: (p) => call(p, api(p, '/nominees/p/reject'), { reason: 'Not eligible' }),
    status: 200,
    events: ['nominee.rejected'],
  }),
  'PATCH /api/ceremonies/{slug}/nominees/{nominee}/proposal': covered({
    arrange: withPending,
    refusals: [
      {
        why: 'nothing to change',
        status: 400,
        call: (p) => call(p, api(p, '/nominees/p/proposal'), {}, { method: 'PATCH' }),
      },
    ],
    call: (p) => call(p, api(p, '/nominees/p/proposal'), { name: { en: 'Perizat' } }, { method: 'PATCH' }),
    status: 200,
    events: ['nominee.updated'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/merge': covered({
    arrange: withPending,
    refusals: [
      {
        why: 'into an unknown nominee',
        status: 404,
        call: (p) => call(p, api(p, '/nominees/p/merge'), { into: 'nobody' }),
      },
    ],
    call: (p) => call(p, api(p, '/nominees/p/merge'), { into: p.nominee.a }),
    status: 200,
    events: ['nominee.merged'],
  }),
  'POST /api/ceremonies/{slug}/nominees.csv': covered({
    arrange: nominating,
    refusals: [
      {
        why: 'unknown category (all or nothing)',
        status: 400,
        call: (p) => upload(p, api(p, '/nominees.csv'), 'category,name\nmentor,Dina\nnowhere,Elmira\n', 'text/csv'),
      },
    ],
    call: (p) => upload(p, api(p, '/nominees.csv'), 'category,name\nmentor,Dina\nmentor,Elmira\n', 'text/csv'),
    status: 200,
    events: ['nominees.imported'],
  }),
  'PUT /api/ceremonies/{slug}/nominees/{nominee}/contact': covered({
    arrange: nominating,
    refusals: [
      {
        why: 'not an address',
        status: 400,
        call: (p) => call(p, api(p, '/nominees/a/contact'), { email: 'aida' }, { method: 'PUT' }),
      },
      {
        why: 'guardian where minors are not allowed',
        status: 400,
        call: (p) =>
          call(p, api(p, '/nominees/a/contact'), { email: NOMINEE_EMAIL, guardian: true }, { method: 'PUT' }),
      },
    ],
    call: (p) => call(p, api(p, '/nominees/a/contact'), { email: NOMINEE_EMAIL }, { method: 'PUT' }),
    status: 200,
    events: ['nominee.contact-set'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/consent-request': covered({
    arrange: async () => {
      const p = await nominating();
      const set = await call(p, api(p, '/nominees/a/contact'), { email: NOMINEE_EMAIL }, { method: 'PUT' });
      expect(set.status).toBe(200);
      return p;
    },
    refusals: [
      { why: 'no contact address', status: 409, call: (p) => call(p, api(p, '/nominees/b/consent-request'), {}) },
    ],
    call: (p) => call(p, api(p, '/nominees/a/consent-request'), {}),
    status: 202,
    events: ['consent.requested'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/withdraw': covered({
    arrange: nominating,
    refusals: [
      { why: 'no reason', status: 400, call: (p) => call(p, api(p, '/nominees/a/withdraw'), { reason: ' ' }) },
    ],
    call: (p) => call(p, api(p, '/nominees/a/withdraw'), { reason: 'Asked by phone' }),
    status: 200,
    events: ['nominee.withdrawn'],
  }),
  'POST /api/ceremonies/{slug}/nominees/{nominee}/erase': covered({
    arrange: async () => {
      const p = await withPending();
      expect((await call(p, api(p, '/nominees/p/reject'), { reason: 'Not eligible' })).status).toBe(200);
      return p;
    },
    refusals: [{ why: 'an accepted nominee', status: 409, call: (p) => call(p, api(p, '/nominees/a/erase'), {}) }],
    call: (p) => call(p, api(p, '/nominees/p/erase'), {}),
    status: 200,
    events: ['nominee.erased'],
  }),
  'POST /consent/{token}': covered({
    arrange: consentAsked,
    refusals: [
      { why: 'no CSRF token', status: 403, call: (p) => p.b.post(p.link, { decision: 'give' }, { csrf: null }) },
      { why: 'no decision', status: 400, call: (p) => p.b.post(p.link, { decision: 'maybe' }) },
    ],
    call: (p) => p.b.post(p.link, { decision: 'give' }),
    status: 200,
    events: ['consent.given'],
  }),
  'POST /withdraw/{token}': covered({
    arrange: consented,
    refusals: [
      { why: 'another origin', status: 403, call: (p) => p.b.post(p.withdraw, {}, { origin: 'https://evil.example' }) },
    ],
    call: (p) => p.b.post(p.withdraw, {}),
    status: 200,
    events: ['nominee.withdrawn'],
  }),
  'POST /a/{slug}/{category}/nominate': covered({
    arrange: async () => {
      const p = await nominating();
      const b = await voterPages(p, 'page-nominator');
      expect((await b.get(`/a/${p.slug}/mentor/nominate`)).status).toBe(200);
      return { ...p, b };
    },
    refusals: [
      { why: 'no reason', status: 400, call: (p) => p.b.post(`/a/${p.slug}/mentor/nominate`, { nominee: 'a' }) },
    ],
    call: (p) => p.b.post(`/a/${p.slug}/mentor/nominate`, { nominee: 'a', reason: 'Mentor of many' }),
    status: 303,
    events: ['nomination.submitted'],
  }),

  // ------------------------------------------------------------------ voting and review
  'POST /api/ceremonies/{slug}/ballots': exempt(
    'ballot-log',
    'a ballot is a leaf of the ballot log; checkpoints append the events',
    BALLOT_WRITES,
    async () => {
      const p = await openPipeline('cov', SPEC);
      const voter = await voterToken(p.env, p.id, 'api-voter');
      return {
        env: p.env,
        call: () => call(p, api(p, '/ballots'), { category: 'mentor', nominee: 'a', nonce: nonce() }, { token: voter }),
        status: 201,
      };
    },
  ),
  'POST /a/{slug}/vote/{track}': exempt(
    'ballot-log',
    'the ballot form casts ballots like the API',
    BALLOT_WRITES,
    async () => {
      const p = await openPipeline('cov', SPEC);
      const b = await voterPages(p, 'page-voter');
      const nonces = noncesOf(await (await b.get(`/a/${p.slug}/vote/main`)).text());
      expect(Object.keys(nonces)).toEqual(['mentor']);
      return {
        env: p.env,
        call: () => b.post(`/a/${p.slug}/vote/main`, { 'nonce-mentor': nonces.mentor!, 'choice-mentor': 'a' }),
        status: 303,
      };
    },
  ),
  'POST /api/ceremonies/{slug}/review/flag': covered({
    arrange: reviewable,
    refusals: [
      {
        why: 'unknown reason',
        status: 400,
        call: (p) => call(p, api(p, '/review/flag'), { network: p.network, reason: 'odd' }),
      },
    ],
    call: (p) => call(p, api(p, '/review/flag'), { network: p.network, reason: 'automated' }),
    status: 200,
    events: ['ballots.flagged'],
  }),
  'POST /api/ceremonies/{slug}/review/void': covered({
    arrange: reviewable,
    refusals: [
      {
        why: 'trackers and a network at once',
        status: 400,
        call: (p) =>
          call(p, api(p, '/review/void'), { trackers: p.trackers, network: p.network, reason: 'duplicate-person' }),
      },
    ],
    call: (p) => call(p, api(p, '/review/void'), { trackers: p.trackers, reason: 'duplicate-person' }),
    status: 200,
    events: ['ballots.voided'],
  }),
  'POST /api/ceremonies/{slug}/review/restore': covered({
    arrange: async () => {
      const p = await reviewable();
      const voided = await call(p, api(p, '/review/void'), { trackers: p.trackers, reason: 'duplicate-person' });
      expect(voided.status).toBe(200);
      return p;
    },
    refusals: [
      { why: 'no reason', status: 400, call: (p) => call(p, api(p, '/review/restore'), { trackers: p.trackers }) },
    ],
    call: (p) => call(p, api(p, '/review/restore'), { trackers: p.trackers, reason: 'voided-by-mistake' }),
    status: 200,
    events: ['ballots.restored'],
  }),
  'PUT /api/ceremonies/{slug}/categories/{category}/finalists': covered({
    arrange: () => judging(SPEC, false),
    refusals: [
      {
        why: 'a nominee twice',
        status: 400,
        call: (p) => call(p, api(p, '/categories/mentor/finalists'), { nominees: ['a', 'a'] }, { method: 'PUT' }),
      },
    ],
    call: (p) => call(p, api(p, '/categories/mentor/finalists'), { nominees: ['b', 'c'] }, { method: 'PUT' }),
    status: 200,
    events: ['finalists.picked'],
  }),
  'POST /api/ceremonies/{slug}/categories/{category}/finalists/wildcards': covered({
    arrange: () => judging(SPEC, false),
    refusals: [
      {
        why: 'already a finalist',
        status: 409,
        call: (p) => call(p, api(p, '/categories/mentor/finalists/wildcards'), { nominee: 'a', reason: 'Twice' }),
      },
      {
        why: 'no reason',
        status: 400,
        call: (p) => call(p, api(p, '/categories/mentor/finalists/wildcards'), { nominee: 'c', reason: '' }),
      },
    ],
    call: (p) =>
      call(p, api(p, '/categories/mentor/finalists/wildcards'), { nominee: 'c', reason: 'Regional balance' }),
    status: 201,
    events: ['finalists.wildcard'],
  }),

  // ------------------------------------------------------------------ jury: organizers
  'POST /api/ceremonies/{slug}/jury/jurors': covered({
    arrange: nominating,
    refusals: [
      {
        why: 'unknown institution',
        status: 404,
        call: (p) => call(p, api(p, '/jury/jurors'), { name: 'J', institution: 'nowhere', categories: ['mentor'] }),
      },
    ],
    call: (p) => call(p, api(p, '/jury/jurors'), { name: 'J', institution: 'panel', categories: ['mentor'] }),
    status: 201,
    events: ['jury.juror.added', 'jury.juror.invited'],
  }),
  'PATCH /api/ceremonies/{slug}/jury/jurors/{juror}': covered({
    arrange: async () => {
      const p = await nominating();
      return { ...p, juror: (await addedJuror(p)).id };
    },
    refusals: [
      {
        why: 'weight zero',
        status: 400,
        call: (p) => call(p, api(p, `/jury/jurors/${p.juror}`), { weight: 0 }, { method: 'PATCH' }),
      },
      {
        why: 'unknown juror',
        status: 404,
        call: (p) => call(p, api(p, '/jury/jurors/nobody'), { weight: 2 }, { method: 'PATCH' }),
      },
    ],
    call: (p) => call(p, api(p, `/jury/jurors/${p.juror}`), { weight: 2 }, { method: 'PATCH' }),
    status: 200,
    events: ['jury.juror.changed'],
  }),
  'POST /api/ceremonies/{slug}/jury/jurors/{juror}/invitation': covered({
    arrange: async () => {
      const p = await nominating();
      return { ...p, juror: (await addedJuror(p)).id };
    },
    refusals: [
      { why: 'no session', status: 401, call: (p) => anonymous(p, api(p, `/jury/jurors/${p.juror}/invitation`), {}) },
    ],
    call: (p) => call(p, api(p, `/jury/jurors/${p.juror}/invitation`), {}),
    status: 200,
    events: ['jury.juror.invited'],
  }),
  'POST /api/ceremonies/{slug}/jury/conflicts': covered({
    arrange: async () => {
      const p = await nominating();
      return { ...p, juror: (await addedJuror(p)).id };
    },
    refusals: [
      {
        why: 'neither juror nor institution',
        status: 400,
        call: (p) => call(p, api(p, '/jury/conflicts'), { nominee: 'a' }),
      },
    ],
    call: (p) => call(p, api(p, '/jury/conflicts'), { nominee: 'a', juror: p.juror }),
    status: 201,
    events: ['jury.conflict.added'],
  }),

  // ------------------------------------------------------------------ jury: jurors (API)
  'POST /api/jury/invitations/{token}': covered({
    arrange: async () => {
      const p = await nominating();
      return { ...p, token: (await addedJuror(p)).invitation.split('/').pop()! };
    },
    refusals: [
      { why: 'tampered token', status: 401, call: (p) => post(p.env, `/api/jury/invitations/${p.token}x`, {}) },
    ],
    call: (p) => post(p.env, `/api/jury/invitations/${p.token}`, {}),
    status: 200,
    events: ['jury.invitation.accepted'],
  }),
  'POST /api/ceremonies/{slug}/jury/link': covered({
    arrange: async () => {
      const p = await nominating();
      await addedJuror(p, 'juror@example.kg');
      return p;
    },
    refusals: [
      { why: 'not an address', status: 400, call: (p) => post(p.env, api(p, '/jury/link'), { email: 'juror' }) },
    ],
    // Only an address of a juror gets a link; the new link replaces the older one, so it is logged.
    call: (p) => post(p.env, api(p, '/jury/link'), { email: 'juror@example.kg' }),
    status: 202,
    events: ['jury.juror.invited'],
  }),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/conflicts': covered({
    arrange: () => judging(),
    refusals: [
      {
        why: 'no juror session',
        status: 401,
        call: (p) => anonymous(p, sheet(p, '/conflicts'), { nominees: [] }, 'PUT'),
      },
      {
        why: 'not a finalist',
        status: 404,
        call: (p) => call(p, sheet(p, '/conflicts'), { nominees: ['c'] }, { method: 'PUT', token: p.juror }),
      },
    ],
    call: (p) => call(p, sheet(p, '/conflicts'), { nominees: ['b'] }, { method: 'PUT', token: p.juror }),
    status: 200,
    events: ['jury.conflicts.declared'],
  }),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/scores/{nominee}': covered({
    arrange: () => declared(),
    refusals: [
      {
        why: 'off the scale',
        status: 400,
        call: (p) => call(p, sheet(p, '/scores/a'), { scores: { merit: 11 } }, { method: 'PUT', token: p.juror }),
      },
      {
        why: 'the organizer is no juror',
        status: 401,
        call: (p) => call(p, sheet(p, '/scores/a'), { scores: { merit: 7 } }, { method: 'PUT' }),
      },
    ],
    call: (p) => call(p, sheet(p, '/scores/a'), { scores: { merit: 7 } }, { method: 'PUT', token: p.juror }),
    status: 200,
    events: ['jury.score.saved'],
  }),
  'PUT /api/ceremonies/{slug}/jury/sheets/{category}/ranking': covered({
    arrange: () => declared(RANKING),
    refusals: [
      {
        why: 'a finalist twice',
        status: 400,
        call: (p) => call(p, sheet(p, '/ranking'), { ranking: ['a', 'a'] }, { method: 'PUT', token: p.juror }),
      },
    ],
    call: (p) => call(p, sheet(p, '/ranking'), { ranking: ['b', 'a'] }, { method: 'PUT', token: p.juror }),
    status: 200,
    events: ['jury.ranking.saved'],
  }),
  'POST /api/ceremonies/{slug}/jury/sheets/{category}/submit': covered({
    arrange: scored,
    refusals: [{ why: 'no juror session', status: 401, call: (p) => anonymous(p, sheet(p, '/submit'), {}) }],
    call: (p) => call(p, sheet(p, '/submit'), {}, { token: p.juror }),
    status: 200,
    events: ['jury.sheet.submitted'],
  }),

  // ------------------------------------------------------------------ jury: jurors (pages)
  'POST /jury/invitations/{token}': covered({
    arrange: async () => {
      const p = await nominating();
      const { invitation } = await addedJuror(p);
      const b = new Browser(p.env);
      expect((await b.get(invitation)).status).toBe(200);
      return { ...p, b, invitation };
    },
    refusals: [{ why: 'no CSRF token', status: 403, call: (p) => p.b.post(p.invitation, {}, { csrf: null }) }],
    call: (p) => p.b.post(p.invitation, {}),
    status: 303,
    events: ['jury.invitation.accepted'],
  }),
  'POST /jury/{slug}/link': covered({
    arrange: async () => {
      const p = await nominating();
      await addedJuror(p, 'juror@example.kg');
      const b = new Browser(p.env);
      expect((await b.get(`/jury/${p.slug}`)).status).toBe(200);
      return { ...p, b };
    },
    refusals: [
      { why: 'not an address', status: 400, call: (p) => p.b.post(`/jury/${p.slug}/link`, { email: 'juror' }) },
    ],
    call: (p) => p.b.post(`/jury/${p.slug}/link`, { email: 'juror@example.kg' }),
    status: 200,
    events: ['jury.juror.invited'],
  }),
  'POST /jury/{slug}/{category}/conflicts': covered({
    arrange: () => juryPages(SPEC, false),
    refusals: [
      {
        why: 'another origin',
        status: 403,
        call: (p) => p.b.post(`/jury/${p.slug}/mentor/conflicts`, {}, { origin: 'https://evil.example' }),
      },
    ],
    call: (p) => p.b.post(`/jury/${p.slug}/mentor/conflicts`, { 'conflict-b': 'yes' }),
    status: 303,
    events: ['jury.conflicts.declared'],
  }),
  'POST /jury/{slug}/{category}/scores/{nominee}': covered({
    arrange: () => juryPages(),
    refusals: [
      {
        why: 'off the scale',
        status: 400,
        call: (p) => p.b.post(`/jury/${p.slug}/mentor/scores/a`, { 'score-merit': '11' }),
      },
    ],
    call: (p) => p.b.post(`/jury/${p.slug}/mentor/scores/a`, { 'score-merit': '7' }),
    status: 303,
    events: ['jury.score.saved'],
  }),
  'POST /jury/{slug}/{category}/ranking': covered({
    arrange: () => juryPages(RANKING),
    refusals: [
      {
        why: 'a rank twice',
        status: 400,
        call: (p) => p.b.post(`/jury/${p.slug}/mentor/ranking`, { 'rank-a': '1', 'rank-b': '1' }),
      },
    ],
    call: (p) => p.b.post(`/jury/${p.slug}/mentor/ranking`, { 'rank-a': '2', 'rank-b': '1' }),
    status: 303,
    events: ['jury.ranking.saved'],
  }),
  'POST /jury/{slug}/{category}/submit': covered({
    arrange: async () => {
      const p = await juryPages();
      for (const n of ['a', 'b'])
        expect((await p.b.post(`/jury/${p.slug}/mentor/scores/${n}`, { 'score-merit': '6' })).status).toBe(303);
      return p;
    },
    refusals: [
      { why: 'no CSRF token', status: 403, call: (p) => p.b.post(`/jury/${p.slug}/mentor/submit`, {}, { csrf: null }) },
    ],
    call: (p) => p.b.post(`/jury/${p.slug}/mentor/submit`, {}),
    status: 303,
    events: ['jury.sheet.submitted'],
  }),

  // ------------------------------------------------------------------ results
  'POST /api/ceremonies/{slug}/results/finalize': covered({
    arrange: () => judging(SPEC, false),
    refusals: [{ why: 'no session', status: 401, call: (p) => anonymous(p, api(p, '/results/finalize'), {}) }],
    call: (p) => call(p, api(p, '/results/finalize'), {}),
    status: 201,
    events: ['results.finalized'],
  }),
  'POST /api/ceremonies/{slug}/results/announce': covered({
    arrange: finalized,
    refusals: [{ why: 'no session', status: 401, call: (p) => anonymous(p, api(p, '/results/announce'), {}) }],
    call: (p) => call(p, api(p, '/results/announce'), {}),
    status: 200,
    events: ['results.announced'],
  }),
  'POST /api/ceremonies/{slug}/results/amend': covered({
    arrange: announced,
    refusals: [
      { why: 'reason too short', status: 400, call: (p) => call(p, api(p, '/results/amend'), { reason: 'x' }) },
    ],
    call: (p) => call(p, api(p, '/results/amend'), { reason: 'A voided ballot restored' }),
    status: 201,
    events: ['results.amended'],
  }),
  'POST /api/ceremonies/{slug}/results/reveal': covered({
    arrange: finalized,
    refusals: [{ why: 'not the next step', status: 409, call: (p) => call(p, api(p, '/results/reveal?step=2'), {}) }],
    call: (p) => call(p, api(p, '/results/reveal?step=1'), {}),
    status: 200,
    events: ['results.revealed'],
  }),
  'POST /organizer/a/{slug}/ceremony/next': covered({
    arrange: async () => {
      const p = await finalized();
      const b = await organizerPages(p);
      expect((await b.get(`/organizer/a/${p.slug}/ceremony`)).status).toBe(200);
      return { ...p, b };
    },
    refusals: [
      {
        why: 'no CSRF token',
        status: 403,
        call: (p) => p.b.post(`/organizer/a/${p.slug}/ceremony/next`, { step: '0' }, { csrf: null }),
      },
      {
        why: 'a stale screen',
        status: 409,
        call: (p) => p.b.post(`/organizer/a/${p.slug}/ceremony/next`, { step: '1' }),
      },
    ],
    call: (p) => p.b.post(`/organizer/a/${p.slug}/ceremony/next`, { step: '0' }),
    status: 303,
    events: ['results.revealed'],
  }),

  // ------------------------------------------------------------------ organizer and voter pages
  'POST /a/{slug}/verify/email': exempt(
    'sends-code',
    'the page form of the email code request',
    ['login_codes', 'outbox', 'throttles'],
    async () => {
      const p = await nominating();
      const b = new Browser(p.env);
      await b.get(`/a/${p.slug}/verify`);
      return {
        env: p.env,
        call: () => b.post(`/a/${p.slug}/verify/email`, { email: 'voter@example.kg' }),
        status: 200,
      };
    },
  ),
  'POST /a/{slug}/verify/code': exempt(
    'opens-session',
    'the page form of the email code: a voter cookie',
    ['login_codes'],
    async () => {
      const p = await nominating();
      const b = new Browser(p.env);
      await b.get(`/a/${p.slug}/verify`);
      expect((await b.post(`/a/${p.slug}/verify/email`, { email: 'voter@example.kg' })).status).toBe(200);
      const code = await latestCode(p.env, 'voter@example.kg');
      return {
        env: p.env,
        call: () => b.post(`/a/${p.slug}/verify/code`, { email: 'voter@example.kg', code }),
        status: 303,
      };
    },
  ),
  'POST /a/{slug}/verify/roll': exempt(
    'opens-session',
    'the page form of the roll code: a voter cookie',
    ['roll_codes'],
    async () => {
      const p = await rolled();
      const b = new Browser(p.env);
      await b.get(`/a/${p.slug}/verify`);
      return { env: p.env, call: () => b.post(`/a/${p.slug}/verify/roll`, { code: p.code }), status: 303 };
    },
  ),
  'POST /organizer/login': exempt(
    'sends-code',
    'the page form of the organizer code request',
    ['login_codes', 'outbox', 'throttles'],
    async () => {
      const p = await draft();
      const b = new Browser(p.env);
      await b.get('/organizer/login');
      return {
        env: p.env,
        call: () => b.post('/organizer/login', { email: `org@${p.slug}.example.org` }),
        status: 200,
      };
    },
  ),
  'POST /organizer/verify': exempt(
    'opens-session',
    'the page form of the organizer code: a session cookie',
    ['login_codes'],
    async () => {
      const p = await draft();
      const b = new Browser(p.env);
      await b.get('/organizer/login');
      const email = `org@${p.slug}.example.org`;
      expect((await b.post('/organizer/login', { email })).status).toBe(200);
      const code = await latestCode(p.env, email);
      return { env: p.env, call: () => b.post('/organizer/verify', { email, code }), status: 303 };
    },
  ),
  'POST /organizer/logout': exempt('no-state', 'clears the session cookie', [], async () => {
    const p = await draft();
    const b = await organizerPages(p);
    await b.get('/organizer');
    return { env: p.env, call: () => b.post('/organizer/logout', {}), status: 303 };
  }),
  'POST /organizer/a/{slug}/phase': covered({
    arrange: async () => {
      const p = await nominating();
      const b = await organizerPages(p);
      expect((await b.get(`/organizer/a/${p.slug}`)).status).toBe(200);
      return { ...p, b };
    },
    refusals: [
      { why: 'backwards', status: 409, call: (p) => p.b.post(`/organizer/a/${p.slug}/phase`, { to: 'draft' }) },
      { why: 'no such phase', status: 400, call: (p) => p.b.post(`/organizer/a/${p.slug}/phase`, { to: 'winner' }) },
    ],
    call: (p) => p.b.post(`/organizer/a/${p.slug}/phase`, { to: 'voting' }),
    status: 303,
    events: ['phase.changed'],
  }),
  'POST /organizer/a/{slug}/nominees/{id}/accept': covered({
    arrange: moderationPages,
    refusals: [
      {
        why: 'no CSRF token',
        status: 403,
        call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/accept`, {}, { csrf: null }),
      },
    ],
    call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/accept`, {}),
    status: 303,
    events: ['nominee.accepted'],
  }),
  'POST /organizer/a/{slug}/nominees/{id}/reject': covered({
    arrange: moderationPages,
    refusals: [
      {
        why: 'no reason',
        status: 400,
        call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/reject`, { reason: '' }),
      },
    ],
    call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/reject`, { reason: 'Not eligible' }),
    status: 303,
    events: ['nominee.rejected'],
  }),
  'POST /organizer/a/{slug}/nominees/{id}/merge': covered({
    arrange: moderationPages,
    refusals: [
      {
        why: 'no target',
        status: 400,
        call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/merge`, { into: '' }),
      },
    ],
    call: (p) => p.b.post(`/organizer/a/${p.slug}/nominees/${p.nominee.p}/merge`, { into: p.nominee.q! }),
    status: 303,
    events: ['nominee.merged'],
  }),
};

/** Nominees p and q pending, and the organizer in the moderation pages. */
async function moderationPages() {
  const p = await withPending();
  const b = await organizerPages(p);
  expect((await b.get(`/organizer/a/${p.slug}/moderation`)).status).toBe(200);
  return { ...p, b };
}

// ------------------------------------------------------------------------------------------------ the tests

describe('event coverage of the OpenAPI document', () => {
  it('lists every mutating route of the document in the table, and nothing that is gone', async () => {
    const routes = await mutatingOperations(await testEnv());
    // A new route fails here until it gets a recipe or an exemption; a removed one until its entry goes.
    expect([...routes].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  for (const [route, entry] of Object.entries(ROUTES)) {
    if (entry.kind === 'covered')
      it(`${route} appends ${entry.events.join(' + ')}; refused (${entry.refusals.join('; ')}) it changes nothing`, () =>
        entry.run());
    else if (entry.kind === 'exempt')
      it(`${route} is exempt (${entry.reason}: ${entry.why}), appends no event and writes only ${entry.writes.join(', ') || 'nothing'}`, async () => {
        const { env, call: probe, status } = await entry.probe();
        const seen = await eventKeys(env);
        const { res, written } = await tablesWrittenBy(env, probe);
        expect(res.status, await res.clone().text()).toBe(status);
        expect(await appendedSince(env, seen)).toEqual([]);
        expect(written).toEqual([...entry.writes].sort());
      });
    else it.todo(`${route} writes ${entry.writes} without an event`);
  }
});
