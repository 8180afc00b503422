/**
 * Nominee consent, withdrawal and erasure: consent links mailed to nominees (or to a minor's guardian), pages that
 * change nothing on GET, single-use links spent on POST, withdrawal until the results are announced, erasure of
 * personal data with the event chain still verifying. Driven through app.request().
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { commitChange, disclose, listEvents } from '../src/audit/log';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { consentRequestStatements } from '../src/consent/service';
import {
  type TestEnv,
  bearer,
  json,
  post,
  signIn,
  smallAward,
  snapshot,
  testClock,
  testEnv,
  usingPostgres,
} from './helpers';
import { Browser } from './support/pages';

const SLUG = 'consent-award';
const DAY = 86_400_000;

const AIDA = { name: 'Aida Toktosunova', email: 'aida.t@example.kg' };
const BERMET = { name: 'Bermet Asanova', email: 'bermet@example.kg' };
const ZARINA = {
  name: 'Zarina Sydykova',
  affiliation: 'Naryn School Number Five',
  citation: 'Builds line-following robots with her classmates',
  region: 'Naryn oblast',
  guardianEmail: 'parent.of.zarina@example.kg',
  reason: 'Zarina won the regional robotics olympiad',
};

interface Fixture {
  env: TestEnv;
  clock: ReturnType<typeof testClock>;
  admin: string;
  ceremonyId: string;
  ids: Record<'aida' | 'bermet' | 'zarina', string>;
}

/** An award in nominations: an adult category (Aida, Bermet) and one whose nominees may be minors (Zarina). */
async function fixture(): Promise<Fixture> {
  const clock = testClock();
  const env = await testEnv({ clock });
  const admin = await signIn(env, 'organizer@example.org');
  const def = smallAward(SLUG, {
    timeZone: 'Asia/Bishkek',
    tracks: [
      {
        slug: 'main',
        name: { en: 'Main' },
        categories: [
          {
            slug: 'best-mentor',
            name: { en: 'Best Mentor', ru: 'Лучший ментор', ky: 'Мыкты ментор' },
            winners: 1,
            minorsAllowed: false,
            nominees: [
              { slug: 'aida', name: { en: AIDA.name }, status: 'accepted' },
              { slug: 'bermet', name: { en: BERMET.name }, status: 'accepted' },
            ],
          },
          {
            slug: 'young-talent',
            name: { en: 'Young Talent', ru: 'Юный талант', ky: 'Жаш талант' },
            winners: 1,
            minorsAllowed: true,
            nominees: [
              {
                slug: 'nominee-7',
                name: { en: ZARINA.name },
                affiliation: { en: ZARINA.affiliation },
                citation: { en: ZARINA.citation },
                region: { en: ZARINA.region },
                status: 'accepted',
              },
            ],
          },
        ],
      },
    ],
  });
  const { id } = await createAward(env, def, 'cli');
  await movePhase(env, await requireAward(env, id), 'nominating', 'cli', 'hand');
  const rows = await env.store.db.selectFrom('nominees').select(['id', 'slug']).where('ceremony_id', '=', id).execute();
  const bySlug = Object.fromEntries(rows.map((r) => [r.slug, r.id]));
  return {
    env,
    clock,
    admin,
    ceremonyId: id,
    ids: { aida: bySlug.aida!, bermet: bySlug.bermet!, zarina: bySlug['nominee-7']! },
  };
}

const api = (nominee: string, action: string) => `/api/ceremonies/${SLUG}/nominees/${nominee}/${action}`;

async function setContact(f: Fixture, nominee: string, email: string, guardian?: boolean) {
  return post(
    f.env,
    api(nominee, 'contact'),
    { email, ...(guardian === undefined ? {} : { guardian }) },
    bearer(f.admin),
    'PUT',
  );
}

async function requestConsent(f: Fixture, nominee: string, query = '') {
  // Mails to one address are told apart by their time.
  f.clock.advance(1000);
  return f.env.app.request(api(nominee, `consent-request${query}`), { method: 'POST', headers: bearer(f.admin) });
}

/** The newest mail of a kind to an address (the outbox keeps bodies in tests). */
async function lastMail(f: Fixture, to: string, kind: 'consent-request' | 'consent-given') {
  return f.env.store.db
    .selectFrom('outbox')
    .selectAll()
    .where('to_address', '=', to)
    .where('kind', '=', kind)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

const JWT = '[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';

async function mailedLink(f: Fixture, to: string, kind: 'consent-request' | 'consent-given' = 'consent-request') {
  const mail = await lastMail(f, to, kind);
  const path = kind === 'consent-request' ? 'consent' : 'withdraw';
  const m = new RegExp(`(?:^|\\s)(\\S*)/${path}/(${JWT})`).exec(mail.text_body);
  if (!m) throw new Error(`no ${path} link in: ${mail.text_body}`);
  return { url: `${m[1]}/${path}/${m[2]}`, path: `/${path}/${m[2]}`, token: m[2]!, mail };
}

/** Everything that could change, including what the shared snapshot leaves out. */
async function everything(env: TestEnv) {
  const { db } = env.store;
  const base = await snapshot(env);
  const sorted = <T>(rows: T[]) => rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    ...base,
    nominee_contacts: sorted(await db.selectFrom('nominee_contacts').selectAll().execute()),
    nominations: sorted(await db.selectFrom('nominations').selectAll().execute()),
    spent_tokens: sorted(await db.selectFrom('spent_tokens').selectAll().execute()),
    // Only what a queued mail is; its delivery status moves on by itself.
    outbox: sorted(await db.selectFrom('outbox').select(['id', 'kind', 'to_address', 'subject']).execute()),
  };
}

async function nominee(f: Fixture, id: string) {
  return f.env.store.db.selectFrom('nominees').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Slugs of the nominees on the public award JSON. */
async function publicSlugs(f: Fixture): Promise<string[]> {
  const res = await f.env.app.request(`/api/ceremonies/${SLUG}`);
  expect(res.status).toBe(200);
  const award = await res.json();
  return award.tracks.flatMap((t: any) => t.categories.flatMap((c: any) => c.nominees.map((n: any) => n.slug)));
}

async function events(f: Fixture) {
  return listEvents(f.env.store.db, f.ceremonyId);
}

async function expectChainVerifies(f: Fixture) {
  const verification = await verifyChain(await events(f));
  expect(verification.problems).toEqual([]);
  expect(verification.ok).toBe(true);
}

/** Every row of every table as text, to search for personal data. */
async function databaseText(env: TestEnv): Promise<string> {
  const tables = usingPostgres
    ? await sql<{
        name: string;
      }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
        env.store.db,
      )
    : await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(env.store.db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(name)}`.execute(env.store.db);
    parts.push(JSON.stringify(rows.rows));
  }
  expect(parts.length).toBeGreaterThan(10);
  return parts.join('\n');
}

describe('consent links', () => {
  it('mails a consent link; GET changes nothing; POST gives consent once; a replay is 410 and changes nothing', async () => {
    const f = await fixture();
    expect(await publicSlugs(f)).toContain('aida');

    const contact = await setContact(f, 'aida', AIDA.email);
    expect(contact.status).toBe(200);
    const contactEvent = (await events(f)).at(-1)!;
    expect(contactEvent.type).toBe('nominee.contact-set');
    expect(contactEvent.payload).toMatchObject({ nominee: f.ids.aida, guardian: false, replaced: false });
    expect(contactEvent.payload.emailCommitment).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await events(f))).not.toContain(AIDA.email);

    const sent = await requestConsent(f, 'aida');
    expect(sent.status).toBe(202);
    expect((await nominee(f, f.ids.aida)).consent).toBe('requested');
    const requested = (await events(f)).at(-1)!;
    expect(requested).toMatchObject({ type: 'consent.requested', payload: { nominee: f.ids.aida, resend: false } });
    expect(requested.actor).toMatch(/^organizer:p_/);
    // Asked, not yet answered: not on the public list.
    expect(await publicSlugs(f)).not.toContain('aida');

    const link = await mailedLink(f, AIDA.email);
    expect(link.url).toBe(link.path); // no PUBLIC_URL in tests
    expect(link.mail.subject).toContain('Small Award');
    expect(link.mail.text_body).toContain('Hello Aida Toktosunova');
    expect(link.mail.text_body).toContain('"Best Mentor"');

    // A mail scanner (no cookies) and the nominee both open the page: nothing changes.
    const before = await everything(f.env);
    const scanner = await f.env.app.request(link.path);
    expect(scanner.status).toBe(200);
    expect(scanner.headers.get('cache-control')).toBe('no-store');
    const html = await scanner.text();
    expect(html).toContain('Aida Toktosunova');
    expect(html).toContain('Best Mentor');
    expect(html).toContain('Small Award');
    expect(html).toContain('organization, region and the citation');
    expect(html).toContain('name="decision" value="give"');
    expect(html).toContain('name="decision" value="decline"');
    const browser = new Browser(f.env);
    expect((await browser.get(link.path)).status).toBe(200);
    expect(await everything(f.env)).toEqual(before);

    f.clock.advance(60_000);
    const given = await browser.post(link.path, { decision: 'give' });
    expect(given.status).toBe(200);
    const done = await given.text();
    expect(done).toContain('the consent is recorded');
    const withdrawHref = /href="(\/withdraw\/[^"]+)"/.exec(done)?.[1];
    expect(withdrawHref).toMatch(new RegExp(`^/withdraw/${JWT}$`));
    const row = await nominee(f, f.ids.aida);
    expect(row.consent).toBe('given');
    expect(Number(row.consent_at)).toBe(f.clock());
    const givenEvent = (await events(f)).at(-1)!;
    expect(givenEvent).toMatchObject({ actor: 'system', type: 'consent.given', payload: { nominee: f.ids.aida } });
    expect(await publicSlugs(f)).toContain('aida');
    // The withdraw link is mailed too.
    const mailedWithdraw = await mailedLink(f, AIDA.email, 'consent-given');
    expect(mailedWithdraw.path).toMatch(new RegExp(`^/withdraw/${JWT}$`));

    // The same link again: 410, nothing changes; the page says the link is used.
    const afterConsent = await everything(f.env);
    const replay = await browser.post(link.path, { decision: 'decline' });
    expect(replay.status).toBe(410);
    expect(await replay.text()).toContain('used already');
    expect((await browser.get(link.path)).status).toBe(410);
    expect(await everything(f.env)).toEqual(afterConsent);
    expect((await nominee(f, f.ids.aida)).consent).toBe('given');

    // The organizers see it.
    const overview = await f.env.app.request(`/api/ceremonies/${SLUG}/consents`, { headers: bearer(f.admin) });
    expect(overview.status).toBe(200);
    const list = (await overview.json()).nominees;
    expect(list.find((n: any) => n.slug === 'aida')).toMatchObject({
      id: f.ids.aida,
      category: 'best-mentor',
      status: 'accepted',
      consent: 'given',
      contact: true,
      guardian: false,
      erased: false,
    });
    expect(list.find((n: any) => n.slug === 'aida').consentAt).toMatch(/^2026-03-01T15:\d\d:\d\d(\.\d+)?\+06:00$/);
    expect(list.find((n: any) => n.slug === 'bermet')).toMatchObject({
      consent: 'not-asked',
      contact: false,
      consentAt: null,
    });
    await expectChainVerifies(f);
  });

  it('refuses tampered, wrong-purpose and expired links with 401, changing nothing', async () => {
    const f = await fixture();
    await setContact(f, 'aida', AIDA.email);
    await requestConsent(f, 'aida');
    const link = await mailedLink(f, AIDA.email);
    const browser = new Browser(f.env);
    expect((await browser.get(link.path)).status).toBe(200);
    const before = await everything(f.env);

    const [head, body, sig] = link.token.split('.') as [string, string, string];
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    const forgedBody = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), sub: f.ids.bermet }),
    ).toString('base64url');
    for (const token of [`${head}.${body}.${flipped}`, `${head}.${forgedBody}.${sig}`, 'not-a-token']) {
      const page = await browser.get(`/consent/${token}`);
      expect(page.status).toBe(401);
      expect(await page.text()).toContain('not valid or has expired');
      expect((await browser.post(`/consent/${token}`, { decision: 'give' })).status).toBe(401);
    }
    expect(await everything(f.env)).toEqual(before);

    // A consent link is no withdraw link, and the other way round.
    expect((await browser.get(`/withdraw/${link.token}`)).status).toBe(401);
    expect((await browser.post(`/withdraw/${link.token}`, {})).status).toBe(401);

    // Thirty days on, the link has expired.
    f.clock.advance(30 * DAY + 1000);
    expect((await browser.get(link.path)).status).toBe(401);
    expect((await browser.post(link.path, { decision: 'give' })).status).toBe(401);
    expect(await everything(f.env)).toEqual(before);
    expect((await nominee(f, f.ids.aida)).consent).toBe('requested');
  });

  it('refuses the consent form without the CSRF token or from another origin (403, nothing changes)', async () => {
    const f = await fixture();
    await setContact(f, 'aida', AIDA.email);
    await requestConsent(f, 'aida');
    const link = await mailedLink(f, AIDA.email);
    const browser = new Browser(f.env);
    await browser.get(link.path);
    const before = await everything(f.env);
    for (const opts of [
      { csrf: null },
      { csrf: 'A'.repeat(43) },
      { origin: 'https://evil.example' },
      { origin: null },
    ]) {
      const res = await browser.post(link.path, { decision: 'give' }, opts);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('did not come from this site');
    }
    expect(await everything(f.env)).toEqual(before);
    // The link was not spent by the refused posts.
    expect((await browser.post(link.path, { decision: 'give' })).status).toBe(200);
  });

  it('asks a minor nominee’s guardian, in the guardian’s words, and refuses a guardian where minors are not allowed', async () => {
    const f = await fixture();
    const before = await everything(f.env);
    const refused = await setContact(f, 'aida', 'someone@example.kg', true);
    expect(refused.status).toBe(400);
    expect((await refused.json()).fields[0].path).toBe('body.guardian');
    expect(await everything(f.env)).toEqual(before);

    expect((await setContact(f, 'nominee-7', ZARINA.guardianEmail, true)).status).toBe(200);
    expect((await requestConsent(f, 'nominee-7')).status).toBe(202);
    const link = await mailedLink(f, ZARINA.guardianEmail);
    expect(link.mail.subject).toContain(`consent for ${ZARINA.name}`);
    expect(link.mail.text_body).toContain("nominee's parent or guardian");

    const page = await new Browser(f.env).get(link.path);
    const html = await page.text();
    expect(html).toContain('Consent for a young nominee to be listed');
    expect(html).toContain('as their parent or guardian');
    expect(html).toContain('I consent as parent or guardian');
    expect(html).toContain('Young Talent');

    const overview = await (
      await f.env.app.request(`/api/ceremonies/${SLUG}/consents`, { headers: bearer(f.admin) })
    ).json();
    expect(overview.nominees.find((n: any) => n.slug === 'nominee-7')).toMatchObject({
      consent: 'requested',
      contact: true,
      guardian: true,
    });
  });

  it('shows the pages in Kyrgyz and Russian', async () => {
    const f = await fixture();
    await setContact(f, 'aida', AIDA.email);
    await requestConsent(f, 'aida', '?locale=ky');
    const link = await mailedLink(f, AIDA.email);
    expect(link.mail.text_body).toContain('Саламатсызбы, Aida Toktosunova!');
    expect(link.mail.text_body).toContain('«Мыкты ментор»');

    const ky = await (await f.env.app.request(`${link.path}?lang=ky`)).text();
    expect(ky).toContain('<html lang="ky">');
    expect(ky).toContain('Номинанттардын тизмесине кирүүгө макулдук');
    expect(ky).toContain('Макулмун');
    expect(ky).toContain('Мыкты ментор');
    expect(ky).toContain('Кичи сыйлык');

    const ru = await (await f.env.app.request(link.path, { headers: { 'accept-language': 'ru-RU,ru;q=0.9' } })).text();
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('Я даю согласие');
    expect(ru).toContain('Лучший ментор');
    // A name without a Russian text is marked with its own language.
    expect(ru).toContain('<span lang="en">Aida Toktosunova</span>');

    // The answer page follows the page language.
    const browser = new Browser(f.env);
    await browser.get(`${link.path}?lang=ru`);
    const done = await (await browser.post(link.path, { decision: 'give' })).text();
    expect(done).toContain('Спасибо: согласие записано');
    expect((await lastMail(f, AIDA.email, 'consent-given')).subject).toContain('согласие записано');
  });

  it('keeps a nominee who declines off the list', async () => {
    const f = await fixture();
    await setContact(f, 'bermet', BERMET.email);
    await requestConsent(f, 'bermet');
    const link = await mailedLink(f, BERMET.email);
    const browser = new Browser(f.env);
    await browser.get(link.path);
    const res = await browser.post(link.path, { decision: 'decline' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your answer is recorded');
    expect((await nominee(f, f.ids.bermet)).consent).toBe('declined');
    expect((await events(f)).at(-1)).toMatchObject({ actor: 'system', type: 'consent.declined' });
    expect(await publicSlugs(f)).not.toContain('bermet');
    // No withdraw link for a nominee who is not listed.
    await expect(lastMail(f, BERMET.email, 'consent-given')).rejects.toThrow();

    // A new link (resent by the organizers) lets her change her mind before voting opens.
    await requestConsent(f, 'bermet');
    const again = await mailedLink(f, BERMET.email);
    expect(again.token).not.toBe(link.token);
    await browser.get(again.path);
    expect((await browser.post(again.path, { decision: 'give' })).status).toBe(200);
    expect(await publicSlugs(f)).toContain('bermet');
  });

  it('refuses to put a nominee on the list after it froze, and throttles resends', async () => {
    const f = await fixture();
    await setContact(f, 'aida', AIDA.email);
    for (let i = 0; i < 3; i++) expect((await requestConsent(f, 'aida')).status).toBe(202);
    const before = await everything(f.env);
    const throttled = await requestConsent(f, 'aida');
    expect(throttled.status).toBe(429);
    expect((await throttled.json()).code).toBe('rate-limited');
    expect(await everything(f.env)).toEqual(before);

    // No contact, no request.
    const noContact = await requestConsent(f, 'bermet');
    expect(noContact.status).toBe(409);

    const link = await mailedLink(f, AIDA.email);
    await movePhase(f.env, await requireAward(f.env, f.ceremonyId), 'voting', 'cli', 'hand');
    const browser = new Browser(f.env);
    const html = await (await browser.get(link.path)).text();
    // Only declining is offered: giving consent would change the frozen list.
    expect(html).not.toContain('value="give"');
    expect(html).toContain('value="decline"');
    const frozenBefore = await everything(f.env);
    const give = await browser.post(link.path, { decision: 'give' });
    expect(give.status).toBe(409);
    expect(await give.text()).toContain('list of nominees is now fixed');
    expect(await everything(f.env)).toEqual(frozenBefore);
    const resend = await requestConsent(f, 'aida');
    expect(resend.status).toBe(409);
    expect((await resend.json()).code).toBe('frozen');
  });

  it('serves consentRequestStatements to the acceptance batch of nominations', async () => {
    const f = await fixture();
    const award = await requireAward(f.env, f.ceremonyId);
    // Without a contact there is nothing to ask.
    expect(await consentRequestStatements(f.env, award, f.ids.bermet, 'ru')).toEqual([]);
    await setContact(f, 'bermet', BERMET.email);
    await commitChange(f.env.store, f.env.clock, {
      chain: f.ceremonyId,
      event: { actor: 'cli', type: 'test.accepted', payload: { nominee: f.ids.bermet } },
      changes: await consentRequestStatements(f.env, award, f.ids.bermet, 'ru'),
    });
    expect((await nominee(f, f.ids.bermet)).consent).toBe('requested');
    const link = await mailedLink(f, BERMET.email);
    expect(link.mail.subject).toContain('можно ли включить вас в список номинантов');
    expect(link.mail.text_body).toContain('Здравствуйте, Bermet Asanova!');
    expect((await f.env.app.request(link.path)).status).toBe(200);
  });
});

describe('withdrawal and erasure', () => {
  /** Aida with a contact and consent given; returns her withdraw link. */
  async function consented(f: Fixture) {
    await setContact(f, 'aida', AIDA.email);
    await requestConsent(f, 'aida');
    const link = await mailedLink(f, AIDA.email);
    const browser = new Browser(f.env);
    await browser.get(link.path);
    expect((await browser.post(link.path, { decision: 'give' })).status).toBe(200);
    return { browser, withdraw: await mailedLink(f, AIDA.email, 'consent-given') };
  }

  it('lets a nominee withdraw through the link until the results are announced', async () => {
    const f = await fixture();
    const { browser, withdraw } = await consented(f);
    expect(await publicSlugs(f)).toContain('aida');

    const before = await everything(f.env);
    const page = await browser.get(withdraw.path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Withdraw from the award');
    expect(html).toContain('Votes already cast for them are voided');
    expect(await everything(f.env)).toEqual(before);

    const res = await browser.post(withdraw.path, {});
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('The withdrawal is recorded');
    expect((await nominee(f, f.ids.aida)).status).toBe('withdrawn');
    expect((await events(f)).at(-1)).toMatchObject({
      actor: 'system',
      type: 'nominee.withdrawn',
      payload: { nominee: f.ids.aida, by: 'nominee' },
    });
    expect(await publicSlugs(f)).not.toContain('aida');

    const after = await everything(f.env);
    expect((await browser.post(withdraw.path, {})).status).toBe(410);
    expect(await everything(f.env)).toEqual(after);

    // The organizers cannot withdraw her twice either.
    const twice = await post(f.env, api('aida', 'withdraw'), { reason: 'again' }, bearer(f.admin));
    expect(twice.status).toBe(409);
    expect((await twice.json()).code).toBe('conflict');
    expect(await everything(f.env)).toEqual(after);
    await expectChainVerifies(f);
  });

  it('refuses withdrawal once the results are announced', async () => {
    const f = await fixture();
    const { browser, withdraw } = await consented(f);
    await f.env.store.db.updateTable('ceremonies').set({ phase: 'announced' }).where('id', '=', f.ceremonyId).execute();
    const before = await everything(f.env);
    const page = await browser.get(withdraw.path);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('winners have been announced');
    expect((await browser.post(withdraw.path, {})).status).toBe(409);
    const byOrganizer = await post(f.env, api('aida', 'withdraw'), { reason: 'phone call' }, bearer(f.admin));
    expect(byOrganizer.status).toBe(409);
    expect((await byOrganizer.json()).code).toBe('wrong-phase');
    expect(await everything(f.env)).toEqual(before);
    expect((await nominee(f, f.ids.aida)).status).toBe('accepted');

    // Amended results are announced results too.
    await f.env.store.db.updateTable('ceremonies').set({ phase: 'amended' }).where('id', '=', f.ceremonyId).execute();
    expect((await browser.post(withdraw.path, {})).status).toBe(409);
  });

  it('withdraws on an organizer’s word and erases the personal data; the chain still verifies', async () => {
    const f = await fixture();
    const { db } = f.env.store;
    await setContact(f, 'nominee-7', ZARINA.guardianEmail, true);
    await requestConsent(f, 'nominee-7');
    // A public nomination's reason names her (nominations come with issue 3's nominations feature).
    await db
      .insertInto('nominations')
      .values({
        id: 'nn_test',
        ceremony_id: f.ceremonyId,
        category_id: (await nominee(f, f.ids.zarina)).category_id,
        nominee_id: f.ids.zarina,
        person_key: 'f'.repeat(64),
        slot: 1,
        reason: ZARINA.reason,
        status: 'accepted',
        decision_reason: null,
        created_at: f.clock(),
      })
      .execute();

    // An accepted nominee cannot be erased.
    const before = await everything(f.env);
    const early = await post(f.env, api('nominee-7', 'erase'), {}, bearer(f.admin));
    expect(early.status).toBe(409);
    expect((await early.json()).code).toBe('conflict');
    expect(await everything(f.env)).toEqual(before);

    const reason = `Her mother called on 3 March: ${ZARINA.name} withdraws`;
    const withdrawn = await post(f.env, api('nominee-7', 'withdraw'), { reason }, bearer(f.admin));
    expect(withdrawn.status).toBe(200);
    const event = (await events(f)).at(-1)!;
    expect(event).toMatchObject({ type: 'nominee.withdrawn', payload: { nominee: f.ids.zarina, by: 'organizer' } });
    expect(event.actor).toMatch(/^organizer:p_/);
    expect(event.payload.reasonCommitment).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await events(f))).not.toContain('mother');
    const commitments = [
      event.payload.reasonCommitment,
      ...(await events(f)).filter((e) => e.type === 'nominee.contact-set').map((e) => e.payload.emailCommitment),
    ] as string[];
    expect(
      await db.selectFrom('disclosures').select('commitment').where('commitment', 'in', commitments).execute(),
    ).toHaveLength(2);

    // Another feature's commitment about her, under its own field name (as a rejection's `reason`).
    const note = await disclose(f.env.store, f.ceremonyId, `Note about ${ZARINA.name}`);
    await commitChange(f.env.store, f.env.clock, {
      chain: f.ceremonyId,
      event: { actor: 'cli', type: 'test.noted', payload: { nominee: f.ids.zarina, reason: note.commitment } },
      changes: [note.statement],
    });

    const erased = await post(f.env, api('nominee-7', 'erase'), {}, bearer(f.admin));
    expect(erased.status).toBe(200);
    const row = await nominee(f, f.ids.zarina);
    expect(row).toMatchObject({ content: '{}', erased: 1, status: 'withdrawn', slug: 'nominee-7' });
    expect(
      await db.selectFrom('nominee_contacts').selectAll().where('nominee_id', '=', f.ids.zarina).execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom('nominations')
        .select(['reason', 'decision_reason'])
        .where('id', '=', 'nn_test')
        .executeTakeFirst(),
    ).toEqual({
      reason: '',
      decision_reason: null,
    });
    expect(
      await db.selectFrom('disclosures').select('commitment').where('commitment', 'in', commitments).execute(),
    ).toEqual([]);
    const erasedEvent = (await events(f)).at(-1)!;
    expect(erasedEvent).toMatchObject({ type: 'nominee.erased', payload: { nominee: f.ids.zarina, disclosures: 3 } });
    expect(erasedEvent.payload.contentHash).toMatch(/^[0-9a-f]{64}$/);

    // Nothing of her is left anywhere in the database, and the chain still verifies.
    const text = await databaseText(f.env);
    for (const personal of [
      ZARINA.name,
      'Zarina',
      ZARINA.affiliation,
      ZARINA.citation,
      ZARINA.region,
      ZARINA.guardianEmail,
      ZARINA.reason,
      'mother called',
      'Note about',
    ])
      expect(text).not.toContain(personal);
    await expectChainVerifies(f);

    // Erased is erased: no new contact, no second erasure, no consent page.
    const afterErase = await everything(f.env);
    const contactAgain = await setContact(f, 'nominee-7', 'new@example.kg');
    expect(contactAgain.status).toBe(409);
    expect((await post(f.env, api('nominee-7', 'erase'), {}, bearer(f.admin))).status).toBe(409);
    expect(await everything(f.env)).toEqual(afterErase);
    const overview = await (
      await f.env.app.request(`/api/ceremonies/${SLUG}/consents`, { headers: bearer(f.admin) })
    ).json();
    expect(overview.nominees.find((n: any) => n.slug === 'nominee-7')).toMatchObject({
      name: null,
      status: 'withdrawn',
      contact: false,
      erased: true,
    });
  });

  it('answers organizers of other awards and unknown nominees with 403 and 404', async () => {
    const f = await fixture();
    const { id: otherAward } = await createAward(f.env, smallAward('other-award'), 'cli');
    const other = await signIn(f.env, 'other@example.org', otherAward);
    const before = await everything(f.env);
    const res = await post(f.env, api('aida', 'contact'), { email: AIDA.email }, bearer(other), 'PUT');
    expect(res.status).toBe(403);
    const unknown = await post(f.env, api('nobody', 'withdraw'), { reason: 'x' }, bearer(f.admin));
    expect(unknown.status).toBe(404);
    const bad = await setContact(f, 'aida', 'not-an-address');
    expect((await json(bad)).code).toBe('validation-failed');
    expect(await everything(f.env)).toEqual(before);
  });
});
