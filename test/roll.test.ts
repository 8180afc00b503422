import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { listEvents } from '../src/audit/log';
import { Rules } from '../src/ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { parseCsv } from '../src/csv/csv';
import { readVoterSession } from '../src/identity/sessions';
import {
  ROLL_CODE_ALPHABET,
  ROLL_CODE_BITS,
  ROLL_CODE_LENGTH,
  canonicalRollCode,
  groupRollCode,
  newRollCode,
} from '../src/roll/codes';
import {
  MAX_BATCH_STATEMENTS,
  MAX_SHEET_PEOPLE,
  partSize,
  readRoster,
  rowLines,
  statementsFor,
} from '../src/roll/roster';
import { importRoll } from '../src/roll/service';
import { type TestEnv, bearer, post, signIn, smallAward, snapshot, testClock, testEnv } from './helpers';

const CODE = /\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b/g;
const BOM = '\uFEFF';

const rollRules = () => Rules.parse({ identity: { method: 'roll' } });

/** An award verifying by roll (in `phase`), its organizer's token, and its id. */
async function rollAward(env: TestEnv, slug: string, phase: 'draft' | 'nominating' = 'nominating') {
  const { id } = await createAward(env, smallAward(slug, { rules: rollRules() }), 'cli');
  if (phase !== 'draft') await movePhase(env, await requireAward(env, id), phase, 'cli', 'hand');
  const token = await signIn(env, `org-${slug}@example.org`, id);
  return { id, token };
}

function upload(env: TestEnv, slug: string, csv: string, token: string, query = '', type = 'text/csv; charset=utf-8') {
  return env.app.request(`/api/ceremonies/${slug}/roll${query}`, {
    method: 'POST',
    headers: { 'content-type': type, ...bearer(token) },
    body: csv,
  });
}

const verifyRoll = (env: TestEnv, slug: string, code: string) =>
  post(env, `/api/ceremonies/${slug}/verify/roll`, { code });

/** The mails of a kind, as the outbox holds them. */
async function mails(env: TestEnv, kind: string, ceremonyId?: string) {
  let q = env.store.db.selectFrom('outbox').selectAll().where('kind', '=', kind);
  if (ceremonyId) q = q.where('ceremony_id', '=', ceremonyId);
  return q.execute();
}

async function mailedRollCode(env: TestEnv, to: string): Promise<string> {
  const rows = (await mails(env, 'voter-roll-code')).filter((m) => m.to_address === to);
  const codes = rows.flatMap((m) => [...m.text_body.matchAll(CODE)].map((x) => x[1]!));
  if (!codes.length) throw new Error(`no roll code mailed to ${to}`);
  return codes.at(-1)!;
}

/** Everything a refused request must leave alone, the roll's own tables and the outbox included. */
async function fullSnapshot(env: TestEnv) {
  const { db } = env.store;
  const out: Record<string, unknown[]> = await snapshot(env);
  for (const t of ['roll_entries', 'roll_codes', 'login_codes'] as const)
    out[t] = await db.selectFrom(t).selectAll().execute();
  // Queued mail: which messages exist (the outbox's own delivery moves their status in the background).
  out.outbox = await db.selectFrom('outbox').select(['id', 'kind', 'to_address', 'text_body']).execute();
  for (const rows of Object.values(out)) rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return out;
}

async function chainOk(env: TestEnv, ceremonyId: string) {
  const events = await listEvents(env.store.db, ceremonyId, { limit: 1000 });
  return { ...(await verifyChain(events)), events };
}

describe('roll codes and roster (pure)', () => {
  it('makes 12-symbol codes from an alphabet without look-alikes, read forgivingly', () => {
    expect(ROLL_CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    expect(new Set(ROLL_CODE_ALPHABET).size).toBe(ROLL_CODE_ALPHABET.length);
    // 31 symbols: 59.45 bits (see codes.ts for why not 60).
    expect(ROLL_CODE_BITS).toBeGreaterThan(59.4);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = newRollCode();
      expect(code).toMatch(new RegExp(`^[${ROLL_CODE_ALPHABET}]{${ROLL_CODE_LENGTH}}$`));
      seen.add(code);
    }
    expect(seen.size).toBe(2000);
    expect(groupRollCode('ABCDEFGHJKMN')).toBe('ABCD-EFGH-JKMN');
    for (const typed of ['ABCD-EFGH-JKMN', 'abcd efgh jkmn', 'abcdefghjkmn', ' AbCd-EfGh JKMN ', 'ABCD–EFGH–JKMN'])
      expect(canonicalRollCode(typed)).toBe('ABCDEFGHJKMN');
    for (const typed of ['ABCD-EFGH-JKM', 'ABCD-EFGH-JKMNP', 'ABCD-EFGH-JKM0', 'OBCD-EFGH-JKMN', ''])
      expect(canonicalRollCode(typed)).toBeNull();
  });

  it('numbers rows by the line they start on, as parseCsv reads them', () => {
    const text = `${BOM}email;name\r\n\r\na@example.org;"Айгуль\nТоктосунова"\r\n  \r\nb@example.org;"Say ""hi"""\nc@example.org`;
    expect(parseCsv(text)).toHaveLength(4);
    expect(rowLines(text)).toEqual([1, 3, 6, 7]);
    const rows = readRoster(text);
    expect(rows.map((r) => r.line)).toEqual([3, 6, 7]);
    expect(rows[0]).toEqual({ line: 3, email: 'a@example.org', name: 'Айгуль Токтосунова' });
    expect(rows[1]!.name).toBe('Say "hi"');
    expect(rows[2]!.name).toBe('');
  });

  it('cuts imports into batches that D1 can take, and never cuts a sheet', () => {
    for (const d of ['mail', 'sheet', 'none'] as const) {
      expect(statementsFor(partSize(d), d)).toBeLessThanOrEqual(MAX_BATCH_STATEMENTS);
      expect(statementsFor(partSize(d) + 1, d)).toBeGreaterThan(MAX_BATCH_STATEMENTS);
    }
    expect(partSize('sheet')).toBeGreaterThanOrEqual(MAX_SHEET_PEOPLE);
  });
});

describe('importing the roll', () => {
  let env: TestEnv;
  let token: string;
  let id: string;
  beforeAll(async () => {
    env = await testEnv({ clock: testClock() });
    ({ id, token } = await rollAward(env, 'roll-award', 'draft'));
  });

  it('imports a comma CSV with a BOM and Cyrillic names, keeping neither names nor addresses', async () => {
    const csv = `${BOM}Email,Name\r\nmentor1@example.kg,Айгуль Токтосунова\r\nmentor2@example.kg,Бермет Асанова\r\n`;
    const res = await upload(env, 'roll-award', csv, token, '?delivery=none');
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ added: 2, alreadyOnRoll: 0, duplicatesInFile: 0, delivery: 'none', mailsQueued: 0 });
    expect(body.rollHash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.parts).toHaveLength(1);
    const entries = await env.store.db.selectFrom('roll_entries').selectAll().where('ceremony_id', '=', id).execute();
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => /^[0-9a-f]{64}$/.test(e.person_key))).toBe(true);
    expect(await env.store.db.selectFrom('roll_codes').selectAll().execute()).toHaveLength(0);
    const { events, ok } = await chainOk(env, id);
    expect(ok).toBe(true);
    const imported = events.filter((e) => e.type === 'roll.imported');
    expect(imported.at(-1)!.payload).toMatchObject({
      added: 2,
      alreadyOnRoll: 0,
      duplicatesInFile: 0,
      delivery: 'none',
      part: 1,
      parts: 1,
      rollHash: body.rollHash,
    });
    expect(imported.at(-1)!.actor).toMatch(/^organizer:p_/);
    const text = JSON.stringify(events);
    expect(text).not.toContain('example.kg');
    expect(text).not.toContain('Айгуль');
  });

  it('imports a semicolon CSV and collapses Gmail dots and Yandex domains to one entry each', async () => {
    const csv = [
      'email;name',
      'Aigul.Toktosunova@gmail.com;Айгуль',
      'aigultoktosunova+award@googlemail.com;Айгуль (again)',
      'nurgul-usenova@yandex.kz;Нургүл',
      'Nurgul.Usenova@ya.ru;Нургүл',
      'mentor1@example.kg;already here',
      '',
    ].join('\n');
    const before = await env.store.db.selectFrom('roll_entries').selectAll().execute();
    const res = await upload(env, 'roll-award', csv, token, '?delivery=none');
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ added: 2, alreadyOnRoll: 1, duplicatesInFile: 2 });
    const after = await env.store.db.selectFrom('roll_entries').selectAll().execute();
    expect(after.length - before.length).toBe(2);
    // Sending the same file again adds nobody.
    const again = await upload(env, 'roll-award', csv, token, '?delivery=none');
    expect(await again.json()).toMatchObject({ added: 0, alreadyOnRoll: 3, duplicatesInFile: 2 });
    const counts = await env.app.request('/api/ceremonies/roll-award/roll', { headers: bearer(token) });
    expect(await counts.json()).toEqual({ onRoll: 4, codesIssued: 0, codesUsed: 0 });
  });

  it('refuses a file with bad lines whole, naming the lines, and changes nothing', async () => {
    const before = await fullSnapshot(env);
    const csv = [
      'email,name',
      'fine@example.org,Fine',
      '',
      'not-an-address,Broken',
      '"two@example.org",Fine too',
      ',No address',
      'someone@mailinator.com,Throwaway',
    ].join('\n');
    const res = await upload(env, 'roll-award', csv, token);
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.code).toBe('validation-failed');
    expect(problem.fields.map((f: any) => f.path)).toEqual(['body.line.4', 'body.line.6', 'body.line.7']);
    expect(problem.detail).toContain('4, 6 and 7');
    expect(await fullSnapshot(env)).toEqual(before);

    for (const [csvText, type] of [
      ['name\nNo email column', 'text/csv'],
      ['email,name\n', 'text/csv'],
      ['email\n"unclosed@example.org', 'text/csv'],
      ['email\na@example.org', 'application/json'],
    ] as const) {
      const r = await upload(env, 'roll-award', csvText, token, '', type);
      expect([400, 415]).toContain(r.status);
    }
    expect(await fullSnapshot(env)).toEqual(before);
  });

  it('refuses organizers of another award, anonymous callers and awards of another method, changing nothing', async () => {
    const { token: otherToken } = await rollAward(env, 'other-award', 'draft');
    const { id: emailId } = await createAward(env, smallAward('email-award'), 'cli');
    const emailToken = await signIn(env, 'org-email@example.org', emailId);
    const before = await fullSnapshot(env);
    const csv = 'email\nintruder@example.org\n';

    const foreign = await upload(env, 'roll-award', csv, otherToken);
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).code).toBe('forbidden');
    expect((await env.app.request('/api/ceremonies/roll-award/roll', { headers: bearer(otherToken) })).status).toBe(
      403,
    );
    const reissue = await post(
      env,
      '/api/ceremonies/roll-award/roll/codes',
      { emails: ['mentor1@example.kg'] },
      bearer(otherToken),
    );
    expect(reissue.status).toBe(403);
    expect((await env.app.request('/api/ceremonies/roll-award/roll', { method: 'POST', body: csv })).status).toBe(401);

    const wrong = await upload(env, 'email-award', csv, emailToken);
    expect(wrong.status).toBe(409);
    expect((await wrong.json()).code).toBe('wrong-method');
    const wrongCounts = await env.app.request('/api/ceremonies/email-award/roll', { headers: bearer(emailToken) });
    expect((await wrongCounts.json()).code).toBe('wrong-method');
    const wrongReissue = await post(
      env,
      '/api/ceremonies/email-award/roll/codes',
      { emails: ['a@example.org'] },
      bearer(emailToken),
    );
    expect((await wrongReissue.json()).code).toBe('wrong-method');
    expect(await fullSnapshot(env)).toEqual(before);
  });
});

describe('delivering and spending codes', () => {
  let env: TestEnv;
  let clock: ReturnType<typeof testClock>;
  let token: string;
  let id: string;
  beforeAll(async () => {
    clock = testClock();
    env = await testEnv({ clock });
    ({ id, token } = await rollAward(env, 'stem-roll'));
  });

  it('mails each new person a code in the same batch, with a greeting by name', async () => {
    const csv = `email;name\nAigul.T@gmail.com;Айгуль Токтосунова\nbermet@example.kg;\n`;
    const res = await upload(env, 'stem-roll', csv, token, '?lang=ru');
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ added: 2, delivery: 'mail', mailsQueued: 2 });
    const sent = await mails(env, 'voter-roll-code', id);
    expect(sent.map((m) => m.to_address).sort()).toEqual(['Aigul.T@gmail.com', 'bermet@example.kg']);
    const aigul = sent.find((m) => m.to_address === 'Aigul.T@gmail.com')!;
    expect(aigul.text_body).toMatch(/^Здравствуйте, Айгуль Токтосунова!/);
    expect(aigul.text_body).toContain('/a/stem-roll/verify');
    expect(aigul.subject).toContain('личный код');
    const code = (await mailedRollCode(env, 'Aigul.T@gmail.com')).replace(/-/g, '');
    // Only the HMAC of the code is kept, never the code; a code row names a person key.
    const codes = await env.store.db.selectFrom('roll_codes').selectAll().where('ceremony_id', '=', id).execute();
    expect(codes).toHaveLength(2);
    expect(JSON.stringify(codes)).not.toContain(code);
    expect(codes.every((c) => c.used === 0 && /^[0-9a-f]{64}$/.test(c.code_hash))).toBe(true);
    expect(JSON.stringify((await chainOk(env, id)).events)).not.toContain('gmail');
  });

  it('spends a code once: a voter token like the email one, then 410 on replay, 400 for a wrong code', async () => {
    const code = await mailedRollCode(env, 'bermet@example.kg');
    const typed = code.toLowerCase().replace(/-/g, ' ');
    const res = await verifyRoll(env, 'stem-roll', typed);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.method).toBe('roll');
    expect(Date.parse(body.expiresAt)).toBe(clock() + 60 * 60_000);
    const session = await readVoterSession(env, body.token, id);
    expect(session).toMatchObject({ method: 'roll', ceremonyId: id });
    expect(session.email).toBeUndefined();
    const me = await env.app.request('/api/ceremonies/stem-roll/voter', { headers: bearer(body.token) });
    expect(await me.json()).toMatchObject({ method: 'roll', emailOnFile: false });

    const replay = await verifyRoll(env, 'stem-roll', code);
    expect(replay.status).toBe(410);
    expect((await replay.json()).code).toBe('token-spent');
    const unknown = await verifyRoll(env, 'stem-roll', 'ABCD-EFGH-JKMN');
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).code).toBe('code-invalid');
    const malformed = await verifyRoll(env, 'stem-roll', 'not a code');
    expect((await malformed.json()).code).toBe('code-invalid');
    const counts = await env.app.request('/api/ceremonies/stem-roll/roll', { headers: bearer(token) });
    expect(await counts.json()).toEqual({ onRoll: 2, codesIssued: 2, codesUsed: 1 });
    // Two spends racing with one code: exactly one wins.
    await upload(env, 'stem-roll', 'email\nracer@example.kg\n', token);
    const racer = await mailedRollCode(env, 'racer@example.kg');
    const statuses = (await Promise.all([verifyRoll(env, 'stem-roll', racer), verifyRoll(env, 'stem-roll', racer)]))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([200, 410]);
  });

  it('gives the same person key by email code and by roll code', async () => {
    const requested = await post(env, '/api/ceremonies/stem-roll/verify/email', { email: 'aigul.t@googlemail.com' });
    expect(requested.status).toBe(202);
    const mailed = (await mails(env, 'voter-code', id)).filter((m) => m.to_address === 'aigul.t@googlemail.com');
    expect(mailed).toHaveLength(1);
    const digits = /(\d{3}) (\d{3})/.exec(mailed[0]!.text_body)!;
    const byEmail = await post(env, '/api/ceremonies/stem-roll/verify/email/code', {
      email: 'aigul.t@googlemail.com',
      code: digits[1]! + digits[2]!,
    });
    expect(byEmail.status).toBe(200);
    const emailSession = await readVoterSession(env, (await byEmail.json()).token, id);
    expect(emailSession.method).toBe('roll');

    const byRoll = await verifyRoll(env, 'stem-roll', await mailedRollCode(env, 'Aigul.T@gmail.com'));
    expect(byRoll.status).toBe(200);
    const rollSession = await readVoterSession(env, (await byRoll.json()).token, id);
    expect(rollSession.personKey).toBe(emailSession.personKey);
  });

  it('answers an address not on the roll with a notice by mail instead of a code', async () => {
    const before = await env.store.db.selectFrom('login_codes').selectAll().execute();
    const res = await post(env, '/api/ceremonies/stem-roll/verify/email', { email: 'stranger@example.org' });
    expect(res.status).toBe(202);
    const notices = (await mails(env, 'voter-not-on-roll', id)).filter((m) => m.to_address === 'stranger@example.org');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text_body).toContain('not on the award');
    expect((await mails(env, 'voter-code', id)).some((m) => m.to_address === 'stranger@example.org')).toBe(false);
    expect(await env.store.db.selectFrom('login_codes').selectAll().execute()).toEqual(before);
  });

  it('prints a sheet: each code once, a print stylesheet, small, in the language asked for', async () => {
    const people = Array.from({ length: 100 }, (_, i) => `person${i}@example.kg,Участник ${i}`);
    const res = await upload(env, 'stem-roll', `email,name\n${people.join('\n')}\n`, token, '?delivery=sheet&lang=ky');
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html.length).toBeLessThan(200 * 1024);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="ky">');
    expect(html).toContain('@media print');
    expect(html).toContain('Сиздин жеке кодуңуз');
    expect(html).toContain('Участник 42');
    expect(html).toContain('/a/stem-roll/verify');
    const codes = [...html.matchAll(CODE)].map((m) => m[1]!);
    expect(codes).toHaveLength(100);
    expect(new Set(codes).size).toBe(100);
    // Nothing was mailed; the codes exist only in the sheet, and they work.
    expect((await mails(env, 'voter-roll-code', id)).some((m) => m.to_address.startsWith('person'))).toBe(false);
    expect((await verifyRoll(env, 'stem-roll', codes[7]!)).status).toBe(200);
    const { events, ok } = await chainOk(env, id);
    expect(ok).toBe(true);
    expect(events.at(-1)!.payload).toMatchObject({ added: 100, delivery: 'sheet' });
    expect(JSON.stringify(events)).not.toContain('Участник');
  });

  it('re-issues codes: the old unused code stops working, the new one works', async () => {
    await upload(env, 'stem-roll', 'email\nlost@example.kg\n', token);
    const old = await mailedRollCode(env, 'lost@example.kg');
    const before = await fullSnapshot(env);
    const notOnRoll = await post(
      env,
      '/api/ceremonies/stem-roll/roll/codes',
      { emails: ['lost@example.kg', 'nobody@example.kg'] },
      bearer(token),
    );
    expect(notOnRoll.status).toBe(400);
    expect((await notOnRoll.json()).fields).toEqual([{ path: 'body.emails.1', message: 'not on the roll' }]);
    expect(await fullSnapshot(env)).toEqual(before);

    clock.advance(1000);
    const res = await post(env, '/api/ceremonies/stem-roll/roll/codes', { emails: ['LOST@example.kg'] }, bearer(token));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ reissued: 1, delivery: 'mail', mailsQueued: 1 });
    const fresh = await mailedRollCode(env, 'LOST@example.kg');
    expect(fresh).not.toBe(old);
    expect((await (await verifyRoll(env, 'stem-roll', old)).json()).code).toBe('code-invalid');
    expect((await verifyRoll(env, 'stem-roll', fresh)).status).toBe(200);

    const sheet = await post(
      env,
      '/api/ceremonies/stem-roll/roll/codes?lang=en',
      { emails: ['lost@example.kg'], delivery: 'sheet' },
      bearer(token),
    );
    expect(sheet.status).toBe(201);
    const html = await sheet.text();
    expect([...html.matchAll(CODE)]).toHaveLength(1);
    expect(html).toContain('lost@example.kg');
    const { events, ok } = await chainOk(env, id);
    expect(ok).toBe(true);
    expect(events.filter((e) => e.type === 'roll.codes_reissued')).toHaveLength(2);
  });

  it('throttles guessing per client address: 20 wrong codes, then 429 until the window passes', async () => {
    await upload(env, 'stem-roll', 'email\nguess-victim@example.kg\n', token);
    const right = await mailedRollCode(env, 'guess-victim@example.kg');
    clock.set(Date.parse('2026-03-02T00:00:00Z'));
    for (let i = 0; i < 20; i++) {
      const wrong = await verifyRoll(env, 'stem-roll', newRollCode());
      expect(wrong.status).toBe(400);
    }
    const blocked = await verifyRoll(env, 'stem-roll', right);
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).code).toBe('rate-limited');
    const throttle = await env.store.db
      .selectFrom('throttles')
      .selectAll()
      .where('key', 'like', 'roll-guess:%')
      .execute();
    expect(throttle.map((t) => t.count)).toContain(20);
    // The key is an HMAC of the address, never the address.
    expect(throttle.every((t) => /^roll-guess:[0-9a-f]{64}$/.test(t.key))).toBe(true);
    clock.advance(15 * 60_000);
    expect((await verifyRoll(env, 'stem-roll', right)).status).toBe(200);
  });

  it('refuses roll codes on awards of another method, and roll changes after the vote', async () => {
    await createAward(env, smallAward('plain-email'), 'cli');
    const plain = await requireAward(env, 'plain-email');
    await movePhase(env, plain, 'nominating', 'cli', 'hand');
    const wrong = await verifyRoll(env, 'plain-email', 'ABCD-EFGH-JKMN');
    expect(wrong.status).toBe(409);
    expect((await wrong.json()).code).toBe('wrong-method');

    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    token = await signIn(env, 'org-stem-roll@example.org', id);
    const before = await fullSnapshot(env);
    const late = await upload(env, 'stem-roll', 'email\nlate@example.kg\n', token);
    expect(late.status).toBe(409);
    expect((await late.json()).code).toBe('wrong-phase');
    expect(await fullSnapshot(env)).toEqual(before);
  });
});

describe('large rolls', () => {
  it('imports 5,000 people with mail delivery in parts, each atomic with its own event', async () => {
    const env = await testEnv({ clock: testClock() });
    const { id, token } = await rollAward(env, 'big-roll', 'draft');
    const csv = `email,name\n${Array.from({ length: 5000 }, (_, i) => `voter${i}@example.kg,Voter ${i}`).join('\n')}\n`;
    const started = performance.now();
    const res = await upload(env, 'big-roll', csv, token);
    const ms = Math.round(performance.now() - started);
    console.log(`roll import of 5,000 people with mail delivery (${env.store.dialect}): ${ms} ms`);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ added: 5000, mailsQueued: 5000 });
    const parts = Math.ceil(5000 / partSize('mail'));
    expect(body.parts).toHaveLength(parts);
    const counts = await env.app.request('/api/ceremonies/big-roll/roll', { headers: bearer(token) });
    expect(await counts.json()).toEqual({ onRoll: 5000, codesIssued: 5000, codesUsed: 0 });
    expect(await mails(env, 'voter-roll-code', id)).toHaveLength(5000);
    const { events, ok } = await chainOk(env, id);
    expect(ok).toBe(true);
    const imported = events.filter((e) => e.type === 'roll.imported');
    expect(imported.map((e) => e.payload.part)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
    expect(imported.reduce((n, e) => n + (e.payload.added as number), 0)).toBe(5000);
    expect(new Set(imported.map((e) => e.payload.importId)).size).toBe(1);
  });

  it('keeps committed parts when a later one is refused, and the same file again adds the rest', async () => {
    const env = await testEnv({ clock: testClock() });
    const { id } = await rollAward(env, 'split-roll', 'draft');
    const award = await requireAward(env, id);
    // Enough people for three parts.
    const people = 2 * partSize('mail') + 10;
    const csv = `email\n${Array.from({ length: people }, (_, i) => `p${i}@example.kg`).join('\n')}\n`;
    // Another upload lands between the first and the second part.
    let batches = 0;
    const racing: TestEnv = {
      ...env,
      store: {
        ...env.store,
        batch: async (statements) => {
          if (++batches === 2)
            await env.store.db
              .insertInto('roll_entries')
              .values({ ceremony_id: id, person_key: 'f'.repeat(64), created_at: 0 })
              .execute();
          return env.store.batch(statements);
        },
      },
    };
    const options = { delivery: 'mail' as const, lang: 'en' as const, baseUrl: 'https://awards.example.org' };
    const refused = await importRoll(racing, award, 'cli', csv, options).catch((err) => err);
    expect(refused.code).toBe('conflict');
    expect(refused.detail).toContain('Parts 1 to 1 of 3 were committed');
    const first = partSize('mail');
    const entries = () => env.store.db.selectFrom('roll_entries').selectAll().where('ceremony_id', '=', id).execute();
    expect(await entries()).toHaveLength(first + 1);
    expect(await mails(env, 'voter-roll-code', id)).toHaveLength(first);
    expect((await env.store.db.selectFrom('roll_codes').selectAll().execute()).length).toBe(first);

    const rest = await importRoll(env, award, 'cli', csv, options);
    expect(rest).toMatchObject({ added: people - first, alreadyOnRoll: first });
    expect(await entries()).toHaveLength(people + 1);
    expect(await mails(env, 'voter-roll-code', id)).toHaveLength(people);
    expect((await chainOk(env, id)).ok).toBe(true);
  });
});
