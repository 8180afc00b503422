/**
 * Tally rules 5, 6 and 8: shares, the final result, the order with its tie chain, the winners, and the sensitivity
 * recount.
 */
import type { Lot } from './lot';
import { lotCompare } from './public';
import { Rational, sum } from './rational';
import { orderWithChain, type TieBreak, type TieSteps } from './ties';
import type { JuryRule, TallyRules, UnresolvedTie } from './types';

export interface Shares {
  /** Per nominee, in the order given. */
  shares: Map<string, Rational>;
  /** The total was 0, so each got 1/n. */
  zeroTotal: boolean;
}

/** value / total of values; 1/n each when the total is 0. */
export function shares(values: ReadonlyMap<string, Rational>): Shares {
  const total = sum(values.values());
  const out = new Map<string, Rational>();
  if (total.isZero()) {
    const each = values.size === 0 ? Rational.ZERO : Rational.of(1n, BigInt(values.size));
    for (const id of values.keys()) out.set(id, each);
    return { shares: out, zeroTotal: true };
  }
  for (const [id, v] of values) out.set(id, v.div(total));
  return { shares: out, zeroTotal: false };
}

/** Rule 5: x = (jury - min) / (max - min) in rubric mode (0 when null), x = jury score in ranking mode. */
export function juryX(rule: JuryRule, score: Rational | null): Rational {
  if (score === null) return Rational.ZERO;
  if (rule.mode === 'ranking') return score;
  const [lo, hi] = rule.scale;
  return score.sub(Rational.fromInt(lo)).div(Rational.fromInt(hi - lo));
}

export interface FinalInput {
  category: string;
  finalists: readonly string[];
  jury: ReadonlyMap<string, Rational | null>;
  votes: ReadonlyMap<string, number>;
  rules: Pick<TallyRules, 'jury' | 'weights' | 'tieChain'>;
  winners: number;
  lot: Lot;
}

export interface FinalOutcome {
  juryShare: Map<string, Rational>;
  publicShare: Map<string, Rational>;
  final: Map<string, Rational>;
  order: string[];
  winners: string[];
  /** `final:CAT` decisions. */
  tieBreaks: TieBreak[];
  unresolved: UnresolvedTie[];
  noJury: boolean;
  noPublicVotes: boolean;
}

/**
 * Rules 5 and 6 for one category: jury and public shares over the finalists, final = w_jury x jury_share +
 * w_public x public_share, the order (final descending, ties down `rules.tieChain`: higher jury share, more votes,
 * lot; still tied by id) and the first `winners` of it.
 */
export function finalResult(input: FinalInput): FinalOutcome {
  const { finalists, rules } = input;
  const votesOf = (id: string): number => input.votes.get(id) ?? 0;
  const jury = shares(new Map(finalists.map((id) => [id, juryX(rules.jury, input.jury.get(id) ?? null)])));
  const pub = shares(new Map(finalists.map((id) => [id, Rational.fromInt(votesOf(id))])));
  const wJury = Rational.fromInt(rules.weights.jury);
  const wPublic = Rational.fromInt(rules.weights.public);
  const share = (m: Map<string, Rational>, id: string): Rational => m.get(id) as Rational;
  const final = new Map(
    finalists.map((id) => [id, wJury.mul(share(jury.shares, id)).add(wPublic.mul(share(pub.shares, id)))]),
  );
  const decision = `final:${input.category}`;
  const steps: TieSteps = {
    jury: (a, b) => share(jury.shares, b).compare(share(jury.shares, a)),
    public: (a, b) => votesOf(b) - votesOf(a),
    lot: lotCompare(input.lot),
  };
  const outcome = orderWithChain(
    finalists,
    (a, b) => share(final, b).compare(share(final, a)),
    rules.tieChain,
    steps,
    decision,
  );
  return {
    juryShare: jury.shares,
    publicShare: pub.shares,
    final,
    order: outcome.order,
    winners: outcome.order.slice(0, input.winners),
    tieBreaks: outcome.tieBreaks,
    unresolved: outcome.unresolved.map((nominees) => ({ decision, nominees })),
    noJury: jury.zeroTotal,
    noPublicVotes: pub.zeroTotal,
  };
}

/** Whether two lists hold different sets of ids. */
export function setsDiffer(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size !== sb.size || [...sa].some((id) => !sb.has(id));
}
