/**
 * Properties of the public side of the tally over random small awards (fast-check, issue 10): the order in which
 * ballots arrive changes nothing, and one more ballot for a nominee never hurts that nominee: it stays a finalist
 * under the public top-K rule (ties included or broken by the lot), and it never falls in the final order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOT, SECRET } from './support/tally';
import { computeFinalists, tally, type TallyBallot, type TallyInput, type TieStep } from '../src/tally';

const RUNS = { numRuns: 150 };
const CATS = ['c1', 'c2'];
const nomineesOf = (cat: string, n: number) => Array.from({ length: n }, (_, i) => `${cat}-n${i + 1}`);
const chain = fc.shuffledSubarray<TieStep>(['jury', 'public', 'lot'], { minLength: 1 });

/** Individual ballots (no counts) over two categories, some flagged. */
const award = fc
  .record({
    sizes: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    k: fc.integer({ min: 1, max: 4 }),
    ties: fc.constantFrom('include' as const, 'break' as const),
    finalTies: chain,
    weights: fc.record({ jury: fc.integer({ min: 0, max: 3 }), public: fc.integer({ min: 1, max: 3 }) }),
    picks: fc.array(fc.tuple(fc.nat(1), fc.nat(4), fc.boolean()), { maxLength: 40 }),
    scores: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 10, maxLength: 10 }),
  })
  .map(({ sizes, k, ties, finalTies, weights, picks, scores }) => {
    const categories = CATS.map((id, i) => ({ id, nominees: nomineesOf(id, sizes[i]!), winners: 1 }));
    const ballots: TallyBallot[] = picks.map(([c, n, flagged]) => {
      const cat = categories[c]!;
      return {
        category: cat.id,
        nominee: cat.nominees[n % cat.nominees.length]!,
        status: flagged ? 'flagged' : 'counted',
      };
    });
    return { categories, k, ties, finalTies, weights, ballots, scores };
  });

type Award = typeof award extends fc.Arbitrary<infer T> ? T : never;

/** The award with every nominee a finalist (organizer picks) and one rubric juror who scored each of them. */
function organizerInput(a: Award, ballots: TallyBallot[]): TallyInput {
  const all = a.categories.flatMap((c) => c.nominees);
  return {
    rules: {
      finalists: { mode: 'organizer' },
      jury: {
        mode: 'rubric',
        scale: [1, 10],
        criteria: [{ id: 'm', weight: 1 }],
        normalize: 'none',
        trim: 0,
        quorum: 0,
      },
      weights: a.weights,
      tieChain: a.finalTies,
    },
    lotSecret: SECRET,
    closingRoot: ROOT,
    categories: a.categories,
    ballots,
    wildcards: [],
    organizerFinalists: Object.fromEntries(a.categories.map((c) => [c.id, c.nominees])),
    institutions: [{ id: 'i', weight: 1 }],
    jurors: [{ id: 'j', institution: 'i', weight: 1 }],
    conflicts: [],
    sheets: all.map((nominee, i) => ({
      juror: 'j',
      category: nominee.split('-')[0]!,
      nominee,
      scores: { m: a.scores[i % a.scores.length]! },
    })),
  };
}

const publicRule = (a: Award) => ({ mode: 'public' as const, k: a.k, ties: a.ties, tieChain: ['lot' as const] });

/** The finalists the public top-K rule gives for these ballots. */
const publicFinalists = (a: Award, ballots: TallyBallot[]) =>
  computeFinalists({
    rules: { finalists: publicRule(a) },
    lotSecret: SECRET,
    closingRoot: ROOT,
    categories: a.categories,
    ballots,
    wildcards: [],
    organizerFinalists: {},
  });

describe('tally properties', () => {
  it('the order of the ballots changes nothing: finalists and the whole result', async () => {
    await fc.assert(
      fc.asyncProperty(award, fc.infiniteStream(fc.nat()), async (a, seeds) => {
        const shuffled = [...a.ballots];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = seeds.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(await publicFinalists(a, shuffled)).toEqual(await publicFinalists(a, a.ballots));
        expect(await tally(organizerInput(a, shuffled))).toEqual(await tally(organizerInput(a, a.ballots)));
      }),
      RUNS,
    );
  });

  it('one more ballot for a nominee keeps it a finalist under the public top K', async () => {
    await fc.assert(
      fc.asyncProperty(award, fc.nat(1), fc.nat(4), async (a, c, n) => {
        const cat = a.categories[c]!;
        const nominee = cat.nominees[n % cat.nominees.length]!;
        const finalistsWith = async (ballots: TallyBallot[]) =>
          (await publicFinalists(a, ballots)).categories.find((x) => x.id === cat.id)!.finalists.map((f) => f.nominee);
        const before = await finalistsWith(a.ballots);
        const after = await finalistsWith([...a.ballots, { category: cat.id, nominee, status: 'counted' }]);
        if (before.includes(nominee)) expect(after).toContain(nominee);
      }),
      RUNS,
    );
  });

  it('one more ballot for a nominee never moves it down the final order', async () => {
    await fc.assert(
      fc.asyncProperty(award, fc.nat(1), fc.nat(4), async (a, c, n) => {
        const cat = a.categories[c]!;
        const nominee = cat.nominees[n % cat.nominees.length]!;
        const place = async (ballots: TallyBallot[]) =>
          (await tally(organizerInput(a, ballots))).categories.find((x) => x.id === cat.id)!.order.indexOf(nominee);
        const before = await place(a.ballots);
        const after = await place([...a.ballots, { category: cat.id, nominee, status: 'counted' }]);
        expect(before).toBeGreaterThanOrEqual(0);
        expect(after).toBeLessThanOrEqual(before);
      }),
      RUNS,
    );
  });
});
