/**
 * The mail outbox against a real SMTP server (smtp-server on 127.0.0.1) and a real HTTP mail API (node:http),
 * with a fresh in-memory SQLite store per test and a fake clock.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxRow } from '../db/schema';
import { loadConfig } from '../src/config';
import { transportFromConfig } from '../src/mail/node';
import { BACKOFF_BASE_MS, LEASE_MS, MAX_ATTEMPTS, backoffMs, createMailer, deliveryReport } from '../src/mail/outbox';
import type { MailErrorContext, MailerOptions } from '../src/mail/outbox';
import { devOutboxRoutes } from '../src/mail/routes';
import { smtpTransport, withDefaultTimeouts } from '../src/mail/smtp';
import { httpTransport, logTransport, webTransportFromConfig } from '../src/mail/transports';
import type { MailTransport } from '../src/mail/types';
import { migrate } from '../src/store/migrate';
import { loadMigrations } from '../src/store/node';
import { openPostgres } from '../src/store/postgres';
import { openSqlite } from '../src/store/sqlite';
import type { Store } from '../src/store/store';
import { timeOrderedId } from '../src/store/ids';
import { type Received, type TestSmtp, startSmtpServer } from './support/smtp';

const FROM = 'Laurel <laurel@awards.example.org>';
const KY_SUBJECT = 'Код входа: 123456 — Кирүү коду';
const KY_TEXT = 'Сиздин кирүү кодуңуз: 123456.\nКод действует 10 минут. Өтө маанилүү: эч кимге айтпаңыз.';
const T0 = Date.UTC(2024, 0, 27, 9, 0, 0);

// A real SMTP server on 127.0.0.1 (test/support/smtp.ts) collects what it is given and can refuse recipients.
let smtp: TestSmtp;
let received: Received[];
let refusedRecipients: Set<string>;
let smtpUrl: string;

async function startSmtp(): Promise<void> {
  smtp = await startSmtpServer();
  ({ received, refused: refusedRecipients, url: smtpUrl } = smtp);
}

// ---------------------------------------------------------------------------------------------------------------

let store: Store;
let now: number;
const clock = () => now;
let errors: { error: unknown; context: MailErrorContext }[];

/** In-memory SQLite; under `npm run test:pg` (DATABASE_URL=postgres://…) a new PostgreSQL database per test. */
const usingPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');

async function freshStore(): Promise<Store> {
  let s: Store;
  if (usingPostgres) {
    const url = new URL(process.env.DATABASE_URL!);
    const name = `laurel_mail_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    url.pathname = `/${name}`;
    s = openPostgres({ url: url.toString() });
  } else {
    s = openSqlite({ path: ':memory:' });
  }
  await migrate(s, loadMigrations());
  return s;
}

function mailer(overrides: Partial<MailerOptions> = {}) {
  return createMailer({
    store,
    transport: smtpTransport(smtpUrl),
    from: FROM,
    perMinute: 60,
    perDay: 2000,
    clock,
    onError: (error, context) => errors.push({ error, context }),
    ...overrides,
  });
}

const rows = (): Promise<OutboxRow[]> =>
  store.db.selectFrom('outbox').selectAll().orderBy('created_at').orderBy('id').execute();
const rowTo = async (to: string) => {
  const row = await store.db.selectFrom('outbox').selectAll().where('to_address', '=', to).executeTakeFirst();
  if (!row) throw new Error(`no outbox row to ${to}`);
  return row;
};

beforeAll(startSmtp);
afterAll(() => smtp.close());

beforeEach(async () => {
  store = await freshStore();
  now = T0;
  errors = [];
  received.length = 0;
  refusedRecipients.clear();
});
afterEach(async () => {
  await store.close();
});

describe('time-ordered ids', () => {
  it('sort by their time, then differ by 80 random bits', () => {
    const ids = [0, 1, 5, 6, 25, 26, 31, 32, Date.parse('2026-05-01T10:00:00Z'), 2 ** 50 - 1].map((t) =>
      timeOrderedId('mail', t),
    );
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => /^mail_[a-z2-7]{26}$/.test(id))).toBe(true);
    expect(ids[0]).toMatch(/^mail_2222222222/);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId('mail', 5))).size).toBe(1000);
  });
});

describe('outbox over SMTP', () => {
  it('delivers queued mail, non-ASCII intact, then blanks addresses and bodies', async () => {
    const m = mailer();
    expect(m.transport).toBe('smtp');
    await store.batch([
      m.queue({
        kind: 'organizer-code',
        to: 'aida@example.kg',
        subject: KY_SUBJECT,
        text: KY_TEXT,
        ceremonyId: 'cer_1',
      }),
      m.queue({
        kind: 'receipt',
        to: 'bakyt@yandex.ru',
        subject: 'Your receipt',
        text: 'Receipt: ABCD-EFGH',
        html: '<p>Квитанция: <b>ABCD-EFGH</b></p>',
      }),
      m.queue({
        kind: 'invite',
        to: 'chynara@example.org',
        subject: 'Jury\r\ninvitation',
        text: 'Welcome to the jury.',
      }),
    ]);
    expect((await rows()).map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
    expect((await rows()).every((r) => r.next_attempt_at === T0 && r.id.startsWith('mail_'))).toBe(true);
    // Ids sort by the time they were queued (index pages, docs/performance.md), then by 80 random bits.
    expect((await rows()).every((r) => r.id.slice(0, 15) === timeOrderedId('mail', T0).slice(0, 15))).toBe(true);

    expect(await m.flush()).toEqual({ sent: 3, failed: 0, deferred: 0 });
    expect(received).toHaveLength(3);

    const byRcpt = new Map(received.map((r) => [r.rcpt.join(','), r]));
    const code = byRcpt.get('aida@example.kg')!;
    expect(code.from).toBe('laurel@awards.example.org');
    expect(code.mail.headers.to).toContain('aida@example.kg');
    expect(code.mail.headers.subject).toBe(KY_SUBJECT);
    expect(code.mail.text?.trimEnd()).toBe(KY_TEXT);
    expect(code.mail.headers.from).toContain('laurel@awards.example.org');

    const receipt = byRcpt.get('bakyt@yandex.ru')!;
    expect(receipt.mail.headers.subject).toBe('Your receipt');
    expect(receipt.mail.text?.trimEnd()).toBe('Receipt: ABCD-EFGH');
    expect(receipt.mail.html).toContain('Квитанция: <b>ABCD-EFGH</b>');

    const invite = byRcpt.get('chynara@example.org')!;
    expect(invite.mail.headers.subject).toBe('Jury invitation'); // no header injection

    const after = await rows();
    for (const row of after) {
      expect(row.status).toBe('sent');
      expect(row.sent_at).toBe(T0);
      expect(row.to_address).toBe('');
      expect(row.text_body).toBe('');
      expect(row.html_body).toBeNull();
      expect(row.attempts).toBe(1);
      expect(row.lease_until).toBeNull();
      expect(row.provider_id).toBe(`<${row.id}@awards.example.org>`);
    }
    // The Message-ID on the wire is the provider id kept in the row.
    expect(after.map((r) => r.provider_id).sort()).toEqual(received.map((r) => r.mail.headers['message-id']).sort());

    // Nothing is sent twice.
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 0 });
    expect(received).toHaveLength(3);
  });

  it('throttles per minute: the rest is deferred until the window moves on', async () => {
    const m = mailer({ perMinute: 2 });
    await store.batch(
      ['a', 'b', 'c'].map((n) => m.queue({ kind: 'receipt', to: `${n}@example.org`, subject: n, text: n })),
    );
    expect(await m.flush()).toEqual({ sent: 2, failed: 0, deferred: 1 });
    expect(received).toHaveLength(2);
    expect((await rows()).map((r) => r.status).sort()).toEqual(['queued', 'sent', 'sent']);

    now += 30_000;
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 1 });
    now += 30_001; // the two sends at T0 are now older than 60 s
    expect(await m.flush()).toEqual({ sent: 1, failed: 0, deferred: 0 });
    expect(received).toHaveLength(3);
    expect((await rows()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('throttles per rolling day', async () => {
    const m = mailer({ perMinute: 100, perDay: 3 });
    await store.batch(
      [1, 2, 3, 4].map((n) => m.queue({ kind: 'receipt', to: `d${n}@example.org`, subject: `${n}`, text: '' })),
    );
    expect(await m.flush()).toEqual({ sent: 3, failed: 0, deferred: 1 });
    now += 3_600_000;
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 1 });
    now = T0 + 86_400_000 + 1;
    expect(await m.flush()).toEqual({ sent: 1, failed: 0, deferred: 0 });
  });

  it('retries a refused recipient with exponential backoff, then keeps it as failed with its error', async () => {
    refusedRecipients.add('ghost@example.org');
    const m = mailer();
    await store.batch([
      m.queue({
        kind: 'organizer-code',
        to: 'ghost@example.org',
        subject: KY_SUBJECT,
        text: KY_TEXT,
        ceremonyId: 'cer_1',
      }),
      m.queue({ kind: 'organizer-code', to: 'real@example.org', subject: 'ok', text: 'ok' }),
    ]);
    expect(await m.flush()).toEqual({ sent: 1, failed: 0, deferred: 0 });

    const gaps: number[] = [];
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await rowTo('ghost@example.org');
      expect(row.status).toBe('queued');
      expect(row.attempts).toBe(attempt);
      expect(row.last_error).toMatch(/550/);
      expect(row.last_error).not.toContain('ghost@example.org'); // the refusal quoted the address: masked
      expect(row.last_error).toContain('*@example.org');
      gaps.push(row.next_attempt_at - now);
      // Not due yet: nothing happens a moment before.
      now = row.next_attempt_at - 1;
      expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 0 });
      now = row.next_attempt_at;
      const report = await m.flush();
      expect(report.sent).toBe(0);
      expect(report.failed).toBe(attempt + 1 === MAX_ATTEMPTS ? 1 : 0);
    }
    expect(gaps).toEqual([1, 2, 3, 4, 5, 6, 7].map(backoffMs));
    expect(gaps[0]).toBe(BACKOFF_BASE_MS);
    expect(gaps[1]).toBe(2 * BACKOFF_BASE_MS);

    const failed = (await rows()).find((r) => r.status === 'failed')!;
    expect(failed.attempts).toBe(MAX_ATTEMPTS);
    expect(failed.last_error).toMatch(/550/);
    expect(failed.to_address).toBe('*@example.org'); // delivery is over: only the domain stays
    expect(failed.text_body).toBe('');
    expect(failed.subject).toBe(KY_SUBJECT);
    expect(errors.filter((e) => e.context.messageId === failed.id)).toHaveLength(MAX_ATTEMPTS);
    expect(errors.at(-1)?.context).toMatchObject({ attempt: MAX_ATTEMPTS, final: true });

    // Failed mail is never picked up again, and stays in the report with its error.
    now += 86_400_000;
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 0 });
    const report = await deliveryReport(store.db, 'cer_1', now);
    expect(report.byStatus).toEqual({ queued: 0, sending: 0, sent: 0, failed: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({ id: failed.id, kind: 'organizer-code', to: '*@example.org', attempts: 8 }),
    ]);
    expect(report.failures[0]!.lastError).toMatch(/550/);
  });

  it('takes over a message whose sender died (expired lease), but not a live one', async () => {
    const m = mailer();
    await store.batch([m.queue({ kind: 'receipt', to: 'late@example.org', subject: 's', text: 't' })]);
    // Another server claimed it and vanished.
    await store.db
      .updateTable('outbox')
      .set({ status: 'sending', lease_until: now + LEASE_MS, attempts: 1 })
      .execute();
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 0 });
    now += LEASE_MS + 1;
    expect(await m.flush()).toEqual({ sent: 1, failed: 0, deferred: 0 });
    const row = (await rows())[0]!;
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(2);
  });

  it('two servers flushing at once deliver each message exactly once', async () => {
    const a = mailer();
    const b = mailer();
    const addresses = Array.from({ length: 12 }, (_, i) => `p${i}@example.org`);
    await store.batch(addresses.map((to) => a.queue({ kind: 'receipt', to, subject: to, text: to })));

    const [ra, rb] = await Promise.all([a.flush(), b.flush()]);
    expect(ra.sent + rb.sent).toBe(12);
    expect(ra.failed + rb.failed).toBe(0);
    expect(received.map((r) => r.rcpt[0]).sort()).toEqual([...addresses].sort());
    expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('two servers at once keep to the shared throttle', async () => {
    const a = mailer({ perMinute: 5 });
    const b = mailer({ perMinute: 5 });
    await store.batch(
      Array.from({ length: 12 }, (_, i) =>
        a.queue({ kind: 'receipt', to: `q${i}@example.org`, subject: 's', text: 't' }),
      ),
    );
    const [ra, rb] = await Promise.all([a.flush(), b.flush()]);
    // Exact where there is one writer (SQLite, D1). On PostgreSQL two claims committing at the same instant
    // each see the other's window count from before: the cap may be passed by one per extra server.
    const sent = ra.sent + rb.sent;
    if (usingPostgres) {
      expect(sent).toBeGreaterThanOrEqual(5);
      expect(sent).toBeLessThanOrEqual(6);
    } else {
      expect(sent).toBe(5);
    }
    expect(received).toHaveLength(sent);
    expect(new Set(received.map((r) => r.rcpt[0])).size).toBe(sent);
    expect(Math.max(ra.deferred, rb.deferred)).toBeGreaterThanOrEqual(12 - sent);
  });

  it('kick flushes on a later tick, coalesces, and never throws', async () => {
    let sends = 0;
    let batches = 0;
    const inner = smtpTransport(smtpUrl);
    const counting: MailTransport = { name: 'smtp', send: (msg) => (sends++, inner.send(msg)) };
    const counted: Store = { ...store, batch: (statements) => (batches++, store.batch(statements)) };
    const m = mailer({ store: counted, transport: counting });
    await store.batch([m.queue({ kind: 'receipt', to: 'kick@example.org', subject: 'kick', text: 'kick' })]);
    m.kick();
    m.kick();
    m.kick();
    expect(sends).toBe(0); // nothing ran synchronously
    await waitFor(async () => (await rows())[0]!.status === 'sent');
    await new Promise((r) => setTimeout(r, 50));
    expect(sends).toBe(1);
    // One flush ran: one claim and one "sent" write. Three uncoalesced flushes would each have tried a claim.
    expect(batches).toBe(2);
    expect(received).toHaveLength(1);
  });

  it('a kick during a running flush gets one more pass for mail queued meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sentTo: string[] = [];
    const slow: MailTransport = {
      name: 'smtp',
      send: async (msg) => {
        if (sentTo.length === 0) await gate;
        sentTo.push(msg.to);
        return { providerId: `p-${msg.id}` };
      },
    };
    const m = mailer({ transport: slow });
    await store.batch([m.queue({ kind: 'receipt', to: 'first@example.org', subject: 's', text: 't' })]);
    m.kick();
    await waitFor(async () => (await rows())[0]!.status === 'sending');
    await store.batch([m.queue({ kind: 'receipt', to: 'second@example.org', subject: 's', text: 't' })]);
    m.kick(); // the running flush chose its messages already
    release();
    await waitFor(async () => (await rows()).every((r) => r.status === 'sent'));
    expect(sentTo.sort()).toEqual(['first@example.org', 'second@example.org']);
  });

  it('a kicked flush that fails goes to onError, never to an unhandled rejection', async () => {
    const broken = await freshStore();
    const m = createMailer({
      store: broken,
      transport: logTransport(() => {}),
      from: FROM,
      perMinute: 1,
      perDay: 1,
      clock,
      onError: (error, context) => errors.push({ error, context }),
    });
    await broken.close(); // the database is gone
    expect(() => m.kick()).not.toThrow();
    await waitFor(async () => errors.length > 0);
    expect(errors[0]!.context).toEqual({});
    expect(errors[0]!.error).toBeInstanceOf(Error);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('http transport (Resend-compatible)', () => {
  interface Hit {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  const hits: Hit[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{"id":"re_123"}' };
  let server: Server;
  let apiUrl: string;

  beforeAll(
    () =>
      new Promise<void>((resolve) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            hits.push({
              method: req.method!,
              url: req.url!,
              headers: req.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(answer.body);
          });
        });
        server.listen(0, '127.0.0.1', () => {
          apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/emails`;
          resolve();
        });
      }),
  );
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    hits.length = 0;
    answer = { status: 200, body: '{"id":"re_123"}' };
  });

  it('posts JSON with the Bearer key and returns the provider id', async () => {
    const t = httpTransport({ url: apiUrl, apiKey: 're_secret' });
    expect(t.name).toBe('http');
    const result = await t.send({
      id: 'mail_x',
      from: FROM,
      kind: 'receipt',
      to: 'aida@example.kg',
      subject: KY_SUBJECT,
      text: KY_TEXT,
      html: '<p>Кирүү</p>',
    });
    expect(result).toEqual({ providerId: 're_123' });
    expect(hits).toHaveLength(1);
    const hit = hits[0]!;
    expect(hit.method).toBe('POST');
    expect(hit.url).toBe('/emails');
    expect(hit.headers.authorization).toBe('Bearer re_secret');
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
    expect(hit.headers['idempotency-key']).toBe('laurel-mail_x');
    expect(JSON.parse(hit.body)).toEqual({
      from: FROM,
      to: ['aida@example.kg'],
      subject: KY_SUBJECT,
      text: KY_TEXT,
      html: '<p>Кирүү</p>',
    });

    await t.send({ id: 'mail_y', from: FROM, kind: 'receipt', to: 'b@example.org', subject: 's', text: 't' });
    expect(JSON.parse(hits[1]!.body)).toEqual({ from: FROM, to: ['b@example.org'], subject: 's', text: 't' });
  });

  it('treats a non-2xx answer as an error with the status and the text cut to 300 characters', async () => {
    answer = { status: 500, body: `{"message":"boom ${'x'.repeat(1000)}"}` };
    const t = httpTransport({ url: apiUrl, apiKey: 'k' });
    const error = await t
      .send({ id: 'mail_z', from: FROM, kind: 'k', to: 'a@example.org', subject: 's', text: 't' })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain('500');
    expect(error!.message).toContain('{"message":"boom xxx');
    expect(error!.message.length).toBeLessThan(300 + 40);
  });

  it('through the outbox: provider id kept, address blanked; a 500 is retried', async () => {
    const m = mailer({ transport: httpTransport({ url: apiUrl, apiKey: 'k' }) });
    expect(m.transport).toBe('http');
    await store.batch([m.queue({ kind: 'receipt', to: 'h@example.org', subject: 's', text: 't' })]);
    expect(await m.flush()).toEqual({ sent: 1, failed: 0, deferred: 0 });
    let row = (await rows())[0]!;
    expect(row).toMatchObject({ status: 'sent', provider_id: 're_123', to_address: '', text_body: '' });

    answer = { status: 503, body: 'try later' };
    await store.batch([m.queue({ kind: 'receipt', to: 'h2@example.org', subject: 's', text: 't' })]);
    expect(await m.flush()).toEqual({ sent: 0, failed: 0, deferred: 0 });
    row = await rowTo('h2@example.org');
    expect(row).toMatchObject({ status: 'queued', attempts: 1, next_attempt_at: now + BACKOFF_BASE_MS });
    expect(row.last_error).toBe('mail API answered 503: try later');
  });

  it('uses an injected fetch', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push([String(url), init]);
      return new Response('{"id":"fake_1"}', { status: 202 });
    }) as typeof fetch;
    const t = httpTransport({ url: 'https://mail.example/emails', apiKey: 'k', fetch: fakeFetch });
    expect(await t.send({ id: 'mail_f', from: FROM, kind: 'k', to: 'a@example.org', subject: 's', text: 't' })).toEqual(
      { providerId: 'fake_1' },
    );
    expect(calls[0]![0]).toBe('https://mail.example/emails');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('log transport and the dev outbox', () => {
  it('logs one JSON line, keeps the content, and the dev outbox lists it', async () => {
    const lines: string[] = [];
    const m = mailer({ transport: logTransport((line) => lines.push(line)), devMail: true });
    expect(m.transport).toBe('log');
    await store.batch([m.queue({ kind: 'organizer-code', to: 'Aida@Example.kg', subject: KY_SUBJECT, text: KY_TEXT })]);
    now += 1000;
    await store.batch([
      m.queue({ kind: 'receipt', to: 'other@example.org', subject: 'Other <b>', text: '<script>x</script>' }),
    ]);
    expect(await m.flush()).toEqual({ sent: 2, failed: 0, deferred: 0 });
    expect(lines.map((l) => JSON.parse(l))).toContainEqual({
      level: 'info',
      msg: 'mail',
      to: 'Aida@Example.kg',
      subject: KY_SUBJECT,
      text: KY_TEXT,
    });
    const row = await rowTo('Aida@Example.kg');
    expect(row).toMatchObject({ status: 'sent', text_body: KY_TEXT });

    const app = devOutboxRoutes(store);
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Dev outbox');
    expect(html).toContain('Aida@Example.kg');
    expect(html).toContain(KY_SUBJECT);
    expect(html).toContain('123456');
    expect(html).toContain('&lt;script&gt;'); // escaped
    expect(html).not.toContain('<script>x');
    expect(html.indexOf('other@example.org')).toBeLessThan(html.indexOf('Aida@Example.kg')); // newest first

    const latest = await app.request(`/latest?to=${encodeURIComponent('aida@example.kg')}`);
    expect(latest.status).toBe(200);
    const body = (await latest.json()) as { to: string; subject: string; text: string; status: string };
    expect(body).toMatchObject({ to: 'Aida@Example.kg', subject: KY_SUBJECT, text: KY_TEXT, status: 'sent' });
    expect(/\b(\d{6})\b/.exec(body.text)?.[1]).toBe('123456');

    const missing = await app.request('/latest?to=nobody@example.org');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await missing.json()) as { code: string }).code).toBe('not-found');

    const bad = await app.request('/latest');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('validation-failed');
  });
});

describe('delivery report', () => {
  it('counts per status and kind, with the age of the oldest waiting message', async () => {
    const m = mailer({ perMinute: 2 });
    await store.batch([
      m.queue({ kind: 'receipt', to: 'r1@example.org', subject: 's', text: 't', ceremonyId: 'cer_a' }),
      m.queue({ kind: 'receipt', to: 'r2@example.org', subject: 's', text: 't', ceremonyId: 'cer_a' }),
    ]);
    now += 1000;
    await store.batch([
      m.queue({ kind: 'organizer-code', to: 'o1@example.org', subject: 's', text: 't', ceremonyId: 'cer_a' }),
      m.queue({ kind: 'receipt', to: 'x1@example.org', subject: 's', text: 't', ceremonyId: 'cer_b' }),
    ]);
    expect(await m.flush()).toEqual({ sent: 2, failed: 0, deferred: 2 });
    now += 5000;

    const all = await deliveryReport(store.db, undefined, now);
    expect(all.total).toBe(4);
    expect(all.byStatus).toEqual({ queued: 2, sending: 0, sent: 2, failed: 0 });
    expect(all.oldestQueuedAt).toBe(T0 + 1000);
    expect(all.oldestQueuedAgeMs).toBe(5000);
    expect(all.sentLastMinute).toBe(2);
    expect(all.sentLastDay).toBe(2);
    expect(all.failures).toEqual([]);

    const a = await deliveryReport(store.db, 'cer_a', now);
    expect(a.total).toBe(3);
    expect(a.byKind).toEqual({
      receipt: { queued: 0, sending: 0, sent: 2, failed: 0 },
      'organizer-code': { queued: 1, sending: 0, sent: 0, failed: 0 },
    });
    expect(a.oldestQueuedAgeMs).toBe(5000);

    now += 60_000;
    await m.flush();
    const done = await deliveryReport(store.db, 'cer_a', now);
    expect(done.byStatus.queued).toBe(0);
    expect(done.oldestQueuedAt).toBeNull();
    expect(done.oldestQueuedAgeMs).toBeNull();
    // The throttle's windows are site-wide (cer_b's message counts too).
    expect(done.sentLastMinute).toBe(2);
    expect(done.sentLastDay).toBe(4);
  });
});

describe('transport from config', () => {
  it('chooses SMTP, else the HTTP API, else the log', () => {
    expect(
      transportFromConfig(loadConfig({ SMTP_URL: 'smtps://u:p@smtp.example.org:465?tls.rejectUnauthorized=false' }))
        .name,
    ).toBe('smtp');
    expect(
      transportFromConfig(loadConfig({ MAIL_API_URL: 'https://api.resend.com/emails', MAIL_API_KEY: 'k' })).name,
    ).toBe('http');
    const config = loadConfig({});
    expect(config.devMail).toBe(true);
    expect(transportFromConfig(config).name).toBe('log');
    expect(
      webTransportFromConfig(loadConfig({ MAIL_API_URL: 'https://api.resend.com/emails', MAIL_API_KEY: 'k' })).name,
    ).toBe('http');
    expect(() => webTransportFromConfig(loadConfig({ SMTP_URL: 'smtp://localhost:25' }))).toThrow(/Workers/);
  });

  it('adds timeouts to an SMTP URL, keeping its own options', () => {
    expect(withDefaultTimeouts('smtp://h:25')).toBe(
      'smtp://h:25?connectionTimeout=15000&greetingTimeout=15000&socketTimeout=45000',
    );
    expect(withDefaultTimeouts('smtps://u:p%40ss@h:465?tls.rejectUnauthorized=false&socketTimeout=5000')).toBe(
      'smtps://u:p%40ss@h:465?tls.rejectUnauthorized=false&socketTimeout=5000&connectionTimeout=15000&greetingTimeout=15000',
    );
  });

  it('a real transport always blanks delivered mail, even if devMail is asked for', async () => {
    const m = mailer({ devMail: true });
    await store.batch([m.queue({ kind: 'receipt', to: 'z@example.org', subject: 's', text: 't' })]);
    await m.flush();
    expect((await rows())[0]).toMatchObject({ status: 'sent', to_address: '', text_body: '' });
  });
});
