/**
 * Results through the API on whichever database the suite runs: finalization computes, signs, stores and logs
 * the document once; everything a recount needs is in it; the embargo holds on every route until the
 * announcement; corrections cite what they correct; keys rotate without breaking old signatures.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../src/audit/canonical';
import { listEvents } from '../src/audit/log';
import { movePhase, requireAward } from '../src/ceremonies/service';
import { rotateResultsKey, verifyResultsJws } from '../src/results/signing';
import { tally } from '../src/tally';
import { type TestEnv, bearer, post, signIn, testEnv } from './helpers';
import { nonce, openVote, plainAward, voterToken } from './support/awards';
import { bodyText, leaks } from './support/leaks';

function award(slug: string) {
  return plainAward(slug, {
    rules: {
      finalists: { mode: 'public', k: 2 },
      jury: { mode: 'rubric', scale: [0, 10], criteria: [{ id: 'merit', weight: 1 }] },
      weights: { jury: 1, public: 1 },
    },
    institutions: [{ slug: 'panel', name: { en: 'Panel' }, weight: 1 }],
    categories: { mentor: ['ada', 'bea', 'cem'] },
    name: (s) => `=${s.toUpperCase()}`,
  });
}

interface Setup {
  env: TestEnv;
  slug: string;
  id: string;
  organizer: string;
  ids: Record<string, string>;
  receipts: string[];
  voter: string;
  juror: string;
}

/**
 * Votes ada 3, bea 1, cem 1 (bea and cem tie at K = 2: both included), closes, and one juror scores
 * ada 4, bea 10, cem 6 and submits.
 */
async function judged(): Promise<Setup> {
  const env = await testEnv();
  const slug = `res-${Math.random().toString(36).slice(2, 8)}`;
  const id = await openVote(env, award(slug));
  const organizer = await signIn(env, `org-${slug}@example.kg`, id);
  const receipts: string[] = [];
  let voter = '';
  let n = 0;
  for (const [nominee, count] of [
    ['ada', 3],
    ['bea', 1],
    ['cem', 1],
  ] as const) {
    for (let i = 0; i < count; i++) {
      voter = await voterToken(env, id, `v${n++}`);
      const res = await post(
        env,
        `/api/ceremonies/${slug}/ballots`,
        { category: 'mentor', nominee, nonce: nonce() },
        {
          ...bearer(voter),
          'x-forwarded-for': `203.0.113.${n}`,
        },
      );
      expect(res.status).toBe(201);
      receipts.push(((await res.json()) as { receipt: string }).receipt);
    }
  }
  const added = await post(
    env,
    `/api/ceremonies/${slug}/jury/jurors`,
    { name: 'J', institution: 'panel', categories: ['mentor'] },
    bearer(organizer),
  );
  const token = new URL(((await added.json()) as { invitation: { url: string } }).invitation.url).pathname
    .split('/')
    .pop()!;
  const juror = ((await (await post(env, `/api/jury/invitations/${token}`, {})).json()) as { token: string }).token;
  await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
  const sheet = `/api/ceremonies/${slug}/jury/sheets/mentor`;
  expect((await post(env, `${sheet}/conflicts`, { nominees: [] }, bearer(juror), 'PUT')).status).toBe(200);
  for (const [nominee, merit] of [
    ['ada', 4],
    ['bea', 10],
    ['cem', 6],
  ] as const)
    expect((await post(env, `${sheet}/scores/${nominee}`, { scores: { merit } }, bearer(juror), 'PUT')).status).toBe(
      200,
    );
  expect((await post(env, `${sheet}/submit`, {}, bearer(juror))).status).toBe(200);
  const a = await requireAward(env, id);
  const ids = Object.fromEntries(a.nominees.map((x) => [x.slug, x.id]));
  return { env, slug, id, organizer, ids, receipts, voter, juror };
}

const get = (s: Setup, path: string, token?: string) =>
  s.env.app.request(path, { headers: token ? bearer(token) : {} });
const finalize = (s: Setup) => post(s.env, `/api/ceremonies/${s.slug}/results/finalize`, {}, bearer(s.organizer));
const announce = (s: Setup) => post(s.env, `/api/ceremonies/${s.slug}/results/announce`, {}, bearer(s.organizer));

describe('finalization', () => {
  it('computes, signs, stores and logs the results once; a recount of its input gives its result', async () => {
    const s = await judged();
    expect(await s.env.store.db.selectFrom('ballot_signals').selectAll().execute()).not.toHaveLength(0);
    const done = await finalize(s);
    expect(done.status, await done.clone().text()).toBe(201);
    const { hash, kid } = (await done.json()) as { hash: string; kid: string };
    expect((await finalize(s)).status).toBe(409);

    const res = await get(s, `/api/ceremonies/${s.slug}/results`, s.organizer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hash: string; jws: string; kid: string; document: any };
    expect(body).toMatchObject({ hash, kid, version: 1 });
    const text = canonicalJson(body.document);
    expect(await sha256Hex(text)).toBe(hash);
    // The signature verifies with the published key and covers exactly the document.
    const jwks = await (await get(s, '/.well-known/jwks.json')).json();
    expect((await verifyResultsJws(body.jws, jwks as never)).text).toBe(text);

    // Worked by hand: ada 3 votes, bea 1, cem 1 → K = 2 with bea and cem tied at 2nd: both in.
    // Public shares 3/5, 1/5, 1/5. Jury x on [0, 10]: 4/10, 10/10, 6/10 → shares 4/20, 10/20, 6/20.
    // final = jury + public: ada 1/5 + 3/5 = 4/5; bea 1/2 + 1/5 = 7/10; cem 3/10 + 1/5 = 1/2.
    const doc = body.document;
    const [cat] = doc.result.categories;
    expect(cat.public).toEqual({ [s.ids.ada!]: 3, [s.ids.bea!]: 1, [s.ids.cem!]: 1 });
    expect(cat.final).toEqual({ [s.ids.ada!]: '4/5', [s.ids.bea!]: '7/10', [s.ids.cem!]: '1/2' });
    expect(cat.order).toEqual([s.ids.ada, s.ids.bea, s.ids.cem]);
    expect(cat.winners).toEqual([s.ids.ada]);
    expect(doc.finalists.categories[0].finalists.map((f: any) => f.why)).toEqual([
      'top-k',
      'tie-included',
      'tie-included',
    ]);
    expect(doc.decimals[0].finalists[0]).toMatchObject({ place: 1, winner: true, votes: 3, final: '0.800000' });
    // The outside recount: the published input alone gives the published result.
    const recount = await tally(doc.input);
    const { details, ...published } = recount;
    expect(published).toEqual(doc.result);
    expect(details).toEqual(doc.details);

    // The log: the results event reveals S, whose hash is the commitment made when voting opened.
    const events = await listEvents(s.env.store.db, s.id);
    const finalized = events.find((e) => e.type === 'results.finalized')!;
    expect(finalized.payload).toMatchObject({ version: 1, hash, kid, signalsKeyDestroyed: true });
    const secret = finalized.payload.lotSecret as string;
    expect(createHash('sha256').update(Buffer.from(secret, 'hex')).digest('hex')).toBe(doc.lot.commitment);
    expect(doc.eventHead.seq).toBe(finalized.seq - 1);
    // The fraud-signal key and the signals are gone (issue 4), the award is finalized.
    const keys = await s.env.store.db
      .selectFrom('ceremony_keys')
      .select('purpose')
      .where('ceremony_id', '=', s.id)
      .execute();
    expect(keys.map((k) => k.purpose)).not.toContain('signals');
    expect(await s.env.store.db.selectFrom('ballot_signals').selectAll().execute()).toHaveLength(0);
    expect((await requireAward(s.env, s.id)).ceremony.phase).toBe('finalized');
    // Judging is over: sheets no longer change.
    const late = await post(
      s.env,
      `/api/ceremonies/${s.slug}/jury/sheets/mentor/scores/ada`,
      { scores: { merit: 1 } },
      bearer(s.juror),
      'PUT',
    );
    expect(late.status).toBe(409);
  });

  it('refuses out of order: finalize outside judging, announce before finalizing, amend before announcing', async () => {
    const env = await testEnv();
    const slug = `res-${Math.random().toString(36).slice(2, 8)}`;
    const id = await openVote(env, award(slug));
    const organizer = await signIn(env, `org-${slug}@example.kg`, id);
    const call = (what: string, body: unknown = {}) =>
      post(env, `/api/ceremonies/${slug}/results/${what}`, body, bearer(organizer));
    for (const [what, body] of [
      ['finalize', {}],
      ['announce', {}],
      ['amend', { reason: 'a typo' }],
    ] as const) {
      const res = await call(what, body);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { code: string }).code).toBe('wrong-phase');
    }
    expect((await env.store.db.selectFrom('results').selectAll().execute()).length).toBe(0);
  });
});

/** Every GET route of the app with its path parameters filled in for this award. */
function getRoutes(s: Setup, receipt: string): string[] {
  const values: Record<string, string> = {
    slug: s.slug,
    category: 'mentor',
    nominee: 'ada',
    receipt,
    version: '1',
    token: 'not-a-token',
    juror: 'nobody',
    track: 't',
  };
  const paths = new Set<string>();
  for (const route of s.env.app.routes) {
    if (route.method !== 'GET' || route.path.includes('*')) continue;
    paths.add(route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, (_, name: string) => values[name] ?? name));
  }
  return [...paths];
}

describe('embargo', () => {
  it('no route shows results, counts or scores to anyone but organizers until announced', async () => {
    const s = await judged();
    const done = (await (await finalize(s)).json()) as { hash: string; kid: string };
    const row = await s.env.store.db.selectFrom('results').selectAll().executeTakeFirstOrThrow();
    const signature = row.jws.split('.')[2]!;
    const scoreCommitments = (await listEvents(s.env.store.db, s.id)).filter((e) => e.type === 'jury.score.saved');
    expect(scoreCommitments).toHaveLength(3);

    const routes = getRoutes(s, s.receipts[0]!);
    expect(routes.length).toBeGreaterThan(40);
    const visitors = { anonymous: undefined, voter: s.voter, juror: s.juror };
    let checked = 0;
    for (const [who, token] of Object.entries(visitors)) {
      for (const path of routes) {
        const res = await get(s, path, token);
        const text = await bodyText(res);
        const where = `${who} GET ${path} (${res.status})`;
        expect(text.includes(done.hash), where).toBe(false);
        expect(text.includes(signature), where).toBe(false);
        expect(/"lotSecret"|"secret"/.test(text), where).toBe(false);
        // The API's own description names these members without holding any data.
        if ((res.headers.get('content-type') ?? '').includes('json') && path !== '/openapi.json') {
          const found = leaks(JSON.parse(text)).filter(
            // A juror's own sheet is theirs to see; a voter's own ballot (receipt check) names their nominee only.
            () => !(who === 'juror' && path.endsWith('/jury/me')),
          );
          expect(found, where).toEqual([]);
        }
        checked++;
      }
    }
    expect(checked).toBe(routes.length * 3);

    // The organizers read them; after the announcement everyone does — the same probes now find them.
    expect((await get(s, `/api/ceremonies/${s.slug}/results`, s.organizer)).status).toBe(200);
    expect((await announce(s)).status).toBe(200);
    const open = await get(s, `/api/ceremonies/${s.slug}/results`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain(done.hash);
    const counts = await get(s, `/api/ceremonies/${s.slug}/counts`);
    expect(leaks(await counts.json())).not.toEqual([]);
  });
});

describe('corrections, exports and keys', () => {
  it('an amended version cites the previous one and a reason; both stay public; keys rotate', async () => {
    const s = await judged();
    await finalize(s);
    expect((await announce(s)).status).toBe(200);
    expect((await announce(s)).status).toBe(409);
    const v1 = (await (await get(s, `/api/ceremonies/${s.slug}/results`)).json()) as { hash: string; jws: string };

    // Rotation: a new key signs from now on; the old one stays published and v1 still verifies.
    const old = (await (await get(s, '/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    await rotateResultsKey(s.env);
    const jwks = (await (await get(s, '/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys).toHaveLength(old.keys.length + 1);
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining(old.keys.map((k) => k.kid)));
    await verifyResultsJws(v1.jws, jwks as never);

    // A fraud finding after the announcement: two of ada's ballots are voided, then the correction.
    const trackers = await s.env.store.db
      .selectFrom('ballots')
      .select('tracker')
      .where('nominee_id', '=', s.ids.ada!)
      .limit(2)
      .execute();
    const voided = await post(
      s.env,
      `/api/ceremonies/${s.slug}/review/void`,
      { trackers: trackers.map((t) => t.tracker), reason: 'duplicate-person' },
      bearer(s.organizer),
    );
    expect(voided.status, await voided.clone().text()).toBe(200);
    const amended = await post(
      s.env,
      `/api/ceremonies/${s.slug}/results/amend`,
      { reason: 'Two ballots of one person were found and voided.' },
      bearer(s.organizer),
    );
    expect(amended.status, await amended.clone().text()).toBe(201);
    const v2 = (await (await get(s, `/api/ceremonies/${s.slug}/results`)).json()) as any;
    expect(v2.version).toBe(2);
    expect(v2.document.supersedes).toEqual({ version: 1, hash: v1.hash });
    expect(v2.document.reason).toBe('Two ballots of one person were found and voided.');
    expect(v2.kid).not.toBe((await verifyResultsJws(v1.jws, jwks as never)).kid);
    // ada 1, bea 1, cem 1: public 1/3 each; final ada 1/5 + 1/3 = 8/15, bea 1/2 + 1/3 = 5/6, cem 3/10 + 1/3 = 19/30.
    expect(v2.document.result.categories[0].order).toEqual([s.ids.bea, s.ids.cem, s.ids.ada]);
    expect((await requireAward(s.env, s.id)).ceremony.phase).toBe('amended');
    const versions = (await (await get(s, `/api/ceremonies/${s.slug}/results/versions`)).json()) as any;
    expect(versions.versions.map((v: any) => [v.version, v.supersedes?.hash ?? null])).toEqual([
      [1, null],
      [2, v1.hash],
    ]);
    const first = (await (await get(s, `/api/ceremonies/${s.slug}/results?version=1`)).json()) as any;
    expect(first.hash).toBe(v1.hash);

    // The CSV: BOM, one row per finalist in order, decimals, formula-looking names defused.
    const bytes = new Uint8Array(await (await get(s, `/api/ceremonies/${s.slug}/results.csv`)).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'version,category,place,nominee,name,why,winner,votes,public_share,jury_score,jury_share,final',
    );
    expect(lines[1]).toBe(`2,mentor,1,bea,'=BEA,tie-included,yes,1,0.333333,10.000000,0.500000,0.833333`);
    expect(lines).toHaveLength(4);
  });
});

describe('the results vector (docs/audit-vectors.json, audit.md §18)', () => {
  it('verifies with the published key, hashes to its hash, and recounts from its own input', async () => {
    const vectors = JSON.parse(readFileSync(new URL('../docs/audit-vectors.json', import.meta.url), 'utf8'));
    for (const v of vectors.results) {
      const text = canonicalJson(v.document);
      expect(text).toBe(v.canonical);
      expect(await sha256Hex(text)).toBe(v.hash);
      expect((await verifyResultsJws(v.jws, { keys: [v.jwk] })).text).toBe(text);
      const { details, ...published } = await tally(v.document.input);
      expect(published).toEqual(v.document.result);
      expect(details).toEqual(v.document.details);
    }
  });
});

describe('the ceremony', () => {
  it('reveals finalists then the winner, category by category; the public sees exactly that; the last press announces', async () => {
    const s = await judged();
    await finalize(s);
    const live = async () => (await (await get(s, `/api/ceremonies/${s.slug}/results/live`)).json()) as any;
    const reveal = () => post(s.env, `/api/ceremonies/${s.slug}/results/reveal`, {}, bearer(s.organizer));
    expect((await live()).categories[0]).toMatchObject({ stage: 'hidden', finalists: [], rows: [], winners: [] });

    const first = (await (await reveal()).json()) as any;
    expect(first.revealed).toMatchObject({ stage: 'finalists', step: 1, of: 2 });
    // A press drawn before that one (it means step 1 again) reveals nothing more.
    const stale = await post(s.env, `/api/ceremonies/${s.slug}/results/reveal?step=1`, {}, bearer(s.organizer));
    expect(stale.status).toBe(409);
    expect((await live()).revealed).toBe(1);
    const seen = await live();
    expect(seen.categories[0].stage).toBe('finalists');
    // ada, then bea and cem tied at K (their order among themselves follows their ids).
    const names = seen.categories[0].finalists.map((f: any) => f.nominee);
    expect(names[0]).toBe(s.ids.ada);
    expect([...names].sort()).toEqual([s.ids.ada, s.ids.bea, s.ids.cem].sort());
    expect(seen.categories[0].rows).toEqual([]);
    expect((await get(s, `/api/ceremonies/${s.slug}/results`)).status).toBe(404);

    expect(((await (await reveal()).json()) as any).revealed).toMatchObject({ stage: 'winner', step: 2 });
    const won = await live();
    expect(won.categories[0].winners).toEqual([s.ids.ada]);
    expect(won.categories[0].rows[0]).toMatchObject({ nominee: s.ids.ada, final: '0.800000', winner: true });
    expect(won).toMatchObject({ announced: false, revealed: 2, of: 2, document: null });

    // The press after the last step announces: the whole signed document is public.
    const last = (await (await reveal()).json()) as any;
    expect(last.announced.version).toBe(1);
    expect((await live()).document.version).toBe(1);
    expect((await get(s, `/api/ceremonies/${s.slug}/results`)).status).toBe(200);
    expect((await reveal()).status).toBe(409);
    const types = (await listEvents(s.env.store.db, s.id)).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('results.'))).toEqual([
      'results.finalized',
      'results.revealed',
      'results.revealed',
      'results.announced',
    ]);
  });
});
