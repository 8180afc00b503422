/**
 * Properties of the jury aggregation over random small awards (fast-check): weights are relative, rubric scores
 * stay on the scale and shares add up to 1, and the tally does not depend on the order of the score sheets.
 * Finalists are picked by organizers so that the jury part is what varies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { published, ROOT, SECRET } from './support/tally';
import {
  Rational,
  tally,
  type Conflict,
  type JuryRule,
  type RankingRule,
  type RubricRule,
  type ScoreSheet,
  type TallyBallot,
  type TallyInput,
  type TallyResult,
  type TieStep,
} from '../src/tally';

const CAT = 'cat';
const RUNS = { numRuns: 150 };

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const weight = fc.integer({ min: 1, max: 5 });
const chain = fc.shuffledSubarray<TieStep>(['jury', 'public', 'lot'], { minLength: 1 });

const rubricRule: fc.Arbitrary<RubricRule> = fc
  .record({
    lo: fc.integer({ min: 0, max: 2 }),
    range: fc.integer({ min: 1, max: 9 }),
    criteria: fc.array(weight, { minLength: 1, maxLength: 3 }),
    normalize: fc.constantFrom('none', 'zscore'),
    trim: fc.integer({ min: 0, max: 2 }),
    quorum: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ lo, range, criteria, normalize, trim, quorum }): RubricRule => ({
    mode: 'rubric',
    scale: [lo, lo + range],
    criteria: criteria.map((w, i) => ({ id: `c${i + 1}`, weight: w })),
    normalize,
    trim,
    quorum,
  }));

const rankingRule: fc.Arbitrary<RankingRule> = fc.record(
  {
    mode: fc.constant('ranking' as const),
    rankPoints: fc.oneof(
      fc.constant({ kind: 'borda' as const }),
      fc.record({ kind: fc.constant('list' as const), points: fc.array(fc.nat(12), { minLength: 1, maxLength: 5 }) }),
      fc.record({
        kind: fc.constant('exponential' as const),
        top: fc.integer({ min: 1, max: 12 }),
        base: fc.constantFrom('0.5', '0.8', '0.827', '1'),
      }),
    ),
    institutionTable: fc.array(fc.nat(12), { minLength: 1, maxLength: 4 }),
    institutionTieChain: chain,
  },
  { requiredKeys: ['mode', 'rankPoints', 'institutionTieChain'] },
);

/** Everything but the score sheets and conflicts, which depend on who is on the panel. */
const shape = fc.record({
  finalists: fc.integer({ min: 2, max: 5 }).map((n) => ids('n', n)),
  /** Per institution: its weight and its jurors' weights. */
  panel: fc.array(fc.record({ weight, jurors: fc.array(weight, { minLength: 1, maxLength: 4 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
  jury: fc.oneof(rubricRule, rankingRule) as fc.Arbitrary<JuryRule>,
  weights: fc
    .record({ jury: fc.integer({ min: 0, max: 5 }), public: fc.integer({ min: 0, max: 5 }) })
    .filter((w) => w.jury + w.public > 0),
  tieChain: chain,
  winners: fc.integer({ min: 1, max: 2 }),
});

const award: fc.Arbitrary<TallyInput> = shape.chain((s) => {
  const institutions = s.panel.map((p, i) => ({ id: `i${i + 1}`, weight: p.weight }));
  const jurors = s.panel.flatMap((p, i) =>
    p.jurors.map((w, j) => ({ id: `j${i + 1}-${j + 1}`, institution: `i${i + 1}`, weight: w })),
  );
  const possibleConflicts: Conflict[] = s.finalists.flatMap((nominee) => [
    ...jurors.map((j) => ({ juror: j.id, nominee })),
    ...institutions.map((inst) => ({ institution: inst.id, nominee })),
  ]);
  const jury = s.jury;
  const sheets: fc.Arbitrary<ScoreSheet[]> =
    jury.mode === 'rubric'
      ? fc
          .tuple(
            ...jurors.flatMap((j) =>
              s.finalists.map((nominee) =>
                fc.option(
                  fc
                    .tuple(...jury.criteria.map(() => fc.integer({ min: jury.scale[0], max: jury.scale[1] })))
                    .map((scores): ScoreSheet => ({
                      juror: j.id,
                      category: CAT,
                      nominee,
                      scores: Object.fromEntries(jury.criteria.map((c, i) => [c.id, scores[i] as number])),
                    })),
                  { nil: undefined },
                ),
              ),
            ),
          )
          .map((all) => all.filter((sheet) => sheet !== undefined))
      : fc
          .tuple(
            ...jurors.map((j) =>
              fc.option(
                fc
                  .shuffledSubarray(s.finalists)
                  .map((ranking): ScoreSheet => ({ juror: j.id, category: CAT, ranking })),
                { nil: undefined },
              ),
            ),
          )
          .map((all) => all.filter((sheet) => sheet !== undefined));
  const ballot = fc.record({
    nominee: fc.constantFrom(...s.finalists),
    status: fc.constantFrom<TallyBallot['status']>('counted', 'counted', 'flagged', 'voided'),
    count: fc.integer({ min: 1, max: 4 }),
  });
  return fc
    .record({
      conflicts: fc.subarray(possibleConflicts, { maxLength: 4 }),
      sheets,
      ballots: fc.array(ballot, { maxLength: 8 }),
    })
    .map(({ conflicts, sheets, ballots }): TallyInput => ({
      rules: {
        finalists: { mode: 'organizer' },
        jury,
        weights: s.weights,
        tieChain: s.tieChain,
      },
      lotSecret: SECRET,
      closingRoot: ROOT,
      categories: [{ id: CAT, nominees: s.finalists, winners: s.winners }],
      ballots: ballots.map((b) => ({ ...b, category: CAT })),
      wildcards: [],
      organizerFinalists: { [CAT]: s.finalists },
      institutions,
      jurors,
      conflicts,
      sheets,
    }));
});

const factor = fc.integer({ min: 2, max: 7 });

/** `values` with every non-null rational divided by `c`. */
function divided<T extends string | null>(values: Record<string, T>, c: number): Record<string, T> {
  return Object.fromEntries(
    Object.entries(values).map(([id, v]) => [
      id,
      v === null ? v : Rational.parse(v).div(Rational.fromInt(c)).toString(),
    ]),
  ) as Record<string, T>;
}

/** `result` with the given figures of each category divided by `c`, to compare with an unscaled tally. */
function unscale(result: TallyResult, c: number, what: 'jury' | 'final'): Omit<TallyResult, 'details'> {
  const out = published(result);
  return {
    ...out,
    categories: out.categories.map((cat) =>
      what === 'jury' ? { ...cat, jury: divided(cat.jury, c) } : { ...cat, final: divided(cat.final, c) },
    ),
  };
}

describe('jury properties', () => {
  it('multiplying every juror weight by c changes nothing, details included', async () => {
    await fc.assert(
      fc.asyncProperty(award, factor, async (input, c) => {
        const scaled = { ...input, jurors: input.jurors.map((j) => ({ ...j, weight: j.weight * c })) };
        expect(await tally(scaled)).toEqual(await tally(input));
      }),
      RUNS,
    );
  });

  it('multiplying every institution weight by c changes nothing (ranking jury scores, a weighted sum, scale by c)', async () => {
    await fc.assert(
      fc.asyncProperty(award, factor, async (input, c) => {
        const scaled = await tally({
          ...input,
          institutions: input.institutions.map((inst) => ({ ...inst, weight: inst.weight * c })),
        });
        const base = await tally(input);
        // Rubric: a weighted mean over institutions, so the same. Ranking: sum of weight x points, so c times;
        // shares, final, order, winners, flags and tie-breaks are the same either way.
        if (input.rules.jury.mode === 'rubric') expect(published(scaled)).toEqual(published(base));
        else expect(unscale(scaled, c, 'jury')).toEqual(published(base));
      }),
      RUNS,
    );
  });

  it('multiplying every criterion weight by c changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(award, factor, async (input, c) => {
        const jury = input.rules.jury;
        if (jury.mode !== 'rubric') return;
        const criteria = jury.criteria.map((k) => ({ ...k, weight: k.weight * c }));
        const scaled = { ...input, rules: { ...input.rules, jury: { ...jury, criteria } } };
        expect(await tally(scaled)).toEqual(await tally(input));
      }),
      RUNS,
    );
  });

  it('multiplying both final weights by c multiplies final by c and changes nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(award, factor, async (input, c) => {
        const { jury, public: pub } = input.rules.weights;
        const scaled = await tally({
          ...input,
          rules: { ...input.rules, weights: { jury: jury * c, public: pub * c } },
        });
        expect(unscale(scaled, c, 'final')).toEqual(published(await tally(input)));
      }),
      RUNS,
    );
  });

  it('rubric jury scores stay on the scale; jury shares lie in [0, 1] and add up to 1', async () => {
    await fc.assert(
      fc.asyncProperty(award, async (input) => {
        const result = await tally(input);
        const jury = input.rules.jury;
        for (const cat of result.categories) {
          if (jury.mode === 'rubric') {
            const [lo, hi] = jury.scale.map((v) => Rational.fromInt(v)) as [Rational, Rational];
            for (const score of Object.values(cat.jury)) {
              if (score === null) continue;
              expect(Rational.parse(score).compare(lo)).toBeGreaterThanOrEqual(0);
              expect(Rational.parse(score).compare(hi)).toBeLessThanOrEqual(0);
            }
          }
          const shares = Object.values(cat.juryShare).map((v) => Rational.parse(v));
          for (const share of shares) {
            expect(share.sign()).toBeGreaterThanOrEqual(0);
            expect(share.compare(Rational.ONE)).toBeLessThanOrEqual(0);
          }
          expect(shares.reduce((a, b) => a.add(b), Rational.ZERO).toString()).toBe('1');
        }
      }),
      RUNS,
    );
  });

  it('is deterministic and does not depend on the order of the score sheets', async () => {
    await fc.assert(
      fc.asyncProperty(
        award.chain((input) =>
          fc
            .shuffledSubarray(input.sheets, { minLength: input.sheets.length })
            .map((sheets) => ({ input, shuffled: { ...input, sheets } })),
        ),
        async ({ input, shuffled }) => {
          const first = await tally(input);
          expect(JSON.stringify(await tally(input))).toBe(JSON.stringify(first));
          // Byte for byte, details and member order included.
          expect(JSON.stringify(await tally(shuffled))).toBe(JSON.stringify(first));
        },
      ),
      RUNS,
    );
  });
});
