/**
 * Jury aggregation (tally rules 3 and 4, src/tally/jury.ts through `tally`) worked by hand: every expected figure
 * is derived in the comment above it, and both the jury scores and the intermediate figures of `details` are
 * checked. Finalists are picked by organizers, every finalist has one public vote and the public weight is 0, so
 * the final result is the jury share and nothing but the jury is at stake.
 */
import { describe, expect, it } from 'vitest';
import {
  tally,
  type Conflict,
  type JuryRule,
  type RankingDetails,
  type RankingRule,
  type RubricDetails,
  type RubricRule,
  type ScoreSheet,
  type TallyBallot,
  type TallyInput,
  type TallyInstitution,
  type TallyJuror,
  type TallyResult,
} from '../src/tally';
import { rankPoints } from '../src/tally/jury';
import { byLot, ROOT, SECRET } from './support/tally';

const CAT = 'cat';

const RUBRIC: RubricRule = {
  mode: 'rubric',
  scale: [1, 10],
  criteria: [{ id: 'merit', weight: 1 }],
  normalize: 'none',
  trim: 0,
  quorum: 0,
};

const BORDA: RankingRule = { mode: 'ranking', rankPoints: { kind: 'borda' }, institutionTieChain: ['lot'] };

interface Institution {
  institution: TallyInstitution;
  jurors: TallyJuror[];
}

/** An institution of the given weight with jurors `{ id: weight }`. */
function institution(id: string, weight: number, jurors: Record<string, number>): Institution {
  return {
    institution: { id, weight },
    jurors: Object.entries(jurors).map(([juror, w]) => ({ id: juror, institution: id, weight: w })),
  };
}

interface Award {
  jury: JuryRule;
  finalists: string[];
  panel: Institution[];
  sheets: ScoreSheet[];
  conflicts?: Conflict[];
  /** Votes per finalist; default one each, which makes every public share 1/n. */
  votes?: Record<string, number>;
}

function award({ jury, finalists, panel, sheets, conflicts = [], votes }: Award): TallyInput {
  const ballots = Object.entries(votes ?? Object.fromEntries(finalists.map((f) => [f, 1]))).map(
    ([nominee, count]): TallyBallot => ({ category: CAT, nominee, status: 'counted', count }),
  );
  return {
    rules: {
      finalists: { mode: 'organizer' },
      jury,
      weights: { jury: 1, public: 0 },
      tieChain: ['jury', 'public', 'lot'],
    },
    lotSecret: SECRET,
    closingRoot: ROOT,
    // `extra` is a nominee that is not a finalist: sheets for it must be left out.
    categories: [{ id: CAT, nominees: [...finalists, 'extra'] }],
    ballots,
    wildcards: [],
    organizerFinalists: { [CAT]: finalists },
    institutions: panel.map((p) => p.institution),
    jurors: panel.flatMap((p) => p.jurors),
    conflicts,
    sheets,
  };
}

/** One juror's single-criterion (`merit`) sheets, `{ nominee: score }`. */
function merits(juror: string, scores: Record<string, number>): ScoreSheet[] {
  return Object.entries(scores).map(([nominee, merit]) => ({ juror, category: CAT, nominee, scores: { merit } }));
}

function rank(juror: string, ranking: string[]): ScoreSheet {
  return { juror, category: CAT, ranking };
}

function category(result: TallyResult) {
  const cat = result.categories[0];
  if (!cat) throw new Error('no category');
  return cat;
}

function rubric(result: TallyResult): RubricDetails {
  const details = result.details.categories[0]?.jury;
  if (details?.mode !== 'rubric') throw new Error('expected rubric details');
  return details;
}

function ranking(result: TallyResult): RankingDetails {
  const details = result.details.categories[0]?.jury;
  if (details?.mode !== 'ranking') throw new Error('expected ranking details');
  return details;
}

/** A scorer whose x is its raw score (no normalization). */
const plain = (juror: string, inst: string, raw: string, trimmed = false) => ({
  juror,
  institution: inst,
  raw,
  x: raw,
  trimmed,
});

describe('rubric: weights', () => {
  it('juror weights within an institution', async () => {
    const result = await tally(
      award({
        jury: RUBRIC,
        finalists: ['a', 'b'],
        panel: [institution('panel', 1, { j1: 1, j2: 3 })],
        sheets: [...merits('j1', { a: 5, b: 9, extra: 10 }), ...merits('j2', { a: 8, b: 1 })],
      }),
    );
    // a: (1 x 5 + 3 x 8) / (1 + 3) = 29/4. b: (1 x 9 + 3 x 1) / 4 = 12/4 = 3. The sheet for `extra` is ignored.
    expect(category(result).jury).toEqual({ a: '29/4', b: '3' });
    expect(rubric(result).scorers).toEqual({
      a: [plain('j1', 'panel', '5'), plain('j2', 'panel', '8')],
      b: [plain('j1', 'panel', '9'), plain('j2', 'panel', '1')],
    });
    expect(rubric(result).institutions).toEqual({ a: { panel: '29/4' }, b: { panel: '3' } });
    expect(rubric(result).zscore).toBeUndefined();
    // x = (jury - 1) / 9: a (25/4) / 9 = 25/36, b 2/9 = 8/36; total 33/36, so shares 25/33 and 8/33.
    expect(category(result).juryShare).toEqual({ a: '25/33', b: '8/33' });
    // Public weight 0: final = jury share.
    expect(category(result).final).toEqual({ a: '25/33', b: '8/33' });
    expect(category(result).winners).toEqual(['a']);
  });

  it('institution weights: the weighted mean of institution means, not of jurors', async () => {
    const result = await tally(
      award({
        jury: RUBRIC,
        finalists: ['a', 'b'],
        panel: [institution('ministry', 3, { m1: 1, m2: 1 }), institution('undp', 1, { u1: 2 })],
        sheets: [...merits('m1', { a: 6, b: 3 }), ...merits('m2', { a: 9, b: 4 }), ...merits('u1', { a: 2, b: 10 })],
      }),
    );
    // a: ministry (6 + 9) / 2 = 15/2, undp 2; (3 x 15/2 + 1 x 2) / 4 = (45/2 + 4/2) / 4 = 49/8.
    // b: ministry (3 + 4) / 2 = 7/2, undp 10; (3 x 7/2 + 1 x 10) / 4 = (21/2 + 20/2) / 4 = 41/8.
    expect(category(result).jury).toEqual({ a: '49/8', b: '41/8' });
    expect(rubric(result).institutions).toEqual({
      a: { ministry: '15/2', undp: '2' },
      b: { ministry: '7/2', undp: '10' },
    });
    expect(rubric(result).scorers.b).toEqual([
      plain('m1', 'ministry', '3'),
      plain('m2', 'ministry', '4'),
      plain('u1', 'undp', '10'),
    ]);
    // x: a (49/8 - 1) / 9 = 41/72, b (41/8 - 1) / 9 = 33/72; shares 41/74 and 33/74.
    expect(category(result).juryShare).toEqual({ a: '41/74', b: '33/74' });
  });

  it('several weighted criteria on a scale that starts at 0', async () => {
    const jury: RubricRule = {
      ...RUBRIC,
      scale: [0, 5],
      criteria: [
        { id: 'impact', weight: 3 },
        { id: 'reach', weight: 2 },
        { id: 'clarity', weight: 1 },
      ],
    };
    const sheet = (juror: string, nominee: string, impact: number, reach: number, clarity: number): ScoreSheet => ({
      juror,
      category: CAT,
      nominee,
      scores: { impact, reach, clarity },
    });
    const result = await tally(
      award({
        jury,
        finalists: ['a', 'b'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        sheets: [
          sheet('j1', 'a', 5, 2, 1),
          sheet('j1', 'b', 1, 4, 5),
          sheet('j2', 'a', 4, 4, 4),
          sheet('j2', 'b', 0, 0, 3),
        ],
      }),
    );
    // Raw = (3 impact + 2 reach + 1 clarity) / 6.
    // j1: a (15 + 4 + 1) / 6 = 10/3, b (3 + 8 + 5) / 6 = 8/3. j2: a (12 + 8 + 4) / 6 = 4, b (0 + 0 + 3) / 6 = 1/2.
    expect(rubric(result).scorers).toEqual({
      a: [plain('j1', 'panel', '10/3'), plain('j2', 'panel', '4')],
      b: [plain('j1', 'panel', '8/3'), plain('j2', 'panel', '1/2')],
    });
    // a: (10/3 + 4) / 2 = 11/3. b: (8/3 + 1/2) / 2 = (16/6 + 3/6) / 2 = 19/12.
    expect(category(result).jury).toEqual({ a: '11/3', b: '19/12' });
    // x = jury / 5: a 11/15 = 44/60, b 19/60; total 63/60, shares 44/63 and 19/63.
    expect(category(result).juryShare).toEqual({ a: '44/63', b: '19/63' });
  });
});

describe('rubric: z-scores', () => {
  it('a juror with one distinct score gets z = 0, which maps to the category mean', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, normalize: 'zscore' },
        finalists: ['a', 'b'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        sheets: [...merits('j1', { a: 4, b: 8 }), ...merits('j2', { a: 5, b: 5 })],
      }),
    );
    // All raw scores 4, 8, 5, 5: M = 22/4 = 11/2; deviations -3/2, 5/2, -1/2, -1/2, squares 9/4 + 25/4 + 1/4 +
    // 1/4 = 36/4 = 9, variance 9/4, S = sqrt(9/4) = 3/2 exactly (1.500000).
    // j1: mean 6, variance (4 + 4) / 2 = 4, deviation 2. j2: mean 5, variance 0, deviation 0.
    expect(rubric(result).zscore).toEqual({
      mean: '11/2',
      deviation: '3/2',
      jurors: { j1: { mean: '6', deviation: '2' }, j2: { mean: '5', deviation: '0' } },
    });
    // j1: z(a) = (4 - 6) / 2 = -1, x = 11/2 - 3/2 = 4; z(b) = 1, x = 11/2 + 3/2 = 7. j2: z = 0, x = M = 11/2.
    const zs = (juror: string, raw: string, x: string) => ({ juror, institution: 'panel', raw, x, trimmed: false });
    expect(rubric(result).scorers).toEqual({
      a: [zs('j1', '4', '4'), zs('j2', '5', '11/2')],
      b: [zs('j1', '8', '7'), zs('j2', '5', '11/2')],
    });
    // a: (4 + 11/2) / 2 = 19/4. b: (7 + 11/2) / 2 = 25/4.
    expect(category(result).jury).toEqual({ a: '19/4', b: '25/4' });
  });

  it('deviations are square roots rounded half-even to 6 places, exact from there on', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, normalize: 'zscore' },
        finalists: ['a', 'b', 'c'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        sheets: [...merits('j1', { a: 2, b: 5, c: 9 }), ...merits('j2', { a: 7, b: 4, c: 8 })],
      }),
    );
    // All six: sum 35, M = 35/6; sum of squares 4 + 25 + 81 + 49 + 16 + 64 = 239, variance 239/6 - (35/6)^2 =
    // (1434 - 1225) / 36 = 209/36, S = sqrt(209) / 6 = 14.4568322948 / 6 = 2.40947204|91 -> 2.409472
    // = 2409472/1000000 = 37648/15625 (2409472 = 2353 x 2^10).
    // j1: mean 16/3, variance 110/3 - 256/9 = 74/9, sqrt(74) / 3 = 8.6023252670 / 3 = 2.86744175|57 -> 2.867442
    // = 1433721/500000. j2: mean 19/3, variance 129/3 - 361/9 = 26/9, sqrt(26) / 3 = 5.0990195136 / 3 =
    // 1.69967317|12 -> 1.699673 = 1699673/1000000.
    expect(rubric(result).zscore).toEqual({
      mean: '35/6',
      deviation: '37648/15625',
      jurors: {
        j1: { mean: '16/3', deviation: '1433721/500000' },
        j2: { mean: '19/3', deviation: '1699673/1000000' },
      },
    });
    // x = M + S (raw - m) / s. For j1, S / s = (37648/15625) x (500000/1433721) = 1204736/1433721; for j2,
    // S / s = (37648/15625) x (1000000/1699673) = 2409472/1699673.
    // j1 a: 35/6 + (1204736/1433721)(2 - 16/3) = 35/6 - 12047360/4301163 = (50180235 - 24094720) / 8602326
    //   = 26085515/8602326 (about 3.0324); j1 b: 35/6 - (1204736/1433721)(1/3) = 47770763/8602326 (5.5532);
    //   j1 c: 35/6 + (1204736/1433721)(11/3) = 76684427/8602326 (8.9144).
    // j2 a: 35/6 + (2409472/1699673)(2/3) = (59488555 + 9637888) / 10198038 = 69126443/10198038 (6.7784);
    //   j2 b: 35/6 - (2409472/1699673)(7/3) = 25755947/10198038 (2.5256);
    //   j2 c: 35/6 + (2409472/1699673)(5/3) = 83583275/10198038 (8.1960). All inside [1, 10]: nothing clamped.
    const x = (s: RubricDetails['scorers'][string] | undefined) => s?.map((scorer) => [scorer.raw, scorer.x]);
    const details = rubric(result);
    expect(x(details.scorers.a)).toEqual([
      ['2', '26085515/8602326'],
      ['7', '69126443/10198038'],
    ]);
    expect(x(details.scorers.b)).toEqual([
      ['5', '47770763/8602326'],
      ['4', '25755947/10198038'],
    ]);
    expect(x(details.scorers.c)).toEqual([
      ['9', '76684427/8602326'],
      ['8', '83583275/10198038'],
    ]);
    // Jury = (x1 + x2) / 2 with x1 = p1 / (6 x 1433721), x2 = p2 / (6 x 1699673) (1433721 and 1699673 coprime):
    // (1699673 p1 + 1433721 p2) / (12 x 1433721 x 1699673 = 29242282478796), halved to lowest terms:
    // a 143444878520998 / 29242282478796 = 71722439260499/14621141239398 (about 4.9054),
    // b 118121518149286 / 29242282478796 = 59060759074643/14621141239398 (4.0394),
    // c 250173546708646 / 29242282478796 = 125086773354323/14621141239398 (8.5552).
    expect(category(result).jury).toEqual({
      a: '71722439260499/14621141239398',
      b: '59060759074643/14621141239398',
      c: '125086773354323/14621141239398',
    });
    expect(category(result).order).toEqual(['c', 'a', 'b']);
  });
});

describe('rubric: trimming', () => {
  it('k = 1: exactly 2k + 1 scorers are trimmed to one, 2k scorers are kept; a trimmed-out institution drops out', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, trim: 1 },
        finalists: ['a', 'b'],
        panel: [institution('alpha', 1, { j1: 1, j2: 1 }), institution('beta', 2, { j3: 1 })],
        sheets: [...merits('j1', { a: 2, b: 3 }), ...merits('j2', { a: 6 }), ...merits('j3', { a: 9, b: 8 })],
      }),
    );
    // a: 3 = 2k + 1 scorers 2 (j1), 6 (j2), 9 (j3): drop the lowest j1 and the highest j3; j2 remains, so only
    // alpha has a remaining scorer and the jury score is alpha's 6 (beta's weight renormalizes away).
    // b: 2 = 2k scorers: nothing is trimmed; alpha 3, beta 8: (1 x 3 + 2 x 8) / 3 = 19/3.
    expect(category(result).jury).toEqual({ a: '6', b: '19/3' });
    expect(rubric(result).scorers).toEqual({
      a: [plain('j1', 'alpha', '2', true), plain('j2', 'alpha', '6'), plain('j3', 'beta', '9', true)],
      b: [plain('j1', 'alpha', '3'), plain('j3', 'beta', '8')],
    });
    expect(rubric(result).institutions).toEqual({ a: { alpha: '6' }, b: { alpha: '3', beta: '8' } });
  });

  it('k = 2: five scorers keep the middle one, six keep two, four (too few) keep all', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, trim: 2 },
        finalists: ['a', 'b', 'c'],
        panel: [institution('panel', 1, { j1: 1, j2: 1, j3: 1, j4: 1, j5: 1, j6: 1 })],
        sheets: [
          ...merits('j1', { a: 10, b: 2, c: 1 }),
          ...merits('j2', { a: 1, b: 3, c: 2 }),
          ...merits('j3', { a: 7, b: 4, c: 3 }),
          ...merits('j4', { a: 4, b: 9, c: 8 }),
          ...merits('j5', { a: 5, c: 9 }),
          ...merits('j6', { c: 10 }),
        ],
      }),
    );
    const kept = (nominee: string) =>
      rubric(result)
        .scorers[nominee]?.filter((s) => !s.trimmed)
        .map((s) => s.juror);
    // a: 5 = 2k + 1 scorers sorted 1 (j2), 4 (j4), 5 (j5), 7 (j3), 10 (j1): two off each end leave j5 = 5.
    expect(kept('a')).toEqual(['j5']);
    // b: 4 scorers < 2k + 1 = 5: all kept, (2 + 3 + 4 + 9) / 4 = 18/4 = 9/2.
    expect(kept('b')).toEqual(['j1', 'j2', 'j3', 'j4']);
    // c: 6 scorers 1, 2, 3, 8, 9, 10: drop 1, 2 and 9, 10; j3 3 and j4 8 remain: 11/2.
    expect(kept('c')).toEqual(['j3', 'j4']);
    expect(category(result).jury).toEqual({ a: '5', b: '9/2', c: '11/2' });
    expect(rubric(result).institutions).toEqual({ a: { panel: '5' }, b: { panel: '9/2' }, c: { panel: '11/2' } });
  });
});

describe('rubric: conflicts', () => {
  it('a juror conflict leaves out that juror; an institution conflict its jurors, and weights renormalize', async () => {
    const result = await tally(
      award({
        jury: RUBRIC,
        finalists: ['a', 'b'],
        panel: [institution('ministry', 2, { m1: 1, m2: 1 }), institution('undp', 3, { u1: 1 })],
        conflicts: [
          { juror: 'm2', nominee: 'a' },
          { institution: 'undp', nominee: 'b' },
        ],
        sheets: [...merits('m1', { a: 4, b: 6 }), ...merits('m2', { a: 10, b: 8 }), ...merits('u1', { a: 7, b: 1 })],
      }),
    );
    // a: m2's 10 is left out: ministry = m1 = 4, undp 7; (2 x 4 + 3 x 7) / 5 = 29/5.
    // b: undp's 1 is left out: ministry (6 + 8) / 2 = 7 and nothing else, so the jury score is 7 (not
    // (2 x 7 + 3 x 1) / 5 = 17/5).
    expect(category(result).jury).toEqual({ a: '29/5', b: '7' });
    expect(rubric(result).scorers).toEqual({
      a: [plain('m1', 'ministry', '4'), plain('u1', 'undp', '7')],
      b: [plain('m1', 'ministry', '6'), plain('m2', 'ministry', '8')],
    });
    expect(rubric(result).institutions).toEqual({ a: { ministry: '4', undp: '7' }, b: { ministry: '7' } });
  });
});

describe('rubric: missing sheets and quorum', () => {
  it('a juror who scored some finalists; a finalist nobody scored is null and counts x = 0', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, quorum: 1 },
        finalists: ['a', 'b', 'c'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        sheets: [...merits('j1', { a: 7, b: 4 }), ...merits('j2', { a: 9 })],
      }),
    );
    // a: (7 + 9) / 2 = 8; b: j1 alone, 4; c: nobody, null.
    expect(category(result).jury).toEqual({ a: '8', b: '4', c: null });
    expect(rubric(result).scorers.c).toEqual([]);
    expect(rubric(result).institutions.c).toEqual({});
    // x: a 7/9, b 3/9, c 0; total 10/9: shares 7/10, 3/10, 0.
    expect(category(result).juryShare).toEqual({ a: '7/10', b: '3/10', c: '0' });
    // c has 0 < 1 scorers; the category has a jury total, so no `no-jury`.
    expect(result.flags).toEqual([{ category: CAT, nominee: 'c', flag: 'below-quorum' }]);
  });

  it('no-jury only when every finalist is null or the x total is 0; then each gets 1/n', async () => {
    const nobody = await tally(
      award({
        jury: RUBRIC,
        finalists: ['a', 'b'],
        panel: [institution('panel', 1, { j1: 1 })],
        // Only the non-finalist was scored.
        sheets: merits('j1', { extra: 9 }),
      }),
    );
    expect(category(nobody).jury).toEqual({ a: null, b: null });
    expect(category(nobody).juryShare).toEqual({ a: '1/2', b: '1/2' });
    expect(nobody.flags).toEqual([{ category: CAT, flag: 'no-jury' }]);

    const allAtMinimum = await tally(
      award({
        jury: RUBRIC,
        finalists: ['a', 'b'],
        panel: [institution('panel', 1, { j1: 1 })],
        sheets: merits('j1', { a: 1, b: 1 }),
      }),
    );
    // Both score the scale minimum 1: x = 0 each, total 0.
    expect(category(allAtMinimum).jury).toEqual({ a: '1', b: '1' });
    expect(category(allAtMinimum).juryShare).toEqual({ a: '1/2', b: '1/2' });
    expect(allAtMinimum.flags).toEqual([{ category: CAT, flag: 'no-jury' }]);
  });

  it('quorum counts eligible scorers before trimming; a conflicted juror does not count', async () => {
    const result = await tally(
      award({
        jury: { ...RUBRIC, trim: 1, quorum: 3 },
        finalists: ['a', 'b', 'c'],
        panel: [institution('panel', 1, { j1: 1, j2: 1, j3: 1 })],
        conflicts: [{ juror: 'j3', nominee: 'b' }],
        sheets: [
          ...merits('j1', { a: 2, b: 4, c: 8 }),
          ...merits('j2', { a: 5, b: 6 }),
          ...merits('j3', { a: 9, b: 10 }),
        ],
      }),
    );
    // a: 3 scorers meet the quorum (trimming to j2's 5 comes after). b: j3 is conflicted, 2 eligible scorers < 3:
    // flagged, and not trimmed (2 < 2k + 1): (4 + 6) / 2 = 5. c: 1 scorer, flagged: 8.
    expect(category(result).jury).toEqual({ a: '5', b: '5', c: '8' });
    expect(rubric(result).scorers.a?.map((s) => s.trimmed)).toEqual([true, false, true]);
    expect(result.flags).toEqual([
      { category: CAT, nominee: 'b', flag: 'below-quorum' },
      { category: CAT, nominee: 'c', flag: 'below-quorum' },
    ]);
  });
});

describe('ranking: rank points', () => {
  it('borda n - r; the jury score is the institution weight times its mean', async () => {
    const result = await tally(
      award({
        jury: BORDA,
        finalists: ['a', 'b', 'c', 'd'],
        panel: [institution('panel', 2, { j1: 1, j2: 1 })],
        sheets: [rank('j1', ['b', 'a', 'd', 'c']), rank('j2', ['a', 'c', 'b', 'd'])],
      }),
    );
    // n = 4: j1 b 3, a 2, d 1, c 0; j2 a 3, c 2, b 1, d 0. Means a 5/2, b 2, c 1, d 1/2; x 2 (the weight):
    // a 5, b 4, c 2, d 1.
    expect(category(result).jury).toEqual({ a: '5', b: '4', c: '2', d: '1' });
    expect(ranking(result).points.a).toEqual([
      { juror: 'j1', institution: 'panel', rank: 2, of: 4, points: '2' },
      { juror: 'j2', institution: 'panel', rank: 1, of: 4, points: '3' },
    ]);
    expect(ranking(result).institutionMeans).toEqual({
      a: { panel: '5/2' },
      b: { panel: '2' },
      c: { panel: '1' },
      d: { panel: '1/2' },
    });
    expect(ranking(result).institutionTable).toBeUndefined();
    // x = the score: total 12, shares 5/12, 4/12, 2/12, 1/12.
    expect(category(result).juryShare).toEqual({ a: '5/12', b: '1/3', c: '1/6', d: '1/12' });
    expect(category(result).order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('list: 0 past the list; ranked last with 0 points is 0, never ranked is null', async () => {
    const result = await tally(
      award({
        jury: { ...BORDA, rankPoints: { kind: 'list', points: [10, 6, 3] } },
        finalists: ['a', 'b', 'c', 'd', 'e', 'f'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        sheets: [rank('j1', ['a', 'b', 'c', 'd', 'e']), rank('j2', ['c', 'e', 'a'])],
      }),
    );
    // j1 (5 ranked): a 10, b 6, c 3, d 0, e 0 (past the list). j2 (3 ranked): c 10, e 6, a 3. f: nobody.
    // Means: a (10 + 3) / 2 = 13/2, b 6, c 13/2, d 0, e (0 + 6) / 2 = 3, f null.
    expect(category(result).jury).toEqual({ a: '13/2', b: '6', c: '13/2', d: '0', e: '3', f: null });
    expect(ranking(result).points.e).toEqual([
      { juror: 'j1', institution: 'panel', rank: 5, of: 5, points: '0' },
      { juror: 'j2', institution: 'panel', rank: 2, of: 3, points: '6' },
    ]);
    expect(ranking(result).points.f).toEqual([]);
    expect(ranking(result).institutionMeans.f).toEqual({});
    // Total 13/2 + 6 + 13/2 + 0 + 3 = 22: a 13/44, b 6/22 = 3/11, c 13/44, d 0, e 3/22, f 0.
    expect(category(result).juryShare).toEqual({ a: '13/44', b: '3/11', c: '13/44', d: '0', e: '3/22', f: '0' });
  });

  it('exponential: top x base^(r-1), exact, then rounded half-even to 6 places', async () => {
    const nine = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'];
    const result = await tally(
      award({
        jury: { ...BORDA, rankPoints: { kind: 'exponential', top: 12, base: '0.8' } },
        finalists: nine,
        panel: [institution('panel', 1, { j1: 1 })],
        sheets: [rank('j1', nine)],
      }),
    );
    // 12 x 0.8^(r-1): 12, 9.6, 7.68, 6.144, 4.9152, 3.93216, 3.145728 (all exact in 6 places), then
    // 2.516582|4 -> 2.516582 and 2.013265|92 -> 2.013266.
    expect(category(result).jury).toEqual({
      n1: '12',
      n2: '48/5',
      n3: '192/25',
      n4: '768/125',
      n5: '3072/625',
      n6: '12288/3125',
      n7: '49152/15625',
      n8: '1258291/500000',
      n9: '1006633/500000',
    });
    expect(ranking(result).points.n9).toEqual([
      { juror: 'j1', institution: 'panel', rank: 9, of: 9, points: '1006633/500000' },
    ]);
    // Total 51.946936 = 6493367/125000; n1's share 12 / 51.946936 = 1500000/6493367.
    expect(category(result).juryShare.n1).toBe('1500000/6493367');
  });

  it('exponential: a rounding tie goes to the even neighbour', () => {
    // 3 x 0.5^7 = 0.0234375: tied between 0.023437 and 0.023438, the even 8 wins (11719/500000).
    expect(rankPoints({ kind: 'exponential', top: 3, base: '0.5' }, 8, 8).toString()).toBe('11719/500000');
    // 1 x 0.5^7 = 0.0078125: the even 2 stays, 0.007812 = 1953/250000 (half-up would give 0.007813).
    expect(rankPoints({ kind: 'exponential', top: 1, base: '0.5' }, 8, 8).toString()).toBe('1953/250000');
  });

  it('a conflict shortens a ranking: n shrinks for that juror', async () => {
    const result = await tally(
      award({
        jury: BORDA,
        finalists: ['a', 'b', 'c', 'd'],
        panel: [institution('panel', 1, { j1: 1, j2: 1 })],
        conflicts: [{ juror: 'j1', nominee: 'b' }],
        sheets: [rank('j1', ['a', 'b', 'c', 'extra', 'd']), rank('j2', ['b', 'a', 'd', 'c'])],
      }),
    );
    // j1: b (conflict) and `extra` (not a finalist) leave [a, c, d], n = 3: a 2, c 1, d 0.
    // j2 (n = 4): b 3, a 2, d 1, c 0. Means: a 2, b 3 (j2 alone), c 1/2, d 1/2.
    expect(category(result).jury).toEqual({ a: '2', b: '3', c: '1/2', d: '1/2' });
    expect(ranking(result).points.d).toEqual([
      { juror: 'j1', institution: 'panel', rank: 3, of: 3, points: '0' },
      { juror: 'j2', institution: 'panel', rank: 3, of: 4, points: '1' },
    ]);
    expect(ranking(result).points.b?.map((e) => e.juror)).toEqual(['j2']);
  });
});

describe('ranking: institutions', () => {
  it('institution means with unequal juror counts, summed with institution weights', async () => {
    const result = await tally(
      award({
        jury: BORDA,
        finalists: ['x', 'y', 'z'],
        panel: [institution('alpha', 1, { a1: 1, a2: 1, a3: 1 }), institution('beta', 2, { b1: 1 })],
        sheets: [
          rank('a1', ['x', 'y', 'z']),
          rank('a2', ['y', 'x', 'z']),
          rank('a3', ['x', 'z', 'y']),
          rank('b1', ['z', 'y', 'x']),
        ],
      }),
    );
    // alpha: x (2 + 1 + 2) / 3 = 5/3, y (1 + 2 + 0) / 3 = 1, z (0 + 0 + 1) / 3 = 1/3. beta: z 2, y 1, x 0.
    // Jury = 1 x alpha + 2 x beta: x 5/3, y 1 + 2 = 3, z 1/3 + 4 = 13/3 (pooling the four jurors instead would
    // give x the most: (2 + 1 + 2 + 0) = 5 points against z's 3).
    expect(category(result).jury).toEqual({ x: '5/3', y: '3', z: '13/3' });
    expect(ranking(result).institutionMeans).toEqual({
      x: { alpha: '5/3', beta: '0' },
      y: { alpha: '1', beta: '1' },
      z: { alpha: '1/3', beta: '2' },
    });
    // Total 5/3 + 9/3 + 13/3 = 9: shares 5/27, 1/3, 13/27.
    expect(category(result).juryShare).toEqual({ x: '5/27', y: '1/3', z: '13/27' });
    expect(category(result).order).toEqual(['z', 'y', 'x']);
  });

  it('institution table: ties by the institution tie chain, public first, then lot; 0 past the table', async () => {
    const result = await tally(
      award({
        jury: { ...BORDA, institutionTable: [12, 10, 8], institutionTieChain: ['public', 'lot'] },
        finalists: ['p', 'q', 'r', 's'],
        votes: { p: 5, q: 2, r: 3, s: 3 },
        panel: [institution('alpha', 2, { a1: 1, a2: 1 }), institution('beta', 1, { b1: 1 })],
        sheets: [rank('a1', ['p', 'q', 'r', 's']), rank('a2', ['q', 'p', 's', 'r']), rank('b1', ['s', 'r', 'q', 'p'])],
      }),
    );
    // alpha means: p (3 + 2) / 2 = 5/2, q (2 + 3) / 2 = 5/2, r (1 + 0) / 2 = 1/2, s (0 + 1) / 2 = 1/2.
    // p-q tie: public 5 votes against 2, so p before q. r-s tie: 3 votes each, so the lot, which puts r first.
    expect(byLot(['r', 's'])).toEqual(['r', 's']);
    // alpha gives p 12, q 10, r 8, s 0 (fourth, past the table). beta (s 3, r 2, q 1, p 0): s 12, r 10, q 8, p 0.
    expect(ranking(result).institutionTable).toEqual({
      alpha: { order: ['p', 'q', 'r', 's'], points: { p: 12, q: 10, r: 8, s: 0 } },
      beta: { order: ['s', 'r', 'q', 'p'], points: { s: 12, r: 10, q: 8, p: 0 } },
    });
    expect(result.tieBreaks).toEqual([
      { decision: 'institution:alpha:cat', nominees: ['p', 'q'], by: 'public' },
      { decision: 'institution:alpha:cat', nominees: ['r', 's'], by: 'lot' },
    ]);
    // Jury = 2 x alpha + 1 x beta: p 24 + 0 = 24, q 20 + 8 = 28, r 16 + 10 = 26, s 0 + 12 = 12.
    expect(category(result).jury).toEqual({ p: '24', q: '28', r: '26', s: '12' });
    expect(ranking(result).institutionMeans.r).toEqual({ alpha: '1/2', beta: '2' });
    expect(result.flags).toEqual([]);
  });

  it('Eurovision style: a national jury is not eligible for its own entry', async () => {
    const songs = ['song-kg', 'song-kz', 'song-uz', 'song-tj'];
    const result = await tally(
      award({
        jury: { ...BORDA, institutionTable: [12, 10, 8] },
        finalists: songs,
        panel: [institution('kg', 1, { kg1: 1 }), institution('kz', 1, { kz1: 1 }), institution('uz', 1, { uz1: 1 })],
        conflicts: [
          { institution: 'kg', nominee: 'song-kg' },
          { institution: 'kz', nominee: 'song-kz' },
          { institution: 'uz', nominee: 'song-uz' },
        ],
        sheets: [
          rank('kg1', ['song-kg', 'song-kz', 'song-uz', 'song-tj']),
          rank('kz1', ['song-kz', 'song-tj', 'song-kg', 'song-uz']),
          rank('uz1', ['song-kz', 'song-uz', 'song-kg', 'song-tj']),
        ],
      }),
    );
    // Each jury's own song is dropped from its ranking, n = 3 (borda 2, 1, 0), then the table 12, 10, 8:
    // kg: kz 12, uz 10, tj 8. kz: tj 12, kg 10, uz 8. uz: kz 12, kg 10, tj 8.
    expect(ranking(result).institutionTable).toEqual({
      kg: { order: ['song-kz', 'song-uz', 'song-tj'], points: { 'song-kz': 12, 'song-uz': 10, 'song-tj': 8 } },
      kz: { order: ['song-tj', 'song-kg', 'song-uz'], points: { 'song-tj': 12, 'song-kg': 10, 'song-uz': 8 } },
      uz: { order: ['song-kz', 'song-kg', 'song-tj'], points: { 'song-kz': 12, 'song-kg': 10, 'song-tj': 8 } },
    });
    expect(ranking(result).points['song-kg']?.map((e) => e.juror)).toEqual(['kz1', 'uz1']);
    // kg 10 + 10 = 20, kz 12 + 12 = 24, uz 10 + 8 = 18, tj 8 + 12 + 8 = 28.
    expect(category(result).jury).toEqual({ 'song-kg': '20', 'song-kz': '24', 'song-uz': '18', 'song-tj': '28' });
    // Total 90: 2/9, 4/15, 1/5, 14/45.
    expect(category(result).juryShare).toEqual({
      'song-kg': '2/9',
      'song-kz': '4/15',
      'song-uz': '1/5',
      'song-tj': '14/45',
    });
    expect(category(result).order).toEqual(['song-tj', 'song-kz', 'song-kg', 'song-uz']);
    expect(result.tieBreaks).toEqual([]);
  });
});
