import { describe, expect, it } from 'vitest';
import {
  BALLOTS_PER_ADDRESS,
  BALLOTS_PER_PERSON,
  VERIFICATIONS_PER_ADDRESS,
  addressLimitKey,
  configuredLimit,
} from '../src/abuse/limits';
import { purgeThrottles } from '../src/abuse/repository';
import { MemoryThrottleStore, ThrottleStore, throttleStore } from '../src/abuse/store';
import { createApp } from '../src/app';
import { type TestEnv, bearer, smallAward, snapshot, testClock, testEnv } from './helpers';
import { nonce, openVote as openAward, voterToken } from './support/awards';

const openVote = (env: TestEnv, slug: string) => openAward(env, smallAward(slug));

type App = ReturnType<typeof createApp>;
const cast = (app: App, slug: string, token: string, from: string, nominee = 'aida', n = nonce()) =>
  app.request(`/api/ceremonies/${slug}/ballots`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token), 'x-forwarded-for': from },
    body: JSON.stringify({ category: 'best-mentor', nominee, nonce: n }),
  });

async function voteTables(env: TestEnv) {
  const { db } = env.store;
  return {
    ...(await snapshot(env)),
    ballots: await db.selectFrom('ballots').selectAll().orderBy('tracker').execute(),
    marks: await db.selectFrom('marks').selectAll().orderBy('person_key').execute(),
    signals: await db.selectFrom('ballot_signals').selectAll().orderBy('tracker').execute(),
  };
}

async function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect((await res.json()).code).toBe('rate-limited');
}

describe('rate limits', () => {
  it('refuses the 121st ballot from one address in a minute, counted across two servers on one database', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:05Z'));
    const env = await testEnv({ clock, env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'limited');
    // A second server: another app over the same database.
    const second = createApp(env);
    const tokens = await Promise.all(
      Array.from({ length: BALLOTS_PER_ADDRESS.perWindow + 1 }, (_, i) => voterToken(env, id, `v${i}`)),
    );
    const statuses: number[] = [];
    for (let i = 0; i < BALLOTS_PER_ADDRESS.perWindow; i++)
      statuses.push((await cast(i % 2 ? second : env.app, 'limited', tokens[i]!, '203.0.113.50')).status);
    expect(statuses.every((s) => s === 201)).toBe(true);

    const before = await voteTables(env);
    const last = tokens[BALLOTS_PER_ADDRESS.perWindow]!;
    await expectRateLimited(await cast(env.app, 'limited', last, '203.0.113.50'));
    await expectRateLimited(await cast(second, 'limited', last, '203.0.113.50'));
    expect(await voteTables(env)).toEqual(before);

    // Another address is not held back, nor this one in the next minute.
    expect((await cast(second, 'limited', last, '198.51.100.20')).status).toBe(201);
    clock.advance(60_000);
    expect((await cast(env.app, 'limited', await voterToken(env, id, 'next'), '203.0.113.50')).status).toBe(201);

    // At once from both servers: the shared counter lets exactly the limit through (refused tokens count too).
    const burst = await Promise.all(
      Array.from({ length: BALLOTS_PER_ADDRESS.perWindow + 10 }, (_, i) =>
        cast(i % 2 ? second : env.app, 'limited', 'not-a-token', '203.0.113.77'),
      ),
    );
    const codes = burst.map((r) => r.status);
    expect(codes.filter((s) => s === 429)).toHaveLength(10);
    expect(codes.filter((s) => s === 401)).toHaveLength(BALLOTS_PER_ADDRESS.perWindow);
  });

  it('refuses the 31st ballot request of one person in a minute, whatever the address', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:05Z'));
    const env = await testEnv({ clock, env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'person');
    const token = await voterToken(env, id, 'eager');
    const n = nonce();
    const first = await cast(env.app, 'person', token, '203.0.113.1', 'aida', n);
    expect(first.status).toBe(201);
    // Repeats of the same form (a double tap) from ever new addresses.
    for (let i = 2; i <= BALLOTS_PER_PERSON.perWindow; i++)
      expect((await cast(env.app, 'person', token, `203.0.113.${i}`, 'aida', n)).status).toBe(200);
    const before = await voteTables(env);
    await expectRateLimited(await cast(env.app, 'person', token, '198.51.100.99', 'aida', n));
    expect(await voteTables(env)).toEqual(before);
    // Other people are not held back.
    expect((await cast(env.app, 'person', await voterToken(env, id, 'calm'), '198.51.100.99')).status).toBe(201);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, and then knows no address to limit', async () => {
    const env = await testEnv({ clock: testClock(Date.parse('2026-05-01T10:00:05Z')) });
    const id = await openVote(env, 'direct');
    const tokens = await Promise.all(
      Array.from({ length: BALLOTS_PER_ADDRESS.perWindow + 5 }, (_, i) => voterToken(env, id, `d${i}`)),
    );
    const statuses: number[] = [];
    // Each request claims another address; none is believed, and one key for every client would be no limit.
    for (const token of tokens) statuses.push((await cast(env.app, 'direct', token, '203.0.113.7')).status);
    expect(statuses.every((s) => s === 201)).toBe(true);
  });

  it('limits verification requests per address', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:05Z'));
    const env = await testEnv({ clock, env: { TRUST_PROXY: 'x-forwarded-for' } });
    await openVote(env, 'verify');
    const ask = (from: string) =>
      env.app.request('/api/ceremonies/verify/verify/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({}),
      });
    // Malformed requests count too: the limit holds before anything is read.
    for (let i = 0; i < VERIFICATIONS_PER_ADDRESS.perWindow; i++) expect((await ask('203.0.113.8')).status).toBe(400);
    await expectRateLimited(await ask('203.0.113.8'));
    expect((await ask('203.0.113.9')).status).toBe(400);

    // The verification forms of the pages share the limit of their address.
    const form = (from: string) =>
      env.app.request('/a/verify/verify/email', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
        body: 'email=someone%40example.kg',
      });
    await expectRateLimited(await form('203.0.113.8'));
    expect((await form('203.0.113.10')).status).not.toBe(429);
    for (let i = 1; i < VERIFICATIONS_PER_ADDRESS.perWindow; i++) await form('203.0.113.10');
    await expectRateLimited(await form('203.0.113.10'));
  });

  it('keys IPv4 addresses whole, IPv6 by their /64, and skips addresses that are no client', () => {
    expect(addressLimitKey('203.0.113.5')).toBe('203.0.113.5');
    expect(addressLimitKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(addressLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressLimitKey('::1')).toBeNull();
    expect(addressLimitKey('127.0.0.1')).toBeNull();
    expect(addressLimitKey('direct')).toBeNull();
    expect(addressLimitKey('unknown')).toBe('unknown');
    expect(addressLimitKey('999.1.1.1')).toBe('999.1.1.1');
  });

  it('takes a limit from the configuration when it names one', () => {
    expect(configuredLimit(BALLOTS_PER_PERSON, { RATE_BALLOTS_PER_PERSON: '500' }).perWindow).toBe(500);
    expect(configuredLimit(BALLOTS_PER_PERSON, { RATE_BALLOTS_PER_PERSON: 'x' }).perWindow).toBe(30);
    expect(configuredLimit(BALLOTS_PER_PERSON, {}).perWindow).toBe(30);
  });

  it('counts in the throttles table: get, decrement and reset', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:30Z'));
    const env = await testEnv({ clock });
    const a = new ThrottleStore(env.store, clock, 'rl:test:');
    const b = new ThrottleStore(env.store, clock, 'rl:test:');
    expect((await a.increment('k')).totalHits).toBe(1);
    const second = await b.increment('k');
    expect(second.totalHits).toBe(2);
    expect(second.resetTime!.toISOString()).toBe('2026-05-01T10:01:00.000Z');
    await a.decrement('k');
    expect((await b.get('k')).totalHits).toBe(1);
    await b.resetKey('k');
    expect((await a.get('k')).totalHits).toBe(0);
    const rows = await env.store.db.selectFrom('throttles').selectAll().execute();
    expect(rows).toEqual([]);

    // Old windows of this store's keys are purged; other keys and the current window stay.
    const now = Date.parse('2026-05-01T10:00:00Z');
    await env.store.db
      .insertInto('throttles')
      .values([
        { key: 'rl:test:old', window_start: now - 60_000, count: 3 },
        { key: 'rl:test:k', window_start: now, count: 1 },
        { key: 'issue:login:someone', window_start: now - 900_000, count: 1 },
      ])
      .execute();
    await purgeThrottles(env.store.db, 'rl:test:', now);
    const left = await env.store.db.selectFrom('throttles').select('key').orderBy('key').execute();
    expect(left.map((r) => r.key)).toEqual(['issue:login:someone', 'rl:test:k']);
  });

  it('counts in memory on SQLite, per database: windows, get, decrement and reset', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:30Z'));
    const env = await testEnv({ clock });
    const other = await testEnv({ clock });
    const a = new MemoryThrottleStore(env.store, clock, 'rl:test:');
    const b = new MemoryThrottleStore(env.store, clock, 'rl:test:');
    const elsewhere = new MemoryThrottleStore(other.store, clock, 'rl:test:');
    const otherLimit = new MemoryThrottleStore(env.store, clock, 'rl:other:');
    expect((await a.increment('k')).totalHits).toBe(1);
    const second = await b.increment('k');
    expect(second.totalHits).toBe(2);
    expect(second.resetTime!.toISOString()).toBe('2026-05-01T10:01:00.000Z');
    // Another database, another limiter: counted apart.
    expect((await elsewhere.increment('k')).totalHits).toBe(1);
    expect((await otherLimit.increment('k')).totalHits).toBe(1);
    await a.decrement('k');
    expect((await b.get('k')).totalHits).toBe(1);
    // The next window starts from zero.
    clock.advance(30_000);
    expect((await a.get('k')).totalHits).toBe(0);
    expect((await a.increment('k')).totalHits).toBe(1);
    await b.resetKey('k');
    expect((await a.get('k')).totalHits).toBe(0);
    expect(await env.store.db.selectFrom('throttles').selectAll().execute()).toEqual([]);
    // The app's limiters use it on SQLite, the table on PostgreSQL and D1.
    expect(throttleStore(env, 'rl:x:')).toBeInstanceOf(
      env.store.dialect === 'sqlite' ? MemoryThrottleStore : ThrottleStore,
    );
  });
});
