/**
 * Privacy of the vote (issue 10): after the close, the database alone cannot link a ballot to a person. Marks (who
 * voted) and ballots (what was voted) share no column, hold no time, and the sealed trackers that linked them under
 * `last-counts` are gone with the seal key; after finalization the network signals and their key are gone too.
 */
import { describe, expect, it } from 'vitest';
import { movePhase, requireAward } from '../src/ceremonies/service';
import { bearer, post, signIn, testEnv } from './helpers';
import { nonce, openVote, plainAward, voterToken } from './support/awards';

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
});
