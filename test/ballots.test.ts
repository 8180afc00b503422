import { describe, expect, it } from 'vitest';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { Rules } from '../src/ceremonies/schemas';
import { issueVoterSession } from '../src/identity/sessions';
import { personKey, emailIdentity } from '../src/identity/people';
import { type TestEnv, post, smallAward, snapshot, testClock, testEnv } from './helpers';

async function votingAward(env: TestEnv, slug: string, rules: Partial<Rules> = {}) {
  const def = smallAward(slug);
  def.rules = Rules.parse({ ...rules });
  const { id } = await createAward(env, def, 'cli');
  await movePhase(env, await requireAward(env, id), 'nominating', 'cli', 'hand');
  await movePhase(env, await requireAward(env, id), 'voting', 'cli', 'hand');
  return id;
}

async function voter(env: TestEnv, ceremonyId: string, email: string) {
  const award = await requireAward(env, ceremonyId);
  const key = await personKey(env, award.ceremony, emailIdentity(email));
  const { token } = await issueVoterSession(env, { ceremonyId, personKey: key, method: 'email', email });
  return { token, key };
}

const nonce = () => crypto.randomUUID().replace(/-/g, '');
const cast = (env: TestEnv, slug: string, token: string, body: Record<string, string>) =>
  post(env, `/api/ceremonies/${slug}/ballots`, body, { authorization: `Bearer ${token}` });

describe('casting ballots', () => {
  it('records one ballot with a receipt, keeps marks and ballots apart, and mails the receipt', async () => {
    const env = await testEnv();
    const id = await votingAward(env, 'vote-one');
    const { token, key } = await voter(env, id, 'aigul@example.kg');
    const res = await cast(env, 'vote-one', token, { category: 'best-mentor', nominee: 'aida', nonce: nonce() });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.receipt).toMatch(/^([a-z2-7]{4}-){7}[a-z2-7]{4}$/);
    expect(body.tracker).toMatch(/^[0-9a-f]{64}$/);
    const marks = await env.store.db.selectFrom('marks').selectAll().execute();
    expect(marks).toHaveLength(1);
    expect(marks[0]!.person_key).toBe(key);
    expect(marks[0]!.sealed_tracker).not.toContain(body.tracker);
    const ballots = await env.store.db.selectFrom('ballots').selectAll().execute();
    expect(ballots).toEqual([expect.objectContaining({ tracker: body.tracker, status: 'counted', batch: null })]);
    // No column links the two, and the ballot row holds no time.
    expect(Object.keys(ballots[0]!)).not.toContain('person_key');
    expect(JSON.stringify(ballots)).not.toContain(key);
    const mail = await env.store.db.selectFrom('outbox').selectAll().where('kind', '=', 'receipt').execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text_body).toContain(body.receipt);
    // Ballots are not events: casting does not serialize on the award's chain.
    const events = await env.store.db.selectFrom('events').select('type').where('chain', '=', id).execute();
    expect(events.map((e) => e.type)).not.toContain('ballot.cast');
  });

  it('answers a repeat of the same form with the same receipt, and refuses a second choice under final', async () => {
    const env = await testEnv();
    const id = await votingAward(env, 'vote-final');
    const { token } = await voter(env, id, 'a@example.kg');
    const n = nonce();
    const first = await (
      await cast(env, 'vote-final', token, { category: 'best-mentor', nominee: 'aida', nonce: n })
    ).json();
    const again = await cast(env, 'vote-final', token, { category: 'best-mentor', nominee: 'aida', nonce: n });
    expect(again.status).toBe(200);
    expect((await again.json()).receipt).toBe(first.receipt);
    const before = await snapshot(env);
    const other = await cast(env, 'vote-final', token, { category: 'best-mentor', nominee: 'bermet', nonce: n });
    expect(other.status).toBe(409);
    expect((await other.json()).code).toBe('already-voted');
    const fresh = await cast(env, 'vote-final', token, { category: 'best-mentor', nominee: 'bermet', nonce: nonce() });
    expect(fresh.status).toBe(409);
    expect(await snapshot(env)).toEqual(before);
    expect(await env.store.db.selectFrom('ballots').selectAll().execute()).toHaveLength(1);
  });

  it('leaves exactly one ballot of 200 concurrent ones from one person in one category', async () => {
    // The per-person rate limit would answer most of these 429 first; this test is about the database rule.
    const env = await testEnv({ env: { RATE_BALLOTS_PER_PERSON: '1000' } });
    const id = await votingAward(env, 'vote-race');
    const { token } = await voter(env, id, 'racer@example.kg');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        cast(env, 'vote-race', token, { category: 'best-mentor', nominee: i % 2 ? 'aida' : 'bermet', nonce: nonce() }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(await env.store.db.selectFrom('ballots').selectAll().execute()).toHaveLength(1);
    expect(await env.store.db.selectFrom('marks').selectAll().execute()).toHaveLength(1);
  });

  it('supersedes the earlier ballot under last-counts, also under concurrency', async () => {
    const env = await testEnv({ env: { RATE_BALLOTS_PER_PERSON: '1000' } });
    const id = await votingAward(env, 'vote-last', { voteChange: 'last-counts' });
    const { token } = await voter(env, id, 'changer@example.kg');
    const first = await (
      await cast(env, 'vote-last', token, { category: 'best-mentor', nominee: 'aida', nonce: nonce() })
    ).json();
    const second = await cast(env, 'vote-last', token, { category: 'best-mentor', nominee: 'bermet', nonce: nonce() });
    expect(second.status).toBe(201);
    expect((await second.json()).outcome).toBe('superseded');
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        cast(env, 'vote-last', token, { category: 'best-mentor', nominee: i % 2 ? 'aida' : 'bermet', nonce: nonce() }),
      ),
    );
    expect(burst.every((r) => [201, 409].includes(r.status))).toBe(true);
    const ballots = await env.store.db.selectFrom('ballots').selectAll().execute();
    expect(ballots.filter((b) => b.status === 'counted')).toHaveLength(1);
    expect(ballots.find((b) => b.tracker === first.tracker)!.status).toBe('superseded');
    const changes = await env.store.db.selectFrom('ballot_changes').selectAll().execute();
    expect(changes.every((ch) => ch.change === 'superseded')).toBe(true);
    expect(changes).toHaveLength(ballots.length - 1);
  });

  it('refuses ballots outside the voting window by the database clock, for unlisted nominees, and without a token', async () => {
    const clock = testClock(Date.parse('2026-05-01T00:00:00Z'));
    const env = await testEnv({ clock });
    const id = await votingAward(env, 'vote-window');
    const { token } = await voter(env, id, 'late@example.kg');
    const before = await snapshot(env);
    expect(
      (await cast(env, 'vote-window', 'nope', { category: 'best-mentor', nominee: 'aida', nonce: nonce() })).status,
    ).toBe(401);
    const unknown = await cast(env, 'vote-window', token, {
      category: 'best-mentor',
      nominee: 'nobody',
      nonce: nonce(),
    });
    expect(unknown.status).toBe(404);
    // The vote closes by schedule: the database clock decides, even before the scheduler moves the phase.
    await env.store.db
      .updateTable('ceremonies')
      .set({ voting_closes: Date.parse('2026-05-01T00:30:00Z') })
      .where('id', '=', id)
      .execute();
    clock.set(Date.parse('2026-05-01T00:30:00Z'));
    const late = await cast(env, 'vote-window', token, { category: 'best-mentor', nominee: 'aida', nonce: nonce() });
    expect(late.status).toBe(409);
    expect((await late.json()).code).toBe('wrong-phase');
    const after = await snapshot(env);
    expect(after.ballots ?? []).toEqual(before.ballots ?? []);
    expect(await env.store.db.selectFrom('marks').selectAll().execute()).toHaveLength(0);
  });
});
