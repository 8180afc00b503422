/**
 * Each tally rule worked by hand on tiny awards. The lot is recomputed here with node:crypto, independently of
 * src/tally/lot.ts (WebCrypto).
 */
import { describe, expect, it } from 'vitest';
import {
  computeFinalists,
  drawLot,
  lotSeed,
  tally,
  TallyInputError,
  type RankingRule,
  type RubricRule,
  type RubricDetails,
  type RankingDetails,
  type ScoreSheet,
  type TallyBallot,
  type TallyInput,
  type TallyRules,
} from '../src/tally';
import { compareIds, orderWithChain } from '../src/tally/ties';
import { byLot, lotKey, ROOT, SECRET, seed } from './support/tally';

const RUBRIC: RubricRule = {
  mode: 'rubric',
  scale: [1, 10],
  criteria: [{ id: 'merit', weight: 1 }],
  normalize: 'none',
  trim: 0,
  quorum: 1,
};

function award(over: Partial<Omit<TallyInput, 'rules'>> & { rules?: Partial<TallyRules> } = {}): TallyInput {
  const { rules, ...rest } = over;
  return {
    rules: {
      finalists: { mode: 'public', k: 3, ties: 'include', tieChain: ['lot'] },
      jury: RUBRIC,
      weights: { jury: 1, public: 1 },
      tieChain: ['jury', 'public', 'lot'],
      ...rules,
    },
    lotSecret: SECRET,
    closingRoot: ROOT,
    categories: [{ id: 'cat', nominees: ['a', 'b', 'c', 'd', 'e'] }],
    ballots: [],
    wildcards: [],
    organizerFinalists: {},
    institutions: [{ id: 'panel', weight: 1 }],
    jurors: [
      { id: 'j1', institution: 'panel', weight: 1 },
      { id: 'j2', institution: 'panel', weight: 1 },
      { id: 'j3', institution: 'panel', weight: 1 },
    ],
    conflicts: [],
    sheets: [],
    ...rest,
  };
}

/** Ballots of one category from `{ nominee: count }`. */
function votes(counts: Record<string, number>, status: TallyBallot['status'] = 'counted', category = 'cat') {
  return Object.entries(counts).flatMap(([nominee, n]) =>
    Array.from({ length: n }, (): TallyBallot => ({ category, nominee, status })),
  );
}

/** Rubric sheets of one juror from `{ nominee: merit }`. */
function scores(juror: string, merits: Record<string, number>, category = 'cat'): ScoreSheet[] {
  return Object.entries(merits).map(([nominee, merit]) => ({ juror, category, nominee, scores: { merit } }));
}

function rubricDetails(details: RubricDetails | RankingDetails): RubricDetails {
  if (details.mode !== 'rubric') throw new Error('expected rubric details');
  return details;
}

function rankingDetails(details: RubricDetails | RankingDetails): RankingDetails {
  if (details.mode !== 'ranking') throw new Error('expected ranking details');
  return details;
}

describe('rule 7: the lot', () => {
  it('seeds with SHA-256(S || closing root) and orders by SHA-256(seed || id)', async () => {
    expect(await lotSeed(SECRET, ROOT)).toBe(seed.toString('hex'));
    const ids = ['aigul', 'bermet', 'cholpon', 'dinara', 'elnura', 'Ürkün', '🌟'];
    const lot = await drawLot(SECRET, ROOT, ids);
    expect(lot.key('🌟')).toBe(lotKey('🌟'));
    expect(lot.order(ids)).toEqual(byLot(ids));
    expect(() => lot.key('unknown')).toThrow();
  });
});

describe('rule 1: public count', () => {
  it('counts counted and flagged ballots, never voided ones', async () => {
    const result = await computeFinalists(
      award({
        ballots: [
          ...votes({ a: 2, b: 1 }),
          ...votes({ a: 1 }, 'flagged'),
          ...votes({ b: 5 }, 'voided'),
          { category: 'cat', nominee: 'c', status: 'counted', count: 4 },
        ],
      }),
    );
    expect(result.categories[0]?.public).toEqual({ a: 3, b: 1, c: 4, d: 0, e: 0 });
  });

  it('refuses a counted ballot for a nominee the category does not list', async () => {
    await expect(computeFinalists(award({ ballots: votes({ zed: 1 }) }))).rejects.toThrow(TallyInputError);
    // A voided one (a withdrawn nominee) is fine.
    await expect(computeFinalists(award({ ballots: votes({ zed: 1 }, 'voided') }))).resolves.toBeDefined();
    const stray = { category: 'nope', nominee: 'a', reason: 'typo' };
    await expect(computeFinalists(award({ wildcards: [stray] }))).rejects.toThrow(TallyInputError);
    await expect(computeFinalists(award({ organizerFinalists: { nope: ['a'] } }))).rejects.toThrow(TallyInputError);
  });
});

describe('rule 2: finalists', () => {
  const tiedAtK = votes({ a: 5, b: 4, c: 3, d: 3, e: 1 });

  it('ties at K, include: both tied nominees get in', async () => {
    const result = await computeFinalists(award({ ballots: tiedAtK }));
    expect(result.categories[0]?.finalists).toEqual([
      { nominee: 'a', why: 'top-k' },
      { nominee: 'b', why: 'top-k' },
      { nominee: 'c', why: 'tie-included' },
      { nominee: 'd', why: 'tie-included' },
    ]);
    expect(result.tieBreaks).toEqual([]);
  });

  it('a tie that fits within K is plain top-k', async () => {
    const result = await computeFinalists(award({ ballots: votes({ a: 5, b: 3, c: 3, d: 1 }) }));
    expect(result.categories[0]?.finalists.map((f) => f.why)).toEqual(['top-k', 'top-k', 'top-k']);
  });

  it('ties at K, break: the lot picks, and is named', async () => {
    const result = await computeFinalists(
      award({ ballots: tiedAtK, rules: { finalists: { mode: 'public', k: 3, ties: 'break', tieChain: ['lot'] } } }),
    );
    const [picked] = byLot(['c', 'd']);
    expect(result.categories[0]?.finalists).toEqual([
      { nominee: 'a', why: 'top-k' },
      { nominee: 'b', why: 'top-k' },
      { nominee: picked, why: 'tie-broken' },
    ]);
    expect(result.tieBreaks).toEqual([{ decision: 'finalists:cat', nominees: ['c', 'd'], by: 'lot' }]);
    expect(result.flags).toEqual([]);
  });

  it('ties at K, break with a three-way tie for two places', async () => {
    const result = await computeFinalists(
      award({
        ballots: votes({ a: 5, b: 2, c: 2, d: 2 }),
        rules: { finalists: { mode: 'public', k: 3, ties: 'break', tieChain: ['public', 'lot'] } },
      }),
    );
    expect(result.categories[0]?.finalists).toEqual([
      { nominee: 'a', why: 'top-k' },
      ...byLot(['b', 'c', 'd'])
        .slice(0, 2)
        .map((nominee) => ({ nominee, why: 'tie-broken' })),
    ]);
    // `public` cannot split nominees with equal votes: only the lot is named.
    expect(result.tieBreaks).toEqual([{ decision: 'finalists:cat', nominees: ['b', 'c', 'd'], by: 'lot' }]);
  });

  it('a chain that cannot settle the tie cuts by id and flags it', async () => {
    const result = await computeFinalists(
      award({ ballots: tiedAtK, rules: { finalists: { mode: 'public', k: 3, ties: 'break', tieChain: ['public'] } } }),
    );
    expect(result.categories[0]?.finalists[2]).toEqual({ nominee: 'c', why: 'tie-broken' });
    expect(result.flags).toEqual([{ category: 'cat', flag: 'unresolved-tie' }]);
    expect(result.details.unresolvedTies).toEqual([{ decision: 'finalists:cat', nominees: ['c', 'd'] }]);
  });

  it('a category own k wins over the rule', async () => {
    const result = await computeFinalists(
      award({ ballots: tiedAtK, categories: [{ id: 'cat', nominees: ['a', 'b', 'c', 'd', 'e'], k: 1 }] }),
    );
    expect(result.categories[0]?.finalists).toEqual([{ nominee: 'a', why: 'top-k' }]);
  });

  it('a wildcard is added after the top K and never counts toward K', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'public', k: 2, ties: 'include', tieChain: ['lot'] } },
        ballots: votes({ a: 3, b: 2, c: 1 }),
        wildcards: [
          { category: 'cat', nominee: 'e', reason: 'panel recommendation' },
          { category: 'cat', nominee: 'a', reason: 'already a finalist: no effect' },
        ],
        sheets: [...scores('j1', { a: 4, b: 4, e: 7 })],
      }),
    );
    const cat = result.categories[0];
    expect(cat?.finalists).toEqual([
      { nominee: 'a', why: 'top-k' },
      { nominee: 'b', why: 'top-k' },
      { nominee: 'e', why: 'wildcard' },
    ]);
    // x = (score - 1) / 9: 3/9, 3/9, 6/9; public 3, 2, 0 of 5.
    expect(cat?.juryShare).toEqual({ a: '1/4', b: '1/4', e: '1/2' });
    expect(cat?.publicShare).toEqual({ a: '3/5', b: '2/5', e: '0' });
    expect(cat?.final).toEqual({ a: '17/20', b: '13/20', e: '1/2' });
    expect(cat?.order).toEqual(['a', 'b', 'e']);
  });

  it('organizer mode: the picked list, then wildcards; the public vote is still counted', async () => {
    const result = await computeFinalists(
      award({
        rules: { finalists: { mode: 'organizer' } },
        ballots: votes({ a: 1, d: 9 }),
        organizerFinalists: { cat: ['c', 'a'] },
        wildcards: [{ category: 'cat', nominee: 'b', reason: 'late' }],
      }),
    );
    expect(result.categories[0]).toEqual({
      id: 'cat',
      public: { a: 1, b: 0, c: 0, d: 9, e: 0 },
      finalists: [
        { nominee: 'c', why: 'organizer' },
        { nominee: 'a', why: 'organizer' },
        { nominee: 'b', why: 'wildcard' },
      ],
    });
  });

  it('an empty category has no finalists, no winners, and is flagged', async () => {
    const result = await tally(
      award({
        categories: [
          { id: 'cat', nominees: ['a', 'b'] },
          { id: 'empty', nominees: [] },
          { id: 'silent', nominees: ['x', 'y'] },
        ],
        ballots: votes({ a: 2, b: 1 }),
        sheets: scores('j1', { a: 5, b: 6 }),
      }),
    );
    expect(result.categories[1]).toEqual({
      id: 'empty',
      public: {},
      finalists: [],
      jury: {},
      juryShare: {},
      publicShare: {},
      final: {},
      order: [],
      winners: [],
    });
    expect(result.categories[2]?.public).toEqual({ x: 0, y: 0 });
    expect(result.categories[2]?.finalists).toEqual([]);
    expect(result.flags).toEqual([
      { category: 'empty', flag: 'no-jury' },
      { category: 'empty', flag: 'no-public-votes' },
      { category: 'silent', flag: 'no-jury' },
      { category: 'silent', flag: 'no-public-votes' },
    ]);
    // a: 4/9 + 2/3 = 10/9 against b: 5/9 + 1/3 = 8/9.
    expect(result.categories[0]?.winners).toEqual(['a']);
  });
});

describe('rule 3: rubric', () => {
  it('a raw score is the weighted mean of the criteria', async () => {
    const result = await tally(
      award({
        rules: {
          jury: {
            ...RUBRIC,
            criteria: [
              { id: 'impact', weight: 3 },
              { id: 'reach', weight: 1 },
            ],
          },
        },
        ballots: votes({ a: 1 }),
        sheets: [{ juror: 'j1', category: 'cat', nominee: 'a', scores: { impact: 8, reach: 3 } }],
      }),
    );
    // (3 x 8 + 1 x 3) / 4
    expect(result.categories[0]?.jury).toEqual({ a: '27/4' });
  });

  it('zscore: a juror whose scores are all equal gets z = 0, mapped to the category mean', async () => {
    const result = await tally(
      award({
        rules: { jury: { ...RUBRIC, normalize: 'zscore' } },
        ballots: votes({ a: 3, b: 2, c: 1 }),
        sheets: [...scores('j1', { a: 2, b: 4, c: 6 }), ...scores('j2', { a: 7, b: 7, c: 7 })],
      }),
    );
    const details = rubricDetails(result.details.categories[0]!.jury);
    // All six: mean 33/6 = 11/2, population variance 43/12, sqrt = 1.8929694486 -> 1.892969.
    // j1: mean 4, variance 8/3, sqrt = 1.6329931618 -> 1.632993. j2: mean 7, deviation 0.
    expect(details.zscore).toEqual({
      mean: '11/2',
      deviation: '1892969/1000000',
      jurors: { j1: { mean: '4', deviation: '1632993/1000000' }, j2: { mean: '7', deviation: '0' } },
    });
    // j1's 2: z = -2 / 1.632993, x = 11/2 - 1.892969 x 2 / 1.632993 = 10391047/3265986.
    expect(details.scorers.a?.map((s) => [s.juror, s.raw, s.x])).toEqual([
      ['j1', '2', '10391047/3265986'],
      ['j2', '7', '11/2'],
    ]);
    expect(details.scorers.b?.map((s) => s.x)).toEqual(['11/2', '11/2']);
    expect(details.scorers.c?.[0]?.x).toBe('25534799/3265986');
    // b: both at the mean; a: (10391047/3265986 + 11/2) / 2.
    expect(result.categories[0]?.jury).toEqual({
      a: '14176985/3265986',
      b: '11/2',
      c: '21748861/3265986',
    });
  });

  it('zscore: a mapped score beyond the scale is clamped', async () => {
    const ten = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'];
    const result = await tally(
      award({
        rules: { finalists: { mode: 'organizer' }, jury: { ...RUBRIC, normalize: 'zscore' } },
        categories: [{ id: 'cat', nominees: ten }],
        organizerFinalists: { cat: ten },
        sheets: [
          // j1: nine 9s and a 10: mean 9.1, deviation 0.3, so the 10 has z = 3; j2 spreads 1 to 10.
          ...scores('j1', Object.fromEntries(ten.map((n, i) => [n, i === 0 ? 10 : 9]))),
          ...scores('j2', Object.fromEntries(ten.map((n, i) => [n, i + 1]))),
        ],
      }),
    );
    const details = rubricDetails(result.details.categories[0]!.jury);
    expect(details.zscore?.jurors.j1).toEqual({ mean: '91/10', deviation: '3/10' });
    // M + S x 3 with M = 7.3 and S > 1 is beyond 10.
    expect(details.scorers.n0?.find((s) => s.juror === 'j1')?.x).toBe('10');
  });

  it('trim: drops k from each end (ties by juror id) only with at least 2k + 1 scorers', async () => {
    const result = await tally(
      award({
        rules: { jury: { ...RUBRIC, trim: 1 } },
        ballots: votes({ a: 3, b: 2, c: 1 }),
        jurors: [1, 2, 3, 4].map((i) => ({ id: `j${i}`, institution: 'panel', weight: 1 })),
        sheets: [
          ...scores('j1', { a: 9, b: 5, c: 2 }),
          ...scores('j2', { a: 3, b: 5, c: 9 }),
          ...scores('j3', { b: 5, c: 4 }),
          ...scores('j4', { c: 10 }),
        ],
      }),
    );
    const details = rubricDetails(result.details.categories[0]!.jury);
    // a: 2 scorers < 3, both kept: (9 + 3) / 2.
    expect(details.scorers.a?.map((s) => s.trimmed)).toEqual([false, false]);
    // b: 3 equal scores: sorted by juror id, j1 and j3 dropped, j2 remains.
    expect(details.scorers.b?.map((s) => [s.juror, s.trimmed])).toEqual([
      ['j1', true],
      ['j2', false],
      ['j3', true],
    ]);
    // c: 2, 9, 4, 10 -> 4 and 9 remain.
    expect(details.scorers.c?.filter((s) => !s.trimmed).map((s) => s.juror)).toEqual(['j2', 'j3']);
    expect(result.categories[0]?.jury).toEqual({ a: '6', b: '5', c: '13/2' });
  });

  it('quorum: fewer scorers than the quorum, counted before trimming, flags the finalist', async () => {
    const result = await tally(
      award({
        rules: { jury: { ...RUBRIC, trim: 1, quorum: 3 } },
        ballots: votes({ a: 3, b: 2, c: 1 }),
        sheets: [...scores('j1', { a: 5, b: 5, c: 5 }), ...scores('j2', { a: 6, b: 6 }), ...scores('j3', { a: 7 })],
      }),
    );
    // a has 3 scorers (1 left after trimming) and is not flagged; b has 2, c has 1.
    expect(result.flags).toEqual([
      { category: 'cat', nominee: 'b', flag: 'below-quorum' },
      { category: 'cat', nominee: 'c', flag: 'below-quorum' },
    ]);
    expect(result.categories[0]?.jury).toEqual({ a: '6', b: '11/2', c: '5' });
  });

  it('conflicts: an institution conflict removes all its jurors; weights renormalize over who scored', async () => {
    const result = await tally(
      award({
        ballots: votes({ a: 2, b: 1 }),
        institutions: [
          { id: 'ministry', weight: 2 },
          { id: 'undp', weight: 1 },
        ],
        jurors: [
          { id: 'm1', institution: 'ministry', weight: 1 },
          { id: 'm2', institution: 'ministry', weight: 3 },
          { id: 'u1', institution: 'undp', weight: 1 },
          { id: 'u2', institution: 'undp', weight: 1 },
        ],
        conflicts: [
          { institution: 'undp', nominee: 'a' },
          { juror: 'm2', nominee: 'b' },
        ],
        sheets: [
          ...scores('m1', { a: 8, b: 6 }),
          ...scores('m2', { a: 4, b: 1 }),
          ...scores('u1', { a: 1, b: 9 }),
          ...scores('u2', { a: 1, b: 7 }),
        ],
      }),
    );
    // a: only the ministry, (1 x 8 + 3 x 4) / 4 = 5. b: ministry m1 alone = 6, undp (9 + 7) / 2 = 8,
    // (2 x 6 + 1 x 8) / 3 = 20/3.
    expect(result.categories[0]?.jury).toEqual({ a: '5', b: '20/3' });
    const details = rubricDetails(result.details.categories[0]!.jury);
    expect(details.scorers.a?.map((s) => s.juror)).toEqual(['m1', 'm2']);
    expect(details.institutions).toEqual({ a: { ministry: '5' }, b: { ministry: '6', undp: '8' } });
  });

  it('refuses a score off the scale or for an unknown criterion, and a sheet of an unknown juror', async () => {
    const base = { ballots: votes({ a: 1 }) };
    await expect(tally(award({ ...base, sheets: scores('j1', { a: 11 }) }))).rejects.toThrow(TallyInputError);
    await expect(
      tally(award({ ...base, sheets: [{ juror: 'j1', category: 'cat', nominee: 'a', scores: { merit: 5, x: 1 } }] })),
    ).rejects.toThrow(TallyInputError);
    await expect(tally(award({ ...base, sheets: scores('nobody', { a: 5 }) }))).rejects.toThrow(TallyInputError);
    await expect(
      tally(award({ ...base, sheets: [...scores('j1', { a: 5 }), ...scores('j1', { a: 6 })] })),
    ).rejects.toThrow(TallyInputError);
  });
});

describe('rule 4: ranking', () => {
  const RANKING: RankingRule = { mode: 'ranking', rankPoints: { kind: 'borda' }, institutionTieChain: ['lot'] };
  const rank = (juror: string, ranking: string[]): ScoreSheet => ({ juror, category: 'cat', ranking });

  it('points by borda, list and exponential tables', async () => {
    const { rankPoints } = await import('../src/tally/jury');
    expect([1, 2, 3].map((r) => rankPoints({ kind: 'borda' }, r, 3).toString())).toEqual(['2', '1', '0']);
    expect([1, 2, 3].map((r) => rankPoints({ kind: 'list', points: [5, 3] }, r, 3).toString())).toEqual([
      '5',
      '3',
      '0',
    ]);
    // 12 x 0.827^(r-1): 12, 9.924, 8.207148, 6.787311|396, 5.613106|524492.
    expect(
      [1, 2, 3, 4, 5].map((r) => rankPoints({ kind: 'exponential', top: 12, base: '0.827' }, r, 5).toFixed(6)),
    ).toEqual(['12.000000', '9.924000', '8.207148', '6.787311', '5.613107']);
  });

  it('a finalist scores the institution mean; a conflict shortens the juror ranking', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'organizer' }, jury: RANKING },
        organizerFinalists: { cat: ['a', 'b', 'c'] },
        conflicts: [{ juror: 'j2', nominee: 'a' }],
        sheets: [rank('j1', ['a', 'b', 'c']), rank('j2', ['a', 'c', 'b', 'd'])],
      }),
    );
    // j1: a 2, b 1, c 0. j2 (a and the non-finalist d left out): c 1, b 0. Means: a 2, b 1/2, c 1/2.
    expect(result.categories[0]?.jury).toEqual({ a: '2', b: '1/2', c: '1/2' });
    expect(rankingDetails(result.details.categories[0]!.jury).points.c).toEqual([
      { juror: 'j1', institution: 'panel', rank: 3, of: 3, points: '0' },
      { juror: 'j2', institution: 'panel', rank: 1, of: 2, points: '1' },
    ]);
  });

  it('institution table: a tie in an institution mean is decided by lot and named', async () => {
    const result = await tally(
      award({
        rules: {
          finalists: { mode: 'organizer' },
          jury: { ...RANKING, institutionTable: [12, 10, 8] },
          weights: { jury: 1, public: 0 },
        },
        organizerFinalists: { cat: ['x', 'y', 'z'] },
        categories: [{ id: 'cat', nominees: ['x', 'y', 'z'] }],
        institutions: [
          { id: 'east', weight: 1 },
          { id: 'west', weight: 2 },
        ],
        jurors: [
          { id: 'e1', institution: 'east', weight: 1 },
          { id: 'e2', institution: 'east', weight: 1 },
          { id: 'w1', institution: 'west', weight: 1 },
        ],
        sheets: [rank('e1', ['x', 'y', 'z']), rank('e2', ['y', 'x', 'z']), rank('w1', ['z', 'y', 'x'])],
      }),
    );
    // east: x and y both (2 + 1) / 2 = 3/2, z 0: the lot puts x first, so x 12, y 10, z 8.
    // west (weight 2): z 12, y 10, x 8. Jury: x 12 + 2 x 8 = 28, y 10 + 2 x 10 = 30, z 8 + 2 x 12 = 32.
    expect(byLot(['x', 'y'])).toEqual(['x', 'y']);
    expect(result.tieBreaks).toEqual([{ decision: 'institution:east:cat', nominees: ['x', 'y'], by: 'lot' }]);
    expect(result.categories[0]?.jury).toEqual({ x: '28', y: '30', z: '32' });
    expect(result.categories[0]?.order).toEqual(['z', 'y', 'x']);
    expect(rankingDetails(result.details.categories[0]!.jury).institutionTable).toEqual({
      east: { order: ['x', 'y', 'z'], points: { x: 12, y: 10, z: 8 } },
      west: { order: ['z', 'y', 'x'], points: { z: 12, y: 10, x: 8 } },
    });
    expect(result.flags).toEqual([{ category: 'cat', flag: 'no-public-votes' }]);
  });

  it('institution table: the public step settles an institution tie before the lot', async () => {
    const result = await tally(
      award({
        rules: {
          finalists: { mode: 'organizer' },
          jury: { ...RANKING, institutionTable: [3, 1], institutionTieChain: ['public', 'lot'] },
        },
        organizerFinalists: { cat: ['x', 'y'] },
        categories: [{ id: 'cat', nominees: ['x', 'y'] }],
        ballots: votes({ x: 1, y: 4 }),
        sheets: [rank('j1', ['x', 'y']), rank('j2', ['y', 'x'])],
      }),
    );
    expect(result.categories[0]?.jury).toEqual({ x: '1', y: '3' });
    expect(result.tieBreaks).toEqual([{ decision: 'institution:panel:cat', nominees: ['x', 'y'], by: 'public' }]);
  });
});

describe('rules 5 and 6: shares, final, order', () => {
  it('a three-way tie: jury splits one off, then the lot settles the other two; both are named', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'organizer' } },
        organizerFinalists: { cat: ['a', 'b', 'c'] },
        ballots: votes({ a: 2, b: 5, c: 5 }),
        sheets: scores('j1', { a: 7, b: 4, c: 4 }),
      }),
    );
    const cat = result.categories[0];
    // x = 6/9, 3/9, 3/9 -> jury shares 1/2, 1/4, 1/4; public 2/12, 5/12, 5/12; every final is 2/3.
    expect(cat?.final).toEqual({ a: '2/3', b: '2/3', c: '2/3' });
    expect(cat?.order).toEqual(['a', ...byLot(['b', 'c'])]);
    expect(result.tieBreaks).toEqual([
      { decision: 'final:cat', nominees: ['a', 'b', 'c'], by: 'jury' },
      { decision: 'final:cat', nominees: ['b', 'c'], by: 'lot' },
    ]);
  });

  it('a tie left after the chain is ordered by id and flagged unresolved', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'organizer' }, tieChain: ['jury', 'public'] },
        organizerFinalists: { cat: ['d', 'b'] },
        ballots: votes({ b: 1, d: 1 }),
        sheets: scores('j1', { b: 5, d: 5 }),
        categories: [{ id: 'cat', nominees: ['a', 'b', 'c', 'd', 'e'], winners: 2 }],
      }),
    );
    expect(result.categories[0]?.order).toEqual(['b', 'd']);
    expect(result.categories[0]?.winners).toEqual(['b', 'd']);
    expect(result.tieBreaks).toEqual([]);
    expect(result.flags).toEqual([{ category: 'cat', flag: 'unresolved-tie' }]);
    expect(result.details.unresolvedTies).toEqual([{ decision: 'final:cat', nominees: ['b', 'd'] }]);
  });

  it('a null jury score counts as x = 0', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'organizer' } },
        organizerFinalists: { cat: ['a', 'b'] },
        ballots: votes({ a: 1, b: 1 }),
        sheets: scores('j1', { a: 10 }),
      }),
    );
    expect(result.categories[0]?.jury).toEqual({ a: '10', b: null });
    expect(result.categories[0]?.juryShare).toEqual({ a: '1', b: '0' });
    expect(result.flags).toEqual([{ category: 'cat', nominee: 'b', flag: 'below-quorum' }]);
  });
});

describe('rule 8: sensitivity', () => {
  it('says when the finalists would change without the flagged ballots', async () => {
    const result = await tally(
      award({
        rules: { finalists: { mode: 'public', k: 2, ties: 'include', tieChain: ['lot'] } },
        ballots: [...votes({ a: 5, b: 4, c: 3 }), ...votes({ c: 3 }, 'flagged')],
        sheets: scores('j1', { a: 5, c: 9 }),
      }),
    );
    expect(result.categories[0]?.finalists.map((f) => f.nominee)).toEqual(['c', 'a']);
    expect(result.details.categories[0]?.sensitivity).toEqual({ finalists: ['a', 'b'], winners: ['c'] });
    expect(result.sensitivity).toEqual([{ category: 'cat', finalistsChange: true, winnersChange: false }]);
  });
});

describe('tie chains', () => {
  it('orders ids by code point, as UTF-8 bytes and Python do', () => {
    const ids = ['b', 'a', 'ab', '\uffff', '😀', 'Z'];
    expect([...ids].sort(compareIds)).toEqual(['Z', 'a', 'ab', 'b', '\uffff', '😀']);
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    expect([...ids].sort(compareIds)).toEqual([...ids].sort((a, b) => Buffer.compare(bytes(a), bytes(b))));
  });

  it('records each split with the whole group it split', () => {
    const score: Record<string, number> = { a: 1, b: 1, c: 1, d: 0 };
    const jury: Record<string, number> = { a: 2, b: 1, c: 1 };
    const outcome = orderWithChain(
      ['d', 'c', 'b', 'a'],
      (x, y) => score[y]! - score[x]!,
      ['lot', 'jury', 'public'],
      { jury: (x, y) => jury[y]! - jury[x]! },
      'final:cat',
    );
    expect(outcome.order).toEqual(['a', 'b', 'c', 'd']);
    expect(outcome.tieBreaks).toEqual([{ decision: 'final:cat', nominees: ['a', 'b', 'c'], by: 'jury' }]);
    expect(outcome.unresolved).toEqual([['b', 'c']]);
  });
});
