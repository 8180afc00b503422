import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { listEvents } from '../src/audit/log';
import { runSchedule } from '../src/ceremonies/service';
import { type TestEnv, bearer, example, post, signIn, smallAward, snapshot, testClock, testEnv } from './helpers';

async function events(env: TestEnv, slug: string) {
  const c = await env.store.db.selectFrom('ceremonies').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  return listEvents(env.store.db, c.id);
}

async function phaseOf(env: TestEnv, slug: string) {
  return await env.store.db
    .selectFrom('ceremonies')
    .select(['phase', 'rules_hash', 'version'])
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
}

describe('awards through the API', () => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await testEnv();
    admin = await signIn(env, 'admin@example.org');
  });

  it('imports the STEM4ALL example and reads it back', async () => {
    const res = await post(env, '/api/ceremonies', example(), bearer(admin));
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.slug).toBe('stem4all-2024');
    expect(created.event.seq).toBe(1);

    // A draft is invisible to the public and visible to its organizer.
    expect((await env.app.request('/api/ceremonies/stem4all-2024')).status).toBe(404);
    const mine = await env.app.request('/api/ceremonies/stem4all-2024', { headers: bearer(admin) });
    expect(mine.status).toBe(200);
    const award = await mine.json();
    expect(award.tracks).toHaveLength(2);
    expect(award.tracks.flatMap((t: any) => t.categories)).toHaveLength(8);
    expect(award.institutions.map((i: any) => i.slug)).toContain('undp');
    expect(award.phase).toBe('draft');
  });

  it('exports the definition it imported', async () => {
    const res = await env.app.request('/api/ceremonies/stem4all-2024/definition', { headers: bearer(admin) });
    expect(res.status).toBe(200);
    const exported = await res.json();
    const original = example();
    expect(exported.tracks).toEqual(original.tracks);
    expect(exported.rules).toEqual(original.rules);
    expect(exported.institutions).toEqual(original.institutions);
    expect(Date.parse(exported.schedule.voting.opens)).toBe(Date.parse(original.schedule.voting!.opens!));
    expect(exported.schedule.voting.opens).toMatch(/\+06:00$/);
  });

  it('refuses a duplicate slug with 409 and changes nothing', async () => {
    const before = await snapshot(env);
    const res = await post(env, '/api/ceremonies', example(), bearer(admin));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await res.json();
    expect(problem.code).toBe('already-exists');
    expect(problem.type).toBe('urn:laurel:problem:already-exists');
    expect(await snapshot(env)).toEqual(before);
  });

  it('refuses an invalid definition with the offending fields', async () => {
    const before = await snapshot(env);
    const bad = { ...smallAward('bad-one'), tracks: [{ slug: 'Not A Slug', name: { en: 'x' }, categories: [] }] };
    const res = await post(env, '/api/ceremonies', bad, bearer(admin));
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.code).toBe('validation-failed');
    const paths = problem.fields.map((f: any) => f.path);
    expect(paths).toContain('body.tracks.0.slug');
    expect(paths).toContain('body.tracks.0.categories');
    expect(await snapshot(env)).toEqual(before);
  });

  it('requires a session and the site role to create awards', async () => {
    expect((await post(env, '/api/ceremonies', smallAward('x1'))).status).toBe(401);
    expect((await post(env, '/api/ceremonies', smallAward('x1'), bearer('not-a-token'))).status).toBe(401);
    const stem = await env.store.db
      .selectFrom('ceremonies')
      .select('id')
      .where('slug', '=', 'stem4all-2024')
      .executeTakeFirstOrThrow();
    const other = await signIn(env, 'award-only@example.org', stem.id);
    const res = await post(env, '/api/ceremonies', smallAward('x1'), bearer(other));
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('forbidden');
  });

  it('keeps organizers of one award away from another', async () => {
    expect((await post(env, '/api/ceremonies', smallAward('other-award'), bearer(admin))).status).toBe(201);
    const stemOnly = await signIn(env, 'award-only@example.org', false);
    const before = await snapshot(env);
    const moved = await post(env, '/api/ceremonies/other-award/phase', { to: 'nominating' }, bearer(stemOnly));
    expect(moved.status).toBe(403);
    expect(
      (await env.app.request('/api/ceremonies/other-award/definition', { headers: bearer(stemOnly) })).status,
    ).toBe(403);
    expect((await env.app.request('/api/ceremonies/other-award/events', { headers: bearer(stemOnly) })).status).toBe(
      403,
    );
    expect(await snapshot(env)).toEqual(before);
    // …while the same organizer does run their own award.
    const own = await post(env, '/api/ceremonies/stem4all-2024/phase', { to: 'nominating' }, bearer(stemOnly));
    expect(own.status).toBe(200);
  });

  it('moves forward, refuses to move back, and freezes rules and nominees when voting opens', async () => {
    const slug = 'stem4all-2024';
    const back = await post(env, `/api/ceremonies/${slug}/phase`, { to: 'draft' }, bearer(admin));
    expect(back.status).toBe(409);
    expect((await back.json()).code).toBe('phase-backwards');

    // Still editable while nominating.
    const added = await post(
      env,
      `/api/ceremonies/${slug}/categories/best-mentor/nominees`,
      { slug: 'late-entry', name: { en: 'Late Entry', ru: 'Поздняя', ky: 'Кечиккен' } },
      bearer(admin),
    );
    expect(added.status).toBe(201);
    const rules = example().rules;
    expect(
      (await post(env, `/api/ceremonies/${slug}/rules`, { ...rules, voteChange: 'last-counts' }, bearer(admin), 'PUT'))
        .status,
    ).toBe(200);

    const voting = await post(env, `/api/ceremonies/${slug}/phase`, { to: 'voting' }, bearer(admin));
    expect(voting.status).toBe(200);
    const state = await phaseOf(env, slug);
    expect(state.phase).toBe('voting');
    expect(state.rules_hash).toMatch(/^[0-9a-f]{64}$/);
    const log = await events(env, slug);
    const frozen = log[log.length - 1]!;
    expect(frozen.type).toBe('phase.changed');
    expect(frozen.payload).toMatchObject({ from: 'nominating', to: 'voting', by: 'hand' });
    expect((frozen.payload as any).frozen.rulesHash).toBe(state.rules_hash);
    expect((frozen.payload as any).frozen.lotCommitment).toMatch(/^[0-9a-f]{64}$/);

    const before = await snapshot(env);
    const rulesAfter = await post(env, `/api/ceremonies/${slug}/rules`, rules, bearer(admin), 'PUT');
    expect(rulesAfter.status).toBe(409);
    expect((await rulesAfter.json()).code).toBe('frozen');
    const nomineeAfter = await post(
      env,
      `/api/ceremonies/${slug}/categories/best-mentor/nominees`,
      { slug: 'too-late', name: { en: 'Too Late' } },
      bearer(admin),
    );
    expect(nomineeAfter.status).toBe(409);
    const patchAfter = await post(
      env,
      `/api/ceremonies/${slug}/nominees/late-entry`,
      { name: { en: 'Renamed' } },
      bearer(admin),
      'PATCH',
    );
    expect(patchAfter.status).toBe(409);
    const again = await post(env, `/api/ceremonies/${slug}/phase`, { to: 'voting' }, bearer(admin));
    expect(again.status).toBe(409);
    const toFinal = await post(env, `/api/ceremonies/${slug}/phase`, { to: 'finalized' }, bearer(admin));
    expect(toFinal.status).toBe(409);
    expect((await toFinal.json()).code).toBe('wrong-phase');
    expect(await snapshot(env)).toEqual(before);
  });

  it('publishes the award, its head, and a chain that verifies', async () => {
    const award = await (await env.app.request('/api/ceremonies/stem4all-2024')).json();
    expect(award.phase).toBe('voting');
    expect(award.frozen.rulesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(award.pepper_wrapped).toBeUndefined();
    const head = await (await env.app.request('/api/ceremonies/stem4all-2024/events/head')).json();
    const log = await events(env, 'stem4all-2024');
    expect(head).toEqual({ seq: log.length, hash: log[log.length - 1]!.hash });
    expect(await verifyChain(log)).toEqual({ ok: true, problems: [] });
    // No personal data in clear in the chain: organizer addresses appear only as commitments.
    const text = JSON.stringify(log);
    expect(text).not.toContain('@example.org');
    expect(
      log.some((e) => e.type === 'organizer.added' && /^[0-9a-f]{64}$/.test((e.payload as any).emailCommitment)),
    ).toBe(true);
  });

  it('serializes concurrent changes: one phase move wins, concurrent edits all land in one unbroken chain', async () => {
    const slug = 'race-award';
    expect((await post(env, '/api/ceremonies', smallAward(slug), bearer(admin))).status).toBe(201);
    expect((await post(env, `/api/ceremonies/${slug}/phase`, { to: 'nominating' }, bearer(admin))).status).toBe(200);
    const adds = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(
          env,
          `/api/ceremonies/${slug}/categories/best-mentor/nominees`,
          { slug: `n${i}`, name: { en: `N${i}` } },
          bearer(admin),
        ),
      ),
    );
    expect(adds.map((r) => r.status)).toEqual(Array(8).fill(201));
    const moves = await Promise.all(
      Array.from({ length: 6 }, () => post(env, `/api/ceremonies/${slug}/phase`, { to: 'voting' }, bearer(admin))),
    );
    const statuses = moves.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 503)).toBe(true);
    const log = await events(env, slug);
    expect(log.filter((e) => e.type === 'nominee.added')).toHaveLength(8);
    expect(log.filter((e) => e.type === 'phase.changed' && (e.payload as any).to === 'voting')).toHaveLength(1);
    expect((await verifyChain(log)).ok).toBe(true);
    const nominees = await env.store.db
      .selectFrom('nominees')
      .innerJoin('ceremonies', 'ceremonies.id', 'nominees.ceremony_id')
      .select('nominees.slug')
      .where('ceremonies.slug', '=', slug)
      .execute();
    expect(nominees).toHaveLength(10);
  });
});

describe('schedules and the database clock', () => {
  it('refuses schedules out of order or in the past, and moves phases when instants arrive', async () => {
    const clock = testClock(Date.parse('2026-03-01T00:00:00Z'));
    const env = await testEnv({ clock });
    const admin = await signIn(env, 'admin@example.org');
    expect((await post(env, '/api/ceremonies', smallAward('timed'), bearer(admin))).status).toBe(201);

    const before = await snapshot(env);
    const disordered = await post(
      env,
      '/api/ceremonies/timed/schedule',
      { voting: { opens: '2026-03-10T09:00:00+06:00', closes: '2026-03-05T09:00:00+06:00' } },
      bearer(admin),
      'PUT',
    );
    expect(disordered.status).toBe(422);
    expect((await disordered.json()).code).toBe('schedule-invalid');
    const past = await post(
      env,
      '/api/ceremonies/timed/schedule',
      { voting: { opens: '2026-02-01T09:00:00+06:00' } },
      bearer(admin),
      'PUT',
    );
    expect(past.status).toBe(422);
    expect(await snapshot(env)).toEqual(before);

    const schedule = {
      nominating: { opens: '2026-03-02T09:00:00+06:00', closes: '2026-03-05T18:00:00+06:00' },
      voting: { opens: '2026-03-06T09:00:00+06:00', closes: '2026-03-09T18:00:00+06:00' },
    };
    expect((await post(env, '/api/ceremonies/timed/schedule', schedule, bearer(admin), 'PUT')).status).toBe(200);

    // A draft is never moved by the schedule: leaving draft is an organizer's act.
    clock.set(Date.parse('2026-03-02T04:00:00Z'));
    expect(await runSchedule(env)).toEqual([]);
    const later = await signIn(env, 'admin@example.org', false);
    expect((await post(env, '/api/ceremonies/timed/phase', { to: 'nominating' }, bearer(later))).status).toBe(200);

    clock.set(Date.parse('2026-03-06T02:59:59Z'));
    expect(await runSchedule(env)).toEqual([]);
    clock.set(Date.parse('2026-03-06T03:00:00Z'));
    expect(await runSchedule(env)).toEqual([{ slug: 'timed', from: 'nominating', to: 'voting' }]);
    const row = await env.store.db
      .selectFrom('ceremonies')
      .selectAll()
      .where('slug', '=', 'timed')
      .executeTakeFirstOrThrow();
    expect(row.phase).toBe('voting');
    expect(row.rules_hash).not.toBeNull();
    expect(row.voting_opens).toBe(Date.parse('2026-03-06T03:00:00Z'));

    // Passed instants cannot be rewritten.
    const latest = await signIn(env, 'admin@example.org', false);
    const rewrite = await post(
      env,
      '/api/ceremonies/timed/schedule',
      { ...schedule, voting: { opens: '2026-03-07T09:00:00+06:00', closes: schedule.voting.closes } },
      bearer(latest),
      'PUT',
    );
    expect(rewrite.status).toBe(422);

    clock.set(Date.parse('2026-03-09T12:00:00Z'));
    expect(await runSchedule(env)).toEqual([{ slug: 'timed', from: 'voting', to: 'judging' }]);
    expect(await runSchedule(env)).toEqual([]);
    const log = await listEvents(env.store.db, row.id);
    const moves = log
      .filter((e) => e.type === 'phase.changed')
      .map((e) => [(e.payload as any).to, (e.payload as any).by, e.actor]);
    expect(moves).toEqual([
      ['nominating', 'hand', expect.stringMatching(/^organizer:p_[0-9a-f]{16}$/)],
      ['voting', 'schedule', 'scheduler'],
      ['judging', 'schedule', 'scheduler'],
    ]);
    expect((await verifyChain(log)).ok).toBe(true);
  });

  it('reads the database clock, not the app clock, when none is imposed', async () => {
    const env = await testEnv({ clock: () => 0, databaseClock: true });
    const dbNow = await env.store.readNow();
    expect(Math.abs(dbNow - Date.now())).toBeLessThan(60_000);
    const health = await (await env.app.request('/health')).json();
    expect(health.status).toBe('ok');
    expect(Math.abs(Date.parse(health.time) - Date.now())).toBeLessThan(60_000);
  });
});
