import { describe, expect, it } from 'vitest';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { normalizeEmail } from '../src/identity/normalize';
import { readVoterSession } from '../src/identity/sessions';
import { latestCode, post, smallAward, snapshot, testClock, testEnv } from './helpers';
import { startSmtpServer } from './support/smtp';

describe('email normalizer email-v1', () => {
  const same: [string, string][] = [
    ['Aigul.Toktosunova@Gmail.com', 'aigultoktosunova@gmail.com'],
    ['aigul.toktosunova+awards@googlemail.com', 'aigultoktosunova@gmail.com'],
    ['  a.i.g.u.l@GMAIL.COM ', 'aigul@gmail.com'],
    ['Nurgul-Usenova@yandex.ru', 'nurgul.usenova@yandex.ru'],
    ['nurgul.usenova@ya.ru', 'nurgul.usenova@yandex.ru'],
    ['NURGUL-USENOVA+vote@yandex.kz', 'nurgul.usenova@yandex.ru'],
    ['nurgul.usenova@yandex.com', 'nurgul.usenova@yandex.ru'],
    ['nurgul-usenova@yandex.by', 'nurgul.usenova@yandex.ru'],
    ['nurgul.usenova@yandex.ua', 'nurgul.usenova@yandex.ru'],
    ['Mentor@Example.KG', 'mentor@example.kg'],
    ['mentor+tag@example.kg', 'mentor+tag@example.kg'],
    ['first.last@mail.ru', 'first.last@mail.ru'],
    ['user@Пример.кг', 'user@' + new URL('http://пример.кг').hostname],
    ['user@example.org.', 'user@example.org'],
  ];
  it.each(same)('%s → %s', (raw, expected) => {
    expect(normalizeEmail(raw).address).toBe(expected);
  });

  const refused = [
    '',
    'no-at-sign',
    '@example.org',
    'user@',
    'user@localhost',
    'a b@example.org',
    'x'.repeat(65) + '@example.org',
    '.lead@example.org',
    '+@gmail.com',
  ];
  it.each(refused)('refuses %j', (raw) => {
    expect(() => normalizeEmail(raw)).toThrow();
  });

  it('keeps unrelated mailboxes apart', () => {
    expect(normalizeEmail('first.last@mail.ru').address).not.toBe(normalizeEmail('firstlast@mail.ru').address);
    expect(normalizeEmail('a-b@gmail.com').address).not.toBe(normalizeEmail('a.b@gmail.com').address);
  });
});

describe('verifying a person by email code', () => {
  async function open(clock = testClock()) {
    const env = await testEnv({ clock });
    const { id } = await createAward(env, smallAward('open-award'), 'cli');
    await movePhase(env, await requireAward(env, id), 'nominating', 'cli', 'hand');
    return { env, clock, id };
  }

  it('mails a code and gives the same person key for the same mailbox written differently', async () => {
    const { env, id } = await open();
    expect((await post(env, '/api/ceremonies/open-award/verify/email', { email: 'Aigul.T+x@gmail.com' })).status).toBe(
      202,
    );
    const code = await latestCode(env, 'Aigul.T+x@gmail.com');
    const res = await post(env, '/api/ceremonies/open-award/verify/email/code', {
      email: 'aigult@googlemail.com',
      code,
    });
    expect(res.status).toBe(200);
    const { token, method } = await res.json();
    expect(method).toBe('email');
    const session = await readVoterSession(env, token, id);
    expect(session.personKey).toMatch(/^[0-9a-f]{64}$/);
    expect(session.email).toBe('aigult@googlemail.com');
    // The token is encrypted: the address is not readable in it.
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).not.toContain('googlemail');
    const me = await env.app.request('/api/ceremonies/open-award/voter', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toMatchObject({ method: 'email', emailOnFile: true });
    // The code row keeps only a hash, and the subject is the person key, not the address.
    const rows = await env.store.db.selectFrom('login_codes').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('gmail');
    // Another award, another key for the same person.
    const { id: other } = await createAward(env, smallAward('second-award'), 'cli');
    await movePhase(env, await requireAward(env, other), 'nominating', 'cli', 'hand');
    await post(env, '/api/ceremonies/second-award/verify/email', { email: 'aigult@gmail.com' });
    const code2 = await latestCode(env, 'aigult@gmail.com');
    const second = await (
      await post(env, '/api/ceremonies/second-award/verify/email/code', { email: 'aigult@gmail.com', code: code2 })
    ).json();
    expect((await readVoterSession(env, second.token, other)).personKey).not.toBe(session.personKey);
    await expect(readVoterSession(env, second.token, id)).rejects.toMatchObject({ code: 'token-invalid' });
  });

  it('refuses disposable addresses, drafts, and wrong codes without changing anything', async () => {
    const { env } = await open();
    const before = await snapshot(env);
    const disposable = await post(env, '/api/ceremonies/open-award/verify/email', { email: 'someone@mailinator.com' });
    expect(disposable.status).toBe(422);
    expect((await disposable.json()).code).toBe('disposable-email');
    const bad = await post(env, '/api/ceremonies/open-award/verify/email', { email: 'not-an-address' });
    expect((await bad.json()).code).toBe('validation-failed');
    expect(await env.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
    expect(await snapshot(env)).toEqual(before);

    await createAward(env, smallAward('still-draft'), 'cli');
    const draft = await post(env, '/api/ceremonies/still-draft/verify/email', { email: 'a@example.org' });
    expect((await draft.json()).code).toBe('wrong-phase');

    await post(env, '/api/ceremonies/open-award/verify/email', { email: 'a@example.org' });
    const code = await latestCode(env, 'a@example.org');
    const wrong = await post(env, '/api/ceremonies/open-award/verify/email/code', {
      email: 'a@example.org',
      code: code === '000000' ? '000001' : '000000',
    });
    expect((await wrong.json()).code).toBe('code-invalid');
  });

  it('expires voter sessions after an hour', async () => {
    const { env, clock, id } = await open();
    await post(env, '/api/ceremonies/open-award/verify/email', { email: 'a@example.org' });
    const code = await latestCode(env, 'a@example.org');
    const { token } = await (
      await post(env, '/api/ceremonies/open-award/verify/email/code', { email: 'a@example.org', code })
    ).json();
    clock.advance(61 * 60_000);
    await expect(readVoterSession(env, token, id)).rejects.toMatchObject({ code: 'token-invalid' });
  });
});

describe('verification mail over real SMTP', () => {
  it('delivers the code to an SMTP server, and the address leaves the outbox once sent', async () => {
    const smtp = await startSmtpServer();
    try {
      const env = await testEnv({ smtpUrl: smtp.url });
      const { id } = await createAward(env, smallAward('smtp-award'), 'cli');
      await movePhase(env, await requireAward(env, id), 'nominating', 'cli', 'hand');
      const res = await post(
        env,
        '/api/ceremonies/smtp-award/verify/email',
        { email: 'Nurgul-U@yandex.kg' },
        { 'accept-language': 'ky' },
      );
      expect(res.status).toBe(202);
      const mail = await smtp.waitFor('Nurgul-U@yandex.kg');
      expect(mail.mail.headers.subject).toContain('Кичи сыйлык');
      const code = /(\d{3}) (\d{3})/
        .exec(mail.mail.text ?? '')!
        .slice(1)
        .join('');
      const verified = await post(env, '/api/ceremonies/smtp-award/verify/email/code', {
        email: 'nurgul-u@yandex.kg',
        code,
      });
      expect(verified.status).toBe(200);
      await env.mailer.flush();
      const rows = await env.store.db.selectFrom('outbox').selectAll().execute();
      expect(rows.map((r) => [r.status, r.to_address, r.text_body])).toEqual([['sent', '', '']]);
    } finally {
      await smtp.close();
    }
  });
});
