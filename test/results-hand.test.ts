/**
 * Results worked by hand through the real pipeline (issue 6): tiny awards are voted through the ballot API, closed,
 * judged through the jury API and finalized through the results API; the document, read back as the organizer,
 * must hold exactly the rationals worked out in the comments. Lots are recomputed with node:crypto from the secret
 * the finalization reveals. Every document is also recounted from its own input.
 *
 * Rubric awards use one `merit` criterion on the scale [0, 10], so a juror's score s gives x = s / 10.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requireAward } from '../src/ceremonies/service';
import type { ResultsDocument } from '../src/results/document';
import {
  type Pipeline,
  api,
  byId,
  call,
  castBallot,
  castVotes,
  closeVote,
  eventsOf,
  expectBundleVerifies,
  expectCategory,
  expectFinalists,
  expectRecount,
  finalistsComputed,
  finalize,
  handLot,
  idsOf,
  invitedJuror,
  openPipeline,
  rankSheet,
  readResults,
  scoreSheet,
  slugsByIdOrder,
  sortedIds,
} from './support/results';

const RUBRIC = { mode: 'rubric', scale: [0, 10], criteria: [{ id: 'merit', weight: 1 }] };

/**
 * Every award of these tests that got as far as finalization is also published and its audit bundle checked by
 * both verifiers (docs/audit.md §21): the hand-worked cases are the widest honest input the verifiers get.
 */
const opened: Pipeline[] = [];
async function pipeline(...args: Parameters<typeof openPipeline>): Promise<Pipeline> {
  const p = await openPipeline(...args);
  opened.push(p);
  return p;
}
afterEach(async () => {
  for (const p of opened.splice(0))
    if (['finalized', 'announced', 'amended'].includes((await requireAward(p.env, p.id)).ceremony.phase))
      await expectBundleVerifies(p);
});

/** The slug of a nominee id. */
const slugOf = (p: Pipeline, id: string) => Object.entries(p.nominee).find(([, v]) => v === id)![0];

describe('finalists at K', () => {
  it('ties: include lets every nominee tied at the K-th place in', async () => {
    const p = await pipeline('include', {
      rules: { finalists: { mode: 'public', k: 2, ties: 'include' }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
      categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c', 'd'] }],
    });
    await castVotes(p, 'mentor', { a: 2, b: 1, c: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['mentor'] });
    await closeVote(p);
    // a 2 votes, b 1, c 1, d 0. K = 2: a is above the K-th count (1); b and c are tied at it and both come in,
    // 3 finalists for K = 2 (tie-included); d has no vote, so is no candidate. Equal counts are listed by id.
    const tied = slugsByIdOrder(p, ['b', 'c']);
    const computed = await finalistsComputed(p);
    expect(computed.categories).toEqual([
      {
        category: p.category.mentor,
        finalists: [
          { nominee: p.nominee.a, why: 'top-k' },
          ...tied.map((s) => ({ nominee: p.nominee[s], why: 'tie-included' })),
        ],
      },
    ]);
    expect(computed.tieBreaks).toEqual([]);

    await scoreSheet(p, juror, 'mentor', { a: 5, b: 8, c: 2 });
    const { document: doc } = await finalize(p);
    // Public over the finalists (4 votes): a 2/4 = 1/2, b 1/4, c 1/4.
    // Jury x = s/10: a 1/2, b 4/5, c 1/5, sum 3/2 → shares a 1/3, b 8/15, c 2/15.
    // final = jury + public: a 1/3 + 1/2 = 5/6; b 8/15 + 1/4 = 47/60; c 2/15 + 1/4 = 23/60.
    expectCategory(p, doc, 'mentor', {
      public: { a: 2, b: 1, c: 1, d: 0 },
      finalists: [['a', 'organizer'], ...tied.map((s): [string, 'organizer'] => [s, 'organizer'])],
      jury: { a: '5', b: '8', c: '2' },
      juryShare: { a: '1/3', b: '8/15', c: '2/15' },
      publicShare: { a: '1/2', b: '1/4', c: '1/4' },
      final: { a: '5/6', b: '47/60', c: '23/60' },
      order: ['a', 'b', 'c'],
      winners: ['a'],
    });
    expect(doc.result.tieBreaks).toEqual([]);
    expect(doc.result.flags).toEqual([]);
    expect(doc.result.sensitivity).toEqual([
      { category: p.category.mentor, finalistsChange: false, winnersChange: false },
    ]);
    // The finalists are inputs of the document (organizer mode with the stored list); why is kept beside them.
    expect(doc.input.rules.finalists).toEqual({ mode: 'organizer' });
    expect(doc.finalists.rule).toEqual({ mode: 'public', k: 2, ties: 'include', tieChain: ['lot'] });
    expectFinalists(p, doc, 'mentor', [
      ['a', 'top-k', null],
      ...tied.map((s): [string, string, null] => [s, 'tie-included', null]),
    ]);
    await expectRecount(doc);
  });

  it('ties: break cuts the tied group by the committed lot, reproduced from the revealed secret', async () => {
    const p = await pipeline('break', {
      rules: {
        finalists: { mode: 'public', k: 2, ties: 'break', tieChain: ['lot'] },
        jury: RUBRIC,
        weights: { jury: 1, public: 1 },
      },
      categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c', 'd'] }],
    });
    await castVotes(p, 'mentor', { a: 2, b: 1, c: 1, d: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['mentor'] });
    await closeVote(p);
    // a 2 votes is in; b, c, d tie at the K-th count (1) for the one place left: the lot picks one (tie-broken).
    const computed = await finalistsComputed(p);
    expect(computed.tieBreaks).toEqual([
      { decision: `finalists:${p.category.mentor}`, nominees: sortedIds(p, ['b', 'c', 'd']), by: 'lot' },
    ]);
    const [top, drawn, ...rest] = computed.categories[0]!.finalists;
    expect(rest).toEqual([]);
    expect(top).toEqual({ nominee: p.nominee.a, why: 'top-k' });
    expect(drawn!.why).toBe('tie-broken');
    const l = slugOf(p, drawn!.nominee);

    await scoreSheet(p, juror, 'mentor', { a: 5, [l]: 5 });
    const { document: doc } = await finalize(p);

    // The lot by hand: S is revealed in the document and in the results.finalized event; the root is the closing
    // checkpoint's. SHA-256(S) is the commitment published when voting opened (the rules freeze).
    const [finalized] = await eventsOf(p, 'results.finalized');
    const secret = finalized!.payload.lotSecret as string;
    expect(doc.lot.secret).toBe(secret);
    const closing = (await eventsOf(p, 'ballots.checkpoint')).filter((e) => e.payload.closing === true);
    expect(closing).toHaveLength(1);
    expect(doc.closingCheckpoint.root).toBe(closing[0]!.payload.root);
    const lot = handLot(secret, doc.closingCheckpoint.root);
    const frozen = (await eventsOf(p, 'phase.changed')).find((e) => e.payload.to === 'voting')!;
    expect(lot.commitment).toBe(doc.lot.commitment);
    expect((frozen.payload.frozen as { lotCommitment: string }).lotCommitment).toBe(lot.commitment);
    expect(doc.lot.seed).toBe(lot.seed);
    expect(doc.details.lotSeed).toBe(lot.seed);
    // The first of b, c, d by SHA-256(seed || id) is the finalist the close drew.
    expect(lot.order(idsOf(p, ['b', 'c', 'd']))[0]).toBe(p.nominee[l]);

    // Public a 2/3, l 1/3; jury 5 and 5 → shares 1/2 each; final a 1/2 + 2/3 = 7/6, l 1/2 + 1/3 = 5/6.
    expectCategory(p, doc, 'mentor', {
      public: { a: 2, b: 1, c: 1, d: 1 },
      finalists: [
        ['a', 'organizer'],
        [l, 'organizer'],
      ],
      jury: { a: '5', [l]: '5' },
      juryShare: { a: '1/2', [l]: '1/2' },
      publicShare: { a: '2/3', [l]: '1/3' },
      final: { a: '7/6', [l]: '5/6' },
      order: ['a', l],
      winners: ['a'],
    });
    // The finalist tie-break was decided at close; the document's own tally has nothing left to break.
    expect(doc.result.tieBreaks).toEqual([]);
    expect(doc.result.flags).toEqual([]);
    expectFinalists(p, doc, 'mentor', [
      ['a', 'top-k', null],
      [l, 'tie-broken', null],
    ]);
    await expectRecount(doc);
  });
});

describe('wildcards', () => {
  it('never count toward K, carry their reason, and are the only finalists of a category without votes', async () => {
    const p = await pipeline('wild', {
      rules: { finalists: { mode: 'public', k: 1 }, jury: RUBRIC, weights: { jury: 7000, public: 3000 } },
      categories: [
        { slug: 'crowd', nominees: ['a', 'b', 'c', 'd'] },
        { slug: 'quiet', nominees: ['e', 'f', 'g'] },
      ],
    });
    const wildcard = async (category: string, nominee: string, reason: string) => {
      const res = await call(p, api(p, `/categories/${category}/finalists/wildcards`), { nominee, reason });
      expect(res.status, await res.clone().text()).toBe(201);
    };
    await castVotes(p, 'crowd', { a: 3, b: 2, c: 1 });
    // During voting: c and the two of the silent category; a too, whom the vote makes top-k anyway.
    await wildcard('crowd', 'c', 'Regional balance');
    await wildcard('crowd', 'a', 'Should not be needed');
    await wildcard('quiet', 'e', 'No region voted');
    await wildcard('quiet', 'f', 'No region voted either');
    const juror = await invitedJuror(p, { name: 'J', categories: ['crowd', 'quiet'] });
    await closeVote(p);
    // K = 1: a (3 votes) is the top-K; b (2 votes) is no finalist although it has more votes than the wildcard c:
    // wildcards come after the top K and take none of its places. a's wildcard falls away (a is top-k).
    expect((await finalistsComputed(p)).categories).toEqual([
      {
        category: p.category.crowd,
        finalists: [
          { nominee: p.nominee.a, why: 'top-k' },
          { nominee: p.nominee.c, why: 'wildcard' },
        ],
      },
      {
        category: p.category.quiet,
        finalists: [
          { nominee: p.nominee.e, why: 'wildcard' },
          { nominee: p.nominee.f, why: 'wildcard' },
        ],
      },
    ]);
    // During judging: d, with no vote at all, goes after the others.
    await wildcard('crowd', 'd', 'Late jury request');
    await scoreSheet(p, juror, 'crowd', { a: 2, c: 6, d: 10 });
    await scoreSheet(p, juror, 'quiet', { e: 2, f: 8 });
    const { document: doc } = await finalize(p);

    // crowd: public over the finalists (4 votes): a 3/4, c 1/4, d 0.
    // Jury x: a 1/5, c 3/5, d 1, sum 9/5 → shares a 1/9, c 1/3, d 5/9.
    // final = 7000 jury + 3000 public: a 7000/9 + 2250 = 27250/9; c 7000/3 + 750 = 9250/3 (= 27750/9);
    // d 35000/9 + 0. Order d, c, a: the wildcard with no vote wins on the jury.
    expectCategory(p, doc, 'crowd', {
      public: { a: 3, b: 2, c: 1, d: 0 },
      finalists: [
        ['a', 'organizer'],
        ['c', 'wildcard'],
        ['d', 'wildcard'],
      ],
      jury: { a: '2', c: '6', d: '10' },
      juryShare: { a: '1/9', c: '1/3', d: '5/9' },
      publicShare: { a: '3/4', c: '1/4', d: '0' },
      final: { a: '27250/9', c: '9250/3', d: '35000/9' },
      order: ['d', 'c', 'a'],
      winners: ['d'],
    });
    // quiet: no votes → public shares 1/2 each, flagged. Jury x: e 1/5, f 4/5 (sum 1) → shares 1/5, 4/5.
    // final: e 7000/5 + 3000/2 = 1400 + 1500 = 2900; f 5600 + 1500 = 7100.
    expectCategory(p, doc, 'quiet', {
      public: { e: 0, f: 0, g: 0 },
      finalists: [
        ['e', 'wildcard'],
        ['f', 'wildcard'],
      ],
      jury: { e: '2', f: '8' },
      juryShare: { e: '1/5', f: '4/5' },
      publicShare: { e: '1/2', f: '1/2' },
      final: { e: '2900', f: '7100' },
      order: ['f', 'e'],
      winners: ['f'],
    });
    expect(doc.result.flags).toEqual([{ category: p.category.quiet, flag: 'no-public-votes' }]);
    expect(doc.result.tieBreaks).toEqual([]);
    expectFinalists(p, doc, 'crowd', [
      ['a', 'top-k', null],
      ['c', 'wildcard', 'Regional balance'],
      ['d', 'wildcard', 'Late jury request'],
    ]);
    expectFinalists(p, doc, 'quiet', [
      ['e', 'wildcard', 'No region voted'],
      ['f', 'wildcard', 'No region voted either'],
    ]);
    // In the recountable input the wildcards stay wildcards, apart from the picked (top-K) list.
    expect(doc.input.organizerFinalists).toEqual({ [p.category.crowd!]: [p.nominee.a], [p.category.quiet!]: [] });
    // (Listed by category id, then place.)
    expect(doc.input.wildcards).toHaveLength(4);
    expect(doc.input.wildcards).toEqual(
      expect.arrayContaining([
        { category: p.category.crowd, nominee: p.nominee.c, reason: 'Regional balance' },
        { category: p.category.crowd, nominee: p.nominee.d, reason: 'Late jury request' },
        { category: p.category.quiet, nominee: p.nominee.e, reason: 'No region voted' },
        { category: p.category.quiet, nominee: p.nominee.f, reason: 'No region voted either' },
      ]),
    );
    await expectRecount(doc);
  });
});

describe('ties in the final order', () => {
  it('jury: equal final, the higher jury share wins; lot: everything equal, the committed lot decides', async () => {
    const p = await pipeline('final-ties', {
      rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
      categories: [
        { slug: 'by-jury', nominees: ['a', 'b'] },
        { slug: 'by-lot', nominees: ['c', 'd'] },
      ],
    });
    await castVotes(p, 'by-jury', { a: 2, b: 1 });
    await castVotes(p, 'by-lot', { c: 1, d: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['by-jury', 'by-lot'] });
    await closeVote(p);
    await scoreSheet(p, juror, 'by-jury', { a: 3, b: 6 });
    await scoreSheet(p, juror, 'by-lot', { c: 5, d: 5 });
    const { document: doc } = await finalize(p);

    // by-jury: public a 2/3, b 1/3; jury x 3/10, 6/10 → shares 1/3, 2/3; final a 1/3 + 2/3 = 1, b 2/3 + 1/3 = 1.
    // Tied: the chain's first step, jury, puts b (2/3) before a (1/3).
    expectCategory(p, doc, 'by-jury', {
      public: { a: 2, b: 1 },
      finalists: [
        ['a', 'organizer'],
        ['b', 'organizer'],
      ],
      jury: { a: '3', b: '6' },
      juryShare: { a: '1/3', b: '2/3' },
      publicShare: { a: '2/3', b: '1/3' },
      final: { a: '1', b: '1' },
      order: ['b', 'a'],
      winners: ['b'],
    });
    // by-lot: 1 vote each, 5 each: every share 1/2, final 1 each; jury and public cannot split them, the lot does.
    const lot = handLot(doc.lot.secret, doc.closingCheckpoint.root);
    const drawn = lot.order(idsOf(p, ['c', 'd'])).map((id) => slugOf(p, id));
    expectCategory(p, doc, 'by-lot', {
      public: { c: 1, d: 1 },
      finalists: slugsByIdOrder(p, ['c', 'd']).map((s): [string, 'organizer'] => [s, 'organizer']),
      jury: { c: '5', d: '5' },
      juryShare: { c: '1/2', d: '1/2' },
      publicShare: { c: '1/2', d: '1/2' },
      final: { c: '1', d: '1' },
      order: drawn,
      winners: drawn.slice(0, 1),
    });
    expect(doc.result.tieBreaks).toEqual([
      { decision: `final:${p.category['by-jury']}`, nominees: sortedIds(p, ['a', 'b']), by: 'jury' },
      { decision: `final:${p.category['by-lot']}`, nominees: sortedIds(p, ['c', 'd']), by: 'lot' },
    ]);
    expect(doc.result.flags).toEqual([]);
    await expectRecount(doc);
  });

  it('jury-only weights: public shares do not count, and only break a tie (public: more votes)', async () => {
    const p = await pipeline('jury-only', {
      rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 1, public: 0 } },
      categories: [
        { slug: 'even', nominees: ['a', 'b'] },
        { slug: 'panel', nominees: ['c', 'd'] },
      ],
    });
    await castVotes(p, 'even', { a: 3, b: 1 });
    await castVotes(p, 'panel', { c: 1, d: 5 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['even', 'panel'] });
    await closeVote(p);
    await scoreSheet(p, juror, 'even', { a: 7, b: 7 });
    await scoreSheet(p, juror, 'panel', { c: 9, d: 3 });
    const { document: doc } = await finalize(p);

    // even: jury shares 1/2 each, so final = 1 x 1/2 + 0 x public = 1/2 each; jury cannot split; public: a has
    // 3 votes to b's 1 → a first. Public shares are still published: 3/4, 1/4.
    expectCategory(p, doc, 'even', {
      public: { a: 3, b: 1 },
      finalists: [
        ['a', 'organizer'],
        ['b', 'organizer'],
      ],
      jury: { a: '7', b: '7' },
      juryShare: { a: '1/2', b: '1/2' },
      publicShare: { a: '3/4', b: '1/4' },
      final: { a: '1/2', b: '1/2' },
      order: ['a', 'b'],
      winners: ['a'],
    });
    // panel: d has 5 of 6 votes but x 3/10 against c's 9/10 → jury shares c 3/4, d 1/4 = final. c wins.
    expectCategory(p, doc, 'panel', {
      public: { c: 1, d: 5 },
      finalists: [
        ['d', 'organizer'],
        ['c', 'organizer'],
      ],
      jury: { c: '9', d: '3' },
      juryShare: { c: '3/4', d: '1/4' },
      publicShare: { c: '1/6', d: '5/6' },
      final: { c: '3/4', d: '1/4' },
      order: ['c', 'd'],
      winners: ['c'],
    });
    expect(doc.result.tieBreaks).toEqual([
      { decision: `final:${p.category.even}`, nominees: sortedIds(p, ['a', 'b']), by: 'public' },
    ]);
    expect(doc.result.flags).toEqual([]);
    await expectRecount(doc);
  });

  it('public-only weights: the jury does not count, and only breaks a tie', async () => {
    const p = await pipeline('public-only', {
      rules: { finalists: { mode: 'public', k: 3 }, jury: RUBRIC, weights: { jury: 0, public: 1 } },
      categories: [{ slug: 'crowd', nominees: ['a', 'b', 'c'] }],
    });
    await castVotes(p, 'crowd', { a: 2, b: 1, c: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['crowd'] });
    await closeVote(p);
    await scoreSheet(p, juror, 'crowd', { a: 1, b: 3, c: 9 });
    const { document: doc } = await finalize(p);
    // final = public share: a 2/4 = 1/2, b 1/4, c 1/4. Jury x 1/10, 3/10, 9/10 (sum 13/10) → 1/13, 3/13, 9/13:
    // a wins on votes alone although its jury share is the lowest; b and c tie, jury puts c (9/13) first.
    expectCategory(p, doc, 'crowd', {
      public: { a: 2, b: 1, c: 1 },
      finalists: [
        ['a', 'organizer'],
        ...slugsByIdOrder(p, ['b', 'c']).map((s): [string, 'organizer'] => [s, 'organizer']),
      ],
      jury: { a: '1', b: '3', c: '9' },
      juryShare: { a: '1/13', b: '3/13', c: '9/13' },
      publicShare: { a: '1/2', b: '1/4', c: '1/4' },
      final: { a: '1/2', b: '1/4', c: '1/4' },
      order: ['a', 'c', 'b'],
      winners: ['a'],
    });
    expect(doc.result.tieBreaks).toEqual([
      { decision: `final:${p.category.crowd}`, nominees: sortedIds(p, ['b', 'c']), by: 'jury' },
    ]);
    await expectRecount(doc);
  });
});

describe('edge categories', () => {
  it('one finalist, no submitted jury sheet, and no finalist at all', async () => {
    const p = await pipeline('edges', {
      rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 7000, public: 3000 } },
      categories: [
        { slug: 'solo', nominees: ['a', 'b'] },
        { slug: 'unsubmitted', nominees: ['c', 'd'] },
        { slug: 'empty', nominees: ['e', 'f'] },
      ],
    });
    await castVotes(p, 'solo', { a: 2 });
    await castVotes(p, 'unsubmitted', { c: 2, d: 1 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['solo', 'unsubmitted'] });
    await closeVote(p);
    await scoreSheet(p, juror, 'solo', { a: 4 });
    // Scored but never submitted: the sheet does not count.
    await scoreSheet(p, juror, 'unsubmitted', { c: 9, d: 1 }, { submit: false });
    const { document: doc } = await finalize(p);

    // solo: b has no vote, so a is the only finalist: both shares 1/1, final 7000 + 3000 = 10000.
    expectCategory(p, doc, 'solo', {
      public: { a: 2, b: 0 },
      finalists: [['a', 'organizer']],
      jury: { a: '4' },
      juryShare: { a: '1' },
      publicShare: { a: '1' },
      final: { a: '10000' },
      order: ['a'],
      winners: ['a'],
    });
    // unsubmitted: nobody's submitted sheet → jury null, shares 1/2 each (no-jury), and each finalist has 0
    // scorers against the default quorum of 1 (below-quorum). Public c 2/3, d 1/3.
    // final c 3500 + 2000 = 5500, d 3500 + 1000 = 4500.
    expectCategory(p, doc, 'unsubmitted', {
      public: { c: 2, d: 1 },
      finalists: [
        ['c', 'organizer'],
        ['d', 'organizer'],
      ],
      jury: { c: null, d: null },
      juryShare: { c: '1/2', d: '1/2' },
      publicShare: { c: '2/3', d: '1/3' },
      final: { c: '5500', d: '4500' },
      order: ['c', 'd'],
      winners: ['c'],
    });
    // empty: no votes and no wildcard → no finalist and no winner.
    expectCategory(p, doc, 'empty', {
      public: { e: 0, f: 0 },
      finalists: [],
      jury: {},
      juryShare: {},
      publicShare: {},
      final: {},
      order: [],
      winners: [],
    });
    expect(doc.result.flags).toEqual([
      { category: p.category.unsubmitted, nominee: p.nominee.c, flag: 'below-quorum' },
      { category: p.category.unsubmitted, nominee: p.nominee.d, flag: 'below-quorum' },
      { category: p.category.unsubmitted, flag: 'no-jury' },
      { category: p.category.empty, flag: 'no-jury' },
      { category: p.category.empty, flag: 'no-public-votes' },
    ]);
    // The unsubmitted scores are nowhere in the recountable input.
    expect(doc.input.sheets).toHaveLength(1);
    await expectRecount(doc);
  });
});

const withdrawalAward = (name: string) =>
  pipeline(name, {
    rules: { finalists: { mode: 'public', k: 3 }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
    categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c'] }],
  });

/** The organizer withdraws a nominee on their behalf (consent API). */
async function withdraw(p: Pipeline, nominee: string) {
  const res = await call(p, api(p, `/nominees/${nominee}/withdraw`), { reason: 'Moved abroad' });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** a 3 votes, b 2 (withdrawn), c 1; every counted juror gave a 4 and c 8 (worked out in the first test). */
function expectWithdrawnResult(p: Pipeline, doc: ResultsDocument) {
  expectCategory(p, doc, 'mentor', {
    public: { a: 3, c: 1 },
    finalists: [
      ['a', 'organizer'],
      ['c', 'organizer'],
    ],
    jury: { a: '4', c: '8' },
    juryShare: { a: '1/3', c: '2/3' },
    publicShare: { a: '3/4', c: '1/4' },
    final: { a: '13/12', c: '11/12' },
    order: ['a', 'c'],
    winners: ['a'],
  });
  expectFinalists(p, doc, 'mentor', [
    ['a', 'top-k', null],
    ['c', 'top-k', null],
  ]);
  expect(doc.input.categories[0]!.nominees).toEqual(idsOf(p, ['a', 'c']));
  expect(doc.result.flags).toEqual([]);
}

describe('withdrawal and review', () => {
  it('a finalist withdrawn while judging: ballots voided, no finalist, the others’ shares renormalize', async () => {
    const p = await withdrawalAward('withdrawn');
    const trackers = await castVotes(p, 'mentor', { a: 3, b: 2, c: 1 });
    const early = await invitedJuror(p, { name: 'Early', categories: ['mentor'] });
    const late = await invitedJuror(p, { name: 'Late', categories: ['mentor'] });
    await closeVote(p);
    // Both jurors score the three finalists and submit; then b withdraws.
    await scoreSheet(p, early, 'mentor', { a: 4, b: 10, c: 8 });
    await scoreSheet(p, late, 'mentor', { a: 4, b: 0, c: 8 });
    await withdraw(p, 'b');
    const bBallots = await p.env.store.db
      .selectFrom('ballots')
      .select(['tracker', 'status', 'reason'])
      .where('nominee_id', '=', p.nominee.b!)
      .orderBy('tracker')
      .execute();
    expect(bBallots).toEqual(
      [...trackers.b!].sort().map((tracker) => ({ tracker, status: 'voided', reason: 'nominee-withdrawn' })),
    );
    const { document: doc } = await finalize(p);

    // b is on no ballot any more: the category counts a 3, c 1 (b's 2 voided). Public shares over a and c:
    // 3/4, 1/4 (they were 3/6 and 1/6 with b). Jury: both jurors gave a 4 and c 8 → x 2/5, 4/5 → shares 1/3,
    // 2/3 (b's 10 and 0 are left out). final a 1/3 + 3/4 = 13/12, c 2/3 + 1/4 = 11/12.
    // (With b, jury 5: x 2/5, 1/2, 4/5 → shares 4/17, 5/17, 8/17; final a 4/17 + 1/2 = 25/34,
    // b 5/17 + 1/3 = 32/51, c 8/17 + 1/6 = 65/102: a would have won as well, by less.)
    expectWithdrawnResult(p, doc);
    // The jury scored b, but b is no finalist: no scorer of b enters the tally.
    const jury = doc.details.categories[0]!.jury;
    expect(jury.mode === 'rubric' && Object.keys(jury.scorers).sort()).toEqual(sortedIds(p, ['a', 'c']));
    await expectRecount(doc);
  });

  // BUG (src/jury/service.ts loadJury/sheetOf, src/ballots/withdrawal.ts): a finalist's row stays in `finalists`
  // after they withdraw, so a juror who has not submitted yet must still score (or rank) the withdrawn nominee:
  // submitting with the remaining finalists is refused with 409 sheet-incomplete ("2 of 3 done").
  it('a juror who had not submitted when a finalist withdrew submits without them', async () => {
    const p = await withdrawalAward('withdrawn-late');
    await castVotes(p, 'mentor', { a: 3, b: 2, c: 1 });
    const early = await invitedJuror(p, { name: 'Early', categories: ['mentor'] });
    const late = await invitedJuror(p, { name: 'Late', categories: ['mentor'] });
    await closeVote(p);
    await scoreSheet(p, early, 'mentor', { a: 4, b: 10, c: 8 });
    await withdraw(p, 'b');
    // The late juror's sheet holds the two finalists left.
    await scoreSheet(p, late, 'mentor', { a: 4, c: 8 });
    const { document: doc } = await finalize(p);
    // The same figures as above: both jurors gave a 4 and c 8.
    expectWithdrawnResult(p, doc);
  });

  it('flagged ballots count but the sensitivity line shows they decide; voided ones do not count', async () => {
    const p = await pipeline(
      'review',
      {
        rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
        categories: [{ slug: 'mentor', nominees: ['a', 'b', 'c'] }],
      },
      { TRUST_PROXY: 'x-forwarded-for' },
    );
    const honest = await castVotes(p, 'mentor', { a: 3, c: 1 });
    // Three ballots for b from one /24: a network group.
    const crowd: string[] = [];
    for (let i = 1; i <= 3; i++) crowd.push(await castBallot(p, 'mentor', 'b', `203.0.113.${i}`));
    const groups = (await (await call(p, api(p, '/review/groups?min=3'))).json()) as {
      groups: { network: string; ballots: number }[];
    };
    expect(groups.groups.map((g) => g.ballots)).toEqual([3]);
    const flagged = await call(p, api(p, '/review/flag'), { network: groups.groups[0]!.network, reason: 'automated' });
    expect(flagged.status, await flagged.clone().text()).toBe(200);
    const juror = await invitedJuror(p, { name: 'J', categories: ['mentor'] });
    await closeVote(p);
    // At close: a 3, b 3 (flagged, still counted), c 1 → a and b above c: both top-k (K = 2). The flags are
    // frozen and published with the finalists.
    const computed = await finalistsComputed(p);
    expect(computed.flagged).toEqual([...crowd].sort());
    expect(computed.categories[0]!.finalists).toEqual(
      slugsByIdOrder(p, ['a', 'b']).map((s) => ({ nominee: p.nominee[s], why: 'top-k' })),
    );
    // While judging, one of a's ballots turns out to be a second ballot of one person: voided.
    const voided = await call(p, api(p, '/review/void'), { trackers: [honest.a![0]], reason: 'duplicate-person' });
    expect(voided.status, await voided.clone().text()).toBe(200);
    await scoreSheet(p, juror, 'mentor', { a: 5, b: 5 });
    const { document: doc } = await finalize(p);

    // Counted: a 2 (one voided), b 3 flagged, c 1. Public over the finalists a, b: 2/5, 3/5.
    // Jury 5 and 5 → 1/2 each. final a 1/2 + 2/5 = 9/10, b 1/2 + 3/5 = 11/10: b wins.
    expectCategory(p, doc, 'mentor', {
      public: { a: 2, b: 3, c: 1 },
      finalists: slugsByIdOrder(p, ['a', 'b']).map((s): [string, 'organizer'] => [s, 'organizer']),
      jury: { a: '5', b: '5' },
      juryShare: { a: '1/2', b: '1/2' },
      publicShare: { a: '2/5', b: '3/5' },
      final: { a: '9/10', b: '11/10' },
      order: ['b', 'a'],
      winners: ['b'],
    });
    // Without the flagged ballots, among the same finalists: a 2, b 0 → public 1, 0 → final a 3/2, b 1/2: a
    // would win (winnersChange). The finalist set is an input of the document (its sensitivity says false);
    // under the award's own rule (top 2 of a 2, c 1) the finalists would be a and c (changeWithoutFlagged).
    expect(doc.result.sensitivity).toEqual([
      { category: p.category.mentor, finalistsChange: false, winnersChange: true },
    ]);
    expect(doc.details.categories[0]!.publicWithoutFlagged).toEqual(byId(p, { a: 2, b: 0, c: 1 }));
    expect(doc.details.categories[0]!.sensitivity.winners).toEqual(idsOf(p, ['a']));
    expectFinalists(
      p,
      doc,
      'mentor',
      slugsByIdOrder(p, ['a', 'b']).map((s): [string, string, null] => [s, 'top-k', null]),
      true,
    );
    // The input holds the flagged ballots as such (aggregated), and no voided ones.
    expect(doc.input.ballots).toEqual(
      expect.arrayContaining([
        { category: p.category.mentor, nominee: p.nominee.a, status: 'counted', count: 2 },
        { category: p.category.mentor, nominee: p.nominee.b, status: 'flagged', count: 3 },
        { category: p.category.mentor, nominee: p.nominee.c, status: 'counted', count: 1 },
      ]),
    );
    expect(doc.input.ballots).toHaveLength(3);
    await expectRecount(doc);
  });
});

describe('ranking mode', () => {
  it('Borda rankings, institution means and tables with a public tie-break, weighted institutions', async () => {
    const p = await pipeline('ranking', {
      rules: {
        finalists: { mode: 'public', k: 3 },
        jury: {
          mode: 'ranking',
          rankPoints: { kind: 'borda' },
          institutionTable: [5, 3, 1],
          institutionTieChain: ['public', 'lot'],
        },
        weights: { jury: 3, public: 1 },
      },
      categories: [{ slug: 'practice', nominees: ['a', 'b', 'c'], winners: 2 }],
      institutions: { ministry: 2, ngo: 1 },
    });
    await castVotes(p, 'practice', { a: 2, b: 1, c: 1 });
    const m1 = await invitedJuror(p, { name: 'M1', institution: 'ministry', categories: ['practice'] });
    const m2 = await invitedJuror(p, { name: 'M2', institution: 'ministry', categories: ['practice'] });
    const n1 = await invitedJuror(p, { name: 'N1', institution: 'ngo', categories: ['practice'] });
    await closeVote(p);
    await rankSheet(p, m1, 'practice', ['a', 'b', 'c']);
    await rankSheet(p, m2, 'practice', ['b', 'a', 'c']);
    await rankSheet(p, n1, 'practice', ['c', 'b', 'a']);
    const { document: doc } = await finalize(p);

    // Borda, 3 ranked: rank r gives 3 - r = 2, 1, 0.
    // ministry (M1 a b c, M2 b a c): means a (2+1)/2 = 3/2, b (1+2)/2 = 3/2, c 0. a and b tie inside the
    // ministry: the institution chain's first step, public, puts a (2 votes) before b (1). Table 5, 3, 1:
    // a 5, b 3, c 1. ngo (N1 c b a): c 2, b 1, a 0 → c 5, b 3, a 1.
    // Jury = sum of institution weight x table points: a 2x5 + 1x1 = 11, b 2x3 + 3 = 9, c 2x1 + 5 = 7 (sum 27)
    // → shares 11/27, 1/3, 7/27. Public a 2/4 = 1/2, b 1/4, c 1/4.
    // final = 3 jury + 1 public: a 11/9 + 1/2 = 31/18; b 1 + 1/4 = 5/4; c 7/9 + 1/4 = 37/36. Two winners: a, b.
    expectCategory(p, doc, 'practice', {
      public: { a: 2, b: 1, c: 1 },
      finalists: [
        ['a', 'organizer'],
        ...slugsByIdOrder(p, ['b', 'c']).map((s): [string, 'organizer'] => [s, 'organizer']),
      ],
      jury: { a: '11', b: '9', c: '7' },
      juryShare: { a: '11/27', b: '1/3', c: '7/27' },
      publicShare: { a: '1/2', b: '1/4', c: '1/4' },
      final: { a: '31/18', b: '5/4', c: '37/36' },
      order: ['a', 'b', 'c'],
      winners: ['a', 'b'],
    });
    const { ministry, ngo } = p.institution as { ministry: string; ngo: string };
    expect(doc.result.tieBreaks).toEqual([
      { decision: `institution:${ministry}:${p.category.practice}`, nominees: sortedIds(p, ['a', 'b']), by: 'public' },
    ]);
    expect(doc.result.flags).toEqual([]);
    const jury = doc.details.categories[0]!.jury;
    expect(jury.mode).toBe('ranking');
    if (jury.mode !== 'ranking') return;
    expect(jury.institutionMeans).toEqual(
      byId(p, {
        a: { [ministry]: '3/2', [ngo]: '0' },
        b: { [ministry]: '3/2', [ngo]: '1' },
        c: { [ministry]: '0', [ngo]: '2' },
      }),
    );
    expect(jury.institutionTable).toEqual({
      [ministry]: { order: idsOf(p, ['a', 'b', 'c']), points: byId(p, { a: 5, b: 3, c: 1 }) },
      [ngo]: { order: idsOf(p, ['c', 'b', 'a']), points: byId(p, { c: 5, b: 3, a: 1 }) },
    });
    await expectRecount(doc);
  });
});

describe('corrections', () => {
  it('after the announcement, voided ballots and an amendment: v2 as worked by hand, citing v1', async () => {
    const p = await pipeline('amend', {
      rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
      categories: [{ slug: 'mentor', nominees: ['a', 'b'] }],
    });
    const trackers = await castVotes(p, 'mentor', { a: 3, b: 2 });
    const juror = await invitedJuror(p, { name: 'J', categories: ['mentor'] });
    await closeVote(p);
    await scoreSheet(p, juror, 'mentor', { a: 5, b: 5 });
    const v1 = await finalize(p);
    // v1: public a 3/5, b 2/5; jury 1/2 each; final a 1/2 + 3/5 = 11/10, b 1/2 + 2/5 = 9/10: a wins.
    const v1Expected = {
      public: { a: 3, b: 2 },
      finalists: [
        ['a', 'organizer'],
        ['b', 'organizer'],
      ] as [string, 'organizer'][],
      jury: { a: '5', b: '5' },
      juryShare: { a: '1/2', b: '1/2' },
      publicShare: { a: '3/5', b: '2/5' },
      final: { a: '11/10', b: '9/10' },
      order: ['a', 'b'],
      winners: ['a'],
    };
    expectCategory(p, v1.document, 'mentor', v1Expected);
    expect((await call(p, api(p, '/results/announce'), {})).status).toBe(200);

    // Two of a's ballots were bought: voided after the announcement, then the correction.
    const voided = await call(p, api(p, '/review/void'), { trackers: trackers.a!.slice(0, 2), reason: 'purchased' });
    expect(voided.status, await voided.clone().text()).toBe(200);
    const reason = 'Two purchased ballots for A were voided.';
    const amended = await call(p, api(p, '/results/amend'), { reason });
    expect(amended.status, await amended.clone().text()).toBe(201);
    const v2 = await readResults(p);

    // v2: a 1, b 2 → public 1/3, 2/3; final a 1/2 + 1/3 = 5/6, b 1/2 + 2/3 = 7/6: b wins now.
    expect(v2.version).toBe(2);
    expectCategory(p, v2.document, 'mentor', {
      ...v1Expected,
      public: { a: 1, b: 2 },
      publicShare: { a: '1/3', b: '2/3' },
      final: { a: '5/6', b: '7/6' },
      order: ['b', 'a'],
      winners: ['b'],
    });
    expect(v2.document.supersedes).toEqual({ version: 1, hash: v1.hash });
    expect(v2.document.reason).toBe(reason);
    const [event] = await eventsOf(p, 'results.amended');
    expect(event!.payload).toMatchObject({ version: 2, hash: v2.hash, supersedes: v1.hash, reason });
    // Same close, same lot, same finalists; only the count changed.
    expect(v2.document.lot).toEqual(v1.document.lot);
    expect(v2.document.closingCheckpoint).toEqual(v1.document.closingCheckpoint);
    expect(v2.document.finalists).toEqual(v1.document.finalists);
    // v1 stays as it was, and everyone now reads v2.
    const again = await readResults(p, 1);
    expect(again.hash).toBe(v1.hash);
    expectCategory(p, again.document, 'mentor', v1Expected);
    const open = await p.env.app.request(api(p, '/results'));
    expect(((await open.json()) as { hash: string }).hash).toBe(v2.hash);
    await expectRecount(v2.document);
  });
});
