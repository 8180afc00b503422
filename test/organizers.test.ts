import { describe, expect, it } from 'vitest';
import { SITE_CHAIN, listEvents } from '../src/audit/log';
import { verifyChain } from '../src/audit/chain';
import { addOrganizer } from '../src/organizers/service';
import { bearer, latestCode, post, requestCode, snapshot, testClock, testEnv } from './helpers';

describe('organizer sign-in by emailed code', () => {
  it('mails a code to a known organizer and exchanges it once for a session', async () => {
    const env = await testEnv();
    await addOrganizer(env, 'Org@Example.org', null, 'cli');
    const code = await requestCode(env, 'org@example.org');
    expect(code).toMatch(/^\d{6}$/);
    const mail = await env.store.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
    expect(mail.kind).toBe('organizer-code');
    expect(mail.subject).toContain(code.slice(0, 3));

    const res = await post(env, '/api/auth/token', { email: 'ORG@example.org', code });
    expect(res.status).toBe(200);
    const { token, expiresAt } = await res.json();
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const me = await (await env.app.request('/api/auth/me', { headers: bearer(token) })).json();
    expect(me).toEqual({ email: 'org@example.org', site: true, ceremonies: [] });

    const replay = await post(env, '/api/auth/token', { email: 'org@example.org', code });
    expect(replay.status).toBe(400);
    expect((await replay.json()).code).toBe('code-invalid');
  });

  it('answers the same for unknown addresses and mails nothing', async () => {
    const env = await testEnv();
    const res = await post(env, '/api/auth/code', { email: 'nobody@example.org' });
    expect(res.status).toBe(202);
    expect(await env.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
    const guess = await post(env, '/api/auth/token', { email: 'nobody@example.org', code: '123456' });
    expect(guess.status).toBe(400);
  });

  it('locks a code after five wrong tries and throttles the address, not for good', async () => {
    const clock = testClock();
    const env = await testEnv({ clock });
    await addOrganizer(env, 'org@example.org', null, 'cli');
    const code = await requestCode(env, 'org@example.org');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await post(env, '/api/auth/token', { email: 'org@example.org', code: wrong });
      expect((await r.json()).code).toBe('code-invalid');
    }
    const locked = await post(env, '/api/auth/token', { email: 'org@example.org', code });
    expect(locked.status).toBe(429);
    expect((await locked.json()).code).toBe('code-locked');

    // A fresh code works again, until the address has failed ten times in the window.
    const second = await requestCode(env, 'org@example.org');
    for (let i = 0; i < 5; i++)
      await post(env, '/api/auth/token', { email: 'org@example.org', code: second === '000000' ? '111111' : '000000' });
    const third = await requestCode(env, 'org@example.org');
    const throttled = await post(env, '/api/auth/token', { email: 'org@example.org', code: third });
    expect((await throttled.json()).code).toBe('code-locked');
    clock.advance(16 * 60_000);
    const fourth = await requestCode(env, 'org@example.org');
    expect((await post(env, '/api/auth/token', { email: 'org@example.org', code: fourth })).status).toBe(200);
  });

  it('expires codes after ten minutes and throttles requests for codes', async () => {
    const clock = testClock();
    const env = await testEnv({ clock });
    await addOrganizer(env, 'org@example.org', null, 'cli');
    const code = await requestCode(env, 'org@example.org');
    clock.advance(10 * 60_000 + 1);
    const late = await post(env, '/api/auth/token', { email: 'org@example.org', code });
    expect((await late.json()).code).toBe('code-expired');
    for (let i = 0; i < 4; i++) await requestCode(env, 'org@example.org');
    const tooMany = await post(env, '/api/auth/code', { email: 'org@example.org' });
    expect(tooMany.status).toBe(429);
    expect((await tooMany.json()).code).toBe('rate-limited');
  });

  it('refuses expired and forged session tokens', async () => {
    const clock = testClock();
    const env = await testEnv({ clock });
    await addOrganizer(env, 'org@example.org', null, 'cli');
    const code = await requestCode(env, 'org@example.org');
    const { token } = await (await post(env, '/api/auth/token', { email: 'org@example.org', code })).json();
    expect((await env.app.request('/api/auth/me', { headers: bearer(token) })).status).toBe(200);
    const [h, p, s] = token.split('.');
    const forged = [
      h,
      Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'or_someone' }),
      ).toString('base64url'),
      s,
    ].join('.');
    const res = await env.app.request('/api/auth/me', { headers: bearer(forged) });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('token-invalid');
    const none = [Buffer.from('{"alg":"none"}').toString('base64url'), p, ''].join('.');
    expect((await env.app.request('/api/auth/me', { headers: bearer(none) })).status).toBe(401);
    clock.advance(13 * 3600_000);
    expect((await env.app.request('/api/auth/me', { headers: bearer(token) })).status).toBe(401);
  });
});

describe('bootstrap token', () => {
  it('is refused when not configured', async () => {
    const env = await testEnv();
    const res = await post(env, '/api/bootstrap', { token: 'x'.repeat(20), email: 'first@example.org' });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('bootstrap-unavailable');
  });

  it('creates the first site organizer exactly once', async () => {
    const env = await testEnv({ env: { BOOTSTRAP_TOKEN: 'bootstrap-secret-0123456789' } });
    const before = await snapshot(env);
    const wrong = await post(env, '/api/bootstrap', { token: 'bootstrap-secret-wrong', email: 'first@example.org' });
    expect(wrong.status).toBe(401);
    expect(await snapshot(env)).toEqual(before);

    const results = await Promise.all(
      ['first@example.org', 'second@example.org', 'third@example.org'].map((email) =>
        post(env, '/api/bootstrap', { token: 'bootstrap-secret-0123456789', email }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 410, 410]);
    const organizers = await env.store.db.selectFrom('organizers').selectAll().execute();
    expect(organizers).toHaveLength(1);
    const code = await latestCodeAfterRequest(env, organizers[0]!.email);
    expect((await post(env, '/api/auth/token', { email: organizers[0]!.email, code })).status).toBe(200);
    const site = await listEvents(env.store.db, SITE_CHAIN);
    expect(site.map((e) => [e.type, e.actor])).toEqual([['organizer.added', 'bootstrap']]);
    expect((await verifyChain(site)).ok).toBe(true);
  });
});

async function latestCodeAfterRequest(env: Awaited<ReturnType<typeof testEnv>>, email: string) {
  await post(env, '/api/auth/code', { email });
  return latestCode(env, email);
}
