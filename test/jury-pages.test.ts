/**
 * The juror portal's pages, driven through app.request() with a small cookie jar: the invitation page that spends
 * nothing and its form that spends the link once; the portal with and without a juror session and the new-link
 * form; declaring conflicts, scoring, submitting and the locked sheet (rubric, on the STEM4ALL example); the
 * ranking form; the CSRF checks; judging not yet open and closed; the pages in ru and ky; page sizes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AwardDefinition } from '../src/ceremonies/schemas';
import { movePhase, requireAward } from '../src/ceremonies/service';
import { MESSAGES, type MessageKey } from '../src/i18n/messages';
import { JUROR_SESSION_HOURS } from '../src/jury/service';
import { addOrganizer } from '../src/organizers/service';
import { readRanking } from '../src/web/jury';
import { bearer, example, post, signIn, snapshot, testClock, testEnv, type TestEnv } from './helpers';
import { openVote } from './support/awards';
import { Browser, bytes, h1Count, setCookie } from './support/pages';

const SLUG = 'stem4all-2024';
const RANKED = 'ranked-award';
const PORTAL = `/jury/${SLUG}`;
const SHEET = `${PORTAL}/best-mentor`;
const FINALISTS = ['aigerim-asanova', 'elena-kovaleva', 'nurgul-usenova'];

let env: TestEnv;
let clock: ReturnType<typeof testClock>;
let stemId: string;
let rankedId: string;
let organizer: string;
/** Every page these tests saw, for the size check at the end. */
const seen: { path: string; html: string }[] = [];

/** A page's body, remembered for the size check. */
async function page(res: Response, path: string) {
  const html = await res.text();
  seen.push({ path, html });
  return html;
}

const rankedAward = AwardDefinition.parse({
  format: 'laurel-award/1',
  slug: RANKED,
  locales: ['en', 'ru', 'ky'],
  name: { en: 'Ranked Award', ru: 'Премия с рейтингом', ky: 'Рейтинг сыйлыгы' },
  rules: { finalists: { mode: 'organizer' }, jury: { mode: 'ranking', rankPoints: { kind: 'borda' } } },
  institutions: [{ slug: 'experts', name: { en: 'Experts', ru: 'Эксперты', ky: 'Эксперттер' }, weight: 1 }],
  tracks: [
    {
      slug: 't',
      name: { en: 'T' },
      categories: [
        {
          slug: 'mentor',
          name: { en: 'Mentor', ru: 'Ментор', ky: 'Ментор' },
          nominees: ['a', 'b', 'c'].map((s) => ({ slug: s, name: { en: `Nominee ${s.toUpperCase()}` } })),
        },
      ],
    },
  ],
});

async function addJuror(slug: string, body: Record<string, unknown>) {
  const res = await post(env, `/api/ceremonies/${slug}/jury/jurors`, body, bearer(organizer));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { juror: { id: string }; invitation: { url: string } };
}

/** A browser that opened an invitation link and entered the portal with it. */
async function jurorBrowser(url: string) {
  const b = new Browser(env);
  const path = new URL(url).pathname;
  expect((await b.get(path)).status).toBe(200);
  const res = await b.post(path, {});
  expect(res.status).toBe(303);
  return b;
}

async function nomineeIds(ceremonyId: string) {
  const award = await requireAward(env, ceremonyId);
  return Object.fromEntries(award.nominees.map((n) => [n.slug, n.id]));
}

async function assignment(jurorId: string) {
  return env.store.db
    .selectFrom('jury_assignments')
    .selectAll()
    .where('juror_id', '=', jurorId)
    .executeTakeFirstOrThrow();
}

async function scoresOf(jurorId: string) {
  const rows = await env.store.db.selectFrom('jury_scores').selectAll().where('juror_id', '=', jurorId).execute();
  return rows.map((r) => ({ nominee: r.nominee_id, scores: JSON.parse(r.scores) as Record<string, number> }));
}

const scoreForms = (html: string) => (html.match(/action="\/jury\/[^"]+\/scores\/[^"]+"/g) ?? []).length;
const numberInputs = (html: string) => (html.match(/type="number"/g) ?? []).length;
/** The card of one finalist on the sheet: from its id to the end of its list item. */
const cardOf = (html: string, slug: string) => {
  const start = html.indexOf(`id="fin-${slug}"`);
  expect(start, slug).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</li>', start));
};

beforeAll(async () => {
  clock = testClock();
  env = await testEnv({ clock });
  stemId = await openVote(env, example());
  rankedId = await openVote(env, rankedAward);
  organizer = await signIn(env, 'jury-organizer@example.org', stemId);
  // The same organizer for the second award: roles are read at each request, so one sign-in serves both.
  await addOrganizer(env, 'jury-organizer@example.org', rankedId, 'cli');
  await movePhase(env, await requireAward(env, stemId), 'judging', 'cli', 'hand');
  const picked = await post(
    env,
    `/api/ceremonies/${SLUG}/categories/best-mentor/finalists`,
    { nominees: FINALISTS },
    bearer(organizer),
    'PUT',
  );
  expect(picked.status, await picked.clone().text()).toBe(200);
  // UNDP may not judge Nurgul Usenova (say, its own programme's nominee).
  const conflict = await post(
    env,
    `/api/ceremonies/${SLUG}/jury/conflicts`,
    { nominee: 'nurgul-usenova', institution: 'undp' },
    bearer(organizer),
  );
  expect(conflict.status).toBe(201);
});

describe('the invitation', () => {
  it('GET shows it and spends nothing; the POST spends it once and sets the juror cookie', async () => {
    const added = await addJuror(SLUG, {
      name: 'Dr. Ainura Bekova',
      email: 'ainura@example.kg',
      institution: 'undp',
      categories: ['best-mentor'],
    });
    const path = new URL(added.invitation.url).pathname;
    const before = await snapshot(env);
    const b = new Browser(env);
    for (let i = 0; i < 2; i++) {
      const res = await b.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await page(res, path);
      expect(h1Count(html)).toBe(1);
      expect(html).toContain('<h1>Your invitation to the jury</h1>');
      expect(html).toContain('Dr. Ainura Bekova');
      expect(html).toContain('UNDP Kyrgyzstan');
      expect(html).toContain('Best Mentor');
      expect(html).toContain(`<form method="post" action="${path}">`);
      expect(html).toContain('Enter the jury portal');
      expect(html).toContain(`for ${JUROR_SESSION_HOURS} hours`);
    }
    // Reading changed nothing: the link is still unspent, no event, no cookie.
    expect(await snapshot(env)).toEqual(before);
    expect(b.jar.has('laurel_juror')).toBe(false);

    const csrfBefore = b.jar.get('laurel_csrf');
    const res = await b.post(path, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(PORTAL);
    const cookie = setCookie(res, 'laurel_juror')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    // The session lasts 72 hours: 72 x 3600 = 259200 seconds (the test clock stands still).
    expect(cookie).toMatch(/Max-Age=259200\b/);
    expect(b.jar.get('laurel_csrf')).not.toBe(csrfBefore);
    const juror = await env.store.db
      .selectFrom('jurors')
      .selectAll()
      .where('id', '=', added.juror.id)
      .executeTakeFirstOrThrow();
    expect(juror.invitation).toBeNull();

    const portal = await page(await b.get(PORTAL), PORTAL);
    expect(portal).toContain('Signed in as Dr. Ainura Bekova, juror for UNDP Kyrgyzstan.');

    // Spent: another browser (or a second tap) gets the 410 page, with the way to a new link.
    const other = new Browser(env);
    const shown = await other.get(path);
    expect(shown.status).toBe(410);
    const spent = await page(shown, path);
    expect(spent).toContain('This link has been used');
    expect(spent).toContain(`href="${PORTAL}"`);
    // A second tap on the button of the page already open.
    const again = await b.post(path, {});
    expect(again.status).toBe(410);
    expect(setCookie(again, 'laurel_juror')).toBeUndefined();
  });

  it('an invalid or tampered link is a 401 page that names no award', async () => {
    const added = await addJuror(SLUG, { name: 'J. Tamper', institution: 'moes', categories: ['best-mentor'] });
    const token = new URL(added.invitation.url).pathname.split('/').pop()!;
    for (const bad of [`${token.slice(0, -3)}abc`, 'not-a-token']) {
      const b = new Browser(env);
      await b.get(PORTAL); // a CSRF cookie, so that the POST below reaches the link check
      const res = await b.get(`/jury/invitations/${bad}`);
      expect(res.status).toBe(401);
      const html = await page(res, 'invalid link');
      expect(html).toContain('This link does not work');
      expect(html).toContain('Ask the organizers of the award for a new one');
      // No award to point to: the way to a new link is only in words.
      expect(html).not.toContain('Request a new link');
      expect(html).not.toContain(`href="${PORTAL}"`);
      const posted = await b.post(`/jury/invitations/${bad}`, {});
      expect(posted.status).toBe(401);
      expect(setCookie(posted, 'laurel_juror')).toBeUndefined();
    }
  });

  it('a POST without the CSRF token is refused with 403 and spends nothing', async () => {
    const added = await addJuror(SLUG, { name: 'J. Csrf', institution: 'moes', categories: ['best-mentor'] });
    const path = new URL(added.invitation.url).pathname;
    const b = new Browser(env);
    await b.get(path);
    const before = await snapshot(env);
    expect((await b.post(path, {}, { csrf: null })).status).toBe(403);
    expect((await b.post(path, {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await snapshot(env)).toEqual(before);
    expect(b.jar.has('laurel_juror')).toBe(false);
  });
});

describe('the portal without a session', () => {
  it('says so and offers a new link by mail, with one answer whatever the address', async () => {
    await addJuror(SLUG, {
      name: 'Link Asker',
      email: 'asker@example.kg',
      institution: 'moes',
      categories: ['best-mentor'],
      invite: false,
    });
    const b = new Browser(env);
    const res = await b.get(PORTAL);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await page(res, PORTAL);
    expect(html).toContain('This browser is not signed in to the jury of this award.');
    expect(html).toContain(`action="${PORTAL}/link"`);
    // A sheet without a session is the same page.
    expect(await page(await b.get(SHEET), SHEET)).toContain(`action="${PORTAL}/link"`);

    const mails = (to: string) =>
      env.store.db.selectFrom('outbox').select(['kind', 'text_body']).where('to_address', '=', to).execute();
    const juror = await b.post(`${PORTAL}/link`, { email: 'Asker@Example.kg' });
    expect(juror.status).toBe(200);
    const jurorHtml = await page(juror, `${PORTAL}/link`);
    const stranger = await b.post(`${PORTAL}/link`, { email: 'stranger@example.kg' });
    expect(stranger.status).toBe(200);
    const strangerHtml = await stranger.text();
    // The same answer, apart from the address itself.
    expect(jurorHtml.replace('Asker@Example.kg', 'X')).toBe(strangerHtml.replace('stranger@example.kg', 'X'));
    expect(jurorHtml).toContain('If Asker@Example.kg belongs to a juror of this award, a new link is on its way.');
    const sent = await mails('asker@example.kg');
    expect(sent.map((m) => m.kind)).toEqual(['juror-invitation']);
    expect(sent[0]!.text_body).toMatch(/\/jury\/invitations\//);
    expect(await mails('stranger@example.kg')).toEqual([]);

    const malformed = await b.post(`${PORTAL}/link`, { email: 'not an address' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('Enter a valid email address.');

    // Three requests an hour per address; the fourth is a 429 page and mails nothing.
    for (let i = 0; i < 2; i++)
      expect((await b.post(`${PORTAL}/link`, { email: 'asker@example.kg' })).status).toBe(200);
    const limited = await b.post(`${PORTAL}/link?lang=ru`, { email: 'asker@example.kg' });
    expect(limited.status).toBe(429);
    expect(await page(limited, `${PORTAL}/link 429`)).toContain('Для этого адреса запрошено слишком много ссылок.');
    expect(await mails('asker@example.kg')).toHaveLength(3);
  });
});

describe('a rubric sheet', () => {
  let b: Browser;
  let jurorId: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    const added = await addJuror(SLUG, { name: 'Rubric Juror', institution: 'undp', categories: ['best-mentor'] });
    jurorId = added.juror.id;
    b = await jurorBrowser(added.invitation.url);
    ids = await nomineeIds(stemId);
  });

  it('asks for the declaration first, with the institution’s conflict already known', async () => {
    const portal = await page(await b.get(PORTAL), PORTAL);
    expect(portal).toContain('Declare your conflicts first');
    expect(portal).toContain(`href="${SHEET}"`);

    const res = await b.get(SHEET);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await page(res, SHEET);
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('<h1>Best Mentor</h1>');
    expect(html).toContain('Declare your conflicts of interest');
    expect(html).toContain(`action="${SHEET}/conflicts"`);
    expect(html).toContain('name="conflict-aigerim-asanova"');
    expect(html).toContain('name="conflict-elena-kovaleva"');
    // UNDP's conflict is on record: no box, the reason instead.
    expect(html).not.toContain('name="conflict-nurgul-usenova"');
    expect(html).toContain('Conflict of interest of your institution: you do not judge this finalist.');
    expect(html).toContain('Confirm my declaration');
    expect(numberInputs(html)).toBe(0);

    // Scores before the declaration: the service's 409, on the sheet, and nothing changes.
    const before = await snapshot(env);
    const early = await b.post(`${SHEET}/scores/aigerim-asanova`, {
      'score-impact': '5',
      'score-leadership': '5',
      'score-inspiration': '5',
    });
    expect(early.status).toBe(409);
    expect(await page(early, 'early')).toContain('Declare your conflicts of interest in this category first.');
    expect(await snapshot(env)).toEqual(before);
  });

  it('a failed CSRF check is a 403 and changes nothing', async () => {
    const before = await snapshot(env);
    const forms: [string, Record<string, string>][] = [
      [`${SHEET}/conflicts`, { 'conflict-elena-kovaleva': 'yes' }],
      [`${SHEET}/submit`, {}],
      [`${PORTAL}/link`, { email: 'asker@example.kg' }],
    ];
    for (const [path, fields] of forms) {
      const noToken = await b.post(path, fields, { csrf: null });
      expect(noToken.status, path).toBe(403);
      expect(await noToken.text()).toContain('nothing was changed');
      expect((await b.post(path, fields, { csrf: 'x'.repeat(43) })).status, path).toBe(403);
      expect((await b.post(path, fields, { origin: 'https://evil.example' })).status, path).toBe(403);
    }
    expect(await snapshot(env)).toEqual(before);
  });

  it('declares a conflict; the conflicted finalists have no inputs', async () => {
    const res = await b.post(`${SHEET}/conflicts`, { 'conflict-elena-kovaleva': 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${SHEET}?saved=conflicts`);
    expect((await assignment(jurorId)).declared).toBe(1);
    const conflicts = await env.store.db
      .selectFrom('jury_conflicts')
      .select(['nominee_id', 'declared_by'])
      .where('juror_id', '=', jurorId)
      .execute();
    expect(conflicts).toEqual([{ nominee_id: ids['elena-kovaleva'], declared_by: 'juror' }]);

    const html = await page(await b.get(`${SHEET}?saved=conflicts`), SHEET);
    expect(html).toContain('Your declaration is recorded.');
    expect(html).toContain('Score each finalist on every criterion with a whole number from 1 to 10');
    // One form, three criteria, for the one finalist this juror judges.
    expect(scoreForms(html)).toBe(1);
    expect(numberInputs(html)).toBe(3);
    const aigerim = cardOf(html, 'aigerim-asanova');
    expect(aigerim).toContain('<legend>Aigerim Asanova</legend>');
    expect(aigerim).toContain('Software engineer');
    expect(aigerim).toContain('<label for="s-aigerim-asanova-impact">Impact (weight 40 of 100)</label>');
    expect(aigerim).toContain('name="score-impact"');
    expect(aigerim).toContain('min="1"');
    expect(aigerim).toContain('max="10"');
    expect(aigerim).toContain('aria-label="Save the scores of Aigerim Asanova"');
    for (const [slug, why] of [
      ['elena-kovaleva', 'Conflict of interest: you do not judge this finalist.'],
      ['nurgul-usenova', 'Conflict of interest of your institution: you do not judge this finalist.'],
    ] as const) {
      const card = cardOf(html, slug);
      expect(card).toContain(why);
      expect(card).not.toContain('<input');
      expect(card).not.toContain('<form');
    }
    expect(html).toContain('Finalists still to score: 1.');
    expect(await page(await b.get(PORTAL), PORTAL)).toContain('0 of 1 scored');

    // The service refuses scores of a conflicted finalist, even sent by hand.
    const before = await snapshot(env);
    const refused = await b.post(`${SHEET}/scores/elena-kovaleva`, {
      'score-impact': '5',
      'score-leadership': '5',
      'score-inspiration': '5',
    });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('You, or your institution, have a conflict of interest with this finalist.');
    expect(await snapshot(env)).toEqual(before);
  });

  it('refuses a score off the scale on the form, keeping what was typed', async () => {
    const before = await snapshot(env);
    const res = await b.post(`${SHEET}/scores/aigerim-asanova`, {
      'score-impact': '11',
      'score-leadership': '7',
      'score-inspiration': '9',
    });
    expect(res.status).toBe(400);
    const html = await page(res, 'scores 400');
    expect(html).toContain('Give every criterion a whole number from 1 to 10. Nothing was saved.');
    const card = cardOf(html, 'aigerim-asanova');
    expect(card).toMatch(/id="s-aigerim-asanova-impact"[^>]*value="11"[^>]*aria-invalid="true"/);
    expect(card).toMatch(/id="s-aigerim-asanova-leadership"[^>]*value="7"/);
    expect(card).not.toMatch(/id="s-aigerim-asanova-leadership"[^>]*aria-invalid/);
    expect(await snapshot(env)).toEqual(before);

    // An incomplete sheet cannot be submitted: the 409 says so and nothing changes.
    const submit = await b.post(`${SHEET}/submit`, {});
    expect(submit.status).toBe(409);
    expect(await submit.text()).toContain('The sheet is not complete');
    expect(await snapshot(env)).toEqual(before);
  });

  it('saves the scores, submits, and then the sheet is locked', async () => {
    const saved = await b.post(`${SHEET}/scores/aigerim-asanova`, {
      'score-impact': '8',
      'score-leadership': ' 7 ',
      'score-inspiration': '9',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`${SHEET}?saved=scores#fin-aigerim-asanova`);
    expect(await scoresOf(jurorId)).toEqual([
      { nominee: ids['aigerim-asanova'], scores: { impact: 8, leadership: 7, inspiration: 9 } },
    ]);
    const html = await page(await b.get(`${SHEET}?saved=scores`), SHEET);
    expect(html).toContain('The scores are saved.');
    const card = cardOf(html, 'aigerim-asanova');
    expect(card).toMatch(/name="score-impact"[^>]*value="8"/);
    expect(card).toMatch(/name="score-leadership"[^>]*value="7"/);
    expect(card).toMatch(/name="score-inspiration"[^>]*value="9"/);
    expect(html).not.toContain('Finalists still to score');
    expect(await page(await b.get(PORTAL), PORTAL)).toContain('1 of 1 scored');

    const submitted = await b.post(`${SHEET}/submit`, {});
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get('location')).toBe(`${SHEET}?saved=submitted`);
    expect((await assignment(jurorId)).submitted).toBe(1);

    const locked = await page(await b.get(`${SHEET}?saved=submitted`), SHEET);
    expect(locked).toContain('Submitted — this sheet is locked.');
    expect(numberInputs(locked)).toBe(0);
    expect(scoreForms(locked)).toBe(0);
    expect(locked).not.toContain(`action="${SHEET}/submit"`);
    expect(locked).not.toContain(`action="${SHEET}/conflicts"`);
    // The juror's own scores, read-only.
    const mine = cardOf(locked, 'aigerim-asanova');
    expect(mine).toContain('<dt>Impact (weight 40 of 100)</dt><dd>8</dd>');
    expect(mine).toContain('<dt>Leadership (weight 30 of 100)</dt><dd>7</dd>');
    expect(mine).toContain('<dt>Inspiration (weight 30 of 100)</dt><dd>9</dd>');
    expect(cardOf(locked, 'nurgul-usenova')).not.toContain('<input');
    expect(await page(await b.get(PORTAL), PORTAL)).toContain('Submitted — locked');

    // After submitting: every form is refused with 409 and nothing changes.
    const before = await snapshot(env);
    const late = await b.post(`${SHEET}/scores/aigerim-asanova`, {
      'score-impact': '1',
      'score-leadership': '1',
      'score-inspiration': '1',
    });
    expect(late.status).toBe(409);
    const lateHtml = await page(late, 'late');
    expect(lateHtml).toContain('You have submitted this sheet, so it is locked. Nothing was changed.');
    expect(numberInputs(lateHtml)).toBe(0);
    expect((await b.post(`${SHEET}/conflicts`, { 'conflict-aigerim-asanova': 'yes' })).status).toBe(409);
    expect((await b.post(`${SHEET}/submit`, {})).status).toBe(409);
    expect(await snapshot(env)).toEqual(before);
  });

  it('another juror never sees these scores', async () => {
    const added = await addJuror(SLUG, { name: 'Other Juror', institution: 'moes', categories: ['best-mentor'] });
    const other = await jurorBrowser(added.invitation.url);
    await other.post(`${SHEET}/conflicts`, {});
    const html = await page(await other.get(SHEET), SHEET);
    // Three finalists to score, none of them prefilled: the first juror's 8, 7 and 9 appear nowhere.
    expect(numberInputs(html)).toBe(9);
    expect(html).not.toMatch(/type="number"[^>]*value=/);
    expect(html).toContain('Finalists still to score: 3.');
  });

  it('a category not assigned to the juror is a 404 page', async () => {
    const res = await b.get(`${PORTAL}/best-mentee`);
    expect(res.status).toBe(404);
    expect(await page(res, 'not assigned')).toContain('This category is not assigned to you');
  });
});

describe('a ranking sheet, before, during and after judging', () => {
  let b: Browser;
  let jurorId: string;
  let ids: Record<string, string>;
  const RSHEET = `/jury/${RANKED}/mentor`;

  beforeAll(async () => {
    // Added while the public vote runs: the portal opens, the sheets wait.
    const added = await addJuror(RANKED, { name: 'Ranking Juror', institution: 'experts', categories: ['mentor'] });
    jurorId = added.juror.id;
    b = await jurorBrowser(added.invitation.url);
    ids = await nomineeIds(rankedId);
  });

  it('says judging has not started before the vote closes', async () => {
    const portal = await page(await b.get(`/jury/${RANKED}`), 'ranked portal');
    expect(portal).toContain('Judging has not started yet');
    expect(portal).toContain('Opens when judging starts');
    const sheet = await page(await b.get(RSHEET), RSHEET);
    expect(sheet).toContain('Judging has not started yet');
    expect(sheet).not.toContain('<form method="post" action="/jury/');
    const before = await snapshot(env);
    const early = await b.post(`${RSHEET}/conflicts`, {});
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('Judging has not started yet. Nothing was changed.');
    expect(await snapshot(env)).toEqual(before);
  });

  it('ranks with one select per finalist; the same rank twice is a 400 that saves nothing', async () => {
    await movePhase(env, await requireAward(env, rankedId), 'judging', 'cli', 'hand');
    // Judging is open but the organizers have not picked the finalists yet: nothing to declare or submit.
    const empty = await page(await b.get(RSHEET), RSHEET);
    expect(empty).toContain('This category has no finalists yet.');
    expect(empty).not.toContain(`action="${RSHEET}/conflicts"`);
    expect(empty).not.toContain(`action="${RSHEET}/submit"`);
    expect(await page(await b.get(`/jury/${RANKED}`), 'ranked portal')).toContain(
      'This category has no finalists yet.',
    );
    const picked = await post(
      env,
      `/api/ceremonies/${RANKED}/categories/mentor/finalists`,
      { nominees: ['a', 'b', 'c'] },
      bearer(organizer),
      'PUT',
    );
    expect(picked.status).toBe(200);
    expect((await b.post(`${RSHEET}/conflicts`, {})).status).toBe(303);
    const html = await page(await b.get(RSHEET), RSHEET);
    expect(html).toContain('Give each finalist a rank, 1 being the best');
    expect(html).toContain(`action="${RSHEET}/ranking"`);
    for (const slug of ['a', 'b', 'c']) {
      expect(html).toContain(`<label for="r-${slug}">Rank of Nominee ${slug.toUpperCase()}</label>`);
      expect(html).toContain(`name="rank-${slug}"`);
    }
    // Ranks 1 to 3 for three finalists.
    expect(html.match(/<option value="[1-3]">/g)).toHaveLength(9);
    expect(html).toContain('Finalists still to rank: 3.');

    const before = await snapshot(env);
    const twice = await b.post(`${RSHEET}/ranking`, { 'rank-a': '1', 'rank-b': '1', 'rank-c': '2' });
    expect(twice.status).toBe(400);
    const twiceHtml = await page(twice, 'ranking 400');
    expect(twiceHtml).toContain('Two finalists have the same rank');
    expect(twiceHtml).toMatch(/id="r-a"[^>]*aria-invalid="true"/);
    expect(twiceHtml).toMatch(/id="r-b"[^>]*aria-invalid="true"/);
    expect(twiceHtml).not.toMatch(/id="r-c"[^>]*aria-invalid/);
    // The choices stay: a and b on 1, c on 2.
    expect(twiceHtml.match(/<option value="1" selected="">/g)).toHaveLength(2);
    const missing = await b.post(`${RSHEET}/ranking`, { 'rank-a': '1', 'rank-b': '2' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Give every finalist a rank.');
    expect((await b.post(`${RSHEET}/ranking`, { 'rank-a': '1', 'rank-b': '2', 'rank-c': '4' })).status).toBe(400);
    expect(await snapshot(env)).toEqual(before);

    const saved = await b.post(`${RSHEET}/ranking`, { 'rank-a': '2', 'rank-b': '1', 'rank-c': '3' });
    expect(saved.status).toBe(303);
    const row = await env.store.db
      .selectFrom('jury_rankings')
      .selectAll()
      .where('juror_id', '=', jurorId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.ranking)).toEqual([ids.b, ids.a, ids.c]);
    const again = await page(await b.get(`${RSHEET}?saved=ranking`), RSHEET);
    expect(again).toContain('The ranking is saved.');
    expect(again).toMatch(/id="r-b"[^]*?<option value="1" selected="">/);
    expect(again).toMatch(/id="r-a"[^]*?<option value="2" selected="">/);
    expect(await page(await b.get(`/jury/${RANKED}`), 'ranked portal')).toContain('3 of 3 ranked');
  });

  it('is read-only once judging has closed', async () => {
    await env.store.db
      .updateTable('ceremonies')
      .set({ judging_closes: clock() + 60_000 })
      .where('id', '=', rankedId)
      .execute();
    clock.advance(60_000);
    const html = await page(await b.get(RSHEET), RSHEET);
    expect(html).toContain('Judging has closed: this sheet is read-only.');
    expect(html).toContain('This sheet was not submitted before judging closed, so it does not count.');
    expect(html).not.toContain('<select');
    // The saved ranking, best first.
    expect(html).toMatch(
      /Your ranking<\/h2><ol[^>]*><li><span class="name">Nominee B<\/span><\/li><li><span class="name">Nominee A/,
    );
    const before = await snapshot(env);
    const late = await b.post(`${RSHEET}/submit`, {});
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('Judging has closed: sheets can no longer change. Nothing was changed.');
    expect(await snapshot(env)).toEqual(before);
    expect(await page(await b.get(`/jury/${RANKED}`), 'ranked portal')).toContain(
      'Judging has closed: your sheets can no longer change.',
    );
  });
});

describe('readRanking', () => {
  it('orders by rank and refuses gaps, repeats and ranks off the range', () => {
    expect(readRanking({ 'rank-x': '2', 'rank-y': '3', 'rank-z': '1' }, ['x', 'y', 'z'])).toEqual({
      ranking: ['z', 'x', 'y'],
    });
    expect(readRanking({ 'rank-x': '1', 'rank-y': '1', 'rank-z': '2' }, ['x', 'y', 'z'])).toMatchObject({
      error: 'duplicate',
      invalid: ['x', 'y'],
    });
    expect(readRanking({ 'rank-x': '1', 'rank-y': '0', 'rank-z': '1.5' }, ['x', 'y', 'z'])).toMatchObject({
      error: 'missing',
      invalid: ['y', 'z'],
    });
    expect(readRanking({ 'rank-x': '3' }, ['x', 'y'])).toMatchObject({ error: 'missing', invalid: ['x', 'y'] });
  });
});

describe('languages and sizes', () => {
  const juryKeys = (Object.keys(MESSAGES.en) as MessageKey[]).filter((k) => k.startsWith('jury.'));

  it('every jury text is translated in ru and ky', () => {
    expect(juryKeys.length).toBeGreaterThan(50);
    for (const lang of ['ru', 'ky'] as const)
      for (const key of juryKeys) expect(MESSAGES[lang][key], `${lang} ${key}`).not.toBe(MESSAGES.en[key]);
  });

  it('the pages in ru and ky show their own texts and no English ones', async () => {
    // English texts without placeholders, long enough not to match anything else by chance.
    const english = juryKeys.map((k) => MESSAGES.en[k]).filter((s) => !s.includes('{') && s.length > 12);
    for (const [lang, expected] of [
      ['ru', ['Приглашение в жюри', 'Портал жюри', 'Заявление о конфликте интересов', 'Влияние (вес 40 из 100)']],
      ['ky', ['Калыстар тобуна чакыруу', 'Калыстар порталы', 'Кызыкчылыктар кагылышуусун билдирүү', 'Таасир']],
    ] as const) {
      const added = await addJuror(SLUG, { name: `Juror ${lang}`, institution: 'moes', categories: ['best-mentor'] });
      const link = new URL(added.invitation.url).pathname;
      const t = MESSAGES[lang];
      const visitor = new Browser(env);
      const invitation = await page(await visitor.get(`${link}?lang=${lang}`), `invitation ${lang}`);
      expect(invitation).toContain(expected[0]);
      expect(invitation).toContain(t['jury.invite.enter']);
      const signInPage = await page(await visitor.get(`${PORTAL}?lang=${lang}`), `sign-in ${lang}`);
      expect(signInPage).toContain(t['jury.signin.send']);

      const juror = await jurorBrowser(added.invitation.url);
      const spent = await page(await visitor.get(`${link}?lang=${lang}`), `spent ${lang}`);
      expect(spent).toContain(t['jury.link.spentTitle']);
      const portal = await page(await juror.get(`${PORTAL}?lang=${lang}`), `portal ${lang}`);
      expect(portal).toContain(expected[1]);
      expect(portal).toContain(t['jury.state.undeclared']);
      const declaration = await page(await juror.get(`${SHEET}?lang=${lang}`), `declaration ${lang}`);
      expect(declaration).toContain(expected[2]);
      expect(declaration).toContain(t['jury.declare.box']);
      expect((await juror.post(`${SHEET}/conflicts`, {})).status).toBe(303);
      const rubric = await page(await juror.get(`${SHEET}?lang=${lang}`), `rubric ${lang}`);
      expect(rubric).toContain(expected[3]);
      expect(rubric).toContain(t['jury.submit.button']);
      const incomplete = await juror.post(`${SHEET}/submit?lang=${lang}`, {});
      expect(incomplete.status).toBe(409);
      const refused = await page(incomplete, `refused ${lang}`);
      expect(refused).toContain(t['jury.error.sheet-incomplete']);
      for (const html of [invitation, signInPage, spent, portal, declaration, rubric, refused])
        for (const s of english) expect(html, `${lang}: ${s}`).not.toContain(s);
    }
  });

  it('every page seen is under 50 KB', () => {
    expect(seen.length).toBeGreaterThan(20);
    for (const { path, html } of seen) expect(bytes(html), path).toBeLessThan(50 * 1024);
  });
});
