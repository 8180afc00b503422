import { describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { listEvents } from '../src/audit/log';
import { createHash } from 'node:crypto';
import {
  consistencyProof,
  consistencyProofFromNodes,
  inclusionProof,
  inclusionProofFromNodes,
  leafHash,
  merkleRootHex,
  verifyConsistency,
  verifyInclusion,
} from '../src/audit/merkle';
import { hexToBytes } from '../src/audit/canonical';
import { isStoredLevel, nodeReader, writeCheckpoint } from '../src/ballots/checkpoint';
import { ballotsTick } from '../src/ballots/close';
import { movePhase, requireAward } from '../src/ceremonies/service';
import { type TestEnv, post, testEnv } from './helpers';
import { nonce, openVote as openAward, plainAward, voterToken } from './support/awards';

function award(slug: string, everyBallots = 1000) {
  return plainAward(slug, {
    rules: { finalists: { mode: 'public', k: 2 }, checkpoints: { everySeconds: 3600, everyBallots } },
  });
}

const openVote = (env: TestEnv, slug: string, everyBallots?: number) => openAward(env, award(slug, everyBallots));

async function vote(env: TestEnv, id: string, slug: string, who: string, nominee: string) {
  const token = await voterToken(env, id, who);
  const res = await post(
    env,
    `/api/ceremonies/${slug}/ballots`,
    { category: 'mentor', nominee, nonce: nonce() },
    {
      authorization: `Bearer ${token}`,
    },
  );
  expect(res.status).toBe(201);
  return (await res.json()).receipt as string;
}

describe('the ballot log', () => {
  it('checkpoints ballots sorted by tracker, proves receipts and consistency, closes with finalists', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'log-award');
    const votes: [string, string][] = [
      ['v1', 'a'],
      ['v2', 'a'],
      ['v3', 'a'],
      ['v4', 'b'],
      ['v5', 'b'],
      ['v6', 'c'],
    ];
    const receipts: string[] = [];
    for (const [who, nominee] of votes.slice(0, 4)) receipts.push(await vote(env, id, 'log-award', who, nominee));

    // Before a checkpoint a receipt is recorded but not yet in the log.
    const pending = await (await env.app.request(`/api/ceremonies/log-award/receipts/${receipts[0]}`)).json();
    expect(pending).toMatchObject({ batch: null, proof: null, status: 'counted' });

    const first = await writeCheckpoint(env, id);
    expect(first).toMatchObject({ batch: 1, treeSize: 4, leaves: 4 });
    expect(await writeCheckpoint(env, id)).toBeNull();
    for (const [who, nominee] of votes.slice(4)) receipts.push(await vote(env, id, 'log-award', who, nominee));
    const second = await writeCheckpoint(env, id);
    expect(second).toMatchObject({ batch: 2, treeSize: 6, leaves: 2 });

    // Leaves of batch 1 are its ballots sorted by tracker.
    const leaves = await env.store.db
      .selectFrom('log_leaves')
      .selectAll()
      .where('ceremony_id', '=', id)
      .orderBy('idx')
      .execute();
    const batch1 = leaves.filter((l) => l.batch === 1).map((l) => l.tracker);
    expect(batch1).toEqual([...batch1].sort());

    for (const receipt of receipts) {
      const check = await (await env.app.request(`/api/ceremonies/log-award/receipts/${receipt.toUpperCase()}`)).json();
      expect(check.proof.treeSize).toBe(6);
      const hash = await leafHash({ tracker: check.tracker, category: check.category, nominee: check.nominee });
      expect(await verifyInclusion(hash, check.proof.leafIndex, 6, check.proof.path, check.proof.root)).toBe(true);
      expect(await verifyInclusion(hash, (check.proof.leafIndex + 1) % 6, 6, check.proof.path, check.proof.root)).toBe(
        false,
      );
    }
    const cons = await (
      await env.app.request('/api/ceremonies/log-award/checkpoints/consistency?first=1&second=2')
    ).json();
    expect(await verifyConsistency(cons.first, cons.second, cons.firstRoot, cons.secondRoot, cons.path)).toBe(true);
    expect(await verifyConsistency(cons.first, cons.second, second!.root, cons.secondRoot, cons.path)).toBe(false);

    // Closing: the closing checkpoint, finalists with why, the seal key gone, marks unlinked.
    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');
    const checkpoints = await (await env.app.request('/api/ceremonies/log-award/checkpoints')).json();
    expect(checkpoints.checkpoints.at(-1)).toMatchObject({ batch: 3, treeSize: 6, closing: true });
    const finalists = await env.store.db
      .selectFrom('finalists')
      .selectAll()
      .where('ceremony_id', '=', id)
      .orderBy('position')
      .execute();
    const nominees = (await requireAward(env, id)).nominees;
    const slugOf = (nid: string) => nominees.find((n) => n.id === nid)!.slug;
    expect(finalists.map((f) => [slugOf(f.nominee_id), f.why])).toEqual([
      ['a', 'top-k'],
      ['b', 'top-k'],
    ]);
    expect(
      await env.store.db.selectFrom('ceremony_keys').select('purpose').where('ceremony_id', '=', id).execute(),
    ).not.toContainEqual({ purpose: 'seal' });
    expect((await env.store.db.selectFrom('marks').selectAll().execute()).every((m) => m.sealed_tracker === null)).toBe(
      true,
    );

    const log = await listEvents(env.store.db, id);
    expect(log.map((e) => e.type).filter((t) => t.startsWith('ballots') || t.startsWith('finalists'))).toEqual([
      'ballots.checkpoint',
      'ballots.checkpoint',
      'ballots.checkpoint',
      'finalists.computed',
    ]);
    expect((log.find((e) => e.type === 'finalists.computed')!.payload as any).categories[0].finalists).toHaveLength(2);
    expect((await verifyChain(log)).ok).toBe(true);
    // A later tick has nothing left to do.
    await ballotsTick(env);
    expect(await listEvents(env.store.db, id)).toHaveLength(log.length);
  });

  it('writes a checkpoint from the tick when enough ballots wait', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'tick-award', 3);
    for (const who of ['x1', 'x2']) await vote(env, id, 'tick-award', who, 'a');
    await ballotsTick(env);
    expect(await env.store.db.selectFrom('checkpoints').selectAll().execute()).toHaveLength(0);
    await vote(env, id, 'tick-award', 'x3', 'b');
    await ballotsTick(env);
    expect(await env.store.db.selectFrom('checkpoints').selectAll().execute()).toMatchObject([
      { batch: 1, tree_size: 3 },
    ]);
  });

  it('lets concurrent checkpoint writers land exactly one', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'race-log');
    for (const who of ['r1', 'r2', 'r3', 'r4', 'r5']) await vote(env, id, 'race-log', who, 'c');
    const results = await Promise.all(Array.from({ length: 5 }, () => writeCheckpoint(env, id)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await env.store.db.selectFrom('log_leaves').selectAll().execute()).toHaveLength(5);
    expect((await verifyChain(await listEvents(env.store.db, id))).ok).toBe(true);
  });
  it('stores every eighth tree level and answers every proof from it as from all the leaves', async () => {
    const env = await testEnv();
    const id = await openVote(env, 'sparse-log');
    const award = await requireAward(env, id);
    const category = award.categories[0]!.id;
    const nominee = award.nominees.find((n) => n.category_id === category)!.id;
    // Ballots written straight into the table (as the bench does), checkpointed in batches of 300, 1 and 413, so
    // the tree (714 leaves) has complete level-8 nodes (0 and 1), frontiers at odd levels, and a batch crossing
    // a level-8 boundary.
    const roots: number[] = [];
    let written = 0;
    for (const size of [300, 1, 413]) {
      const rows = Array.from({ length: size }, (_, i) => ({
        tracker: createHash('sha256')
          .update(`sparse ${written + i}`)
          .digest('hex'),
        ceremony_id: id,
        category_id: category,
        nominee_id: nominee,
        status: 'counted' as const,
      }));
      written += size;
      await env.store.batch([env.store.db.insertInto('ballots').values(rows)]);
      roots.push((await writeCheckpoint(env, id))!.treeSize);
    }
    expect(roots).toEqual([300, 301, 714]);
    const levels = await env.store.db
      .selectFrom('tree_nodes')
      .select(['level', 'idx'])
      .where('ceremony_id', '=', id)
      .execute();
    expect(levels.map((n) => `${n.level}/${n.idx}`).sort()).toEqual(['8/0', '8/1']);
    expect(levels.every((n) => isStoredLevel(n.level))).toBe(true);

    const leaves = await env.store.db
      .selectFrom('log_leaves')
      .select('hash')
      .where('ceremony_id', '=', id)
      .orderBy('idx')
      .execute();
    const hashes = leaves.map((l) => hexToBytes(l.hash));
    const read = nodeReader(env.store, id);
    const last = await env.store.db
      .selectFrom('checkpoints')
      .select('root')
      .where('ceremony_id', '=', id)
      .orderBy('batch', 'desc')
      .executeTakeFirstOrThrow();
    expect(await merkleRootHex(hashes)).toBe(last.root);
    for (const index of [0, 1, 127, 255, 256, 299, 300, 511, 512, 713])
      expect(await inclusionProofFromNodes(read, index, 714)).toEqual(await inclusionProof(hashes, index));
    for (const index of [0, 255, 300])
      expect(await inclusionProofFromNodes(read, index, 301)).toEqual(
        await inclusionProof(hashes.slice(0, 301), index),
      );
    for (const [m, n] of [
      [300, 301],
      [301, 714],
      [256, 714],
      [1, 714],
    ] as const)
      expect(await consistencyProofFromNodes(read, m, n)).toEqual(await consistencyProof(hashes.slice(0, n), m));
  });
});
