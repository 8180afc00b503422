import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { listEvents } from '../src/audit/log';
import { type AwardDefinition, Rules } from '../src/ceremonies/schemas';
import { BOM, parseCsvRecords } from '../src/csv/csv';
import { issueVoterSession } from '../src/identity/sessions';
import { dedupeKey, normalizeName, normalizeText, slugify, uniqueSlug } from '../src/nominations/dedupe';
import { checkImport } from '../src/nominations/imports';
import { type TestEnv, bearer, latestCode, post, signIn, smallAward, snapshot, testClock, testEnv } from './helpers';

describe('dedupe keys', () => {
  const same: [string, string][] = [
    ['Айгуль Токтосунова', 'Aigul Toktosunova'],
    ['Айгүл Токтосунова', 'Aigul Toktosunova'],
    ['Aigül Toktosunova', 'Aigul Toktosunova'],
    ['Aygul Toktosunova', 'Aigul Toktosunova'],
    ['Toktosunova Aigul', 'Aigul Toktosunova'],
    ["  AIGUL'  toktosunova. ", 'Aigul Toktosunova'],
    ['Нургүл Үсөнова', 'Nurgul Usonova'],
    ['Нургуль Усенова', 'Nurgul Usenova'],
    ['Бермет Жусупова', 'Bermet Zhusupova'],
    ['Юлия Ким', 'Yulia Kim'],
    ['Айдана Өмүрбекова', 'Aidana Omurbekova'],
    ['Чолпон Ашыралиева', 'Cholpon Ashiralieva'],
    ['Асель Ңурланова', 'Asel Nurlanova'],
    ['Ａｉｇｕｌ', 'Aigul'],
  ];
  it.each(same)('%s ≡ %s', (a, b) => {
    expect(normalizeName(a)).toBe(normalizeName(b));
    expect(dedupeKey(a, 'КГТУ им. Раззакова')).toBe(dedupeKey(b, 'KGTU im Razzakova'));
  });

  const different: [string, string][] = [
    ['Aigul Toktosunova', 'Aizada Toktosunova'],
    ['Bermet Asanova', 'Bermet Usenova'],
    ['Айгуль', 'Айгуль Токтосунова'],
  ];
  it.each(different)('%s ≢ %s', (a, b) => {
    expect(dedupeKey(a)).not.toBe(dedupeKey(b));
  });

  it('keeps the affiliation apart from the name', () => {
    expect(dedupeKey('Aigul Toktosunova', 'KSTU')).not.toBe(dedupeKey('Aigul Toktosunova', 'AUCA'));
    expect(dedupeKey('Aigul Toktosunova')).toBe('aigul toktosunova|');
    expect(normalizeText('Kyrgyz State Technical University, Bishkek!')).toBe(
      'kirgiz state technical universiti bishkek',
    );
  });

  it.each([
    ['Айгүл Токтосунова', 'aigul-toktosunova'],
    ['Нургүл Үсөнова', 'nurgul-usonova'],
    ['Жаңыл Чыңгышева', 'zhanyl-chyngysheva'],
    ['Dr. Asel O’Brien', 'dr-asel-o-brien'],
    ['!!!', 'nominee'],
    ['a'.repeat(80), 'a'.repeat(56)],
  ])('slugs %j as %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('makes slugs unique', () => {
    expect(uniqueSlug('aigul', new Set())).toBe('aigul');
    expect(uniqueSlug('aigul', new Set(['aigul', 'aigul-2']))).toBe('aigul-3');
  });
});

describe('checking a CSV import', () => {
  const categories = [{ id: 'ca_1', slug: 'best-mentor', takenSlugs: new Set(['aida']) }];
  it('names every offending line', () => {
    const { rows, problems } = checkImport(
      'category,slug,name,contact\nbest-mentor,,Aida,\nnope,,X,\nbest-mentor,aida,Aida B,\nbest-mentor,,Y,not-mail\n',
      categories,
      'en',
    );
    expect(rows).toEqual([]);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5]);
  });
  it('refuses unknown columns and empty files', () => {
    expect(checkImport('category,name,email\nbest-mentor,A,a@b.kg\n', categories, 'en').problems[0]!.line).toBe(1);
    expect(checkImport('category,name\n', categories, 'en').problems).toHaveLength(1);
  });
  it('slugs blank slugs uniquely against the category and the file', () => {
    const { rows } = checkImport('category,name\nbest-mentor,Aida\nbest-mentor,Aida\n', categories, 'en');
    expect(rows.map((r) => r.slug)).toEqual(['aida-2', 'aida-3']);
  });
});

/** The helper's snapshot plus the tables of this feature. */
async function everything(env: TestEnv) {
  const { db } = env.store;
  const sorted = <T>(rows: T[]) => rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    ...(await snapshot(env)),
    nominations: sorted(await db.selectFrom('nominations').selectAll().execute()),
    nominee_contacts: sorted(await db.selectFrom('nominee_contacts').selectAll().execute()),
  };
}

let voterCount = 0;
/** A voter token through the real email code flow. */
async function voter(env: TestEnv, slug: string, email = `voter${++voterCount}@example.org`): Promise<string> {
  const asked = await post(env, `/api/ceremonies/${slug}/verify/email`, { email });
  if (asked.status !== 202) throw new Error(`verify: ${asked.status} ${await asked.text()}`);
  const res = await post(env, `/api/ceremonies/${slug}/verify/email/code`, {
    email,
    code: await latestCode(env, email),
  });
  if (res.status !== 200) throw new Error(`code: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

function award(slug: string, nominations: { perPersonPerCategory?: number; requireReason?: boolean } = {}) {
  const base = smallAward(slug);
  return {
    ...base,
    rules: Rules.parse({ nominations }),
    tracks: [
      {
        ...base.tracks[0]!,
        categories: [
          base.tracks[0]!.categories[0]!,
          {
            slug: 'best-mentee',
            name: { en: 'Best Mentee' },
            winners: 1,
            minorsAllowed: true,
            nominees: [{ slug: 'cholpon', name: { en: 'Cholpon' }, status: 'accepted' as const }],
          },
        ],
      },
    ],
  } as AwardDefinition;
}

async function open(env: TestEnv, admin: string, def: AwardDefinition, phase = 'nominating') {
  const created = await post(env, '/api/ceremonies', def, bearer(admin));
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  if (phase !== 'draft') {
    const moved = await post(env, `/api/ceremonies/${def.slug}/phase`, { to: phase }, bearer(admin));
    if (moved.status !== 200) throw new Error(`phase: ${moved.status} ${await moved.text()}`);
  }
  return (await created.json()).id as string;
}

const nominate = (env: TestEnv, slug: string, category: string, token: string, body: unknown) =>
  post(env, `/api/ceremonies/${slug}/categories/${category}/nominations`, body, bearer(token));

const moderation = async (env: TestEnv, slug: string, token: string) =>
  (await env.app.request(`/api/ceremonies/${slug}/moderation`, { headers: bearer(token) })).json();

async function expectRefused(env: TestEnv, send: () => Response | Promise<Response>, status: number, code: string) {
  const before = await everything(env);
  const r = await send();
  const body = await r.json();
  expect({ status: r.status, code: body.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(await everything(env)).toEqual(before);
  return body;
}

describe('nominating and moderating', () => {
  const clock = testClock();
  let env: TestEnv;
  let admin: string;
  let ceremonyId: string;
  const slug = 'noms';

  beforeAll(async () => {
    env = await testEnv({ clock });
    admin = await signIn(env, 'admin@example.org');
    ceremonyId = await open(env, admin, award(slug));
  });

  it('takes support for a listed nominee and a proposal of a new one, and lists them as mine', async () => {
    const token = await voter(env, slug, 'aigerim@example.org');
    const support = await nominate(env, slug, 'best-mentor', token, {
      nominee: 'aida',
      reason: 'She taught me Python',
    });
    expect(support.status).toBe(201);
    expect(await support.json()).toMatchObject({
      status: 'accepted',
      slot: 1,
      category: 'best-mentor',
      nominee: { slug: 'aida', status: 'accepted' },
    });

    const proposal = await nominate(env, slug, 'best-mentee', token, {
      proposal: {
        name: 'Айгуль Токтосунова',
        affiliation: 'КГТУ',
        contact: 'parent@example.org',
        guardian: true,
      },
      reason: 'Won the regional olympiad',
    });
    expect(proposal.status).toBe(201);
    const created = await proposal.json();
    expect(created).toMatchObject({
      status: 'pending',
      slot: 1,
      nominee: { slug: 'aigul-toktosunova', status: 'pending', name: { en: 'Айгуль Токтосунова' } },
    });
    const row = await env.store.db
      .selectFrom('nominees')
      .selectAll()
      .where('id', '=', created.nominee.id)
      .executeTakeFirstOrThrow();
    expect(row.dedupe_key).toBe(dedupeKey('Aigul Toktosunova', 'KGTU'));
    const contact = await env.store.db
      .selectFrom('nominee_contacts')
      .selectAll()
      .where('nominee_id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ email: 'parent@example.org', guardian: 1 });

    // A pending nominee is not public.
    const publicAward = await (await env.app.request(`/api/ceremonies/${slug}`)).json();
    const mentees = publicAward.tracks[0].categories[1].nominees.map((n: any) => n.slug);
    expect(mentees).toEqual(['cholpon']);

    const mine = await (
      await env.app.request(`/api/ceremonies/${slug}/nominations/mine`, { headers: bearer(token) })
    ).json();
    expect(mine.nominations).toHaveLength(2);
    expect(mine.nominations.map((n: any) => [n.category.slug, n.nominee.slug, n.status]).sort()).toEqual([
      ['best-mentee', 'aigul-toktosunova', 'pending'],
      ['best-mentor', 'aida', 'accepted'],
    ]);

    // Events name neither the voter nor the reason nor the contact.
    const events = await listEvents(env.store.db, ceremonyId);
    const submitted = events.filter((e) => e.type === 'nomination.submitted');
    expect(submitted).toHaveLength(2);
    expect(submitted[1]).toMatchObject({ actor: 'system', payload: { proposal: true, nominee: row.id } });
    expect(Object.keys(submitted[1]!.payload).sort()).toEqual([
      'category',
      'contentHash',
      'nomination',
      'nominee',
      'proposal',
    ]);
    const text = JSON.stringify(events);
    for (const secret of ['olympiad', 'Python', 'parent@example.org', 'aigerim']) expect(text).not.toContain(secret);
  });

  it('refuses a second nomination in a category, unknown targets and bad input, changing nothing', async () => {
    const token = await voter(env, slug);
    expect((await nominate(env, slug, 'best-mentor', token, { nominee: 'bermet', reason: 'x' })).status).toBe(201);
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentor', token, { nominee: 'aida', reason: 'y' }),
      409,
      'nomination-limit',
    );
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentor', token, { proposal: { name: 'New One' }, reason: 'y' }),
      409,
      'nomination-limit',
    );
    await expectRefused(
      env,
      () => nominate(env, slug, 'no-such', token, { nominee: 'aida', reason: 'y' }),
      404,
      'not-found',
    );
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentee', token, { nominee: 'aida', reason: 'y' }),
      404,
      'not-found',
    );
    await expectRefused(
      env,
      () =>
        nominate(env, slug, 'best-mentee', token, { nominee: 'aigul-toktosunova', reason: 'pending is not listed' }),
      404,
      'not-found',
    );
    const missing = await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentee', token, { nominee: 'cholpon' }),
      400,
      'validation-failed',
    );
    expect(missing.fields).toEqual([{ path: 'body.reason', message: 'required' }]);
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentee', token, { nominee: 'cholpon', reason: '   ' }),
      400,
      'validation-failed',
    );
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentee', token, { nominee: 'cholpon', proposal: { name: 'X' }, reason: 'y' }),
      400,
      'validation-failed',
    );
    await expectRefused(
      env,
      () =>
        nominate(env, slug, 'best-mentee', token, { proposal: { name: 'X', contact: 'not-an-address' }, reason: 'y' }),
      400,
      'validation-failed',
    );
    // A guardian is a contact only where nominees may be minors.
    const other = await voter(env, slug);
    await expectRefused(
      env,
      () =>
        nominate(env, slug, 'best-mentor', other, {
          proposal: { name: 'X', contact: 'g@example.org', guardian: true },
          reason: 'y',
        }),
      400,
      'validation-failed',
    );
    await expectRefused(
      env,
      () => post(env, `/api/ceremonies/${slug}/categories/best-mentor/nominations`, { nominee: 'aida', reason: 'y' }),
      401,
      'unauthenticated',
    );
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentor', 'garbage', { nominee: 'aida', reason: 'y' }),
      401,
      'token-invalid',
    );
    // A token of another award is not a token of this one.
    await open(env, admin, award('elsewhere'));
    const foreign = await voter(env, 'elsewhere');
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentor', foreign, { nominee: 'aida', reason: 'y' }),
      401,
      'token-invalid',
    );
  });

  it('groups likely duplicates across Cyrillic and Latin spellings for organizers, contacts shown as present only', async () => {
    const a = await voter(env, slug);
    const b = await voter(env, slug);
    const r1 = await nominate(env, slug, 'best-mentee', a, {
      proposal: { name: 'Aigul Toktosunova', affiliation: 'KGTU' },
      reason: 'Robotics club lead',
    });
    expect((await r1.json()).nominee.slug).toBe('aigul-toktosunova-2');
    const r2 = await nominate(env, slug, 'best-mentee', b, {
      proposal: { name: { en: 'Toktosunova Aigül', ru: 'Токтосунова Айгүл' }, affiliation: { en: 'KGTU' } },
      reason: 'Mentors younger girls',
    });
    expect(r2.status).toBe(201);
    const queue = await moderation(env, slug, admin);
    expect(queue.counts).toMatchObject({ pending: 3 });
    const group = queue.groups.find((g: any) => g.dedupeKey === dedupeKey('Aigul Toktosunova', 'KGTU'));
    expect(group.category).toBe('best-mentee');
    expect(group.nominees).toHaveLength(3);
    expect(group.nominees.map((n: any) => n.nominations)).toEqual([1, 1, 1]);
    expect(group.nominees.flatMap((n: any) => n.reasons)).toEqual([
      'Won the regional olympiad',
      'Robotics club lead',
      'Mentors younger girls',
    ]);
    expect(group.nominees[0]).toMatchObject({ contact: 'present', guardian: true });
    expect(group.nominees[1]).toMatchObject({ contact: 'absent', guardian: false });
    expect(JSON.stringify(queue)).not.toContain('parent@example.org');
    // Accepted nominees with their counts.
    expect(queue.accepted.find((n: any) => n.slug === 'aida')).toMatchObject({ nominations: 1 });
    expect(queue.accepted.find((n: any) => n.slug === 'bermet')).toMatchObject({ nominations: 1 });
  });

  it('accepts, rejects and merges, with counts following; asks consent where there is a contact', async () => {
    const queue = await moderation(env, slug, admin);
    const group = queue.groups.find((g: any) => g.dedupeKey === dedupeKey('Aigul Toktosunova', 'KGTU'));
    const [withContact, latin, swapped] = group.nominees;
    const act = (nominee: string, verb: string, body: unknown = {}, token = admin) =>
      post(env, `/api/ceremonies/${slug}/nominees/${nominee}/${verb}`, body, bearer(token));

    // Merge the two Latin spellings into the one with the guardian's contact.
    expect((await act(latin.id, 'merge', { into: withContact.id })).status).toBe(200);
    expect((await act(swapped.id, 'merge', { into: withContact.id })).status).toBe(200);
    let after = await moderation(env, slug, admin);
    const merged = after.groups.find((g: any) => g.dedupeKey === withContact.dedupeKey);
    expect(merged.nominees).toHaveLength(1);
    expect(merged.nominees[0]).toMatchObject({ id: withContact.id, nominations: 3 });
    expect(merged.nominees[0].reasons).toHaveLength(3);
    expect(after.counts.rejected).toBe(2);
    await expectRefused(env, () => act(latin.id, 'merge', { into: withContact.id }), 409, 'conflict');
    await expectRefused(env, () => act(withContact.id, 'merge', { into: withContact.id }), 400, 'validation-failed');
    await expectRefused(env, () => act(withContact.id, 'merge', { into: 'aida' }), 400, 'validation-failed');

    // Accepting asks the guardian for consent: not listed until it is given.
    expect((await act(withContact.id, 'accept')).status).toBe(200);
    await expectRefused(env, () => act(withContact.id, 'accept'), 409, 'conflict');
    const accepted = await env.store.db
      .selectFrom('nominees')
      .select(['status', 'consent'])
      .where('id', '=', withContact.id)
      .executeTakeFirstOrThrow();
    expect(accepted).toEqual({ status: 'accepted', consent: 'requested' });
    const consentMail = await env.store.db
      .selectFrom('outbox')
      .select(['kind', 'text_body'])
      .where('to_address', '=', 'parent@example.org')
      .execute();
    expect(consentMail.map((m) => m.kind)).toEqual(['consent-request']);
    expect(consentMail[0]!.text_body).toContain('/consent/');
    const statuses = await env.store.db
      .selectFrom('nominations')
      .select('status')
      .where('nominee_id', '=', withContact.id)
      .execute();
    expect(statuses.map((s) => s.status)).toEqual(['accepted', 'accepted', 'accepted']);
    after = await moderation(env, slug, admin);
    expect(after.accepted.find((n: any) => n.id === withContact.id)).toMatchObject({
      nominations: 3,
      consent: 'requested',
    });
    const publicAward = await (await env.app.request(`/api/ceremonies/${slug}`)).json();
    expect(publicAward.tracks[0].categories[1].nominees.map((n: any) => n.slug)).toEqual(['cholpon']);

    // A proposal without contact is listed on the organizers' word once accepted.
    const c = await voter(env, slug);
    const plain = await (
      await nominate(env, slug, 'best-mentee', c, { proposal: { name: 'Asel Nurlanova' }, reason: 'z' })
    ).json();
    // Organizers edit the texts before accepting; the dedupe key follows.
    const edited = await post(
      env,
      `/api/ceremonies/${slug}/nominees/${plain.nominee.id}/proposal`,
      { name: { en: 'Asel Nurlanova', ru: 'Асель Нурланова' }, affiliation: { en: 'AUCA' } },
      bearer(admin),
      'PATCH',
    );
    expect(edited.status).toBe(200);
    const editedRow = await env.store.db
      .selectFrom('nominees')
      .select(['content', 'dedupe_key'])
      .where('id', '=', plain.nominee.id)
      .executeTakeFirstOrThrow();
    expect(editedRow.dedupe_key).toBe(dedupeKey('Asel Nurlanova', 'AUCA'));
    expect(JSON.parse(editedRow.content).name.ru).toBe('Асель Нурланова');
    expect((await act(plain.nominee.id, 'accept')).status).toBe(200);
    const listed = await (await env.app.request(`/api/ceremonies/${slug}`)).json();
    expect(listed.tracks[0].categories[1].nominees.map((n: any) => n.slug)).toEqual(['cholpon', 'asel-nurlanova']);
    const consent = await env.store.db
      .selectFrom('nominees')
      .select('consent')
      .where('id', '=', plain.nominee.id)
      .executeTakeFirstOrThrow();
    expect(consent.consent).toBe('not-asked');

    // Rejection: with a reason, committed in the event, not written in it.
    await expectRefused(env, () => act('bermet', 'reject', {}), 400, 'validation-failed');
    expect((await act('bermet', 'reject', { reason: 'Not a mentor in the programme' })).status).toBe(200);
    const events = await listEvents(env.store.db, ceremonyId);
    const rejected = events.find((e) => e.type === 'nominee.rejected')!;
    expect(JSON.stringify(rejected)).not.toContain('programme');
    const disclosure = await env.store.db
      .selectFrom('disclosures')
      .selectAll()
      .where('commitment', '=', rejected.payload.reason as string)
      .executeTakeFirstOrThrow();
    expect(disclosure.value).toBe('Not a mentor in the programme');
    after = await moderation(env, slug, admin);
    expect(after.accepted.map((n: any) => n.slug)).not.toContain('bermet');
    const mine = await env.store.db.selectFrom('nominations').select(['status', 'decision_reason']).execute();
    expect(mine.filter((n) => n.decision_reason === 'nominee-rejected')).toHaveLength(1);
    await expectRefused(env, () => act('bermet', 'reject', { reason: 'again' }), 409, 'conflict');
    await expectRefused(env, () => act('nobody', 'accept'), 404, 'not-found');
    expect(events.filter((e) => e.type === 'nominee.merged').map((e) => e.payload)).toEqual([
      { nominee: latin.id, into: withContact.id, category: expect.any(String), moved: 1, setAside: 0 },
      { nominee: swapped.id, into: withContact.id, category: expect.any(String), moved: 1, setAside: 0 },
    ]);
  });

  it('refuses organizers of another award and people who are not signed in', async () => {
    const stranger = await signIn(env, 'other-org@example.org', await open(env, admin, award('theirs')));
    const queue = await moderation(env, slug, admin);
    const nominee = queue.accepted[0].id;
    await expectRefused(
      env,
      () => env.app.request(`/api/ceremonies/${slug}/moderation`, { headers: bearer(stranger) }),
      403,
      'forbidden',
    );
    await expectRefused(
      env,
      () => post(env, `/api/ceremonies/${slug}/nominees/${nominee}/reject`, { reason: 'x' }, bearer(stranger)),
      403,
      'forbidden',
    );
    await expectRefused(
      env,
      () => post(env, `/api/ceremonies/${slug}/nominees/${nominee}/merge`, { into: nominee }, bearer(stranger)),
      403,
      'forbidden',
    );
    await expectRefused(
      env,
      () => env.app.request(`/api/ceremonies/${slug}/nominations.csv`, { headers: bearer(stranger) }),
      403,
      'forbidden',
    );
    await expectRefused(
      env,
      () =>
        env.app.request(`/api/ceremonies/${slug}/nominees.csv`, {
          method: 'POST',
          headers: { ...bearer(stranger), 'content-type': 'text/csv' },
          body: 'category,name\nbest-mentor,X\n',
        }),
      403,
      'forbidden',
    );
    await expectRefused(env, () => env.app.request(`/api/ceremonies/${slug}/moderation`), 401, 'unauthenticated');
    // A voter token is not an organizer session.
    const v = await voter(env, slug);
    await expectRefused(
      env,
      () => env.app.request(`/api/ceremonies/${slug}/moderation`, { headers: bearer(v) }),
      401,
      'token-invalid',
    );
  });

  it('imports nominees from CSV all or nothing, and exports spreadsheet-safe CSV', async () => {
    const csv = (body: string, type = 'text/csv; charset=utf-8') =>
      env.app.request(`/api/ceremonies/${slug}/nominees.csv`, {
        method: 'POST',
        headers: { ...bearer(admin), 'content-type': type },
        body,
      });
    const bad = await expectRefused(
      env,
      () =>
        csv(
          [
            'category,slug,name,affiliation,region,citation,contact',
            'best-mentor,,Nurgul Usenova,AUCA,Naryn,,nurgul@example.org',
            'best-mentor,aida,Aida Again,,,,',
            'worst-category,,Someone,,,,',
            'best-mentor,,Another,,,,not-an-address',
            'best-mentee,,"=HYPERLINK(""http://evil"")",,,,',
          ].join('\n'),
        ),
      400,
      'validation-failed',
    );
    expect(bad.fields.map((f: any) => f.path)).toEqual(['line.3', 'line.4', 'line.5']);
    expect(bad.detail).toContain('Line 3');
    await expectRefused(
      env,
      () => csv('category,name\nbest-mentor,X\n', 'application/json'),
      415,
      'unsupported-media-type',
    );

    const good = await csv(
      BOM +
        [
          'category;slug;name;affiliation;region;citation;contact',
          'best-mentor;;Nurgul Usenova;AUCA;Naryn;Founded a coding club;nurgul@example.org',
          'best-mentee;;"=HYPERLINK(""http://evil"")";;;;',
        ].join('\r\n'),
    );
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ imported: 2, consentRequested: 1 });
    const mailed = await env.store.db
      .selectFrom('outbox')
      .select('kind')
      .where('to_address', '=', 'nurgul@example.org')
      .execute();
    expect(mailed.map((m) => m.kind)).toEqual(['consent-request']);
    const imported = await env.store.db
      .selectFrom('nominees')
      .select(['slug', 'status', 'consent', 'content'])
      .where('slug', 'in', ['nurgul-usenova', 'hyperlink-http-evil'])
      .orderBy('slug')
      .execute();
    expect(imported.map((n) => [n.slug, n.status, n.consent])).toEqual([
      ['hyperlink-http-evil', 'accepted', 'not-asked'],
      ['nurgul-usenova', 'accepted', 'requested'],
    ]);
    expect(JSON.parse(imported[1]!.content)).toEqual({
      name: { en: 'Nurgul Usenova' },
      affiliation: { en: 'AUCA' },
      region: { en: 'Naryn' },
      citation: { en: 'Founded a coding club' },
    });
    const events = await listEvents(env.store.db, ceremonyId);
    const importEvent = events.find((e) => e.type === 'nominees.imported')!;
    expect(importEvent.payload).toMatchObject({ count: 2, contacts: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(importEvent)).not.toContain('nurgul@example.org');

    const res = await env.app.request(`/api/ceremonies/${slug}/nominations.csv`, { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).not.toMatch(/(^|[,\n])=HYPERLINK/);
    const { header, records } = parseCsvRecords(text);
    expect(header).toEqual(['category', 'slug', 'name', 'affiliation', 'region', 'status', 'consent', 'nominations']);
    const bySlug = new Map(records.map((r) => [r.slug, r]));
    expect(bySlug.get('aida')).toMatchObject({ category: 'best-mentor', status: 'accepted', nominations: '1' });
    expect(bySlug.get('bermet')).toMatchObject({ status: 'rejected', nominations: '0' });
    expect(bySlug.get('aigul-toktosunova')).toMatchObject({
      category: 'best-mentee',
      name: 'Айгуль Токтосунова',
      status: 'accepted',
      consent: 'requested',
      nominations: '3',
    });
    expect(bySlug.get('aigul-toktosunova-2')).toMatchObject({ status: 'rejected', nominations: '0' });
    expect(bySlug.get('nurgul-usenova')).toMatchObject({ affiliation: 'AUCA', consent: 'requested' });
  });

  it('keeps the event chain whole through the whole scenario', async () => {
    const events = await listEvents(env.store.db, ceremonyId);
    expect(events.length).toBeGreaterThan(10);
    expect(await verifyChain(events)).toEqual({ ok: true, problems: [] });
  });
});

describe('the per-person cap, merges and concurrency', () => {
  let env: TestEnv;
  let admin: string;
  let ceremonyId: string;
  const slug = 'capped';

  beforeAll(async () => {
    env = await testEnv({ clock: testClock() });
    admin = await signIn(env, 'admin@example.org');
    ceremonyId = await open(env, admin, award(slug, { perPersonPerCategory: 3, requireReason: false }));
  });

  it('lets exactly the cap land when one person fires 20 nominations at once', async () => {
    const token = await voter(env, slug);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        nominate(env, slug, 'best-mentor', token, { proposal: { name: `Candidate ${String.fromCharCode(65 + i)}` } }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(17);
    const codes = await Promise.all(responses.filter((r) => r.status === 409).map(async (r) => (await r.json()).code));
    expect(new Set(codes)).toEqual(new Set(['nomination-limit']));
    const rows = await env.store.db
      .selectFrom('nominations')
      .select(['slot'])
      .where('ceremony_id', '=', ceremonyId)
      .orderBy('slot')
      .execute();
    expect(rows.map((r) => r.slot)).toEqual([1, 2, 3]);
    const pending = await env.store.db
      .selectFrom('nominees')
      .select('id')
      .where('ceremony_id', '=', ceremonyId)
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toHaveLength(3);
  });

  it('refuses the same nominee twice from one person even under a cap above one', async () => {
    const token = await voter(env, slug);
    expect((await nominate(env, slug, 'best-mentor', token, { nominee: 'aida' })).status).toBe(201);
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentor', token, { nominee: 'aida' }),
      409,
      'already-exists',
    );
    const both = await Promise.all([
      nominate(env, slug, 'best-mentor', token, { nominee: 'bermet' }),
      nominate(env, slug, 'best-mentor', token, { nominee: 'bermet' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('merges so that a person who nominated both counts once and gets the place back', async () => {
    const p = await voter(env, slug);
    const q = await voter(env, slug);
    const x = (await (await nominate(env, slug, 'best-mentee', p, { proposal: { name: 'Nurgul Usenova' } })).json())
      .nominee.id;
    const y = (await (await nominate(env, slug, 'best-mentee', q, { proposal: { name: 'Нургүл Үсөнова' } })).json())
      .nominee.id;
    expect((await nominate(env, slug, 'best-mentee', p, { nominee: y })).status).toBe(404); // pending: not listed
    const y2 = (
      await (
        await nominate(env, slug, 'best-mentee', p, { proposal: { name: 'Нургуль Усенова', region: 'Нарын' } })
      ).json()
    ).nominee.id;
    // P stands behind x and y2; Q behind y. Merge y into y2 (Q moves), then y2 into x (P's duplicate is set aside).
    const merge = (from: string, into: string) =>
      post(env, `/api/ceremonies/${slug}/nominees/${from}/merge`, { into }, bearer(admin));
    expect((await merge(y, y2)).status).toBe(200);
    expect((await merge(y2, x)).status).toBe(200);
    const counts = async () => {
      const queue = await moderation(env, slug, admin);
      return Object.fromEntries(
        queue.groups.flatMap((g: any) => g.nominees).map((n: any) => [n.id, n.nominations]),
      ) as Record<string, number>;
    };
    expect(await counts()).toMatchObject({ [x]: 2 });
    const rows = await env.store.db
      .selectFrom('nominations')
      .select(['nominee_id', 'status', 'decision_reason', 'slot'])
      .where('nominee_id', 'in', [x, y, y2])
      .execute();
    expect(rows.filter((r) => r.nominee_id === x && r.status === 'pending')).toHaveLength(2);
    expect(rows.filter((r) => r.decision_reason === 'merged')).toEqual([
      { nominee_id: y2, status: 'rejected', decision_reason: 'merged', slot: 2 },
    ]);
    const events = await listEvents(env.store.db, ceremonyId);
    expect(events.filter((e) => e.type === 'nominee.merged').map((e) => [e.payload.moved, e.payload.setAside])).toEqual(
      [
        [1, 0],
        [1, 1],
      ],
    );
    // P's place is free again: the next nomination takes slot 3 (slots are never reused).
    const again = await nominate(env, slug, 'best-mentee', p, { nominee: 'cholpon' });
    expect(again.status).toBe(201);
    expect((await again.json()).slot).toBe(3);
    const third = await nominate(env, slug, 'best-mentee', p, { proposal: { name: 'Third Person' } });
    expect((await third.json()).slot).toBe(4);
    await expectRefused(
      env,
      () => nominate(env, slug, 'best-mentee', p, { proposal: { name: 'Fourth' } }),
      409,
      'nomination-limit',
    );
    // P sees the set-aside duplicate as merged.
    const mine = await (
      await env.app.request(`/api/ceremonies/${slug}/nominations/mine`, { headers: bearer(p) })
    ).json();
    expect(mine.nominations.filter((n: any) => n.decision === 'merged')).toHaveLength(1);
    expect(mine.nominations.filter((n: any) => n.nominee.id === x && n.status === 'pending')).toHaveLength(1);
  });

  it('keeps the event chain whole', async () => {
    expect((await verifyChain(await listEvents(env.store.db, ceremonyId))).ok).toBe(true);
  });
});

describe('nominations only while nominating', () => {
  it('refuses drafts, awards past nominating, and requests after the nominating window closed', async () => {
    const clock = testClock(Date.parse('2026-03-01T09:00:00Z'));
    const env = await testEnv({ clock });
    const admin = await signIn(env, 'admin@example.org');

    // A draft issues no voter tokens through the email flow; a session made directly is refused by phase.
    const draftId = await open(env, admin, award('draft-award'), 'draft');
    const { token: draftToken } = await issueVoterSession(env, {
      ceremonyId: draftId,
      personKey: 'f'.repeat(64),
      method: 'email',
    });
    await expectRefused(
      env,
      () => nominate(env, 'draft-award', 'best-mentor', draftToken, { nominee: 'aida', reason: 'x' }),
      409,
      'wrong-phase',
    );

    // Voting: the nominee list is frozen, and organizers can no longer moderate or import.
    await open(env, admin, award('voting-award'));
    const token = await voter(env, 'voting-award');
    expect((await post(env, '/api/ceremonies/voting-award/phase', { to: 'voting' }, bearer(admin))).status).toBe(200);
    await expectRefused(
      env,
      () => nominate(env, 'voting-award', 'best-mentor', token, { nominee: 'aida', reason: 'x' }),
      409,
      'wrong-phase',
    );
    await expectRefused(
      env,
      () => post(env, '/api/ceremonies/voting-award/nominees/aida/reject', { reason: 'x' }, bearer(admin)),
      409,
      'frozen',
    );
    await expectRefused(
      env,
      () =>
        env.app.request('/api/ceremonies/voting-award/nominees.csv', {
          method: 'POST',
          headers: { ...bearer(admin), 'content-type': 'text/csv' },
          body: 'category,name\nbest-mentor,Late\n',
        }),
      409,
      'frozen',
    );

    // Nominating with a window that closes in 10 minutes: the database clock decides.
    const id = await open(env, admin, award('windowed'));
    const { schedule } = await (await env.app.request('/api/ceremonies/windowed')).json();
    const closes = new Date(clock() + 10 * 60_000).toISOString();
    const scheduled = await post(
      env,
      '/api/ceremonies/windowed/schedule',
      { nominating: { opens: schedule.nominating.opens, closes } },
      bearer(admin),
      'PUT',
    );
    expect(scheduled.status).toBe(200);
    const w = await voter(env, 'windowed');
    clock.advance(9 * 60_000);
    expect((await nominate(env, 'windowed', 'best-mentor', w, { nominee: 'aida', reason: 'in time' })).status).toBe(
      201,
    );
    const late = await voter(env, 'windowed');
    clock.advance(60_000);
    await expectRefused(
      env,
      () => nominate(env, 'windowed', 'best-mentor', late, { nominee: 'aida', reason: 'late' }),
      409,
      'wrong-phase',
    );
    const phase = await env.store.db
      .selectFrom('ceremonies')
      .select('phase')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(phase.phase).toBe('nominating');
    expect((await verifyChain(await listEvents(env.store.db, id))).ok).toBe(true);
  });

  it('reads the database clock when no test clock is imposed', async () => {
    const env = await testEnv({ databaseClock: true });
    const admin = await signIn(env, 'admin@example.org');
    await open(env, admin, award('real-clock'));
    const token = await voter(env, 'real-clock');
    expect((await nominate(env, 'real-clock', 'best-mentor', token, { nominee: 'aida', reason: 'x' })).status).toBe(
      201,
    );
  });
});
