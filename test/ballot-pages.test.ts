/**
 * The public vote's pages, driven through app.request() with a small cookie jar: the ballot of a track (verify
 * first, one form for all its categories, a nonce per category), the receipts page, the receipt check with its
 * proof before and after a checkpoint, refusals per category, CSRF, languages, sizes, and no counts anywhere.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { leafHash, verifyInclusion } from '../src/audit/merkle';
import { trackerOf } from '../src/audit/receipts';
import { writeCheckpoint } from '../src/ballots/checkpoint';
import { Rules } from '../src/ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { example, smallAward, snapshot, testClock, testEnv, type TestEnv } from './helpers';
import { Browser, ORIGIN, bytes, h1Count, verifyVoter, voterWithKey as voterOf } from './support/pages';

const SLUG = 'stem4all-2024';
const TRACK = 'mentoring-her';
const BALLOT = `/a/${SLUG}/vote/${TRACK}`;
const TRACK_CATEGORIES = [
  'best-mentor',
  'best-mentee',
  'best-regional-mentor',
  'best-regional-mentee',
  'best-motivator-mentor',
];

/** The nonces of a ballot form, by category slug. */
function noncesOf(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/name="nonce-([a-z0-9-]+)" value="([^"]+)"/g)].map((m) => [m[1], m[2]]));
}

/** The fields a browser sends for a ballot form: every nonce, the chosen nominees, "" (no vote) elsewhere. */
function ballotFields(nonces: Record<string, string>, choices: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [category, nonce] of Object.entries(nonces)) {
    fields[`nonce-${category}`] = nonce;
    fields[`choice-${category}`] = choices[category] ?? '';
  }
  return fields;
}

const receiptsOf = (res: Response) => new URL(res.headers.get('location')!, ORIGIN).searchParams.getAll('r');

let env: TestEnv;
let clock: ReturnType<typeof testClock>;
let stemId: string;
let changeId: string;

/** Everything a ballot could change, on top of helpers' snapshot (which leaves out the vote's tables). */
async function voteSnapshot(): Promise<Record<string, unknown>> {
  const { db } = env.store;
  const vote: Record<string, unknown[]> = {};
  for (const table of ['marks', 'ballots', 'ballot_signals', 'ballot_changes', 'log_leaves', 'checkpoints'] as const)
    vote[table] = (await db.selectFrom(table).selectAll().execute()).sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : 1,
    );
  const outbox = (await db.selectFrom('outbox').select('id').execute()).length;
  return { ...(await snapshot(env)), ...vote, outbox };
}

async function ballotsIn(ceremonyId: string) {
  return env.store.db
    .selectFrom('ballots')
    .select(['category_id', 'nominee_id', 'tracker', 'status'])
    .where('ceremony_id', '=', ceremonyId)
    .execute();
}

async function marksIn(ceremonyId: string) {
  return env.store.db.selectFrom('marks').select('category_id').where('ceremony_id', '=', ceremonyId).execute();
}

/** A browser that verified for the award through the email code pages, coming back to `returnTo`. */
const verifiedVoter = (email: string, returnTo = BALLOT) => verifyVoter(env, SLUG, email, { returnTo, clock });

/** A browser holding a voter session of a made-up person (no mail round trip). */
const voterWithKey = (personKey: string, ceremonyId = stemId, slug = SLUG) => voterOf(env, slug, ceremonyId, personKey);

beforeAll(async () => {
  clock = testClock();
  env = await testEnv({ clock });
  stemId = (await createAward(env, example(), 'cli')).id;
  await movePhase(env, await requireAward(env, stemId), 'nominating', 'cli', 'hand');
  await movePhase(env, await requireAward(env, stemId), 'voting', 'cli', 'hand');

  changeId = (
    await createAward(env, smallAward('change-award', { rules: Rules.parse({ voteChange: 'last-counts' }) }), 'cli')
  ).id;
  await movePhase(env, await requireAward(env, changeId), 'voting', 'cli', 'hand');

  const nominating = await createAward(env, smallAward('nominating-award'), 'cli');
  await movePhase(env, await requireAward(env, nominating.id), 'nominating', 'cli', 'hand');
});

describe('the way to the ballot', () => {
  it('links each track to its ballot while voting, and not otherwise', async () => {
    const html = await (await new Browser(env).get(`/a/${SLUG}?lang=en`)).text();
    expect(html).toContain(`href="${BALLOT}"`);
    expect(html).toContain('aria-label="Vote: STEM4ALL x Mentoring Her"');
    expect(html).toContain(`href="/a/${SLUG}/vote/community"`);
    expect(html).toContain(`href="/a/${SLUG}/receipt"`);
    const category = await (await new Browser(env).get(`/a/${SLUG}/best-mentee?lang=en`)).text();
    expect(category).toContain(`href="${BALLOT}#cat-best-mentee"`);
    expect(category).toContain('Vote in this category');

    const nominating = await (await new Browser(env).get('/a/nominating-award?lang=en')).text();
    expect(nominating).not.toContain('/vote/');
    expect(nominating).not.toContain('/receipt"');
    const closed = await new Browser(env).get('/a/nominating-award/vote/main?lang=en');
    expect(closed.status).toBe(409);
    expect(await closed.text()).toContain('This award is not taking votes now.');
  });

  it('explains and links to verification when the visitor is not verified', async () => {
    for (const cookie of [undefined, 'laurel_voter=garbage']) {
      const res = await env.app.request(`${BALLOT}?lang=en`, { headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await res.text();
      expect(h1Count(html)).toBe(1);
      expect(html).toContain('<h1>Vote: STEM4ALL x Mentoring Her</h1>');
      expect(html).toContain('To vote, first confirm who you are');
      expect(html).toContain(`href="/a/${SLUG}/verify?return_to=${encodeURIComponent(BALLOT)}"`);
      expect(html).not.toContain('type="radio"');
    }
    // A session of another award does not count here.
    const other = await voterWithKey('someone-else', changeId, 'change-award');
    expect(await (await other.get(`${BALLOT}?lang=en`)).text()).toContain('To vote, first confirm who you are');
    // A session that expires while the ballot is open: the POST explains again, 401, nothing recorded.
    const late = await voterWithKey('slow-voter');
    const nonces = noncesOf(await (await late.get(BALLOT)).text());
    clock.advance(61 * 60_000);
    const before = await voteSnapshot();
    const res = await late.post(`${BALLOT}?lang=en`, ballotFields(nonces, { 'best-mentor': 'olga-kim' }));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('To vote, first confirm who you are');
    expect(await voteSnapshot()).toEqual(before);
    // Unknown track: a 404 page.
    const unknown = await other.get(`/a/${SLUG}/vote/no-such-track`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('voting through the pages', () => {
  const email = 'voter.one@example.kg';
  let voter: Browser;
  let first: { location: string; nonces: Record<string, string>; receipts: string[] };

  it('verifies by the email code pages and shows one form with a fieldset per category', async () => {
    voter = await verifiedVoter(email);
    const res = await voter.get(`${BALLOT}?lang=en`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('<h1>Vote: STEM4ALL x Mentoring Her</h1>');
    expect((html.match(/<form method="post"/g) ?? []).length).toBe(1);
    expect(html).toContain(`<form method="post" action="${BALLOT}">`);
    expect((html.match(/<fieldset/g) ?? []).length).toBe(TRACK_CATEGORIES.length);
    expect(html).toContain('<legend>Best Mentor</legend>');
    expect(html).toMatch(
      /<label class="choice"><input type="radio" name="choice-best-mentor" id="v-best-mentor-aigerim-asanova" value="aigerim-asanova"\/><span><span class="name">Aigerim Asanova<\/span><br\/><span class="muted">[^<]+ · [^<]+<\/span>/,
    );
    expect(html).toContain('id="v-best-mentor-none" value="" checked=""');
    expect(html).toContain('No vote in this category');
    expect(html).toContain('<button type="submit">Send my votes</button>');
    expect(html).toContain('name="_csrf"');
    const nonces = noncesOf(html);
    expect(Object.keys(nonces)).toEqual(TRACK_CATEGORIES);
    for (const n of Object.values(nonces)) expect(n).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // A fresh nonce per category and per form.
    expect(new Set(Object.values(nonces)).size).toBe(TRACK_CATEGORIES.length);
    const again = noncesOf(await (await voter.get(BALLOT)).text());
    expect(again['best-mentor']).not.toBe(nonces['best-mentor']);
    first = { location: '', nonces, receipts: [] };
  });

  it('casts a ballot in two categories with one submit and shows both receipts', async () => {
    const res = await voter.post(
      BALLOT,
      ballotFields(first.nonces, { 'best-mentor': 'aigerim-asanova', 'best-mentee': 'aipery-zhumabaeva' }),
    );
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/a/${SLUG}/receipts\\?r=[a-z2-7-]{39}&r=[a-z2-7-]{39}$`));
    first.location = location;
    first.receipts = receiptsOf(res);
    const ballots = await ballotsIn(stemId);
    expect(ballots).toHaveLength(2);
    expect(ballots.map((b) => b.tracker).sort()).toEqual(
      (await Promise.all(first.receipts.map((r) => trackerOf(r)))).sort(),
    );
    expect(await marksIn(stemId)).toHaveLength(2);

    const page = await voter.get(`${location}&lang=en`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-robots-tag')).toBe('noindex');
    const html = await page.text();
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('<h1>Thank you: your votes are recorded</h1>');
    expect(html).toContain('Keep these receipts.');
    expect(html).toContain('A copy of each receipt has also been mailed to the address you confirmed.');
    const text = html.replace(/<wbr\/>/g, '');
    for (const receipt of first.receipts) {
      expect(text).toContain(`translate="no">${receipt}</p>`);
      expect(html).toContain(`href="/a/${SLUG}/receipt?r=${receipt}"`);
    }
    expect(html).toMatch(/<dd>Best Mentor<\/dd><dt>Your choice<\/dt><dd>Aigerim Asanova<\/dd>/);
    expect(html).toMatch(/<dd>Best Mentee<\/dd><dt>Your choice<\/dt><dd>Aipery Zhumabaeva<\/dd>/);
    expect(html).toContain('aria-label="Check the receipt of Best Mentor"');

    // The receipts were mailed, one per ballot, in the page's language.
    const mails = await env.store.db
      .selectFrom('outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .where('kind', '=', 'receipt')
      .execute();
    expect(mails).toHaveLength(2);
    for (const receipt of first.receipts) expect(mails.some((m) => m.text_body.includes(receipt))).toBe(true);
  });

  it('answers a double submit of the same form with the same receipts and no second ballot', async () => {
    const before = await voteSnapshot();
    const res = await voter.post(
      BALLOT,
      ballotFields(first.nonces, { 'best-mentor': 'aigerim-asanova', 'best-mentee': 'aipery-zhumabaeva' }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(first.location);
    const after = await voteSnapshot();
    expect(after.ballots).toEqual(before.ballots);
    expect(after.marks).toEqual(before.marks);
    expect(await ballotsIn(stemId)).toHaveLength(2);
  });

  it('shows "you have voted here" afterwards, and refuses a second form per category, changing nothing', async () => {
    const other = await voterWithKey('second-form-voter');
    // Two tabs: both forms are loaded before voting.
    const formA = noncesOf(await (await other.get(BALLOT)).text());
    const formB = noncesOf(await (await other.get(BALLOT)).text());
    const voted = await other.post(
      BALLOT,
      ballotFields(formA, { 'best-mentor': 'olga-kim', 'best-mentee': 'daria-sokolova' }),
    );
    expect(voted.status).toBe(303);

    const html = await (await other.get(`${BALLOT}?lang=en`)).text();
    expect((html.match(/You have voted here\./g) ?? []).length).toBe(2);
    expect(html).not.toContain('name="choice-best-mentor"');
    expect(html).not.toContain('name="nonce-best-mentor"');
    expect(html).not.toContain('name="choice-best-mentee"');
    expect(html).toContain('name="choice-best-regional-mentor"');
    expect(html).toContain('Under this award’s rules a vote is final');

    const before = await voteSnapshot();
    const refused = await other.post(
      `${BALLOT}?lang=en`,
      ballotFields(formB, { 'best-mentor': 'elena-kovaleva', 'best-mentee': 'kanykei-osmonova' }),
    );
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(h1Count(page)).toBe(1);
    expect(page).toContain('These votes were not recorded:');
    const message = 'You have voted in this category already, and your first vote stands. Nothing was changed.';
    expect(page).toContain(`<p class="field-error" id="err-best-mentor">${message}</p>`);
    expect(page).toContain(`<p class="field-error" id="err-best-mentee">${message}</p>`);
    expect(page).toContain('<fieldset id="cat-best-mentor" aria-describedby="err-best-mentor">');
    expect(page).toContain('href="#cat-best-mentee"');
    expect(await voteSnapshot()).toEqual(before);

    // One category voted already and one new: the new one is recorded, the other named on the receipts page.
    const mixed = await other.post(
      BALLOT,
      ballotFields(formB, { 'best-mentor': 'elena-kovaleva', 'best-regional-mentor': 'dinara-bakirova' }),
    );
    expect(mixed.status).toBe(303);
    expect(receiptsOf(mixed)).toHaveLength(1);
    expect(mixed.headers.get('location')).toContain('&no=best-mentor%3Avoted');
    const receiptsPage = await (await other.get(`${mixed.headers.get('location')}&lang=en`)).text();
    expect(receiptsPage).toContain('Not recorded');
    expect(receiptsPage).toContain(`Best Mentor</span>: ${message}`);
    expect(receiptsPage).toContain('Best Regional Mentor');
    // The person's earlier choice stands.
    const mine = await ballotsIn(stemId);
    expect(mine.filter((b) => b.status === 'counted')).toHaveLength(5);
  });

  it('asks for a choice and refuses an expired form without recording anything', async () => {
    const b = await voterWithKey('careless-voter');
    const nonces = noncesOf(await (await b.get(BALLOT)).text());
    const before = await voteSnapshot();
    const none = await b.post(`${BALLOT}?lang=en`, ballotFields(nonces, {}));
    expect(none.status).toBe(400);
    const html = await none.text();
    expect(html).toContain('Choose a nominee in at least one category.');
    expect(html).toContain('role="alert"');
    const expired = await b.post(`${BALLOT}?lang=en`, {
      ...ballotFields(nonces, { 'best-mentor': 'olga-kim' }),
      'nonce-best-mentor': 'short',
    });
    expect(expired.status).toBe(400);
    const expiredHtml = await expired.text();
    expect(expiredHtml).toContain('This form has expired');
    // The choice stays selected on the form shown again.
    expect(expiredHtml).toContain('id="v-best-mentor-olga-kim" value="olga-kim" checked=""');
    const gone = await b.post(`${BALLOT}?lang=en`, ballotFields(nonces, { 'best-mentor': 'no-such-nominee' }));
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('That nominee is not on the ballot any more');
    expect(await voteSnapshot()).toEqual(before);
  });

  it('refuses a ballot without the CSRF token, with a wrong one, from another origin or none', async () => {
    const b = await voterWithKey('csrf-voter');
    const fields = ballotFields(noncesOf(await (await b.get(BALLOT)).text()), { 'best-mentor': 'olga-kim' });
    const before = await voteSnapshot();
    for (const [name, opts] of [
      ['no token', { csrf: null }],
      ['wrong token', { csrf: 'A'.repeat(43) }],
      ['foreign origin', { origin: 'https://evil.example' }],
      ['no origin', { origin: null }],
    ] as const) {
      const res = await b.post(BALLOT, fields, opts);
      expect(res.status, name).toBe(403);
      expect(res.headers.get('content-type'), name).toMatch(/^text\/html/);
    }
    expect(await voteSnapshot()).toEqual(before);
    // The same form with its token goes through.
    expect((await b.post(BALLOT, fields)).status).toBe(303);
  });

  it('checks a receipt: pending before the checkpoint, verified with its proof after', async () => {
    const [receipt] = first.receipts as [string];
    const pending = await new Browser(env).get(`/a/${SLUG}/receipt?r=${receipt}&lang=en`);
    expect(pending.status).toBe(200);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    const pendingHtml = await pending.text();
    expect(h1Count(pendingHtml)).toBe(1);
    expect(pendingHtml).toContain('<h1>Check a receipt</h1>');
    expect(pendingHtml).toContain(
      'Recorded. It will be in the next checkpoint of the ballot log (within 5 minutes or 1000 ballots',
    );
    expect(pendingHtml).toMatch(/<dt>Category<\/dt><dd>Best Mentor<\/dd><dt>Nominee<\/dt><dd>Aigerim Asanova<\/dd>/);
    expect(pendingHtml).toContain('<span class="status status-counted">Counted</span>');
    expect(pendingHtml).toContain('<dd>not in the log yet</dd>');
    expect(pendingHtml).not.toContain('<details>');
    expect(pendingHtml).toContain(`href="/api/ceremonies/${SLUG}/receipts/${receipt}"`);

    const checkpoint = (await writeCheckpoint(env, stemId))!;
    expect(checkpoint.batch).toBe(1);
    // Capitals and spaces instead of dashes are the same receipt.
    const typed = receipt.toUpperCase().replace(/-/g, ' ');
    const verified = await new Browser(env).get(`/a/${SLUG}/receipt?r=${encodeURIComponent(typed)}&lang=en`);
    expect(verified.status).toBe(200);
    const html = await verified.text();
    expect(html).toContain(
      `Verified: in batch 1 of the ballot log, tree of size ${checkpoint.treeSize}, root ${checkpoint.root}.`,
    );
    expect(html).toContain('<dd>1</dd>');
    expect(html).toContain('<details><summary>The proof, to check it yourself</summary>');
    expect(html).toContain(`href="/api/ceremonies/${SLUG}/receipts/${receipt}"`);
    expect(html).toContain(`href="/api/ceremonies/${SLUG}/checkpoints"`);
    expect(html).toContain(`href="/a/${SLUG}/receipt#check-yourself"`);

    // The proof on the page verifies on its own, against the checkpoint the API publishes.
    const details = html.slice(html.indexOf('<details>'), html.indexOf('</details>'));
    const dd = (label: string) => new RegExp(`<dt>${label}</dt><dd>(.*?)</dd>`).exec(details)?.[1] ?? '';
    const hashes = (s: string) => [...s.matchAll(/<code translate="no">([0-9a-z_]+)<\/code>/g)].map((m) => m[1]!);
    const tracker = hashes(dd('Tracker \\(SHA-256 of the receipt\\)'))[0]!;
    const [categoryId, nomineeId] = hashes(dd('Category and nominee ids in the leaf'));
    const leafIndex = Number(dd('Leaf index'));
    const path = [...details.matchAll(/<li><code translate="no">([0-9a-f]{64})<\/code><\/li>/g)].map((m) => m[1]!);
    const treeSize = Number(dd('Tree size'));
    const root = hashes(dd('Root'))[0]!;
    expect(tracker).toBe(await trackerOf(receipt));
    expect(treeSize).toBe(checkpoint.treeSize);
    expect(path.length).toBeGreaterThan(0);
    const leaf = await leafHash({ tracker, category: categoryId!, nominee: nomineeId! });
    expect(await verifyInclusion(leaf, leafIndex, treeSize, path, root)).toBe(true);
    const published = await (await env.app.request(`/api/ceremonies/${SLUG}/checkpoints`)).json();
    expect(published.checkpoints.at(-1)).toMatchObject({ batch: 1, treeSize, root });
    const api = await (await env.app.request(`/api/ceremonies/${SLUG}/receipts/${receipt}`)).json();
    expect(api).toMatchObject({ tracker, category: categoryId, nominee: nomineeId, batch: 1 });
    expect(api.proof).toMatchObject({ leafIndex, path, root, treeSize });
    // A path hash changed: the same check fails, so the one above is not vacuous.
    const forged = [...path];
    forged[0] = forged[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(await verifyInclusion(leaf, leafIndex, treeSize, forged, root)).toBe(false);
  });

  it('refuses malformed receipts (400, with the form) and unknown ones (404)', async () => {
    const form = await new Browser(env).get(`/a/${SLUG}/receipt?lang=en`);
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(h1Count(formHtml)).toBe(1);
    expect(formHtml).toContain(`<form method="get" action="/a/${SLUG}/receipt">`);
    expect(formHtml).toContain('<label for="receipt">Receipt</label>');
    expect(formHtml).toContain('<h2 id="check-yourself">How to check a receipt yourself</h2>');

    const bad = await new Browser(env).get(`/a/${SLUG}/receipt?r=not-a-receipt-0189&lang=en`);
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('That is not a receipt');
    expect(badHtml).toContain('aria-describedby="receipt-hint receipt-error"');
    expect(badHtml).toContain('aria-invalid="true"');
    expect(badHtml).toContain('value="not-a-receipt-0189"');

    const unknown = 'aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh';
    const missing = await new Browser(env).get(`/a/${SLUG}/receipt?r=${unknown}&lang=en`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No ballot of this award has this receipt.');
    expect((await new Browser(env).get(`/a/${SLUG}/receipts?r=${unknown}`)).status).toBe(404);
    expect((await new Browser(env).get(`/a/${SLUG}/receipts?r=nope`)).status).toBe(400);
    expect((await new Browser(env).get(`/a/${SLUG}/receipts`)).status).toBe(400);
    // A receipt of another award is unknown here.
    expect((await new Browser(env).get(`/a/change-award/receipt?r=${first.receipts[0]}`)).status).toBe(404);
  });
});

describe('last-counts and a closed vote', () => {
  it('lets a person vote again under last-counts, and says the earlier ballot was replaced', async () => {
    const b = await voterWithKey('changer', changeId, 'change-award');
    const ballot = '/a/change-award/vote/main';
    const firstForm = await (await b.get(`${ballot}?lang=en`)).text();
    expect(firstForm).toContain('you may vote again in a category until voting closes');
    const firstVote = await b.post(ballot, ballotFields(noncesOf(firstForm), { 'best-mentor': 'aida' }));
    expect(firstVote.status).toBe(303);
    const [earlier] = receiptsOf(firstVote) as [string];

    const again = await (await b.get(`${ballot}?lang=en`)).text();
    expect(again).toContain('You have voted here. A new choice replaces your earlier vote.');
    expect(again).toContain('name="choice-best-mentor"');
    expect(again).toContain('Keep my earlier vote');
    const secondVote = await b.post(ballot, ballotFields(noncesOf(again), { 'best-mentor': 'bermet' }));
    expect(secondVote.status).toBe(303);
    const [later] = receiptsOf(secondVote) as [string];
    expect(later).not.toBe(earlier);

    const replaced = await (await b.get(`/a/change-award/receipt?r=${earlier}&lang=en`)).text();
    expect(replaced).toContain('Replaced by your later vote in this category, which counts instead');
    const counted = await (await b.get(`/a/change-award/receipt?r=${later}&lang=ru`)).text();
    expect(counted).toContain('<span class="status status-counted">Засчитан</span>');
  });

  it('shows the ballot closed once the vote is over, and the receipts still verify', async () => {
    const b = await voterWithKey('late-voter', changeId, 'change-award');
    const form = noncesOf(await (await b.get('/a/change-award/vote/main')).text());
    await movePhase(env, await requireAward(env, changeId), 'judging', 'cli', 'hand');
    const closed = await b.get('/a/change-award/vote/main?lang=en');
    expect(closed.status).toBe(409);
    const html = await closed.text();
    expect(html).toContain('This award is not taking votes now.');
    expect(html).toContain('href="/a/change-award/receipt"');
    const before = await voteSnapshot();
    const late = await b.post('/a/change-award/vote/main', ballotFields(form, { 'best-mentor': 'aida' }));
    expect(late.status).toBe(409);
    expect(await voteSnapshot()).toEqual(before);
    const award = await (await b.get('/a/change-award?lang=en')).text();
    expect(award).not.toContain('/vote/');
    expect(award).toContain('href="/a/change-award/receipt"');
  });
});

describe('languages, size and no counts', () => {
  it('speaks Kyrgyz and Russian on the ballot, the receipts and the receipt check', async () => {
    const b = await voterWithKey('lang-voter');
    const ky = await (await b.get(`${BALLOT}?lang=ky`)).text();
    expect(ky).toContain('<html lang="ky"');
    expect(ky).toContain('<h1>Добуш берүү: STEM4ALL x Mentoring Her</h1>');
    expect(ky).toContain('<legend>Мыкты ментор</legend>');
    expect(ky).toContain('Бул категорияда добуш бербейм');
    expect(ky).toContain('<button type="submit">Добуштарымды жөнөтүү</button>');
    const ru = await (await b.get(`${BALLOT}?lang=ru`)).text();
    expect(ru).toContain('<h1>Голосование: STEM4ALL x Mentoring Her</h1>');
    expect(ru).toContain('Отправить мои голоса');
    const unverifiedKy = await (await new Browser(env).get(`${BALLOT}?lang=ky`)).text();
    expect(unverifiedKy).toContain('Добуш берүү үчүн адегенде өзүңүздү ырастаңыз');

    const voted = await b.post(
      `${BALLOT}?lang=ky`,
      ballotFields(noncesOf(ky), { 'best-motivator-mentor': 'olga-kim' }),
    );
    // olga-kim is not in that category: refused, on the form, in Kyrgyz (the language cookie).
    expect(voted.status).toBe(404);
    expect(await voted.text()).toContain('Бул номинант мындан ары бюллетенде жок');
    const form = noncesOf(await (await b.get(`${BALLOT}?lang=ky`)).text());
    const ok = await b.post(BALLOT, ballotFields(form, { 'best-motivator-mentor': 'cholpon-omurbekova' }));
    expect(ok.status).toBe(303);
    const receiptsKy = await (await b.get(`${ok.headers.get('location')}&lang=ky`)).text();
    expect(receiptsKy).toContain('<h1>Рахмат: добуштарыңыз катталды</h1>');
    expect(receiptsKy).toContain('Бул дүмүрчөктү текшерүү');
    const [receipt] = receiptsOf(ok) as [string];
    const pendingKy = await (await b.get(`/a/${SLUG}/receipt?r=${receipt}&lang=ky`)).text();
    expect(pendingKy).toContain('<h1>Дүмүрчөктү текшерүү</h1>');
    expect(pendingKy).toContain('Катталды. Ал бюллетендер журналынын кийинки бакылоо чекитине кирет');
    await writeCheckpoint(env, stemId);
    const verifiedKy = await (await b.get(`/a/${SLUG}/receipt?r=${receipt}&lang=ky`)).text();
    expect(verifiedKy).toMatch(
      /Текшерилди: бюллетендер журналынын 2-топтомунда, дарактын өлчөмү \d+, тамыры [0-9a-f]{64}\./,
    );
    expect(verifiedKy).toContain('<span class="status status-counted">Эсептелди</span>');
    const verifiedRu = await (await b.get(`/a/${SLUG}/receipt?r=${receipt}&lang=ru`)).text();
    expect(verifiedRu).toMatch(/Проверено: в пакете 2 журнала бюллетеней, дерево размером \d+, корень [0-9a-f]{64}\./);
    const formRu = await (await b.get(`/a/${SLUG}/receipt?lang=ru`)).text();
    expect(formRu).toContain('Как проверить квитанцию самостоятельно');
    const awardKy = await (await new Browser(env).get(`/a/${SLUG}?lang=ky`)).text();
    expect(awardKy).toContain('aria-label="Добуш берүү: STEM4ALL x Mentoring Her"');
    expect(awardKy).toContain('Дүмүрчөктү текшерүү');
  });

  it('keeps every page under 50 KB, with one h1', async () => {
    const voter = await voterWithKey('size-voter');
    const nonces = noncesOf(await (await voter.get(BALLOT)).text());
    const cast = await voter.post(BALLOT, ballotFields(nonces, { 'best-mentor': 'nurgul-usenova' }));
    const receipts = cast.headers.get('location')!;
    const receipt = receiptsOf(cast)[0]!;
    await writeCheckpoint(env, stemId);
    for (const lang of ['en', 'ru', 'ky']) {
      const pages: [Browser, string][] = [
        [new Browser(env), `/a/${SLUG}`],
        [new Browser(env), BALLOT],
        [new Browser(env), `/a/${SLUG}/vote/community`],
        [await voterWithKey(`size-${lang}`), BALLOT],
        [await voterWithKey(`size-${lang}`), `/a/${SLUG}/vote/community`],
        [voter, BALLOT],
        [voter, receipts],
        [new Browser(env), `/a/${SLUG}/receipt`],
        [new Browser(env), `/a/${SLUG}/receipt?r=${receipt}`],
      ];
      for (const [b, path] of pages) {
        const res = await b.get(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
        expect(res.status, path).toBe(200);
        const html = await res.text();
        expect(bytes(html), `${path} ${lang}`).toBeLessThan(50 * 1024);
        expect(h1Count(html), `${path} ${lang}`).toBe(1);
      }
    }
  });

  it('shows no counts: the public pages do not change when ballots are cast', async () => {
    const watcher = await voterWithKey('watcher');
    const anonymous = new Browser(env);
    const award = example();
    const paths = [
      `/a/${SLUG}`,
      ...award.tracks.map((t) => `/a/${SLUG}/vote/${t.slug}`),
      ...award.tracks.flatMap((t) => t.categories.map((c) => `/a/${SLUG}/${c.slug}`)),
      `/a/${SLUG}/receipt`,
    ];
    // Nonces and tokens differ on every load; nothing else may.
    const normalize = (html: string) =>
      html.replace(/name="(nonce-[a-z0-9-]+|_csrf)" value="[^"]+"/g, 'name="$1" value=""');
    const read = async () => {
      const out: Record<string, string> = {};
      for (const path of paths)
        for (const [who, b] of [
          ['anonymous', anonymous],
          ['voter', watcher],
        ] as const)
          out[`${who} ${path}`] = normalize(await (await b.get(`${path}?lang=en`)).text());
      return out;
    };
    const before = await read();
    // Twelve more ballots, all for one nominee, and a checkpoint.
    for (let i = 0; i < 12; i++) {
      const b = await voterWithKey(`crowd-${i}`);
      const nonces = noncesOf(await (await b.get(BALLOT)).text());
      expect((await b.post(BALLOT, ballotFields(nonces, { 'best-regional-mentee': 'elnura-isakova' }))).status).toBe(
        303,
      );
    }
    await writeCheckpoint(env, stemId);
    expect(await read()).toEqual(before);
  });
});
