/**
 * Privacy of the vote (issue 10): after the close, the database alone cannot link a ballot to a person. Marks (who
 * voted) and ballots (what was voted) share no column, hold no time, and the sealed trackers that linked them under
 * `last-counts` are gone with the seal key; after finalization the network signals and their key are gone too.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { movePhase, requireAward } from '../src/ceremonies/service';
import { emailIdentity, personKey } from '../src/identity/people';
import { issueVoterSession } from '../src/identity/sessions';
import { bearer, json, latestCode, post, signIn, testEnv, usingPostgres } from './helpers';
import { nonce, openVote, plainAward, voterToken } from './support/awards';

/** Of all pairs of `order`, the share that `sequence` lists in the same order: 1 for the same order, ~0.5 at random. */
function concordance(order: string[], sequence: string[]): number {
  const at = new Map(sequence.map((v, i) => [v, i]));
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < order.length; i++)
    for (let j = i + 1; j < order.length; j++) {
      pairs++;
      if (at.get(order[i]!)! < at.get(order[j]!)!) same++;
    }
  return same / pairs;
}

describe('privacy of the vote', () => {
  it('after close no column links a mark to a ballot; after finalization no network signal is left', async () => {
    const env = await testEnv({ env: { TRUST_PROXY: 'x-forwarded-for' } });
    const id = await openVote(env, plainAward('private', { rules: { voteChange: 'last-counts' } }));
    const organizer = await signIn(env, 'org-private@example.kg', id);
    for (let i = 0; i < 6; i++) {
      const voter = await voterToken(env, id, `p${i}`);
      for (const nominee of i % 2 ? ['a', 'b'] : ['c']) {
        const res = await post(
          env,
          '/api/ceremonies/private/ballots',
          { category: 'mentor', nominee, nonce: nonce() },
          { ...bearer(voter), 'x-forwarded-for': `198.51.100.${i}` },
        );
        expect(res.status).toBeLessThan(300);
      }
    }
    const { db } = env.store;
    // While voting, a mark holds its ballot's tracker sealed (last-counts), and the seal key exists.
    const sealedWhileVoting = await db.selectFrom('marks').select('sealed_tracker').execute();
    expect(sealedWhileVoting.every((m) => m.sealed_tracker !== null)).toBe(true);

    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const marks = await db.selectFrom('marks').selectAll().execute();
    const ballots = await db.selectFrom('ballots').selectAll().execute();
    expect(marks).toHaveLength(6);
    expect(ballots.length).toBe(9);
    // The columns of each table: nothing in common but the award and category, and no time at all.
    const markColumns = Object.keys(marks[0]!).sort();
    const ballotColumns = Object.keys(ballots[0]!).sort();
    expect(markColumns).toEqual(['category_id', 'ceremony_id', 'person_key', 'sealed_tracker']);
    expect(ballotColumns.filter((c) => markColumns.includes(c))).toEqual(['category_id', 'ceremony_id']);
    expect(ballotColumns.some((c) => /(^|_)(at|time|created|updated)($|_)/.test(c))).toBe(false);
    // The seal is gone: no mark holds a tracker any more, and the key that could open one is deleted.
    expect(marks.every((m) => m.sealed_tracker === null)).toBe(true);
    const keys = await db.selectFrom('ceremony_keys').select('purpose').where('ceremony_id', '=', id).execute();
    expect(keys.map((k) => k.purpose).sort()).toEqual(['receipt', 'signals']);
    // No value of a person (their key) appears anywhere in the ballots.
    const ballotText = JSON.stringify(ballots);
    for (const m of marks) expect(ballotText.includes(m.person_key)).toBe(false);

    // Signals (HMACs of the network) exist until finalization, then they and their key are gone.
    expect((await db.selectFrom('ballot_signals').selectAll().execute()).length).toBe(9);
    const finalized = await post(env, '/api/ceremonies/private/results/finalize', {}, bearer(organizer));
    expect(finalized.status).toBe(201);
    expect(await db.selectFrom('ballot_signals').selectAll().execute()).toHaveLength(0);
    const left = await db.selectFrom('ceremony_keys').select('purpose').where('ceremony_id', '=', id).execute();
    expect(left.map((k) => k.purpose)).toEqual(['receipt']);
  });

  it('after close the table order and transactions of marks and ballots keep nothing of the vote’s order', async () => {
    const env = await testEnv();
    const id = await openVote(env, plainAward('unordered'));
    const award = await requireAward(env, id);
    // One voter verifies by email code: the code's row says when.
    expect((await post(env, '/api/ceremonies/unordered/verify/email', { email: 'coded@example.kg' })).status).toBe(202);
    const code = await latestCode(env, 'coded@example.kg');
    const verified = await post(env, '/api/ceremonies/unordered/verify/email/code', {
      email: 'coded@example.kg',
      code,
    });
    const coded = (await json(verified)).token as string;
    const codeRows = () => env.store.db.selectFrom('login_codes').select('id').where('purpose', '=', `voter:${id}`);
    expect(await codeRows().execute()).toHaveLength(1);

    // Forty voters, one after another: the order the ballots (and marks) arrived in is known here.
    const keys: string[] = [];
    const trackers: string[] = [];
    for (let i = 0; i < 40; i++) {
      const email = i === 20 ? 'coded@example.kg' : `order${i}@example.kg`;
      const key = await personKey(env, award.ceremony, emailIdentity(email));
      const token =
        i === 20 ? coded : (await issueVoterSession(env, { ceremonyId: id, personKey: key, method: 'email' })).token;
      const res = await post(
        env,
        '/api/ceremonies/unordered/ballots',
        { category: 'mentor', nominee: ['a', 'b', 'c'][i % 3], nonce: nonce() },
        bearer(token),
      );
      expect(res.status).toBe(201);
      trackers.push((await json(res)).tracker);
      keys.push(key);
    }
    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const { db } = env.store;
    expect(await codeRows().execute()).toHaveLength(0);
    if (usingPostgres) {
      // PostgreSQL: every mark was rewritten by the close, every ballot by its checkpoint; no transaction id that
      // wrote a ballot wrote a mark (the ballot's own batch wrote both). The row order is docs/deploy.md's step.
      const xmins = async (table: 'marks' | 'ballots') =>
        new Set(
          (await sql<{ x: string }>`select xmin::text as x from ${sql.table(table)}`.execute(db)).rows.map((r) => r.x),
        );
      const markTx = await xmins('marks');
      const ballotTx = await xmins('ballots');
      expect(markTx.size).toBe(1);
      expect([...ballotTx].some((x) => markTx.has(x))).toBe(false);
    } else {
      // SQLite: a row's place (its rowid) followed insertion until the checkpoint (ballots) and the close (marks)
      // scattered it. Ordered by rowid, the rows agree with the arrival order about half the time, as at random.
      const byRowid = async (table: 'marks' | 'ballots', column: string) =>
        (
          await sql<{ v: string }>`select ${sql.ref(column)} as v from ${sql.table(table)} order by rowid`.execute(db)
        ).rows.map((r) => r.v);
      expect(concordance(trackers, await byRowid('ballots', 'tracker'))).toBeGreaterThan(0.2);
      expect(concordance(trackers, await byRowid('ballots', 'tracker'))).toBeLessThan(0.8);
      expect(concordance(keys, await byRowid('marks', 'person_key'))).toBeGreaterThan(0.2);
      expect(concordance(keys, await byRowid('marks', 'person_key'))).toBeLessThan(0.8);
    }
  });
});
