/**
 * The Worker build under Miniflare against a local D1, with the same migrations: bootstrap an organizer, sign in,
 * import the example, read it back, move a phase, check the event chain, and let the Cron Trigger move a phase.
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../scripts/build-worker.mjs';
import { verifyChain } from '../src/audit/chain';
import { migrate } from '../src/store/migrate';
import { loadMigrations } from '../src/store/node';
import { openD1 } from '../src/store/d1';
import { example, usingPostgres } from './helpers';

describe.skipIf(usingPostgres)('Cloudflare Worker on D1 (Miniflare)', () => {
  let mf: Miniflare;
  let d1: any;
  const BASE = 'http://laurel.test';
  const call = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
    const res = await mf.dispatchFetch(BASE + path, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };

  beforeAll(async () => {
    const bundle = await bundleWorker();
    const script = bundle.outputFiles![0]!.text;
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2026-04-01',
      d1Databases: ['DB'],
      bindings: {
        MASTER_SECRET: 'worker-test-master-secret-0123456789',
        BOOTSTRAP_TOKEN: 'worker-bootstrap-token-0123',
      },
    });
    d1 = await mf.getD1Database('DB');
    // wrangler applies db/migrations at deploy; here the same files go through Laurel's migrator over D1's batch.
    await migrate(openD1(d1), loadMigrations());
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
  });

  it('serves health from D1', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'd1' });
  });

  it('runs an award: bootstrap, sign in, import, read back, move phases, verify the chain', async () => {
    const boot = await call('/api/bootstrap', {
      body: { token: 'worker-bootstrap-token-0123', email: 'first@example.org' },
    });
    expect(boot.status).toBe(201);
    const again = await call('/api/bootstrap', {
      body: { token: 'worker-bootstrap-token-0123', email: 'second@example.org' },
    });
    expect(again.status).toBe(410);

    expect((await call('/api/auth/code', { body: { email: 'first@example.org' } })).status).toBe(202);
    const mail = await d1
      .prepare('select text_body from outbox where to_address = ? order by created_at desc')
      .bind('first@example.org')
      .first();
    const code = /(\d{3}) (\d{3})/.exec(mail.text_body)!.slice(1).join('');
    const session = await call('/api/auth/token', { body: { email: 'first@example.org', code } });
    expect(session.status).toBe(200);
    const token = session.body.token;

    const created = await call('/api/ceremonies', { body: example(), token });
    expect(created.status).toBe(201);
    const duplicate = await call('/api/ceremonies', { body: example(), token });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');

    const draft = await call('/api/ceremonies/stem4all-2024', { token });
    expect(draft.status).toBe(200);
    expect(draft.body.tracks.flatMap((t: any) => t.categories)).toHaveLength(8);
    expect(draft.body.tracks[0].categories[0].nominees.length).toBeGreaterThanOrEqual(4);

    expect((await call('/api/ceremonies/stem4all-2024/phase', { body: { to: 'nominating' }, token })).status).toBe(200);
    expect((await call('/api/ceremonies/stem4all-2024/phase', { body: { to: 'voting' }, token })).status).toBe(200);
    const back = await call('/api/ceremonies/stem4all-2024/phase', { body: { to: 'nominating' }, token });
    expect(back.status).toBe(409);
    expect(back.body.code).toBe('phase-backwards');
    const rules = await call('/api/ceremonies/stem4all-2024/rules', { method: 'PUT', body: example().rules, token });
    expect(rules.body.code).toBe('frozen');

    const pub = await call('/api/ceremonies/stem4all-2024');
    expect(pub.body.phase).toBe('voting');
    expect(pub.body.frozen.lotCommitment).toMatch(/^[0-9a-f]{64}$/);

    const log = await call('/api/ceremonies/stem4all-2024/events', { token });
    expect(log.body.events.map((e: any) => e.type)).toEqual(['ceremony.created', 'phase.changed', 'phase.changed']);
    expect(await verifyChain(log.body.events)).toEqual({ ok: true, problems: [] });
    const head = await call('/api/ceremonies/stem4all-2024/events/head');
    expect(head.body.seq).toBe(3);

    const page = await mf.dispatchFetch(`${BASE}/a/stem4all-2024?lang=ky`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('STEM4ALL сыйлыгы 2024');
  });

  it('moves a phase from the Cron Trigger when its instant has passed', async () => {
    const boot = await d1.prepare('select count(*) as n from organizers').first();
    expect(boot.n).toBe(1);
    expect((await call('/api/auth/code', { body: { email: 'first@example.org' } })).status).toBe(202);
    const mail = await d1
      .prepare('select text_body from outbox where to_address = ? order by created_at desc')
      .bind('first@example.org')
      .first();
    const code = /(\d{3}) (\d{3})/.exec(mail.text_body)!.slice(1).join('');
    const { token } = (await call('/api/auth/token', { body: { email: 'first@example.org', code } })).body;
    const def = { ...example(), slug: 'cron-award', schedule: {} };
    expect((await call('/api/ceremonies', { body: def, token })).status).toBe(201);
    expect((await call('/api/ceremonies/cron-award/phase', { body: { to: 'nominating' }, token })).status).toBe(200);
    const opens = new Date(Date.now() + 1500).toISOString();
    // PUT replaces the whole schedule: keep the nominating window the phase move recorded.
    const current = (await call('/api/ceremonies/cron-award', { token })).body.schedule;
    const scheduled = await call('/api/ceremonies/cron-award/schedule', {
      method: 'PUT',
      body: { ...current, voting: { opens } },
      token,
    });
    expect(scheduled.body).toEqual({ event: expect.anything() });
    await new Promise((r) => setTimeout(r, 2000));
    // Fetcher.scheduled exists in workerd; Miniflare's Node-side type does not declare it.
    const worker = (await mf.getWorker()) as unknown as { scheduled(o: { cron: string }): Promise<unknown> };
    await worker.scheduled({ cron: '* * * * *' });
    const after = await call('/api/ceremonies/cron-award');
    expect(after.body.phase).toBe('voting');
  });

  it('verifies a person by email code and takes a nomination on D1', async () => {
    expect((await call('/api/auth/code', { body: { email: 'first@example.org' } })).status).toBe(202);
    const mail = await d1
      .prepare("select text_body from outbox where to_address = ? and kind = 'organizer-code' order by created_at desc")
      .bind('first@example.org')
      .first();
    const code = /(\d{3}) (\d{3})/.exec(mail.text_body)!.slice(1).join('');
    const { token } = (await call('/api/auth/token', { body: { email: 'first@example.org', code } })).body;
    const def = { ...example(), slug: 'd1-nominations', schedule: {} };
    expect((await call('/api/ceremonies', { body: def, token })).status).toBe(201);
    expect((await call('/api/ceremonies/d1-nominations/phase', { body: { to: 'nominating' }, token })).status).toBe(
      200,
    );

    expect(
      (await call('/api/ceremonies/d1-nominations/verify/email', { body: { email: 'Voter.One@gmail.com' } })).status,
    ).toBe(202);
    const voterMail = await d1
      .prepare('select text_body from outbox where to_address = ? order by created_at desc')
      .bind('Voter.One@gmail.com')
      .first();
    const voterCode = /(\d{3}) (\d{3})/.exec(voterMail.text_body)!.slice(1).join('');
    const verified = await call('/api/ceremonies/d1-nominations/verify/email/code', {
      body: { email: 'voterone@gmail.com', code: voterCode },
    });
    expect(verified.status).toBe(200);
    const nominated = await call('/api/ceremonies/d1-nominations/categories/best-mentor/nominations', {
      body: { proposal: { name: 'Жаңы Номинант', affiliation: 'Tech Park' }, reason: 'She teaches girls to code.' },
      token: verified.body.token,
    });
    expect(nominated.status).toBe(201);
    const again = await call('/api/ceremonies/d1-nominations/categories/best-mentor/nominations', {
      body: { proposal: { name: 'Another One' }, reason: 'Second try.' },
      token: verified.body.token,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('nomination-limit');
    const accepted = await call(`/api/ceremonies/d1-nominations/nominees/${nominated.body.nominee.id}/accept`, {
      method: 'POST',
      token,
    });
    expect(accepted.status).toBe(200);
    const log = await call('/api/ceremonies/d1-nominations/events', { token });
    expect(log.body.events.map((e: any) => e.type)).toContain('nomination.submitted');
    expect(await verifyChain(log.body.events)).toEqual({ ok: true, problems: [] });
  });
});
