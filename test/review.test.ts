import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../src/audit/canonical';
import { listEvents } from '../src/audit/log';
import { statusChangeStatements } from '../src/abuse/repository';
import { writeCheckpoint } from '../src/ballots/checkpoint';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { constraintViolation } from '../src/store/store';
import { type TestEnv, bearer, post, signIn, snapshot, testEnv } from './helpers';
import { nonce, openVote as openAward, plainAward, voterToken } from './support/awards';

function award(slug: string, rules: Record<string, unknown> = {}) {
  return plainAward(slug, {
    rules: { finalists: { mode: 'public', k: 2 }, ...rules },
    categories: { mentor: ['a', 'b', 'c', 'd'], mentee: ['x', 'y'] },
  });
}

const openVote = (env: TestEnv, slug: string, rules: Record<string, unknown> = {}) =>
  openAward(env, award(slug, rules));

async function cast(
  env: TestEnv,
  slug: string,
  token: string,
  category: string,
  nominee: string,
  headers: Record<string, string> = {},
) {
  return post(
    env,
    `/api/ceremonies/${slug}/ballots`,
    { category, nominee, nonce: nonce() },
    { ...bearer(token), ...headers },
  );
}

/** Casts one ballot as a fresh voter and returns its tracker. */
async function ballot(
  env: TestEnv,
  id: string,
  slug: string,
  who: string,
  category: string,
  nominee: string,
  from?: string,
) {
  const res = await cast(env, slug, await voterToken(env, id, who), category, nominee, {
    ...(from ? { 'x-forwarded-for': `198.18.0.1, ${from}` } : {}),
    'user-agent': 'TestPhone/1.0',
  });
  expect(res.status).toBe(201);
  return (await res.json()).tracker as string;
}

/** The helpers' snapshot plus the vote's own tables. */
async function voteSnapshot(env: TestEnv) {
  const { db } = env.store;
  const out: Record<string, unknown[]> = await snapshot(env);
  for (const t of ['ballots', 'marks', 'ballot_changes', 'finalists', 'checkpoints', 'ballot_signals'] as const)
    out[t] = (await db.selectFrom(t).selectAll().execute()).sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : 1,
    );
  return out;
}

/** An organizer of another award only. */
async function strangerToken(env: TestEnv) {
  const { id } = await createAward(env, award(`other-${nonce().slice(0, 8)}`), 'cli');
  return signIn(env, `stranger-${nonce().slice(0, 8)}@example.org`, id);
}

const get = (env: TestEnv, path: string, token?: string) =>
  env.app.request(path, { headers: token ? bearer(token) : {} });

async function ballots(env: TestEnv) {
  return env.store.db.selectFrom('ballots').selectAll().orderBy('tracker').execute();
}

async function eventsOf(env: TestEnv, id: string, type: string) {
  return (await listEvents(env.store.db, id)).filter((e) => e.type === type);
}

describe('network groups', () => {
  it('groups ballots by the network the trusted proxy reports, with shares per category and no person', async () => {
    const env = await testEnv({ env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'groups');
    const org = await signIn(env, 'org@example.org', id);
    // Six ballots from one /24 (documentation range), three from another, one over IPv6.
    const crowd: string[] = [];
    for (let i = 1; i <= 6; i++)
      crowd.push(
        await ballot(
          env,
          id,
          'groups',
          `crowd${i}`,
          i <= 4 ? 'mentor' : 'mentee',
          i <= 4 ? 'a' : 'x',
          `203.0.113.${i}`,
        ),
      );
    for (let i = 1; i <= 3; i++) await ballot(env, id, 'groups', `other${i}`, 'mentor', 'b', `198.51.100.${i}`);
    await ballot(env, id, 'groups', 'v6', 'mentor', 'c', '2001:db8::7');

    const res = await get(env, '/api/ceremonies/groups/review/groups', org);
    expect(res.status).toBe(200);
    const { groups } = await res.json();
    expect(groups).toHaveLength(1);
    const [g] = groups;
    expect(g.network).toMatch(/^[0-9a-f]{32}$/);
    expect(g.ballots).toBe(6);
    expect(g.status).toEqual({ counted: 6, flagged: 0, voided: 0 });
    expect(g.agents).toEqual([{ agent: expect.stringMatching(/^[0-9a-f]{32}$/), ballots: 6 }]);
    const bySlug = Object.fromEntries(g.categories.map((c: { slug: string }) => [c.slug, c]));
    // mentor: 4 of the group's over 8 counted in the category; mentee: 2 of 2.
    expect(bySlug.mentor).toMatchObject({ counted: 4, share: 0.5 });
    expect(bySlug.mentee).toMatchObject({ counted: 2, share: 1 });
    expect(g.trackers).toBeUndefined();

    // Nothing in the answer names a person: no person key, no mark.
    const keys = (await env.store.db.selectFrom('marks').select('person_key').execute()).map((m) => m.person_key);
    const text = JSON.stringify(groups);
    for (const k of keys) expect(text).not.toContain(k);

    // Smaller groups on request; trackers only of each group's own ballots.
    const all = await (await get(env, '/api/ceremonies/groups/review/groups?min=1&trackers=true', org)).json();
    expect(all.groups.map((x: { ballots: number }) => x.ballots)).toEqual([6, 3, 1]);
    const own = new Set(all.groups[0].trackers.map((t: { tracker: string }) => t.tracker));
    expect(own).toEqual(new Set(crowd));

    // Organizers only.
    expect((await get(env, '/api/ceremonies/groups/review/groups')).status).toBe(401);
    const stranger = await strangerToken(env);
    expect((await get(env, '/api/ceremonies/groups/review/groups', stranger)).status).toBe(403);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy sets it', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'no-proxy');
    const org = await signIn(env, 'org@example.org', id);
    for (let i = 1; i <= 5; i++) await ballot(env, id, 'no-proxy', `p${i}`, 'mentor', 'a', `203.0.113.${i * 40}`);
    await ballot(env, id, 'no-proxy', 'p6', 'mentor', 'b', '198.51.100.9');
    const { groups } = await (await get(env, '/api/ceremonies/no-proxy/review/groups', org)).json();
    // The header is not believed: every ballot is from the same (unknown) client.
    expect(groups.map((g: { ballots: number }) => g.ballots)).toEqual([6]);
  });
});

describe('flag, void and restore', () => {
  it('changes statuses with events and lists voided and restored trackers at the next checkpoint', async () => {
    const env = await testEnv({ env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'review');
    const org = await signIn(env, 'org@example.org', id);
    const crowd: string[] = [];
    for (let i = 1; i <= 5; i++) crowd.push(await ballot(env, id, 'review', `c${i}`, 'mentor', 'a', `203.0.113.${i}`));
    const honest = await ballot(env, id, 'review', 'honest', 'mentor', 'b', '198.51.100.1');
    await writeCheckpoint(env, id);

    const { groups } = await (await get(env, '/api/ceremonies/review/review/groups', org)).json();
    const network = groups[0].network as string;

    // Flag the group: its ballots stay in the count.
    const flagged = await post(
      env,
      '/api/ceremonies/review/review/flag',
      { network, reason: 'automated' },
      bearer(org),
    );
    expect(flagged.status).toBe(200);
    const sorted = [...crowd].sort();
    const hash = await sha256Hex(canonicalJson(sorted));
    expect(await flagged.json()).toMatchObject({ count: 5, trackersHash: hash });
    expect((await ballots(env)).filter((b) => b.status === 'flagged').map((b) => b.tracker)).toEqual(sorted);
    const [flagEvent] = await eventsOf(env, id, 'ballots.flagged');
    expect(flagEvent!.payload).toEqual({ count: 5, reason: 'automated', trackersHash: hash, by: 'network' });
    expect(flagEvent!.actor).toMatch(/^organizer:/);
    const counts = await (await get(env, '/api/ceremonies/review/counts', org)).json();
    expect(counts.categories[0].nominees.find((n: { slug: string }) => n.slug === 'a')).toMatchObject({
      votes: 5,
      flagged: 5,
      voided: 0,
    });

    // Void two of them by tracker, with a note that enters the log only as a commitment.
    const two = sorted.slice(0, 2);
    const voided = await post(
      env,
      '/api/ceremonies/review/review/void',
      { trackers: two, reason: 'duplicate-person', note: 'Same person, two addresses: Aigul K.' },
      bearer(org),
    );
    expect(voided.status).toBe(200);
    expect((await voided.json()).count).toBe(2);
    const [voidEvent] = await eventsOf(env, id, 'ballots.voided');
    expect(voidEvent!.payload).toMatchObject({
      count: 2,
      reason: 'duplicate-person',
      by: 'trackers',
      trackersHash: await sha256Hex(canonicalJson(two)),
      noteCommitment: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(voidEvent)).not.toContain('Aigul');
    const after = await ballots(env);
    expect(after.filter((b) => b.status === 'voided').map((b) => [b.tracker, b.reason])).toEqual(
      two.map((t) => [t, 'duplicate-person']),
    );

    // Restore one.
    const restored = await post(
      env,
      '/api/ceremonies/review/review/restore',
      { trackers: [two[0]], reason: 'voided-by-mistake' },
      bearer(org),
    );
    expect(restored.status).toBe(200);
    expect((await ballots(env)).find((b) => b.tracker === two[0])).toMatchObject({ status: 'counted', reason: null });
    const changes = await env.store.db.selectFrom('ballot_changes').select(['tracker', 'change']).execute();
    expect(changes.filter((c) => c.change === 'flagged')).toHaveLength(5);
    expect(
      changes
        .filter((c) => c.change === 'voided')
        .map((c) => c.tracker)
        .sort(),
    ).toEqual(two);
    expect(changes.filter((c) => c.change === 'restored').map((c) => c.tracker)).toEqual([two[0]]);

    // The next checkpoint lists the voided and restored trackers themselves.
    const checkpoint = await writeCheckpoint(env, id);
    expect(checkpoint).not.toBeNull();
    const [, second] = await eventsOf(env, id, 'ballots.checkpoint');
    expect(second!.payload).toMatchObject({ leaves: 0, voided: two, restored: [two[0]], superseded: [] });

    const stranger = await strangerToken(env);
    // Refusals change nothing.
    const before = await voteSnapshot(env);
    const refused = async (path: string, body: unknown, status: number, code: string) => {
      const res = await post(env, `/api/ceremonies/review/review/${path}`, body, bearer(org));
      expect(res.status).toBe(status);
      expect((await res.json()).code).toBe(code);
    };
    await refused('void', { trackers: ['0'.repeat(64)], reason: 'other' }, 404, 'not-found');
    await refused('void', { trackers: [two[1], honest], reason: 'other' }, 409, 'conflict');
    await refused('void', { trackers: [honest], network, reason: 'other' }, 400, 'validation-failed');
    await refused('void', { trackers: [honest], reason: 'nominee-withdrawn' }, 400, 'validation-failed');
    await refused('restore', { trackers: [honest], reason: 'other' }, 409, 'conflict');
    await refused('flag', { network: '0'.repeat(32), reason: 'other' }, 404, 'not-found');
    expect(
      (await post(env, '/api/ceremonies/review/review/void', { trackers: [honest], reason: 'other' }, bearer(stranger)))
        .status,
    ).toBe(403);
    // Not after finalization.
    await env.store.db.updateTable('ceremonies').set({ phase: 'finalized' }).where('id', '=', id).execute();
    const frozen = await voteSnapshot(env);
    await refused('void', { trackers: [honest], reason: 'other' }, 409, 'wrong-phase');
    await refused('restore', { trackers: [two[1]], reason: 'other' }, 409, 'wrong-phase');
    expect(await voteSnapshot(env)).toEqual(frozen);
    await env.store.db.updateTable('ceremonies').set({ phase: 'voting' }).where('id', '=', id).execute();
    expect(await voteSnapshot(env)).toEqual(before);
  });

  it('refuses a whole status change when one of its ballots changed after it was read', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'guard', { voteChange: 'last-counts' });
    const kept = await ballot(env, id, 'guard', 'g1', 'mentor', 'a');
    const token = await voterToken(env, id, 'g2');
    const replaced = (await (await cast(env, 'guard', token, 'mentor', 'a')).json()).tracker as string;
    // The voter changes their ballot between an organizer's read and their batch.
    expect((await cast(env, 'guard', token, 'mentor', 'b')).status).toBe(201);
    const before = await voteSnapshot(env);
    const statements = statusChangeStatements(env.store.db, {
      ceremonyId: id,
      trackers: [kept, replaced],
      from: ['counted', 'flagged'],
      to: 'voided',
      reason: 'other',
      change: 'voided',
      actionId: 'bc_test',
    });
    const failure = await env.store.batch(statements).then(
      () => null,
      (err: unknown) => err,
    );
    expect(constraintViolation(failure)).toMatchObject({ kind: 'not-null', columns: ['updated_at'] });
    expect(await voteSnapshot(env)).toEqual(before);
    // The same change over ballots that are as read goes through whole.
    await env.store.batch(
      statusChangeStatements(env.store.db, {
        ceremonyId: id,
        trackers: [kept],
        from: ['counted', 'flagged'],
        to: 'voided',
        reason: 'other',
        change: 'voided',
        actionId: 'bc_test2',
      }),
    );
    expect((await ballots(env)).find((b) => b.tracker === kept)!.status).toBe('voided');
  });

  it('voids a whole network group and refuses to restore a ballot its voter replaced', async () => {
    const env = await testEnv({ env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'review-last', { voteChange: 'last-counts' });
    const org = await signIn(env, 'org@example.org', id);
    const token = await voterToken(env, id, 'changer');
    const first = await cast(env, 'review-last', token, 'mentor', 'a', { 'x-forwarded-for': '203.0.113.9' });
    const firstTracker = (await first.json()).tracker;
    for (let i = 1; i <= 4; i++) await ballot(env, id, 'review-last', `n${i}`, 'mentee', 'x', `203.0.113.${i}`);
    const { groups } = await (await get(env, '/api/ceremonies/review-last/review/groups', org)).json();
    const res = await post(
      env,
      '/api/ceremonies/review-last/review/void',
      { network: groups[0].network, reason: 'purchased' },
      bearer(org),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).count).toBe(5);
    expect((await ballots(env)).every((b) => b.status === 'voided')).toBe(true);
    // The voter votes again (last-counts): the voided ballot must not come back beside the new one.
    const again = await cast(env, 'review-last', token, 'mentor', 'b', { 'x-forwarded-for': '198.51.100.3' });
    expect(again.status).toBe(201);
    const before = await voteSnapshot(env);
    const restore = await post(
      env,
      '/api/ceremonies/review-last/review/restore',
      { trackers: [firstTracker], reason: 'cleared-on-review' },
      bearer(org),
    );
    expect(restore.status).toBe(409);
    expect(await voteSnapshot(env)).toEqual(before);
  });
});

describe('flags at close', () => {
  it('freezes flags when voting closes and publishes the flagged trackers with the finalists', async () => {
    const env = await testEnv({ env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, 'frozen-flags');
    const org = await signIn(env, 'org@example.org', id);
    const crowd: string[] = [];
    for (let i = 1; i <= 5; i++)
      crowd.push(await ballot(env, id, 'frozen-flags', `f${i}`, 'mentor', 'a', `203.0.113.${i}`));
    await ballot(env, id, 'frozen-flags', 'other', 'mentor', 'b', '198.51.100.7');
    const { groups } = await (await get(env, '/api/ceremonies/frozen-flags/review/groups', org)).json();
    const network = groups[0].network as string;
    expect(
      (await post(env, '/api/ceremonies/frozen-flags/review/flag', { network, reason: 'automated' }, bearer(org)))
        .status,
    ).toBe(200);

    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const [computed] = await eventsOf(env, id, 'finalists.computed');
    expect((computed!.payload as { flagged: string[] }).flagged).toEqual([...crowd].sort());

    const before = await snapshot(env);
    const late = await post(
      env,
      '/api/ceremonies/frozen-flags/review/flag',
      { network, reason: 'automated' },
      bearer(org),
    );
    expect(late.status).toBe(409);
    expect((await late.json()).code).toBe('wrong-phase');
    expect(await snapshot(env)).toEqual(before);
  });
});

describe('turnout and counts', () => {
  it('keeps per-nominee counts from the public until results are published, unless the rules say otherwise', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'embargo');
    const org = await signIn(env, 'org@example.org', id);
    await ballot(env, id, 'embargo', 'v1', 'mentor', 'a');
    await ballot(env, id, 'embargo', 'v2', 'mentor', 'a');
    await ballot(env, id, 'embargo', 'v3', 'mentee', 'y');
    const publicRes = await get(env, '/api/ceremonies/embargo/counts');
    expect(publicRes.status).toBe(403);
    expect(publicRes.headers.get('content-type')).toContain('application/problem+json');
    expect((await publicRes.json()).code).toBe('forbidden');
    // A voter's token is no organizer's: still the public.
    expect((await get(env, '/api/ceremonies/embargo/counts', await voterToken(env, id, 'v1'))).status).toBe(403);
    const stranger = await strangerToken(env);
    expect((await get(env, '/api/ceremonies/embargo/counts', stranger)).status).toBe(403);

    const orgRes = await get(env, '/api/ceremonies/embargo/counts', org);
    expect(orgRes.status).toBe(200);
    const body = await orgRes.json();
    expect(body.categories.map((c: { slug: string }) => c.slug)).toEqual(['mentor', 'mentee']);
    expect(body.categories[0].nominees.map((n: { slug: string; votes: number }) => [n.slug, n.votes])).toEqual([
      ['a', 2],
      ['b', 0],
      ['c', 0],
      ['d', 0],
    ]);

    // Published results lift the embargo.
    await env.store.db.updateTable('ceremonies').set({ phase: 'announced' }).where('id', '=', id).execute();
    const published = await get(env, '/api/ceremonies/embargo/counts');
    expect(published.status).toBe(200);
    const pub = await published.json();
    expect(pub.categories[1].nominees).toEqual([
      { nominee: expect.any(String), slug: 'x', votes: 0 },
      { nominee: expect.any(String), slug: 'y', votes: 1 },
    ]);

    // liveCounts: public throughout the vote.
    const liveId = await openVote(env, 'live', { liveCounts: true });
    await ballot(env, liveId, 'live', 'w1', 'mentor', 'c');
    const live = await get(env, '/api/ceremonies/live/counts');
    expect(live.status).toBe(200);
    const liveBody = await live.json();
    expect(liveBody.categories[0].nominees.find((n: { slug: string }) => n.slug === 'c')).toEqual({
      nominee: expect.any(String),
      slug: 'c',
      votes: 1,
    });
  });

  it('reports turnout per category and per checkpoint batch, without per-nominee figures', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'turnout', { voteChange: 'last-counts' });
    const org = await signIn(env, 'org@example.org', id);
    await ballot(env, id, 'turnout', 't1', 'mentor', 'a');
    await ballot(env, id, 'turnout', 't2', 'mentor', 'b');
    await ballot(env, id, 'turnout', 't3', 'mentee', 'x');
    await writeCheckpoint(env, id);
    const token = await voterToken(env, id, 't1');
    expect((await cast(env, 'turnout', token, 'mentor', 'c')).status).toBe(201);
    await ballot(env, id, 'turnout', 't4', 'mentee', 'y');

    const res = await get(env, '/api/ceremonies/turnout/turnout', org);
    expect(res.status).toBe(200);
    const body = await res.json();
    const [mentor, mentee] = body.categories;
    expect(mentor).toMatchObject({ slug: 'mentor', counted: 2, flagged: 0, voided: 0, superseded: 1, marks: 2 });
    expect(mentee).toMatchObject({ slug: 'mentee', counted: 2, superseded: 0, marks: 2 });
    expect(body.batches).toEqual([
      {
        batch: 1,
        at: expect.any(Number),
        treeSize: 3,
        closing: false,
        ballots: 3,
        byCategory: { [mentor.category]: 2, [mentee.category]: 1 },
      },
    ]);
    expect(body.pending).toEqual({ ballots: 2, byCategory: { [mentor.category]: 1, [mentee.category]: 1 } });
    expect(JSON.stringify(body)).not.toContain('nominee');
    expect((await get(env, '/api/ceremonies/turnout/turnout')).status).toBe(401);
  });
});

describe('withdrawn nominees', () => {
  it("voids the nominee's ballots and frees their voters' marks, so they can vote again", async () => {
    const env = await testEnv();
    const id = await openVote(env, 'withdraw');
    const org = await signIn(env, 'org@example.org', id);
    const ann = await voterToken(env, id, 'ann');
    const ben = await voterToken(env, id, 'ben');
    const annFirst = await (await cast(env, 'withdraw', ann, 'mentor', 'a')).json();
    await cast(env, 'withdraw', ann, 'mentee', 'x');
    expect((await cast(env, 'withdraw', ben, 'mentor', 'b')).status).toBe(201);
    const nomineeA = (await requireAward(env, id)).nominees.find((n) => n.slug === 'a')!.id;

    const res = await post(
      env,
      `/api/ceremonies/withdraw/nominees/${nomineeA}/withdraw`,
      { reason: 'She asked by phone.' },
      bearer(org),
    );
    expect(res.status).toBe(200);
    const voided = await env.store.db
      .selectFrom('ballots')
      .selectAll()
      .where('tracker', '=', annFirst.tracker)
      .execute();
    expect(voided[0]).toMatchObject({ status: 'voided', reason: 'nominee-withdrawn' });
    const changes = await env.store.db.selectFrom('ballot_changes').selectAll().execute();
    expect(changes.map((c) => [c.tracker, c.change])).toEqual([[annFirst.tracker, 'voided']]);
    const marks = await env.store.db.selectFrom('marks').select('category_id').execute();
    expect(marks).toHaveLength(2); // Ann's mentee mark and Ben's mentor mark

    // Ann votes again in that category; Ben, whose nominee stays, cannot; Ann's other category is untouched.
    expect((await cast(env, 'withdraw', ann, 'mentor', 'b')).status).toBe(201);
    const benAgain = await cast(env, 'withdraw', ben, 'mentor', 'c');
    expect(benAgain.status).toBe(409);
    expect((await benAgain.json()).code).toBe('already-voted');
    expect((await cast(env, 'withdraw', ann, 'mentee', 'y')).status).toBe(409);
    // The withdrawn nominee takes no ballots.
    expect((await cast(env, 'withdraw', await voterToken(env, id, 'cem'), 'mentor', 'a')).status).toBe(404);

    const checkpoint = await writeCheckpoint(env, id);
    expect(checkpoint).not.toBeNull();
    const [cp] = await eventsOf(env, id, 'ballots.checkpoint');
    expect(cp!.payload.voided).toEqual([annFirst.tracker]);

    // After the close the seal key is gone: a withdrawal voids the ballots, and no mark is freed.
    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const nomineeB = (await requireAward(env, id)).nominees.find((n) => n.slug === 'b')!.id;
    const marksBefore = await env.store.db.selectFrom('marks').selectAll().execute();
    expect(
      (
        await post(
          env,
          `/api/ceremonies/withdraw/nominees/${nomineeB}/withdraw`,
          { reason: 'Moved abroad.' },
          bearer(org),
        )
      ).status,
    ).toBe(200);
    const bBallots = await env.store.db.selectFrom('ballots').selectAll().where('nominee_id', '=', nomineeB).execute();
    expect(bBallots.map((b) => [b.status, b.reason])).toEqual([
      ['voided', 'nominee-withdrawn'],
      ['voided', 'nominee-withdrawn'],
    ]);
    expect(await env.store.db.selectFrom('marks').selectAll().execute()).toEqual(marksBefore);
  });
});

describe('organizer finalists', () => {
  it('takes organizer picks while judging, with wildcards after them', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'picks', { finalists: { mode: 'organizer' } });
    const org = await signIn(env, 'org@example.org', id);
    const path = '/api/ceremonies/picks/categories/mentor/finalists';
    const put = (nominees: string[]) => post(env, path, { nominees }, bearer(org), 'PUT');
    const wildcard = (nominee: string, reason: string) =>
      post(env, `${path}/wildcards`, { nominee, reason }, bearer(org));
    await ballot(env, id, 'picks', 'v1', 'mentor', 'd');

    // Picks wait for the close; a wildcard may be named while voting.
    const early = await put(['a']);
    expect(early.status).toBe(409);
    expect((await early.json()).code).toBe('wrong-phase');
    expect((await wildcard('d', 'The public’s favourite')).status).toBe(201);

    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const closed = await (await get(env, path, org)).json();
    expect(closed.finalists).toEqual([
      { nominee: expect.any(String), slug: 'd', position: 0, why: 'wildcard', reason: 'The public’s favourite' },
    ]);

    const picked = await put(['a', 'b']);
    expect(picked.status).toBe(200);
    expect(
      (await picked.json()).finalists.map((f: { slug: string; why: string; position: number }) => [
        f.slug,
        f.why,
        f.position,
      ]),
    ).toEqual([
      ['a', 'organizer', 0],
      ['b', 'organizer', 1],
      ['d', 'wildcard', 2],
    ]);
    // Picks replace picks; a picked wildcard becomes a pick.
    const again = await (await put(['c', 'd'])).json();
    expect(again.finalists.map((f: { slug: string; why: string }) => [f.slug, f.why])).toEqual([
      ['c', 'organizer'],
      ['d', 'organizer'],
    ]);
    const wild = await wildcard('a', 'Regional balance');
    expect(wild.status).toBe(201);
    expect((await wild.json()).finalists.map((f: { slug: string; position: number }) => [f.slug, f.position])).toEqual([
      ['c', 0],
      ['d', 1],
      ['a', 2],
    ]);
    const pickedEvents = await eventsOf(env, id, 'finalists.picked');
    expect(pickedEvents).toHaveLength(2);
    const wildEvents = await eventsOf(env, id, 'finalists.wildcard');
    expect(wildEvents.map((e) => Object.keys(e.payload).sort())).toEqual([
      ['category', 'nominee', 'reasonCommitment'],
      ['category', 'nominee', 'reasonCommitment'],
    ]);
    expect(JSON.stringify(wildEvents)).not.toContain('Regional');

    // Refusals change nothing.
    const before = await voteSnapshot(env);
    expect((await wildcard('c', 'twice')).status).toBe(409);
    expect((await put(['a', 'a'])).status).toBe(400);
    expect((await put(['nobody'])).status).toBe(404);
    expect(
      (await post(env, '/api/ceremonies/picks/categories/none/finalists', { nominees: [] }, bearer(org), 'PUT')).status,
    ).toBe(404);
    await env.store.db.updateTable('ceremonies').set({ phase: 'finalized' }).where('id', '=', id).execute();
    expect((await put(['a'])).status).toBe(409);
    expect((await wildcard('b', 'late')).status).toBe(409);
    await env.store.db.updateTable('ceremonies').set({ phase: 'judging' }).where('id', '=', id).execute();
    expect(await voteSnapshot(env)).toEqual(before);
  });

  it('places wildcards after the public top K, never counting toward K', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'wild');
    const org = await signIn(env, 'org@example.org', id);
    const path = '/api/ceremonies/wild/categories/mentor/finalists';
    const wildcard = (nominee: string, reason: string) =>
      post(env, `${path}/wildcards`, { nominee, reason }, bearer(org));
    for (const [who, nominee] of [
      ['v1', 'a'],
      ['v2', 'a'],
      ['v6', 'a'],
      ['v3', 'b'],
      ['v4', 'c'],
      ['v5', 'c'],
    ])
      await ballot(env, id, 'wild', who!, 'mentor', nominee!);
    // d has no vote; c will be in the top two anyway, so its wildcard falls away at the close (rule 2).
    expect((await wildcard('d', 'Jury asked')).status).toBe(201);
    expect((await wildcard('c', 'Will be top-k anyway')).status).toBe(201);
    // Organizer picks are for organizer-mode awards only.
    expect((await post(env, path, { nominees: ['a'] }, bearer(org), 'PUT')).status).toBe(409);

    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const { finalists } = await (await get(env, path, org)).json();
    expect(
      finalists.map((f: { slug: string; why: string; position: number; reason: string | null }) => [
        f.slug,
        f.why,
        f.position,
        f.reason,
      ]),
    ).toEqual([
      ['a', 'top-k', 0, null],
      ['c', 'top-k', 1, null],
      ['d', 'wildcard', 2, 'Jury asked'],
    ]);
    const [computed] = await eventsOf(env, id, 'finalists.computed');
    expect(computed!.payload.categories).toContainEqual({
      category: expect.any(String),
      finalists: [
        { nominee: expect.any(String), why: 'top-k' },
        { nominee: expect.any(String), why: 'top-k' },
        { nominee: expect.any(String), why: 'wildcard' },
      ],
    });

    // A wildcard named after the close is appended.
    const late = await wildcard('b', 'Strong citation');
    expect(late.status).toBe(201);
    expect((await late.json()).finalists.map((f: { slug: string; position: number }) => [f.slug, f.position])).toEqual([
      ['a', 0],
      ['c', 1],
      ['d', 2],
      ['b', 3],
    ]);
  });
});
