/**
 * The public's pages and the organizer's moderation page, driven through app.request() with a small cookie jar:
 * verification by emailed code, by personal roll code and the OpenID Connect link; the nominate form and "my
 * nominations"; moderation by forms; the CSRF checks on every new form; languages and page sizes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rules } from '../src/ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { readVoterSession } from '../src/identity/sessions';
import { addOrganizer } from '../src/organizers/service';
import { importRoll } from '../src/roll/service';
import { example, latestCode, smallAward, snapshot, testClock, testEnv, type TestEnv } from './helpers';
import {
  Browser,
  ORIGIN,
  bytes,
  h1Count,
  setCookie,
  signInOrganizer,
  verifyVoter,
  voterWithKey as voterOf,
} from './support/pages';

const SLUG = 'stem4all-2024';
const ORGANIZER = 'moderator@example.org';
const MINUTE = 60_000;

let env: TestEnv;
let clock: ReturnType<typeof testClock>;
let stemId: string;
let rollId: string;

async function eventsOf(ceremonyId: string) {
  return env.store.db
    .selectFrom('events')
    .select(['seq', 'type', 'actor', 'body'])
    .where('chain', '=', ceremonyId)
    .orderBy('seq')
    .execute();
}

async function mailsTo(address: string) {
  return env.store.db.selectFrom('outbox').select(['kind', 'text_body']).where('to_address', '=', address).execute();
}

/** The code of the latest mail to an address; the clock moves on so the next mail is later. */
async function codeFor(address: string) {
  const code = await latestCode(env, address);
  clock.advance(1000);
  return code;
}

/** A browser that verified for the STEM4ALL award through the pages. */
const verifiedVoter = (email: string, slug = SLUG) => verifyVoter(env, slug, email, { clock });

/** A browser holding a voter session of a made-up person (no mail round trip). */
const voterWithKey = (personKey: string, ceremonyId = stemId) => voterOf(env, SLUG, ceremonyId, personKey);

/** Signs an organizer in through the pages. */
const organizer = () => signInOrganizer(env, ORGANIZER, { clock });

async function nomineeNamed(name: string) {
  const rows = await env.store.db.selectFrom('nominees').selectAll().where('ceremony_id', '=', stemId).execute();
  return rows.find((r) => (JSON.parse(r.content) as { name: Record<string, string> }).name.en === name);
}

beforeAll(async () => {
  clock = testClock();
  env = await testEnv({ clock });
  stemId = (await createAward(env, example(), 'cli')).id;
  await movePhase(env, await requireAward(env, stemId), 'nominating', 'cli', 'hand');

  const roll = await createAward(
    env,
    smallAward('roll-award', { rules: Rules.parse({ identity: { method: 'roll' } }) }),
    'cli',
  );
  rollId = roll.id;
  await movePhase(env, await requireAward(env, rollId), 'nominating', 'cli', 'hand');
  await importRoll(env, await requireAward(env, rollId), 'cli', 'email,name\ninvited@example.kg,Invited\n', {
    delivery: 'mail',
    lang: 'en',
    baseUrl: ORIGIN,
  });

  const oidc = await createAward(
    env,
    smallAward('oidc-award', {
      rules: Rules.parse({
        identity: { method: 'oidc', oidc: { issuer: 'https://id.example.kg', clientId: 'laurel' } },
      }),
    }),
    'cli',
  );
  await movePhase(env, await requireAward(env, oidc.id), 'nominating', 'cli', 'hand');

  const voting = await createAward(env, smallAward('voting-award'), 'cli');
  await movePhase(env, await requireAward(env, voting.id), 'voting', 'cli', 'hand');

  await addOrganizer(env, ORGANIZER, null, 'cli');
});

describe('verification by email', () => {
  it('mails a code, sets the voter cookie and goes back to return_to', async () => {
    const returnTo = `/a/${SLUG}/best-mentor/nominate`;
    const b = new Browser(env);
    const page = await b.get(`/a/${SLUG}/verify?return_to=${encodeURIComponent(returnTo)}&lang=en`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('<h1>Confirm who you are</h1>');
    expect(html).toContain(`action="/a/${SLUG}/verify/email"`);
    expect(html).toContain(`name="return_to" value="${returnTo}"`);
    expect(html).toContain('<label for="email">Email address</label>');
    // The language links keep return_to.
    expect(html).toContain(`href="/a/${SLUG}/verify?return_to=${encodeURIComponent(returnTo)}&amp;lang=ky"`);

    const sent = await b.post(`/a/${SLUG}/verify/email`, { email: 'Aigul.T@Example.kg', return_to: returnTo });
    expect(sent.status).toBe(200);
    const codeHtml = await sent.text();
    expect(codeHtml).toContain('<h1>Enter the code</h1>');
    expect(codeHtml).toContain(`action="/a/${SLUG}/verify/code"`);
    expect(codeHtml).toContain('autocomplete="one-time-code"');
    expect(codeHtml).toContain(`name="return_to" value="${returnTo}"`);
    expect((await mailsTo('Aigul.T@Example.kg')).map((m) => m.kind)).toEqual(['voter-code']);

    const csrfBefore = b.jar.get('laurel_csrf');
    const res = await b.post(`/a/${SLUG}/verify/code`, {
      email: 'Aigul.T@Example.kg',
      code: await codeFor('Aigul.T@Example.kg'),
      return_to: returnTo,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(returnTo);
    const cookie = setCookie(res, 'laurel_voter')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=3600\b/);
    const session = await readVoterSession(env, b.jar.get('laurel_voter')!, stemId);
    expect(session.method).toBe('email');
    // A new session gets a new CSRF token.
    expect(b.jar.get('laurel_csrf')).not.toBe(csrfBefore);

    const again = await (await b.get(`/a/${SLUG}/verify?lang=en`)).text();
    expect(again).toContain('You are confirmed for this award until');
  });

  it('never sends the browser to another site', async () => {
    for (const evil of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      ' /a',
    ]) {
      const b = new Browser(env);
      const page = await (await b.get(`/a/${SLUG}/verify?return_to=${encodeURIComponent(evil)}`)).text();
      expect(page, evil).toContain(`name="return_to" value="/a/${SLUG}"`);
      const email = `r${Math.abs(evil.length * 7919) % 10000}-${evil.charCodeAt(1)}@example.kg`;
      await b.post(`/a/${SLUG}/verify/email`, { email, return_to: evil });
      const res = await b.post(`/a/${SLUG}/verify/code`, { email, code: await codeFor(email), return_to: evil });
      expect(res.status, evil).toBe(303);
      expect(res.headers.get('location'), evil).toBe(`/a/${SLUG}`);
    }
  });

  it('shows a wrong code on the form and changes nothing', async () => {
    const email = 'wrong.code@example.kg';
    const b = new Browser(env);
    await b.get(`/a/${SLUG}/verify`);
    await b.post(`/a/${SLUG}/verify/email`, { email });
    const code = await codeFor(email);
    const wrongCode = code === '000000' ? '111111' : '000000';
    const snap = await snapshot(env);
    const res = await b.post(`/a/${SLUG}/verify/code?lang=en`, { email, code: wrongCode });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('That code is not right or no longer valid.');
    expect(html).toMatch(/aria-describedby="code-hint code-error"/);
    expect(html).toContain('aria-invalid="true"');
    expect(h1Count(html)).toBe(1);
    expect(setCookie(res, 'laurel_voter')).toBeUndefined();
    expect(await snapshot(env)).toEqual(snap);

    // Not six digits: refused before the service counts a try.
    const format = await b.post(`/a/${SLUG}/verify/code?lang=en`, { email, code: '12ab' });
    expect(format.status).toBe(400);
    expect(await format.text()).toContain('Enter the six digits of the code.');

    // Expired.
    clock.advance(11 * MINUTE);
    const expired = await b.post(`/a/${SLUG}/verify/code?lang=en`, { email, code });
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('That code has expired');
    expect(b.jar.has('laurel_voter')).toBe(false);
  });

  it('locks a code after too many wrong tries (429)', async () => {
    const email = 'locked@example.kg';
    const b = new Browser(env);
    await b.get(`/a/${SLUG}/verify`);
    await b.post(`/a/${SLUG}/verify/email`, { email });
    const code = await codeFor(email);
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await b.post(`/a/${SLUG}/verify/code`, { email, code: wrongCode });
    const res = await b.post(`/a/${SLUG}/verify/code?lang=ru`, { email, code });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain('Слишком много неверных кодов');
    expect(b.jar.has('laurel_voter')).toBe(false);
  });

  it('refuses disposable and malformed addresses on the form, mailing nothing', async () => {
    const b = new Browser(env);
    await b.get(`/a/${SLUG}/verify`);
    const snap = await snapshot(env);
    const disposable = await b.post(`/a/${SLUG}/verify/email?lang=ky`, { email: 'someone@mailinator.com' });
    expect(disposable.status).toBe(422);
    const html = await disposable.text();
    expect(html).toContain('Бир жолку почта кызматтарынын даректери');
    expect(html).toContain('aria-describedby="email-error"');
    expect(html).toContain('value="someone@mailinator.com"');
    expect(await mailsTo('someone@mailinator.com')).toEqual([]);

    const malformed = await b.post(`/a/${SLUG}/verify/email?lang=en`, { email: 'not an address' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('Enter a valid email address.');
    expect(await snapshot(env)).toEqual(snap);
  });
});

describe('verification by roll code and OpenID Connect', () => {
  it('verifies with the personal code of the roll, once', async () => {
    const b = new Browser(env);
    const page = await b.get('/a/roll-award/verify?lang=en');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/a/roll-award/verify/roll"');
    expect(html).toContain('<label for="roll-code">Personal code</label>');
    expect(html).toContain('aria-describedby="roll-hint"');
    // The email path of the roll method too.
    expect(html).toContain('action="/a/roll-award/verify/email"');
    expect(h1Count(html)).toBe(1);

    const mail = (await mailsTo('invited@example.kg')).find((m) => m.kind !== 'voter-code')!;
    const code = /[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/.exec(mail.text_body)![0];

    const snap = await snapshot(env);
    const shape = await b.post('/a/roll-award/verify/roll?lang=en', { code: 'nope' });
    expect(shape.status).toBe(400);
    expect(await shape.text()).toContain('Enter the twelve letters and digits of your personal code.');
    const wrong = await b.post('/a/roll-award/verify/roll?lang=en', { code: 'ABCD-EFGH-JKMN' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not right');
    expect(await snapshot(env)).toEqual(snap);
    expect(b.jar.has('laurel_voter')).toBe(false);

    const ok = await b.post('/a/roll-award/verify/roll', {
      code: code.toLowerCase(),
      return_to: '/a/roll-award/best-mentor/nominate',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/a/roll-award/best-mentor/nominate');
    expect((await readVoterSession(env, b.jar.get('laurel_voter')!, rollId)).method).toBe('roll');

    const replay = await new Browser(env).post('/a/roll-award/verify/roll?lang=en', { code }, { csrf: null });
    expect(replay.status).toBe(403); // no CSRF cookie yet in a fresh browser
    const other = new Browser(env);
    await other.get('/a/roll-award/verify');
    const spent = await other.post('/a/roll-award/verify/roll?lang=en', { code });
    expect(spent.status).toBe(410);
    expect(await spent.text()).toContain('This code has been used already');
  });

  it('links to the OpenID Connect login with return_to on an oidc award', async () => {
    const returnTo = '/a/oidc-award/best-mentor/nominate';
    const html = await (
      await new Browser(env).get(`/a/oidc-award/verify?lang=en&return_to=${encodeURIComponent(returnTo)}`)
    ).text();
    expect(html).toContain(
      `href="/api/ceremonies/oidc-award/verify/oidc/start?return_to=${encodeURIComponent(returnTo)}"`,
    );
    expect(html).toContain('Log in with id.example.kg');
    expect(html).not.toContain('/verify/email');

    // The email form posted anyway is refused with the page's own way in.
    const b = new Browser(env);
    await b.get('/a/oidc-award/verify');
    const snap = await snapshot(env);
    const res = await b.post('/a/oidc-award/verify/email?lang=en', { email: 'someone@example.kg' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('This award confirms people another way.');
    expect(await snapshot(env)).toEqual(snap);
  });
});

describe('nominating through the pages', () => {
  it('links each category to its nominate page while nominating, and not otherwise', async () => {
    const html = await (await new Browser(env).get(`/a/${SLUG}?lang=en`)).text();
    expect(html).toContain(`href="/a/${SLUG}/best-mentor/nominate"`);
    expect(html).toContain('aria-label="Nominate: Best Mentor"');
    expect(html).toContain(`href="/a/${SLUG}/nominations/mine"`);
    const category = await (await new Browser(env).get(`/a/${SLUG}/best-mentor?lang=en`)).text();
    expect(category).toContain(`href="/a/${SLUG}/best-mentor/nominate"`);

    const voting = await (await new Browser(env).get('/a/voting-award?lang=en')).text();
    expect(voting).not.toContain('/nominate"');
    const closed = await new Browser(env).get('/a/voting-award/best-mentor/nominate?lang=en');
    expect(closed.status).toBe(409);
    expect(await closed.text()).toContain('This award is not taking nominations now.');
  });

  it('explains and links to verification when the visitor is not verified', async () => {
    const back = `/a/${SLUG}/best-mentor/nominate`;
    for (const cookie of [undefined, 'laurel_voter=garbage']) {
      const res = await env.app.request(`${back}?lang=en`, { headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('To nominate, first confirm who you are.');
      expect(html).toContain(`href="/a/${SLUG}/verify?return_to=${encodeURIComponent(back)}"`);
      expect(html).not.toContain('name="reason"');
    }
    // A session of another award does not count here.
    const roll = await voterWithKey('someone-of-the-roll', rollId);
    expect(await (await roll.get(`${back}?lang=en`)).text()).toContain('To nominate, first confirm who you are.');
    // Unknown category: a 404 page.
    expect((await roll.get(`/a/${SLUG}/no-such/nominate`)).status).toBe(404);
  });

  it('proposes a new nominee, shows it under "my nominations", and refuses a second one (limit)', async () => {
    const b = await verifiedVoter('nominator@example.kg');
    const form = await b.get(`/a/${SLUG}/best-mentor/nominate?lang=en`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('<h1>Nominate: Best Mentor</h1>');
    expect(html).toContain('value="aigerim-asanova"'); // a listed nominee to support
    expect(html).toContain('id="nominee-new" value="new"');
    expect(html).toContain('<label for="name">Full name</label>');
    expect(html).toContain('<label for="contact">Nominee’s email address (optional)</label>');
    expect(html).not.toContain('name="guardian"'); // adults only in this category
    expect(html).toMatch(/<textarea id="reason" name="reason" maxlength="2000" required=""/);

    // Missing reason and name: both shown, tied to their fields; nothing changes.
    const snap = await snapshot(env);
    const missing = await b.post(`/a/${SLUG}/best-mentor/nominate?lang=en`, {
      nominee: 'new',
      affiliation: 'KSTU',
    });
    expect(missing.status).toBe(400);
    const missingHtml = await missing.text();
    expect(missingHtml).toContain('Write the nominee’s full name.');
    expect(missingHtml).toContain('Say why you nominate this person');
    expect(missingHtml).toContain('href="#reason"');
    expect(missingHtml).toMatch(/id="reason"[^>]*aria-invalid="true"[^>]*aria-describedby="reason-hint reason-error"/);
    expect(missingHtml).toContain('value="KSTU"'); // what was typed stays
    const both = await b.post(`/a/${SLUG}/best-mentor/nominate?lang=en`, {
      nominee: 'aigerim-asanova',
      name: 'Somebody Else',
      reason: 'x',
    });
    expect(both.status).toBe(400);
    expect(await both.text()).toContain('You chose a listed nominee and also wrote a new name.');
    const badContact = await b.post(`/a/${SLUG}/best-mentor/nominate?lang=en`, {
      nominee: 'new',
      name: 'Somebody Else',
      contact: 'not-an-address',
      reason: 'x',
    });
    expect(badContact.status).toBe(400);
    expect(await badContact.text()).toContain('Write an email address we can send to');
    expect(await snapshot(env)).toEqual(snap);

    const events = (await eventsOf(stemId)).length;
    const done = await b.post(`/a/${SLUG}/best-mentor/nominate?lang=en`, {
      nominee: 'new',
      name: 'Gulnara Ismailova',
      affiliation: 'Naryn State University',
      region: 'Naryn',
      citation: 'Started a robotics club for girls',
      contact: 'gulnara@example.kg',
      reason: 'She taught forty girls to code',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/a/${SLUG}/nominations/mine?done=nominated`);
    const nominee = await nomineeNamed('Gulnara Ismailova');
    expect(nominee?.status).toBe('pending');
    const contact = await env.store.db
      .selectFrom('nominee_contacts')
      .select('email')
      .where('nominee_id', '=', nominee!.id)
      .executeTakeFirst();
    expect(contact?.email).toBe('gulnara@example.kg');
    const after = await eventsOf(stemId);
    expect(after).toHaveLength(events + 1);
    expect(after.at(-1)!.type).toBe('nomination.submitted');
    expect(after.at(-1)!.actor).toBe('system');
    expect(after.at(-1)!.body).not.toContain('gulnara@example.kg');

    const mine = await b.get(`/a/${SLUG}/nominations/mine?done=nominated&lang=en`);
    expect(mine.status).toBe(200);
    const mineHtml = await mine.text();
    expect(mineHtml).toContain('<h1>Thank you for your nomination</h1>');
    expect(mineHtml).toContain('Gulnara Ismailova');
    expect(mineHtml).toContain('Awaiting moderation');
    expect(mineHtml).toContain('She taught forty girls to code');
    expect(h1Count(mineHtml)).toBe(1);

    // One nomination per person in this category: the second is refused on the form, nothing changes.
    const snap2 = await snapshot(env);
    const limit = await b.post(`/a/${SLUG}/best-mentor/nominate?lang=en`, {
      nominee: 'aigerim-asanova',
      reason: 'Also great',
    });
    expect(limit.status).toBe(409);
    const limitHtml = await limit.text();
    expect(limitHtml).toContain('You have already made as many nominations in this category as one person may.');
    expect(limitHtml).toContain('role="alert"');
    expect(await snapshot(env)).toEqual(snap2);
    // The form is not offered again in that category.
    const used = await (await b.get(`/a/${SLUG}/best-mentor/nominate?lang=en`)).text();
    expect(used).toContain('You have made all the nominations one person may make in this category.');
    expect(used).not.toContain('name="reason"');

    // Supporting a listed nominee in another category is accepted at once.
    const support = await b.post(`/a/${SLUG}/best-mentee/nominate`, {
      nominee: 'aipery-zhumabaeva',
      reason: 'Top of her class',
    });
    expect(support.status).toBe(303);
    const list = await (await b.get(`/a/${SLUG}/nominations/mine?lang=en`)).text();
    expect(list).toContain('<h1>My nominations</h1>');
    expect(list).toContain('Aipery Zhumabaeva');
    expect(list).toMatch(/status-accepted">Accepted</);
  });

  it('takes a guardian’s address in a category open to minors', async () => {
    const b = await voterWithKey('guardian-nominator');
    const html = await (await b.get(`/a/${SLUG}/best-mentee/nominate?lang=en`)).text();
    expect(html).toContain('name="guardian"');
    expect(html).toContain('Email address of the nominee, or of a parent or guardian');
    const noAddress = await b.post(`/a/${SLUG}/best-mentee/nominate?lang=en`, {
      nominee: 'new',
      name: 'Young Talent',
      guardian: 'yes',
      reason: 'Won the olympiad',
    });
    expect(noAddress.status).toBe(400);
    expect(await noAddress.text()).toContain('Give the address of the parent or guardian');
    const ok = await b.post(`/a/${SLUG}/best-mentee/nominate`, {
      nominee: 'new',
      name: 'Young Talent',
      contact: 'parent@example.kg',
      guardian: 'yes',
      reason: 'Won the olympiad',
    });
    expect(ok.status).toBe(303);
    const nominee = await nomineeNamed('Young Talent');
    const contact = await env.store.db
      .selectFrom('nominee_contacts')
      .select(['email', 'guardian'])
      .where('nominee_id', '=', nominee!.id)
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ email: 'parent@example.kg', guardian: 1 });
  });

  it('asks an unverified visitor of "my nominations" to verify first', async () => {
    const res = await env.app.request(`/a/${SLUG}/nominations/mine?lang=ru`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Чтобы увидеть свои номинации, сначала подтвердите, кто вы.');
    expect(html).toContain(`/a/${SLUG}/verify?return_to=${encodeURIComponent(`/a/${SLUG}/nominations/mine`)}`);
  });

  it('refuses a nomination when the window has closed, on the form', async () => {
    const award = await createAward(env, smallAward('closing-award'), 'cli');
    await movePhase(env, await requireAward(env, award.id), 'nominating', 'cli', 'hand');
    const b = await voterWithKey('late-nominator', award.id);
    await b.get('/a/closing-award/best-mentor/nominate');
    await env.store.db
      .updateTable('ceremonies')
      .set({ nominating_closes: clock() - 1 })
      .where('id', '=', award.id)
      .execute();
    const snap = await snapshot(env);
    const res = await b.post('/a/closing-award/best-mentor/nominate?lang=ky', { nominee: 'aida', reason: 'Жакшы' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Бул сыйлык азыр талапкерлерди кабыл албайт.');
    expect(await snapshot(env)).toEqual(snap);
  });
});

describe('moderation pages', () => {
  let mod: Browser;
  beforeAll(async () => {
    mod = await organizer();
    // Two spellings of one person from two people, and a third proposal to merge.
    for (const [key, name, reason] of [
      ['p-1', 'Айгүл Токтосунова', 'Ментор года'],
      ['p-2', 'Aigul Toktosunova', 'Best mentor in Osh'],
      ['p-3', 'Cholpon Asheralieva', 'Great teacher'],
    ] as const) {
      const b = await voterWithKey(key);
      await b.get(`/a/${SLUG}/best-mentor/nominate`);
      const res = await b.post(`/a/${SLUG}/best-mentor/nominate`, { nominee: 'new', name, reason });
      expect(res.status).toBe(303);
    }
  });

  it('is linked from the award page and lists pending nominees grouped as likely duplicates', async () => {
    const manage = await (await mod.get(`/organizer/a/${SLUG}?lang=en`)).text();
    expect(manage).toContain(`href="/organizer/a/${SLUG}/moderation"`);
    const res = await mod.get(`/organizer/a/${SLUG}/moderation?lang=en`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(h1Count(html)).toBe(1);
    expect(html).toContain('Possibly the same person: 2 proposals');
    expect(html).toContain('Айгүл Токтосунова');
    expect(html).toContain('Aigul Toktosunova');
    expect(html).toContain('Best mentor in Osh');
    expect(html).toContain(`href="/organizer/a/${SLUG}/nominations.csv"`);
    const gulnara = await nomineeNamed('Gulnara Ismailova');
    expect(html).toContain(`action="/organizer/a/${SLUG}/nominees/${gulnara!.id}/accept"`);
    expect(html).toContain(`action="/organizer/a/${SLUG}/nominees/${gulnara!.id}/reject"`);
    // No likely duplicate: no merge form on the card, a link to the merge page.
    expect(html).not.toContain(`action="/organizer/a/${SLUG}/nominees/${gulnara!.id}/merge"`);
    expect(html).toContain(`href="/organizer/a/${SLUG}/nominees/${gulnara!.id}/merge"`);
    // Likely duplicates offer each other as merge targets.
    const latin = (await nomineeNamed('Aigul Toktosunova'))!;
    expect(html).toContain(`action="/organizer/a/${SLUG}/nominees/${latin.id}/merge"`);
    expect(html).toMatch(
      new RegExp(`<select id="into-${latin.id}"[^>]*>.*?Айгүл Токтосунова \\(awaiting\\)</option></select>`, 's'),
    );
    expect(html).toContain('Contact address on file');
    // Never the address itself.
    expect(html).not.toContain('gulnara@example.kg');
    // Categories with their counts; accepted nominees and their consent per category.
    expect(html).toContain(`href="/organizer/a/${SLUG}/moderation?category=best-mentee"`);
    expect(html).toContain('Choose a category to see its accepted nominees and their consent.');
    const mentee = await (await mod.get(`/organizer/a/${SLUG}/moderation?category=best-mentee&lang=en`)).text();
    expect(mentee).toContain('Aipery Zhumabaeva');
    expect(mentee).toMatch(/Aipery Zhumabaeva<\/strong>.*?Nominations: 1 · Consent: not asked \(no contact address\)/s);
    expect(mentee).toContain('Young Talent'); // pending in that category
    expect(mentee).not.toContain('Gulnara Ismailova'); // pending in another
    expect((await mod.get(`/organizer/a/${SLUG}/moderation?category=nope`)).status).toBe(404);
  });

  it('accepts, rejects and merges through the forms, each with its event', async () => {
    const gulnara = (await nomineeNamed('Gulnara Ismailova'))!;
    const before = (await eventsOf(stemId)).length;
    const accepted = await mod.post(`/organizer/a/${SLUG}/nominees/${gulnara.id}/accept`, {});
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe(`/organizer/a/${SLUG}/moderation?category=best-mentor&done=accepted`);
    expect((await nomineeNamed('Gulnara Ismailova'))!.status).toBe('accepted');
    expect((await nomineeNamed('Gulnara Ismailova'))!.consent).toBe('requested');
    expect((await mailsTo('gulnara@example.kg')).map((m) => m.kind)).toContain('consent-request');
    const notice = await (
      await mod.get(`/organizer/a/${SLUG}/moderation?category=best-mentor&done=accepted&lang=en`)
    ).text();
    expect(notice).toContain('The nominee was accepted.');
    expect(notice).toContain('Consent: requested, no answer yet');

    const cholpon = (await nomineeNamed('Cholpon Asheralieva'))!;
    // A reason is needed: refused on the form, tied to that nominee's field, nothing changes.
    const snap = await snapshot(env);
    const noReason = await mod.post(`/organizer/a/${SLUG}/nominees/${cholpon.id}/reject?lang=en`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    const noReasonHtml = await noReason.text();
    expect(noReasonHtml).toContain('Write why you reject this nominee.');
    expect(noReasonHtml).toContain(`aria-describedby="reason-${cholpon.id}-error"`);
    expect(await snapshot(env)).toEqual(snap);

    const rejected = await mod.post(`/organizer/a/${SLUG}/nominees/${cholpon.id}/reject`, {
      reason: 'Not a mentor of the programme',
    });
    expect(rejected.status).toBe(303);
    expect((await nomineeNamed('Cholpon Asheralieva'))!.status).toBe('rejected');

    const ky = (await nomineeNamed('Aigul Toktosunova'))!;
    const cyr = (
      await env.store.db.selectFrom('nominees').selectAll().where('ceremony_id', '=', stemId).execute()
    ).find((r) => r.content.includes('Айгүл Токтосунова'))!;
    const merged = await mod.post(`/organizer/a/${SLUG}/nominees/${ky.id}/merge`, { into: cyr.id });
    expect(merged.status).toBe(303);
    expect((await nomineeNamed('Aigul Toktosunova'))!.status).toBe('rejected');
    const moved = await env.store.db
      .selectFrom('nominations')
      .select('nominee_id')
      .where('nominee_id', '=', cyr.id)
      .execute();
    expect(moved).toHaveLength(2);

    const types = (await eventsOf(stemId)).slice(before).map((e) => e.type);
    expect(types).toEqual(['nominee.accepted', 'nominee.rejected', 'nominee.merged']);
    const actors = (await eventsOf(stemId)).slice(before).map((e) => e.actor);
    for (const actor of actors) expect(actor).toMatch(/^organizer:/);
    // The reason stands in the log as a commitment only.
    expect((await eventsOf(stemId)).at(-2)!.body).not.toContain('Not a mentor');

    // Accepting a nominee that is no longer pending: a message on the page, 409, nothing changes.
    const snap2 = await snapshot(env);
    const again = await mod.post(`/organizer/a/${SLUG}/nominees/${cholpon.id}/accept?lang=en`, {});
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('role="alert"');
    expect(await snapshot(env)).toEqual(snap2);
    const unknown = await mod.post(`/organizer/a/${SLUG}/nominees/nm_nope/accept`, {});
    expect(unknown.status).toBe(404);
    expect(await snapshot(env)).toEqual(snap2);
  });

  it('pages a long queue and opens the page of a refused form', async () => {
    const award = await createAward(env, smallAward('busy-award'), 'cli');
    await movePhase(env, await requireAward(env, award.id), 'nominating', 'cli', 'hand');
    await addOrganizer(env, ORGANIZER, award.id, 'cli').catch(() => undefined);
    const names = Array.from({ length: 25 }, (_, i) => `Proposed Person ${String.fromCharCode(65 + i)}${i}`);
    for (const [i, name] of names.entries()) {
      const b = await voterWithKey(`busy-${i}`, award.id);
      await b.get('/a/busy-award/best-mentor/nominate');
      const res = await b.post('/a/busy-award/best-mentor/nominate', {
        nominee: 'new',
        name,
        affiliation: 'A school with a rather long name in the Issyk-Kul region',
        contact: `person${i}@example.kg`,
        reason: 'A long reason. '.repeat(20),
      });
      expect(res.status).toBe(303);
    }
    const first = await (await mod.get('/organizer/a/busy-award/moderation?lang=en')).text();
    expect(first).toContain('Page 1 of 3');
    expect(first).toContain('href="/organizer/a/busy-award/moderation?page=2"');
    expect(first).toContain(names[0]);
    expect(first).not.toContain(names[24]);
    expect(bytes(first)).toBeLessThan(50 * 1024);
    const last = await (await mod.get('/organizer/a/busy-award/moderation?page=3&lang=en')).text();
    expect(last).toContain(names[24]);
    expect(last).toContain('Page 3 of 3');
    expect(bytes(last)).toBeLessThan(50 * 1024);

    const rows = await env.store.db.selectFrom('nominees').selectAll().where('ceremony_id', '=', award.id).execute();
    const lastRow = rows.find((r) => r.content.includes(names[24]!))!;
    const refused = await mod.post(`/organizer/a/busy-award/nominees/${lastRow.id}/reject?lang=en`, { reason: '' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('Page 3 of 3');
    expect(html).toContain(`id="reason-${lastRow.id}-error"`);

    // Duplicates the key did not group merge from a page of their own, listing the whole category.
    expect(last).toContain(`href="/organizer/a/busy-award/nominees/${lastRow.id}/merge"`);
    const mergePage = await mod.get(`/organizer/a/busy-award/nominees/${lastRow.id}/merge?lang=en`);
    expect(mergePage.status).toBe(200);
    const mergeHtml = await mergePage.text();
    expect(h1Count(mergeHtml)).toBe(1);
    expect(mergeHtml).toContain(`<h1>Merge ${names[24]}</h1>`);
    const firstRow = rows.find((r) => r.content.includes(`"${names[0]}"`))!;
    expect(mergeHtml).toContain(`<option value="${firstRow.id}">${names[0]} (awaiting)</option>`);
    expect(mergeHtml).toContain('Aida (accepted)');
    expect(mergeHtml).not.toContain(`<option value="${lastRow.id}"`);
    const snap = await snapshot(env);
    const empty = await mod.post(`/organizer/a/busy-award/nominees/${lastRow.id}/merge?lang=en`, {
      from: 'merge-page',
      into: '',
    });
    expect(empty.status).toBe(400);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain('<p class="field-error" id="into-error">Choose the nominee to merge into.</p>');
    expect(await snapshot(env)).toEqual(snap);
    const merged = await mod.post(`/organizer/a/busy-award/nominees/${lastRow.id}/merge`, {
      from: 'merge-page',
      into: firstRow.id,
    });
    expect(merged.status).toBe(303);
    expect(merged.headers.get('location')).toBe('/organizer/a/busy-award/moderation?category=best-mentor&done=merged');
    const after = await env.store.db
      .selectFrom('nominees')
      .select('status')
      .where('id', '=', lastRow.id)
      .executeTakeFirst();
    expect(after?.status).toBe('rejected');
    // A rejected nominee has no merge page.
    expect((await mod.get(`/organizer/a/busy-award/nominees/${lastRow.id}/merge`)).status).toBe(409);
  });

  it('exports the nominees as CSV with the cookie session', async () => {
    const res = await mod.get(`/organizer/a/${SLUG}/nominations.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`${SLUG}-nominees.csv`);
    const raw = new Uint8Array(await res.arrayBuffer());
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(raw);
    expect(text).toContain('category,slug,name,affiliation,region,status,consent,nominations');
    expect(text).toContain('Gulnara Ismailova');
    const anonymous = await env.app.request(`/organizer/a/${SLUG}/nominations.csv`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/organizer/login');
  });

  it('keeps organizers of other awards out', async () => {
    const other = await createAward(env, smallAward('mod-other'), 'cli');
    await addOrganizer(env, 'other.mod@example.org', other.id, 'cli');
    const b = new Browser(env);
    await b.get('/organizer/login');
    await b.post('/organizer/login', { email: 'other.mod@example.org' });
    await b.post('/organizer/verify', { email: 'other.mod@example.org', code: await codeFor('other.mod@example.org') });
    expect((await b.get(`/organizer/a/${SLUG}/moderation`)).status).toBe(403);
    expect((await b.get(`/organizer/a/${SLUG}/nominations.csv`)).status).toBe(403);
    const snap = await snapshot(env);
    const pending = (await env.store.db
      .selectFrom('nominees')
      .select('id')
      .where('ceremony_id', '=', stemId)
      .where('status', '=', 'pending')
      .executeTakeFirst())!;
    expect((await b.post(`/organizer/a/${SLUG}/nominees/${pending.id}/accept`, {})).status).toBe(403);
    expect(await snapshot(env)).toEqual(snap);
  });
});

describe('CSRF on every new form', () => {
  it('refuses without the token, with a wrong one, from another origin or none (403, nothing changes)', async () => {
    const voter = await voterWithKey('csrf-voter');
    const mod = await organizer();
    const pending = (await env.store.db
      .selectFrom('nominees')
      .select('id')
      .where('ceremony_id', '=', stemId)
      .where('status', '=', 'pending')
      .executeTakeFirst())!;
    await voter.get(`/a/roll-award/verify`);
    const forms: [Browser, string, Record<string, string>][] = [
      [voter, `/a/${SLUG}/verify/email`, { email: 'csrf@example.kg' }],
      [voter, `/a/${SLUG}/verify/code`, { email: 'csrf@example.kg', code: '123456' }],
      [voter, '/a/roll-award/verify/roll', { code: 'ABCD-EFGH-JKMN' }],
      [voter, `/a/${SLUG}/best-mentor/nominate`, { nominee: 'aigerim-asanova', reason: 'x' }],
      [mod, `/organizer/a/${SLUG}/nominees/${pending.id}/accept`, {}],
      [mod, `/organizer/a/${SLUG}/nominees/${pending.id}/reject`, { reason: 'no' }],
      [mod, `/organizer/a/${SLUG}/nominees/${pending.id}/merge`, { into: pending.id }],
    ];
    const cases: [string, Parameters<Browser['post']>[2]][] = [
      ['no token', { csrf: null }],
      ['wrong token', { csrf: 'A'.repeat(43) }],
      ['foreign origin', { origin: 'https://evil.example' }],
      ['no origin', { origin: null }],
    ];
    const snap = await snapshot(env);
    const mails = (await env.store.db.selectFrom('outbox').select('id').execute()).length;
    for (const [b, path, fields] of forms)
      for (const [name, opts] of cases) {
        const res = await b.post(path, fields, opts);
        expect(res.status, `${path} ${name}`).toBe(403);
        expect(res.headers.get('content-type'), `${path} ${name}`).toMatch(/^text\/html/);
        expect(
          res.headers.getSetCookie().some((c) => c.startsWith('laurel_voter=')),
          path,
        ).toBe(false);
      }
    expect(await snapshot(env)).toEqual(snap);
    expect((await env.store.db.selectFrom('outbox').select('id').execute()).length).toBe(mails);
  });
});

describe('languages and size', () => {
  it('speaks Kyrgyz and Russian on every new page', async () => {
    const voter = await voterWithKey('lang-voter');
    const ky = await (await voter.get(`/a/${SLUG}/best-mentor/nominate?lang=ky`)).text();
    expect(ky).toContain('<html lang="ky"');
    expect(ky).toContain('<h1>Талапкер көрсөтүү: Мыкты ментор</h1>');
    expect(ky).toContain('Тизмеде жок адамды');
    expect(ky).toContain('Номинанттын электрондук почтасы (милдеттүү эмес)');
    const ru = await (await voter.get(`/a/${SLUG}/best-mentor/nominate?lang=ru`)).text();
    expect(ru).toContain('<h1>Номинация: Лучший ментор</h1>');
    expect(ru).toContain('Почему вы номинируете этого человека?');
    const verifyKy = await (await new Browser(env).get(`/a/${SLUG}/verify?lang=ky`)).text();
    expect(verifyKy).toContain('<h1>Өзүңүздү ырастаңыз</h1>');
    expect(verifyKy).toContain('Электрондук почтанын дареги');
    const mineKy = await (await voter.get(`/a/${SLUG}/nominations/mine?lang=ky`)).text();
    expect(mineKy).toContain('<h1>Менин сунуштарым</h1>');
    const mod = await organizer();
    const modRu = await (await mod.get(`/organizer/a/${SLUG}/moderation?lang=ru`)).text();
    expect(modRu).toContain('<html lang="ru"');
    expect(modRu).toContain('Принятые номинанты');
    const modKy = await (await mod.get(`/organizer/a/${SLUG}/moderation?lang=ky`)).text();
    expect(modKy).toContain('Кабыл алынган номинанттар');
    const awardKy = await (await new Browser(env).get(`/a/${SLUG}?lang=ky`)).text();
    expect(awardKy).toContain('aria-label="Талапкер көрсөтүү: Мыкты ментор"');
  });

  it('keeps every new page under 50 KB, with one h1', async () => {
    const voter = await voterWithKey('size-voter');
    const mod = await organizer();
    const award = example();
    const categories = award.tracks.flatMap((t) => t.categories.map((c) => c.slug));
    for (const lang of ['en', 'ru', 'ky']) {
      const pages: [Browser, string][] = [
        [new Browser(env), `/a/${SLUG}/verify`],
        [new Browser(env), '/a/roll-award/verify'],
        [new Browser(env), '/a/oidc-award/verify'],
        [new Browser(env), `/a/${SLUG}/best-mentor/nominate`],
        [voter, `/a/${SLUG}/nominations/mine`],
        [mod, `/organizer/a/${SLUG}/moderation`],
        ...categories.map((c) => [voter, `/a/${SLUG}/${c}/nominate`] as [Browser, string]),
      ];
      for (const [b, path] of pages) {
        const res = await b.get(`${path}?lang=${lang}`);
        expect(res.status, path).toBe(200);
        const html = await res.text();
        expect(bytes(html), `${path} ${lang}`).toBeLessThan(50 * 1024);
        expect(h1Count(html), `${path} ${lang}`).toBe(1);
      }
    }
  });
});
