/**
 * The Worker build under Miniflare against a local D1, with the same migrations: bootstrap an organizer, sign in,
 * import the example, read it back, move a phase, check the event chain, and let the Cron Trigger move a phase.
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../scripts/build-worker.mjs';
import { verifyChain } from '../src/audit/chain';
import { leafHash, verifyInclusion } from '../src/audit/merkle';
import { verifyResultsJws } from '../src/results/signing';
import { verifyBundle } from '../src/verify/checks';
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

  /** The six-digit code of the latest mail to an address in D1's outbox, of one kind when given. */
  const mailedCode = async (to: string, kind?: string) => {
    const mail = await d1
      .prepare(
        `select text_body from outbox where to_address = ?${kind ? ' and kind = ?' : ''} order by created_at desc`,
      )
      .bind(...(kind ? [to, kind] : [to]))
      .first();
    return /(\d{3}) (\d{3})/.exec(mail.text_body)!.slice(1).join('');
  };

  /** Signs the first organizer in by emailed code; returns the bearer token. */
  const organizerToken = async () => {
    expect((await call('/api/auth/code', { body: { email: 'first@example.org' } })).status).toBe(202);
    const code = await mailedCode('first@example.org', 'organizer-code');
    const session = await call('/api/auth/token', { body: { email: 'first@example.org', code } });
    expect(session.status).toBe(200);
    return session.body.token as string;
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
    const token = await organizerToken();
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
    const token = await organizerToken();
    const def = { ...example(), slug: 'd1-nominations', schedule: {} };
    expect((await call('/api/ceremonies', { body: def, token })).status).toBe(201);
    expect((await call('/api/ceremonies/d1-nominations/phase', { body: { to: 'nominating' }, token })).status).toBe(
      200,
    );

    expect(
      (await call('/api/ceremonies/d1-nominations/verify/email', { body: { email: 'Voter.One@gmail.com' } })).status,
    ).toBe(202);
    const voterCode = await mailedCode('Voter.One@gmail.com');
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

  it('casts ballots on D1 and proves a receipt from the checkpoint the Cron Trigger writes', async () => {
    const token = await organizerToken();
    const base = example();
    // A checkpoint as soon as one ballot is pending, so the next Cron Trigger writes one.
    const def = {
      ...base,
      slug: 'd1-ballots',
      schedule: {},
      rules: { ...base.rules, checkpoints: { everySeconds: 3600, everyBallots: 1 } },
    };
    expect((await call('/api/ceremonies', { body: def, token })).status).toBe(201);
    expect((await call('/api/ceremonies/d1-ballots/phase', { body: { to: 'nominating' }, token })).status).toBe(200);
    expect((await call('/api/ceremonies/d1-ballots/phase', { body: { to: 'voting' }, token })).status).toBe(200);

    // A voter verified by the emailed code, read from D1's outbox.
    const email = 'ballot.voter@example.org';
    expect((await call('/api/ceremonies/d1-ballots/verify/email', { body: { email } })).status).toBe(202);
    const voterCode = await mailedCode(email, 'voter-code');
    const verified = await call('/api/ceremonies/d1-ballots/verify/email/code', { body: { email, code: voterCode } });
    expect(verified.status).toBe(200);
    const voter = verified.body.token;

    const award = (await call('/api/ceremonies/d1-ballots')).body;
    const [mentor, mentee] = award.tracks[0].categories;
    const ballot = { category: mentor.slug, nominee: mentor.nominees[0].slug, nonce: 'd1-form-nonce-0000000001' };
    const cast = await call('/api/ceremonies/d1-ballots/ballots', { body: ballot, token: voter });
    expect(cast.status).toBe(201);
    expect(cast.body).toMatchObject({ category: mentor.id, nominee: mentor.nominees[0].id, outcome: 'new' });
    const { receipt } = cast.body;

    // The same form again (a double tap, a lost response): 200 and the same receipt.
    const again = await call('/api/ceremonies/d1-ballots/ballots', { body: ballot, token: voter });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ receipt, outcome: 'repeat' });
    // A second ballot in the category: refused, nothing written.
    const second = await call('/api/ceremonies/d1-ballots/ballots', {
      body: { ...ballot, nominee: mentor.nominees[1].slug, nonce: 'd1-form-nonce-0000000002' },
      token: voter,
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('already-voted');
    const other = await call('/api/ceremonies/d1-ballots/ballots', {
      body: { category: mentee.slug, nominee: mentee.nominees[0].slug, nonce: 'd1-form-nonce-0000000003' },
      token: voter,
    });
    expect(other.status).toBe(201);
    const count = async (table: string) =>
      (await d1.prepare(`select count(*) as n from ${table} where ceremony_id = ?`).bind(award.id).first()).n;
    expect([await count('marks'), await count('ballots')]).toEqual([2, 2]);

    // Recorded, not yet in the log; the Cron Trigger writes the checkpoint.
    const pending = await call(`/api/ceremonies/d1-ballots/receipts/${receipt}`);
    expect(pending.body).toMatchObject({ batch: null, proof: null, status: 'counted' });
    const worker = (await mf.getWorker()) as unknown as { scheduled(o: { cron: string }): Promise<unknown> };
    await worker.scheduled({ cron: '* * * * *' });
    const checkpoints = (await call('/api/ceremonies/d1-ballots/checkpoints')).body.checkpoints;
    expect(checkpoints).toEqual([
      { batch: 1, treeSize: 2, root: expect.stringMatching(/^[0-9a-f]{64}$/), closing: false },
    ]);

    const check = (await call(`/api/ceremonies/d1-ballots/receipts/${receipt}`)).body;
    expect(check).toMatchObject({ tracker: cast.body.tracker, batch: 1, nominee: mentor.nominees[0].id });
    expect(check.proof).toMatchObject({ treeSize: 2, checkpoint: 1, root: checkpoints[0].root });
    const hash = await leafHash({ tracker: check.tracker, category: check.category, nominee: check.nominee });
    const { leafIndex, treeSize, path, root } = check.proof;
    expect(await verifyInclusion(hash, leafIndex, treeSize, path, root)).toBe(true);
    const flipped = path.map((p: string, i: number) => (i === 0 ? (p[0] === '0' ? '1' : '0') + p.slice(1) : p));
    expect(await verifyInclusion(hash, leafIndex, treeSize, flipped, root)).toBe(false);

    // Closing the vote: the closing checkpoint repeats the tree, and the proof holds against it.
    expect((await call('/api/ceremonies/d1-ballots/phase', { body: { to: 'judging' }, token })).status).toBe(200);
    const closing = (await call('/api/ceremonies/d1-ballots/checkpoints')).body.checkpoints.at(-1);
    expect(closing).toMatchObject({ batch: 2, treeSize: 2, root: checkpoints[0].root, closing: true });
    const closed = (await call(`/api/ceremonies/d1-ballots/receipts/${receipt}`)).body;
    expect(closed.proof.checkpoint).toBe(2);
    expect(await verifyInclusion(hash, closed.proof.leafIndex, 2, closed.proof.path, closing.root)).toBe(true);
    const late = await call('/api/ceremonies/d1-ballots/ballots', {
      body: { category: mentor.slug, nominee: mentor.nominees[0].slug, nonce: 'd1-form-nonce-0000000004' },
      token: voter,
    });
    expect(late.status).toBe(409);
    const log = await call('/api/ceremonies/d1-ballots/events', { token });
    expect(log.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['ballots.checkpoint']));
    expect(await verifyChain(log.body.events)).toEqual({ ok: true, problems: [] });
  });
  it('runs a jury on D1: invitation, conflicts, scores, submit, lock', async () => {
    const token = await organizerToken();
    const base = example();
    const def = { ...base, slug: 'd1-jury', schedule: {} };
    expect((await call('/api/ceremonies', { body: def, token })).status).toBe(201);
    expect((await call('/api/ceremonies/d1-jury/phase', { body: { to: 'nominating' }, token })).status).toBe(200);
    const added = await call('/api/ceremonies/d1-jury/jury/jurors', {
      body: { name: 'D1 Juror', email: 'juror@example.org', institution: 'undp', categories: [] },
      token,
    });
    expect(added.status).toBe(201);
    expect((await call('/api/ceremonies/d1-jury/phase', { body: { to: 'voting' }, token })).status).toBe(200);
    expect((await call('/api/ceremonies/d1-jury/phase', { body: { to: 'judging' }, token })).status).toBe(200);
    const award = (await call('/api/ceremonies/d1-jury')).body;
    const category = award.tracks[0].categories[0];
    const [a, b, c] = category.nominees.map((n: any) => n.slug);
    const picked = await call(`/api/ceremonies/d1-jury/categories/${category.slug}/finalists`, {
      method: 'PUT',
      body: { nominees: [a, b, c] },
      token,
    });
    expect(picked.status, JSON.stringify(picked.body)).toBe(200);
    const changed = await call(`/api/ceremonies/d1-jury/jury/jurors/${added.body.juror.id}`, {
      method: 'PATCH',
      body: { categories: [category.slug] },
      token,
    });
    expect(changed.status).toBe(200);

    // The invitation link, from the mail in D1's outbox; spending it works once.
    const mail = await d1.prepare(`select text_body from outbox where kind = 'juror-invitation'`).first();
    const link = /\/jury\/invitations\/(\S+)/.exec(mail.text_body)![1];
    const session = await call(`/api/jury/invitations/${link}`, { method: 'POST' });
    expect(session.status).toBe(200);
    expect((await call(`/api/jury/invitations/${link}`, { method: 'POST' })).status).toBe(410);
    const juror = session.body.token;

    const sheet = `/api/ceremonies/d1-jury/jury/sheets/${category.slug}`;
    const criteria = def.rules.jury.mode === 'rubric' ? def.rules.jury.criteria : [];
    const scores = Object.fromEntries(criteria.map((k: { id: string }) => [k.id, 7]));
    expect((await call(`${sheet}/scores/${a}`, { method: 'PUT', body: { scores }, token: juror })).status).toBe(409);
    expect((await call(`${sheet}/conflicts`, { method: 'PUT', body: { nominees: [c] }, token: juror })).status).toBe(
      200,
    );
    for (const n of [a, b])
      expect((await call(`${sheet}/scores/${n}`, { method: 'PUT', body: { scores }, token: juror })).status).toBe(200);
    const refused = await call(`${sheet}/scores/${c}`, { method: 'PUT', body: { scores }, token: juror });
    expect(refused.body.code).toBe('conflict-of-interest');
    expect((await call(`${sheet}/submit`, { method: 'POST', token: juror })).status).toBe(200);
    const locked = await call(`${sheet}/scores/${a}`, { method: 'PUT', body: { scores }, token: juror });
    expect(locked.body.code).toBe('sheet-locked');
    const progress = await call('/api/ceremonies/d1-jury/jury', { token });
    expect(progress.body.jurors[0].sheets).toEqual([
      { category: category.slug, declared: true, submitted: true, done: 2, of: 2 },
    ]);
    const log = await call('/api/ceremonies/d1-jury/events', { token });
    expect(log.body.events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['jury.conflicts.declared', 'jury.score.saved', 'jury.sheet.submitted']),
    );
    expect(await verifyChain(log.body.events)).toEqual({ ok: true, problems: [] });

    // Finalize on the Worker: the document is signed (EdDSA in workerd), embargoed, then announced.
    const finalized = await call('/api/ceremonies/d1-jury/results/finalize', { method: 'POST', token });
    expect(finalized.status, JSON.stringify(finalized.body)).toBe(201);
    expect((await call('/api/ceremonies/d1-jury/results')).status).toBe(404);
    expect((await call('/api/ceremonies/d1-jury/results/announce', { method: 'POST', token })).status).toBe(200);
    const results = await call('/api/ceremonies/d1-jury/results');
    expect(results.status).toBe(200);
    expect(results.body.hash).toBe(finalized.body.hash);
    const jwks = await call('/.well-known/jwks.json');
    const verified = await verifyResultsJws(results.body.jws, jwks.body);
    expect(JSON.parse(verified.text)).toEqual(results.body.document);
    expect(results.body.document.result.categories[0].jury).toMatchObject({
      [award.tracks[0].categories[0].nominees[0].id]: '7',
    });

    // The audit bundle streamed from the Worker verifies: the same checks as on Node (docs/audit.md §21).
    const bundle = await call('/api/ceremonies/d1-jury/bundle');
    expect(bundle.status).toBe(200);
    const failed = (await verifyBundle(bundle.body)).filter((c) => !c.ok);
    expect(failed.flatMap((c) => c.problems)).toEqual([]);
  });
});
