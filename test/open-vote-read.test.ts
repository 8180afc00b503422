/**
 * The ballot route reuses an open vote's award read for OPEN_VOTE_READ_MS (src/ceremonies/service.ts
 * openVoteAward), unless this process committed a change since. What changes meanwhile elsewhere is caught by
 * the ballot's own batch: a ballot for a nominee taken off the list behind Laurel's back, or right after the
 * close, is refused and records nothing.
 */
import { describe, expect, it } from 'vitest';
import { movePhase, openVoteAward, requireAward } from '../src/ceremonies/service';
import { bearer, smallAward, testEnv } from './helpers';
import { nonce, openVote, voterToken } from './support/awards';

describe('the award read of a ballot', () => {
  it('reused for a few milliseconds, never lets a ballot past the close or to a nominee off the list', async () => {
    const env = await testEnv();
    const id = await openVote(env, smallAward('reuse'));
    // Tokens first, so that each change and the next ballot follow one another within the reuse.
    const tokens = Object.fromEntries(
      await Promise.all(['v1', 'v2', 'v3', 'v4'].map(async (who) => [who, await voterToken(env, id, who)])),
    );
    const cast = (who: string, nominee: string) =>
      env.app.request('/api/ceremonies/reuse/ballots', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(tokens[who]!) },
        body: JSON.stringify({ category: 'best-mentor', nominee, nonce: nonce() }),
      });
    // The read is reused while the vote is open.
    expect(await openVoteAward(env, 'reuse')).toBe(await openVoteAward(env, 'reuse'));
    const ballots = async () => (await env.store.db.selectFrom('ballots').select('tracker').execute()).length;

    // Each pair: one ballot that reads the award while the vote is open, then the change, then a ballot that is
    // sent at once (well within the reuse) and must be refused without a trace.
    expect((await cast('v1', 'aida')).status).toBe(201);
    await env.store.db.updateTable('nominees').set({ status: 'withdrawn' }).where('slug', '=', 'bermet').execute();
    const offList = await cast('v2', 'bermet');
    expect(offList.status).toBeGreaterThanOrEqual(400);
    expect(offList.status).toBeLessThan(500);
    expect(await ballots()).toBe(1);

    expect((await cast('v3', 'aida')).status).toBe(201);
    const reused = await openVoteAward(env, 'reuse');
    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    // A change this process committed is seen at once, however recent the reused read.
    expect((await openVoteAward(env, 'reuse')).ceremony.phase).toBe('judging');
    expect(reused.ceremony.phase).toBe('voting');
    const closed = await cast('v4', 'aida');
    expect(closed.status).toBe(409);
    expect((await closed.json()).code).toBe('wrong-phase');
    expect(await ballots()).toBe(2);
    expect(await env.store.db.selectFrom('marks').select('person_key').execute()).toHaveLength(2);
  });
});
