/**
 * Tally rules 3 and 4: the jury score of each finalist, in rubric mode (weighted criteria, z-scores, trimming,
 * quorum, institutions and weights, conflicts) or ranking mode (rank points, institution means and tables).
 */
import type { Lot } from './lot';
import { lotCompare } from './public';
import { Rational, roundHalfEven, sqrtRoundHalfEven, sum } from './rational';
import { compareIds, orderWithChain, type TieBreak, type TieSteps } from './ties';
import {
  TallyInputError,
  type Conflict,
  type RankingDetails,
  type RankingEntry,
  type RankingRule,
  type RankingSheet,
  type RubricDetails,
  type RubricRule,
  type RubricScorer,
  type RubricSheet,
  type ScoreSheet,
  type TallyInstitution,
  type TallyJuror,
  type UnresolvedTie,
} from './types';

/** Decimal places of the two rounded steps (square roots of z-score deviations, exponential rank points). */
export const ROUNDING_DECIMALS = 6;

/** The jury: institutions, jurors and conflicts, indexed once. */
export interface Panel {
  institutions: ReadonlyMap<string, TallyInstitution>;
  jurors: ReadonlyMap<string, TallyJuror>;
  /** Whether the juror may score or rank the nominee (no conflict of the juror or of its institution). */
  eligible(juror: string, nominee: string): boolean;
}

function checkWeight(weight: number, what: string, allowZero = false): void {
  if (!Number.isSafeInteger(weight) || weight < (allowZero ? 0 : 1)) {
    throw new TallyInputError(
      `${what} has weight ${weight}; weights are ${allowZero ? 'non-negative' : 'positive'} integers`,
    );
  }
}

export function buildPanel(
  institutions: readonly TallyInstitution[],
  jurors: readonly TallyJuror[],
  conflicts: readonly Conflict[],
): Panel {
  const instById = new Map<string, TallyInstitution>();
  for (const inst of institutions) {
    if (instById.has(inst.id)) throw new TallyInputError(`duplicate institution ${JSON.stringify(inst.id)}`);
    checkWeight(inst.weight, `institution ${JSON.stringify(inst.id)}`);
    instById.set(inst.id, inst);
  }
  const jurorById = new Map<string, TallyJuror>();
  for (const juror of jurors) {
    if (jurorById.has(juror.id)) throw new TallyInputError(`duplicate juror ${JSON.stringify(juror.id)}`);
    if (!instById.has(juror.institution)) {
      throw new TallyInputError(
        `juror ${JSON.stringify(juror.id)} of unknown institution ${JSON.stringify(juror.institution)}`,
      );
    }
    checkWeight(juror.weight, `juror ${JSON.stringify(juror.id)}`);
    jurorById.set(juror.id, juror);
  }
  const jurorConflicts = new Set<string>();
  const institutionConflicts = new Set<string>();
  const key = (a: string, b: string): string => JSON.stringify([a, b]);
  for (const conflict of conflicts) {
    if ('juror' in conflict) {
      if (!jurorById.has(conflict.juror))
        throw new TallyInputError(`conflict of unknown juror ${JSON.stringify(conflict.juror)}`);
      jurorConflicts.add(key(conflict.juror, conflict.nominee));
    } else {
      if (!instById.has(conflict.institution)) {
        throw new TallyInputError(`conflict of unknown institution ${JSON.stringify(conflict.institution)}`);
      }
      institutionConflicts.add(key(conflict.institution, conflict.nominee));
    }
  }
  return {
    institutions: instById,
    jurors: jurorById,
    eligible(juror, nominee) {
      const j = jurorById.get(juror);
      if (!j) return false;
      return !jurorConflicts.has(key(juror, nominee)) && !institutionConflicts.has(key(j.institution, nominee));
    },
  };
}

export interface JuryOutcome {
  /** Jury score per finalist; null when nobody eligible scored it. */
  scores: Map<string, Rational | null>;
  /** Finalists with fewer scorers than the quorum, in finalist order (rubric mode). */
  belowQuorum: string[];
  /** `institution:INST:CAT` decisions (ranking mode with an institution table). */
  tieBreaks: TieBreak[];
  unresolved: UnresolvedTie[];
  details: RubricDetails | RankingDetails;
}

export interface JuryContext {
  category: string;
  finalists: readonly string[];
  panel: Panel;
  /** All sheets of the input; the category's are picked out. */
  sheets: readonly ScoreSheet[];
  /** Public votes of the category (the `public` step of the institution tie chain). */
  votes: ReadonlyMap<string, number>;
  lot: Lot;
}

function knownJuror(panel: Panel, juror: string): TallyJuror {
  const j = panel.jurors.get(juror);
  if (!j) throw new TallyInputError(`score sheet of unknown juror ${JSON.stringify(juror)}`);
  return j;
}

/** Population mean and variance of `values` (at least one). */
function meanAndVariance(values: readonly Rational[]): { mean: Rational; variance: Rational } {
  const n = Rational.fromInt(values.length);
  const mean = sum(values).div(n);
  const variance = sum(values.map((v) => v.sub(mean).mul(v.sub(mean)))).div(n);
  return { mean, variance };
}

function clamp(r: Rational, lo: Rational, hi: Rational): Rational {
  return r.compare(lo) < 0 ? lo : r.compare(hi) > 0 ? hi : r;
}

/** Weighted mean of `items` (non-empty, positive weights). */
function weightedMean<T>(items: readonly T[], value: (t: T) => Rational, weight: (t: T) => number): Rational {
  const totalWeight = Rational.fromInt(items.reduce((s, t) => s + weight(t), 0));
  return sum(items.map((t) => value(t).mul(Rational.fromInt(weight(t))))).div(totalWeight);
}

/** Rule 3: rubric mode. */
export function rubricJury(rule: RubricRule, ctx: JuryContext): JuryOutcome {
  const [lo, hi] = rule.scale;
  const scaleMin = Rational.fromInt(lo);
  const scaleMax = Rational.fromInt(hi);
  const criteriaWeight = rule.criteria.reduce((s, c) => s + c.weight, 0);
  const finalists = new Set(ctx.finalists);

  interface Scored {
    juror: TallyJuror;
    nominee: string;
    raw: Rational;
    x: Rational;
  }
  const scored: Scored[] = [];
  const seen = new Set<string>();
  for (const sheet of ctx.sheets) {
    if (sheet.category !== ctx.category) continue;
    if (!('scores' in sheet))
      throw new TallyInputError(`a ranking sheet of ${JSON.stringify(sheet.juror)} in rubric mode`);
    const juror = knownJuror(ctx.panel, sheet.juror);
    const rubric: RubricSheet = sheet;
    if (!finalists.has(rubric.nominee) || !ctx.panel.eligible(juror.id, rubric.nominee)) continue;
    const once = JSON.stringify([juror.id, rubric.nominee]);
    if (seen.has(once)) {
      throw new TallyInputError(`two sheets of ${JSON.stringify(juror.id)} for ${JSON.stringify(rubric.nominee)}`);
    }
    seen.add(once);
    const extra = Object.keys(rubric.scores).find((c) => !rule.criteria.some((k) => k.id === c));
    if (extra !== undefined) throw new TallyInputError(`score for unknown criterion ${JSON.stringify(extra)}`);
    let weighted = 0n;
    for (const criterion of rule.criteria) {
      const score = rubric.scores[criterion.id];
      if (score === undefined || !Number.isSafeInteger(score) || score < lo || score > hi) {
        throw new TallyInputError(
          `sheet of ${JSON.stringify(juror.id)} for ${JSON.stringify(rubric.nominee)}: ${criterion.id} is ${String(score)}, not an integer from ${lo} to ${hi}`,
        );
      }
      weighted += BigInt(criterion.weight) * BigInt(score);
    }
    const raw = Rational.of(weighted, BigInt(criteriaWeight));
    scored.push({ juror, nominee: rubric.nominee, raw, x: raw });
  }

  const details: RubricDetails = { mode: 'rubric', scorers: {}, institutions: {} };
  if (rule.normalize === 'zscore' && scored.length > 0) {
    const all = meanAndVariance(scored.map((s) => s.raw));
    const bigS = sqrtRoundHalfEven(all.variance, ROUNDING_DECIMALS);
    const perJuror = new Map<string, { mean: Rational; deviation: Rational }>();
    for (const id of new Set(scored.map((s) => s.juror.id))) {
      const own = meanAndVariance(scored.filter((s) => s.juror.id === id).map((s) => s.raw));
      perJuror.set(id, { mean: own.mean, deviation: sqrtRoundHalfEven(own.variance, ROUNDING_DECIMALS) });
    }
    for (const s of scored) {
      const own = perJuror.get(s.juror.id) as { mean: Rational; deviation: Rational };
      const z = own.deviation.isZero() ? Rational.ZERO : s.raw.sub(own.mean).div(own.deviation);
      s.x = clamp(all.mean.add(bigS.mul(z)), scaleMin, scaleMax);
    }
    details.zscore = {
      mean: all.mean.toString(),
      deviation: bigS.toString(),
      jurors: Object.fromEntries(
        [...perJuror.keys()].sort(compareIds).map((id) => {
          const own = perJuror.get(id) as { mean: Rational; deviation: Rational };
          return [id, { mean: own.mean.toString(), deviation: own.deviation.toString() }];
        }),
      ),
    };
  }

  const scores = new Map<string, Rational | null>();
  const belowQuorum: string[] = [];
  for (const nominee of ctx.finalists) {
    const scorers = scored.filter((s) => s.nominee === nominee);
    if (scorers.length < rule.quorum) belowQuorum.push(nominee);
    const k = rule.trim;
    const sorted = [...scorers].sort((a, b) => a.x.compare(b.x) || compareIds(a.juror.id, b.juror.id));
    const kept = k > 0 && sorted.length >= 2 * k + 1 ? sorted.slice(k, sorted.length - k) : sorted;
    const keptIds = new Set(kept.map((s) => s.juror.id));

    const byInstitution = new Map<string, Scored[]>();
    for (const s of kept) {
      const list = byInstitution.get(s.juror.institution) ?? [];
      list.push(s);
      byInstitution.set(s.juror.institution, list);
    }
    // Institutions in the order the input lists them.
    const institutionScores = [...ctx.panel.institutions.values()]
      .filter((inst) => byInstitution.has(inst.id))
      .map((inst) => ({
        inst,
        score: weightedMean(
          byInstitution.get(inst.id) as Scored[],
          (s) => s.x,
          (s) => s.juror.weight,
        ),
      }));
    scores.set(
      nominee,
      institutionScores.length === 0
        ? null
        : weightedMean(
            institutionScores,
            (i) => i.score,
            (i) => i.inst.weight,
          ),
    );
    details.scorers[nominee] = [...scorers]
      .sort((a, b) => compareIds(a.juror.id, b.juror.id))
      .map((s): RubricScorer => ({
        juror: s.juror.id,
        institution: s.juror.institution,
        raw: s.raw.toString(),
        x: s.x.toString(),
        trimmed: !keptIds.has(s.juror.id),
      }));
    details.institutions[nominee] = Object.fromEntries(institutionScores.map((i) => [i.inst.id, i.score.toString()]));
  }
  return { scores, belowQuorum, tieBreaks: [], unresolved: [], details };
}

/** Points of rank r (1-based) of n by the rule's table; exponential points are rounded half-even to 6 places. */
export function rankPoints(rule: RankingRule['rankPoints'], r: number, n: number): Rational {
  switch (rule.kind) {
    case 'borda':
      return Rational.fromInt(n - r);
    case 'list':
      return Rational.fromInt(rule.points[r - 1] ?? 0);
    case 'exponential': {
      const base = Rational.parseDecimal(rule.base);
      let power = Rational.ONE;
      for (let i = 1; i < r; i++) power = power.mul(base);
      return roundHalfEven(Rational.fromInt(rule.top).mul(power), ROUNDING_DECIMALS);
    }
  }
}

/** Rule 4: ranking mode. */
export function rankingJury(rule: RankingRule, ctx: JuryContext): JuryOutcome {
  const finalists = new Set(ctx.finalists);
  const entries: (RankingEntry & { value: Rational; nominee: string })[] = [];
  const seen = new Set<string>();
  for (const sheet of ctx.sheets) {
    if (sheet.category !== ctx.category) continue;
    if (!('ranking' in sheet))
      throw new TallyInputError(`a rubric sheet of ${JSON.stringify(sheet.juror)} in ranking mode`);
    const juror = knownJuror(ctx.panel, sheet.juror);
    const ranking: RankingSheet = sheet;
    if (seen.has(juror.id))
      throw new TallyInputError(`two ranking sheets of ${JSON.stringify(juror.id)} in ${ctx.category}`);
    seen.add(juror.id);
    if (new Set(ranking.ranking).size !== ranking.ranking.length) {
      throw new TallyInputError(`ranking of ${JSON.stringify(juror.id)} names a nominee twice`);
    }
    const left = ranking.ranking.filter((n) => finalists.has(n) && ctx.panel.eligible(juror.id, n));
    left.forEach((nominee, i) => {
      const value = rankPoints(rule.rankPoints, i + 1, left.length);
      entries.push({
        juror: juror.id,
        institution: juror.institution,
        rank: i + 1,
        of: left.length,
        points: value.toString(),
        value,
        nominee,
      });
    });
  }

  // Institution id to finalist to the mean points of its jurors who ranked it.
  const means = new Map<string, Map<string, Rational>>();
  for (const inst of ctx.panel.institutions.values()) {
    const perNominee = new Map<string, Rational>();
    for (const nominee of ctx.finalists) {
      const own = entries.filter((e) => e.institution === inst.id && e.nominee === nominee);
      if (own.length > 0) perNominee.set(nominee, sum(own.map((e) => e.value)).div(Rational.fromInt(own.length)));
    }
    if (perNominee.size > 0) means.set(inst.id, perNominee);
  }

  const details: RankingDetails = {
    mode: 'ranking',
    points: Object.fromEntries(
      ctx.finalists.map((nominee) => [
        nominee,
        entries
          .filter((e) => e.nominee === nominee)
          .sort((a, b) => compareIds(a.juror, b.juror))
          .map(({ juror, institution, rank, of, points }) => ({ juror, institution, rank, of, points })),
      ]),
    ),
    institutionMeans: Object.fromEntries(
      ctx.finalists.map((nominee) => [
        nominee,
        Object.fromEntries(
          [...means.entries()].flatMap(([inst, perNominee]) => {
            const mean = perNominee.get(nominee);
            return mean ? [[inst, mean.toString()]] : [];
          }),
        ),
      ]),
    ),
  };

  // Institution id to finalist to the points the institution gives it.
  const given = new Map<string, Map<string, Rational>>();
  const tieBreaks: TieBreak[] = [];
  const unresolved: UnresolvedTie[] = [];
  if (rule.institutionTable) {
    const table = rule.institutionTable;
    details.institutionTable = {};
    const steps: TieSteps = {
      lot: lotCompare(ctx.lot),
      public: (a, b) => (ctx.votes.get(b) ?? 0) - (ctx.votes.get(a) ?? 0),
    };
    for (const [inst, perNominee] of means) {
      const decision = `institution:${inst}:${ctx.category}`;
      const outcome = orderWithChain(
        [...perNominee.keys()],
        (a, b) => (perNominee.get(b) as Rational).compare(perNominee.get(a) as Rational),
        rule.institutionTieChain,
        steps,
        decision,
      );
      tieBreaks.push(...outcome.tieBreaks);
      for (const group of outcome.unresolved) unresolved.push({ decision, nominees: group });
      const points = new Map(outcome.order.map((nominee, i) => [nominee, Rational.fromInt(table[i] ?? 0)]));
      given.set(inst, points);
      details.institutionTable[inst] = {
        order: outcome.order,
        points: Object.fromEntries(outcome.order.map((nominee, i) => [nominee, table[i] ?? 0])),
      };
    }
  } else {
    for (const [inst, perNominee] of means) given.set(inst, perNominee);
  }

  const scores = new Map<string, Rational | null>();
  for (const nominee of ctx.finalists) {
    let score: Rational | null = null;
    for (const [inst, points] of given) {
      const p = points.get(nominee);
      if (p === undefined) continue;
      const weight = Rational.fromInt((ctx.panel.institutions.get(inst) as TallyInstitution).weight);
      score = (score ?? Rational.ZERO).add(weight.mul(p));
    }
    scores.set(nominee, score);
  }
  return { scores, belowQuorum: [], tieBreaks, unresolved, details };
}

/** The jury score of every finalist of one category, by the rule's mode. */
export function juryScores(rule: RubricRule | RankingRule, ctx: JuryContext): JuryOutcome {
  return rule.mode === 'rubric' ? rubricJury(rule, ctx) : rankingJury(rule, ctx);
}
