/**
 * The server-rendered pages: public award pages in three languages, the organizer's sign-in by emailed code,
 * the dashboard and the phase form, and the CSRF checks on every form. Driven through app.request().
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { movePhase, requireAward, createAward } from '../src/ceremonies/service';
import { addOrganizer } from '../src/organizers/service';
import { sameSitePath } from '../src/web/format';
import { example, latestCode, smallAward, snapshot, testEnv, type TestEnv } from './helpers';
import { Browser, bytes, h1Count, signInOrganizer } from './support/pages';

const SLUG = 'stem4all-2024';
const ORGANIZER = 'org@example.org';

let env: TestEnv;
let awardId: string;

async function phaseOf(slug: string) {
  const row = await env.store.db
    .selectFrom('ceremonies')
    .select('phase')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  return row.phase;
}

async function eventsOf(ceremonyId: string) {
  return env.store.db
    .selectFrom('events')
    .select(['seq', 'type', 'actor'])
    .where('chain', '=', ceremonyId)
    .orderBy('seq')
    .execute();
}

/** Signs in through the pages and returns the browser holding the session cookie. */
const signedIn = (email = ORGANIZER) => signInOrganizer(env, email);

beforeAll(async () => {
  env = await testEnv();
  const created = await createAward(env, example(), 'cli');
  awardId = created.id;
  await movePhase(env, await requireAward(env, awardId), 'nominating', 'cli', 'hand');
  // A draft nobody outside its organizers may see, and an award whose texts try to inject markup.
  await createAward(env, smallAward('draft-award'), 'cli');
  const evil = await createAward(
    env,
    smallAward('evil-award', { name: { en: '<script>alert(1)</script> & "Co"', ru: 'Злая', ky: 'Жаман' } }),
    'cli',
  );
  await movePhase(env, await requireAward(env, evil.id), 'nominating', 'cli', 'hand');
  await addOrganizer(env, ORGANIZER, null, 'cli');
});

describe('public pages', () => {
  it('lists published awards on the home page, drafts left out', async () => {
    const res = await env.app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`href="/a/${SLUG}"`);
    expect(html).toContain('STEM4ALL Award 2024');
    expect(html).not.toContain('draft-award');
    expect(h1Count(html)).toBe(1);
  });

  it('shows the award in English with its phase, schedule in its time zone and categories', async () => {
    const res = await env.app.request(`/a/${SLUG}?lang=en`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<h1>STEM4ALL Award 2024</h1>');
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('UNDP Kyrgyzstan, STEM4ALL programme');
    expect(html).toContain('27 January 2024');
    expect(html).toMatch(/Phase: <span class="phase">Nominations<\/span>/);
    // Voting opened on the schedule at 09:00 Bishkek time (03:00 UTC).
    expect(html).toContain('<time datetime="2023-12-21T03:00:00.000Z">21 December 2023, 09:00 (Asia/Bishkek)</time>');
    for (const cat of ['best-mentor', 'best-mentee', 'best-stem-educational-partner'])
      expect(html).toContain(`href="/a/${SLUG}/${cat}"`);
    expect(html).toContain('Best Mentor');
    expect(html).toContain('STEM4ALL x Mentoring Her');
    // Landmarks, skip link, language switcher, footer links.
    for (const tag of ['<header>', '<nav ', '<main id="main"', '<footer>']) expect(html).toContain(tag);
    expect(html).toContain('href="#main"');
    expect(html).toContain(`href="/a/${SLUG}?lang=ky" hreflang="ky" lang="ky"`);
    expect(html).toContain(`href="/a/${SLUG}?lang=ru" hreflang="ru" lang="ru"`);
    expect(html).toContain('href="/api-docs"');
    expect(html).toContain('href="/openapi.json"');
  });

  it('shows the award in Kyrgyz with ?lang=ky and remembers the choice in a cookie', async () => {
    const res = await env.app.request(`/a/${SLUG}?lang=ky`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ky"');
    expect(html).toContain('<h1>STEM4ALL сыйлыгы 2024</h1>');
    expect(html).toContain('Категориялар');
    expect(html).toContain('Номинанттар: 5');
    expect(html).toContain('Талапкерлерди көрсөтүү'); // the phase
    expect(html).toContain('Мыкты ментор');
    expect(html).toContain('Уюштуруучуларга');
    expect(html).toContain('2023-ж., 21-декабрь, 09:00 (Asia/Bishkek)');
    expect(html).not.toContain('Best Mentor');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('laurel_lang=ky'));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const again = await env.app.request(`/a/${SLUG}`, {
      headers: { cookie: 'laurel_lang=ky', 'accept-language': 'ru' },
    });
    expect(await again.text()).toContain('<html lang="ky"');
  });

  it('shows the award in Russian with ?lang=ru', async () => {
    const html = await (await env.app.request(`/a/${SLUG}?lang=ru`)).text();
    expect(html).toContain('<html lang="ru"');
    expect(html).toContain('<h1>Премия STEM4ALL 2024</h1>');
    expect(html).toContain('Категории');
    expect(html).toContain('Приём номинаций');
    expect(html).toContain('21 декабря 2023 г., 09:00 (Asia/Bishkek)');
    expect(html).toContain('Лучший ментор');
  });

  it('follows Accept-Language, and ?lang beats the cookie which beats the header', async () => {
    let html = await (
      await env.app.request(`/a/${SLUG}`, { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' } })
    ).text();
    expect(html).toContain('<html lang="ru"');
    expect(html).toContain('Премия STEM4ALL 2024');
    html = await (
      await env.app.request(`/a/${SLUG}`, { headers: { 'accept-language': 'de-DE, ky;q=0.5, en;q=0.2' } })
    ).text();
    expect(html).toContain('<html lang="ky"');
    html = await (
      await env.app.request(`/a/${SLUG}?lang=en`, { headers: { cookie: 'laurel_lang=ru', 'accept-language': 'ky' } })
    ).text();
    expect(html).toContain('<html lang="en"');
    // No preference at all: the award's first locale.
    html = await (await env.app.request(`/a/${SLUG}`)).text();
    expect(html).toContain('<html lang="en"');
    // An unsupported ?lang is ignored.
    html = await (await env.app.request(`/a/${SLUG}?lang=xx`, { headers: { 'accept-language': 'ru' } })).text();
    expect(html).toContain('<html lang="ru"');
  });

  it('lists the accepted nominees of a category with affiliation, region and citation', async () => {
    const res = await env.app.request(`/a/${SLUG}/best-mentor?lang=en`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Best Mentor</h1>');
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('Aigerim Asanova');
    expect(html).toContain('Elena Kovaleva');
    expect(html).toContain('Software engineer');
    expect(html).toContain('Region: Bishkek');
    expect(html).toContain('Mentored six young women through their first programming projects');
    const nominees = example().tracks[0]!.categories[0]!.nominees;
    for (const n of nominees) expect(html).toContain(n.name.en!);
    expect((html.match(/<li id="n-/g) ?? []).length).toBe(nominees.length);

    const ky = await (await env.app.request(`/a/${SLUG}/best-mentor?lang=ky`)).text();
    expect(ky).toContain('<h1>Мыкты ментор</h1>');
    expect(ky).toContain('Нургүл Үсөнова');
    expect(ky).toContain('Аймак: Бишкек');
    expect(ky).toContain('Номинанттар');
  });

  it('answers 404 pages for a draft, an unknown award and an unknown category', async () => {
    for (const path of [
      '/a/draft-award',
      '/a/draft-award/best-mentor',
      '/a/no-such-award',
      `/a/${SLUG}/no-such-category`,
    ]) {
      const res = await env.app.request(`${path}?lang=ru`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('<html lang="ru"');
      expect(html).toContain('Ошибка 404');
      expect(h1Count(html)).toBe(1);
    }
  });

  it('escapes award texts', async () => {
    const html = await (await env.app.request('/a/evil-award?lang=en')).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
  });

  it('keeps every public page well under 50 KB', async () => {
    const award = example();
    const paths = ['/', `/a/${SLUG}`, ...award.tracks.flatMap((t) => t.categories.map((c) => `/a/${SLUG}/${c.slug}`))];
    for (const lang of ['en', 'ru', 'ky']) {
      for (const path of paths) {
        const res = await env.app.request(`${path}?lang=${lang}`);
        expect(res.status, path).toBe(200);
        const size = bytes(await res.text());
        expect(size, `${path} ${lang}`).toBeLessThan(30 * 1024);
      }
    }
  });
});

describe('organizer pages', () => {
  it('redirects to the sign-in page without a valid session', async () => {
    for (const path of ['/organizer', `/organizer/a/${SLUG}`]) {
      const res = await env.app.request(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/organizer/login');
    }
    const forged = await env.app.request('/organizer', { headers: { cookie: 'laurel_session=not.a.jwt' } });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('location')).toBe('/organizer/login');
  });

  it('signs in by emailed code, lists the award, and moves it nominating → voting', async () => {
    const b = new Browser(env);
    const form = await b.get('/organizer/login?lang=ky');
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toContain('<html lang="ky"');
    expect(formHtml).toContain('<h1>Уюштуруучулар үчүн кирүү</h1>');
    const csrfCookie = form.headers.getSetCookie().find((c) => c.startsWith('laurel_csrf='));
    expect(csrfCookie).toMatch(/HttpOnly/);
    expect(csrfCookie).toMatch(/Secure/);
    expect(csrfCookie).toMatch(/SameSite=Lax/);
    expect(csrfCookie).toMatch(/Path=\//);
    expect(formHtml).toContain(`name="_csrf" value="${b.jar.get('laurel_csrf')}"`);

    const codeForm = await b.post('/organizer/login', { email: ORGANIZER });
    expect(codeForm.status).toBe(200);
    const codeHtml = await codeForm.text();
    expect(codeHtml).toContain('action="/organizer/verify"');
    expect(codeHtml).toContain('<button type="submit">Кирүү</button>');
    expect(codeHtml).toContain(`value="${ORGANIZER}"`);
    const mail = await env.store.db
      .selectFrom('outbox')
      .select(['kind', 'subject'])
      .where('to_address', '=', ORGANIZER)
      .executeTakeFirstOrThrow();
    expect(mail.kind).toBe('organizer-code');
    expect(mail.subject).toContain('кирүү коду'); // mailed in the page language

    // A wrong code is a message on the code form, not a session.
    const wrong = await b.post('/organizer/verify', {
      email: ORGANIZER,
      code: '000000' === (await latestCode(env, ORGANIZER)) ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('role="alert"');
    expect(b.jar.has('laurel_session')).toBe(false);

    // A wrong code counts against the code: ask for a fresh one.
    await b.post('/organizer/login', { email: ORGANIZER });
    const code = await latestCode(env, ORGANIZER);
    const verified = await b.post('/organizer/verify', {
      email: ORGANIZER,
      code: `${code.slice(0, 3)} ${code.slice(3)}`,
    });
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe('/organizer');
    const session = verified.headers.getSetCookie().find((c) => c.startsWith('laurel_session='));
    expect(session).toBeDefined();
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect(session).toMatch(new RegExp(`Max-Age=${env.config.SESSION_HOURS * 3600}`));

    const dash = await b.get('/organizer?lang=en');
    expect(dash.status).toBe(200);
    expect(dash.headers.get('cache-control')).toBe('no-store');
    const dashHtml = await dash.text();
    expect(dashHtml).toContain(`href="/organizer/a/${SLUG}"`);
    expect(dashHtml).toContain('STEM4ALL Award 2024');
    expect(dashHtml).toContain('draft-award'); // a site organizer sees drafts too
    expect(dashHtml).toContain('action="/organizer/logout"');

    const overview = await b.get(`/organizer/a/${SLUG}`);
    expect(overview.status).toBe(200);
    const overviewHtml = await overview.text();
    expect(overviewHtml).toContain('Categories: 8');
    expect(overviewHtml).toContain('Not frozen yet');
    expect(overviewHtml).toContain('name="to" value="voting"');
    expect(overviewHtml).toContain('name="to" value="judging"');
    expect(overviewHtml).not.toContain('name="to" value="nominating"');

    const before = (await eventsOf(awardId)).length;
    const moved = await b.post(`/organizer/a/${SLUG}/phase`, { to: 'voting' });
    expect(moved.status).toBe(303);
    expect(moved.headers.get('location')).toBe(`/organizer/a/${SLUG}?done=phase`);
    expect(await phaseOf(SLUG)).toBe('voting');
    const events = await eventsOf(awardId);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)!.type).toBe('phase.changed');
    expect(events.at(-1)!.actor).toMatch(/^organizer:/);

    const after = await b.get(`/organizer/a/${SLUG}?done=phase`);
    const afterHtml = await after.text();
    expect(afterHtml).toContain('The phase was changed.');
    expect(afterHtml).toContain('The rules and the nominee list are frozen.');
    const frozen = await env.store.db
      .selectFrom('ceremonies')
      .select('rules_hash')
      .where('id', '=', awardId)
      .executeTakeFirstOrThrow();
    expect(afterHtml).toContain(frozen.rules_hash!);

    // Moving back is refused with a message on the page; nothing changes.
    const snap = await snapshot(env);
    const back = await b.post(`/organizer/a/${SLUG}/phase`, { to: 'nominating' });
    expect(back.status).toBe(409);
    const backHtml = await back.text();
    expect(backHtml).toContain('role="alert"');
    expect(backHtml).toContain('cannot move back');
    expect(h1Count(backHtml)).toBe(1);
    expect(await phaseOf(SLUG)).toBe('voting');
    expect(await snapshot(env)).toEqual(snap);

    // Not a phase at all: 400, nothing changes.
    const bogus = await b.post(`/organizer/a/${SLUG}/phase`, { to: 'winner' });
    expect(bogus.status).toBe(400);
    expect(await snapshot(env)).toEqual(snap);

    // Signing out clears the cookie; the dashboard then sends to the sign-in page.
    const out = await b.post('/organizer/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().some((c) => /^laurel_session=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
    expect(b.jar.has('laurel_session')).toBe(false);
    expect((await b.get('/organizer')).status).toBe(303);
  });

  it('refuses forms without the CSRF token, with a wrong one, or from another origin (403, nothing changes)', async () => {
    const b = await signedIn();
    await b.get(`/organizer/a/${SLUG}`);
    const snap = await snapshot(env);
    const phase = await phaseOf(SLUG);
    const target = phase === 'voting' ? 'judging' : 'voting';

    const cases: [string, Parameters<Browser['post']>[2]][] = [
      ['no token', { csrf: null }],
      ['wrong token', { csrf: 'A'.repeat(43) }],
      ['foreign origin', { origin: 'https://evil.example' }],
      ['no origin', { origin: null }],
    ];
    for (const [name, opts] of cases) {
      const res = await b.post(`/organizer/a/${SLUG}/phase`, { to: target }, opts);
      expect(res.status, name).toBe(403);
      expect(res.headers.get('content-type'), name).toMatch(/^text\/html/);
      expect(await res.text(), name).toContain('<h1>');
      expect(await phaseOf(SLUG), name).toBe(phase);
    }
    expect(await snapshot(env)).toEqual(snap);

    // The sign-in forms are protected the same way: no code is mailed.
    const mails = (await env.store.db.selectFrom('outbox').select('id').execute()).length;
    const fresh = new Browser(env);
    expect((await fresh.post('/organizer/login', { email: ORGANIZER })).status).toBe(403);
    expect((await b.post('/organizer/login', { email: ORGANIZER }, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect((await env.store.db.selectFrom('outbox').select('id').execute()).length).toBe(mails);

    // Sign-out too: the session stays.
    expect((await b.post('/organizer/logout', {}, { csrf: null })).status).toBe(403);
    expect((await b.get('/organizer')).status).toBe(200);
  });

  it('shows a 403 page to an organizer of another award', async () => {
    const other = await createAward(env, smallAward('other-award'), 'cli');
    await addOrganizer(env, 'other@example.org', other.id, 'cli');
    const b = await signedIn('other@example.org');
    const dash = await (await b.get('/organizer?lang=en')).text();
    expect(dash).toContain('/organizer/a/other-award');
    expect(dash).not.toContain(`/organizer/a/${SLUG}`);
    const res = await b.get(`/organizer/a/${SLUG}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('not an organizer of this award');
    const snap = await snapshot(env);
    expect((await b.post(`/organizer/a/${SLUG}/phase`, { to: 'judging' })).status).toBe(403);
    expect(await snapshot(env)).toEqual(snap);
  });
});

describe('page helpers', () => {
  it.each([
    ['/a/x/best-mentor/nominate', '/a/x/best-mentor/nominate'],
    ['/a/x?lang=ky#top', '/a/x?lang=ky#top'],
    ['/a/x/../y', '/a/y'],
    ['https://evil.example/a', '/fallback'],
    ['//evil.example/a', '/fallback'],
    ['/\\evil.example', '/fallback'],
    ['/a\nb', '/fallback'],
    [' /a', '/fallback'],
    ['a/b', '/fallback'],
    ['javascript:alert(1)', '/fallback'],
    ['', '/fallback'],
    [`/${'a'.repeat(600)}`, '/fallback'],
  ])('return_to %j → %j', (raw, expected) => {
    expect(sameSitePath(raw, '/fallback')).toBe(expected);
  });
});

describe('links to the nominations pages', () => {
  it('links the organizer award page to moderation, with the pending count', async () => {
    const b = await signedIn();
    const html = await (await b.get('/organizer/a/evil-award?lang=en')).text();
    expect(html).toContain('href="/organizer/a/evil-award/moderation"');
    expect(html).toContain('Moderate nominations');
    const ky = await (await b.get('/organizer/a/evil-award?lang=ky')).text();
    expect(ky).toContain('Сунуштарды текшерүү');
  });

  it('keeps the query of a page in its language links', async () => {
    const html = await (await env.app.request('/a/evil-award/verify?return_to=%2Fa%2Fevil-award&lang=en')).text();
    expect(html).toContain('href="/a/evil-award/verify?return_to=%2Fa%2Fevil-award&amp;lang=ru"');
    const plain = await (await env.app.request('/a/evil-award?lang=en')).text();
    expect(plain).toContain('href="/a/evil-award?lang=ru"');
  });
});
