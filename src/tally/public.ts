/**
 * Tally rules 1 and 2: the public count and the finalists.
 */
import { drawLot, type Lot } from './lot';
import { compareIds, orderWithChain, type TieBreak } from './ties';
import {
  TallyInputError,
  type CategoryFinalists,
  type Finalist,
  type FinalistRule,
  type FinalistsInput,
  type FinalistsResult,
  type Flag,
  type TallyBallot,
  type TallyCategory,
  type UnresolvedTie,
  type Wildcard,
} from './types';

/** Category id to nominee id to ballots counted; every nominee of the category is present. */
export type VoteCounts = Map<string, Map<string, number>>;

/**
 * Rule 1: ballots per nominee with status `counted` or `flagged` (only `counted` when `withoutFlagged`, the
 * sensitivity recount); `voided` never counts. A counted or flagged ballot for a nominee the category does not
 * list is an error (a withdrawn nominee's ballots are voided).
 */
export function countVotes(
  categories: readonly TallyCategory[],
  ballots: readonly TallyBallot[],
  withoutFlagged = false,
): VoteCounts {
  const counts: VoteCounts = new Map();
  for (const category of categories) {
    if (counts.has(category.id)) throw new TallyInputError(`duplicate category ${JSON.stringify(category.id)}`);
    const perNominee = new Map<string, number>();
    for (const nominee of category.nominees) {
      if (perNominee.has(nominee)) {
        throw new TallyInputError(`duplicate nominee ${JSON.stringify(nominee)} in ${JSON.stringify(category.id)}`);
      }
      perNominee.set(nominee, 0);
    }
    counts.set(category.id, perNominee);
  }
  for (const ballot of ballots) {
    const n = ballot.count ?? 1;
    if (!Number.isSafeInteger(n) || n < 0) throw new TallyInputError(`ballot count ${n} is not a whole number`);
    if (ballot.status === 'voided' || (withoutFlagged && ballot.status === 'flagged')) continue;
    if (ballot.status !== 'counted' && ballot.status !== 'flagged') {
      throw new TallyInputError(`unknown ballot status ${JSON.stringify(ballot.status)}`);
    }
    const perNominee = counts.get(ballot.category);
    const current = perNominee?.get(ballot.nominee);
    if (perNominee === undefined || current === undefined) {
      throw new TallyInputError(
        `a ${ballot.status} ballot for ${JSON.stringify(ballot.nominee)}, not a nominee of ${JSON.stringify(ballot.category)}`,
      );
    }
    perNominee.set(ballot.nominee, current + n);
  }
  return counts;
}

export interface FinalistSelection {
  finalists: Finalist[];
  tieBreaks: TieBreak[];
  unresolved: UnresolvedTie[];
}

/**
 * Rule 2 for one category. `public`: nominees with at least one vote, by votes descending (equal counts by id);
 * all of them when at most k; otherwise those above the k-th count, and the group tied at it either all in
 * (`include`) or ordered by the finalist tie chain and cut to fill k (`break`). `organizer`: the picked list.
 * Wildcards come after, never counting toward k.
 *
 * The finalist tie chain can only be settled by `lot` (every tied nominee has the same votes, and no jury has
 * scored yet): `public` and `jury` steps pass the group on.
 */
export function selectFinalists(
  category: TallyCategory,
  votes: ReadonlyMap<string, number>,
  rule: FinalistRule,
  wildcards: readonly Wildcard[],
  organizerPicks: readonly string[] | undefined,
  lot: Lot,
): FinalistSelection {
  const selection: FinalistSelection = { finalists: [], tieBreaks: [], unresolved: [] };
  const listed = new Set(category.nominees);
  const known = (nominee: string, what: string): void => {
    if (!listed.has(nominee)) {
      throw new TallyInputError(
        `${what} ${JSON.stringify(nominee)} is not a nominee of ${JSON.stringify(category.id)}`,
      );
    }
  };
  const add = (nominee: string, why: Finalist['why']): void => {
    selection.finalists.push({ nominee, why });
  };
  const votesOf = (nominee: string): number => votes.get(nominee) ?? 0;

  if (rule.mode === 'organizer') {
    const seen = new Set<string>();
    for (const nominee of organizerPicks ?? []) {
      known(nominee, 'organizer finalist');
      if (seen.has(nominee)) throw new TallyInputError(`organizer finalist ${JSON.stringify(nominee)} picked twice`);
      seen.add(nominee);
      add(nominee, 'organizer');
    }
  } else {
    const k = category.k ?? rule.k;
    if (!Number.isSafeInteger(k) || k < 1) throw new TallyInputError(`k of ${JSON.stringify(category.id)} is ${k}`);
    const candidates = category.nominees
      .filter((n) => votesOf(n) > 0)
      .sort((a, b) => votesOf(b) - votesOf(a) || compareIds(a, b));
    if (candidates.length <= k) {
      for (const nominee of candidates) add(nominee, 'top-k');
    } else {
      const kth = votesOf(candidates[k - 1] as string);
      const above = candidates.filter((n) => votesOf(n) > kth);
      const tied = candidates.filter((n) => votesOf(n) === kth);
      for (const nominee of above) add(nominee, 'top-k');
      if (above.length + tied.length <= k) {
        for (const nominee of tied) add(nominee, 'top-k');
      } else if (rule.ties === 'include') {
        for (const nominee of tied) add(nominee, 'tie-included');
      } else {
        const decision = `finalists:${category.id}`;
        const outcome = orderWithChain(tied, () => 0, rule.tieChain, { lot: lotCompare(lot) }, decision);
        selection.tieBreaks.push(...outcome.tieBreaks);
        for (const group of outcome.unresolved) selection.unresolved.push({ decision, nominees: group });
        for (const nominee of outcome.order.slice(0, k - above.length)) add(nominee, 'tie-broken');
      }
    }
  }
  for (const wildcard of wildcards) {
    known(wildcard.nominee, 'wildcard');
    if (selection.finalists.some((f) => f.nominee === wildcard.nominee)) continue;
    add(wildcard.nominee, 'wildcard');
  }
  return selection;
}

/** Lot order as a tie-chain comparator. */
export function lotCompare(lot: Lot): (a: string, b: string) => number {
  return (a, b) => {
    const ka = lot.key(a);
    const kb = lot.key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/** Refuses wildcards and organizer picks for categories the input does not list. */
export function checkFinalistsInput(input: FinalistsInput): void {
  const ids = new Set(input.categories.map((c) => c.id));
  const known = (category: string, what: string): void => {
    if (!ids.has(category)) throw new TallyInputError(`${what} for unknown category ${JSON.stringify(category)}`);
  };
  for (const w of input.wildcards) known(w.category, 'wildcard');
  for (const category of Object.keys(input.organizerFinalists)) known(category, 'organizer finalists');
}

/** Every nominee id of the input, for drawing the lot once. */
export function allNominees(categories: readonly TallyCategory[]): string[] {
  return categories.flatMap((c) => c.nominees);
}

/** The wildcards of one category. */
export function wildcardsOf(wildcards: readonly Wildcard[], category: string): Wildcard[] {
  return wildcards.filter((w) => w.category === category);
}

/** `{ nominee: count }` in the category's order. */
export function countsRecord(category: TallyCategory, votes: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(category.nominees.map((n) => [n, votes.get(n) ?? 0]));
}

/** The counts and finalists of every category, with the `finalists:` tie-breaks, already drawn lot given. */
export function finalistsWithLot(input: FinalistsInput, lot: Lot, counts: VoteCounts): FinalistsResult {
  checkFinalistsInput(input);
  const categories: CategoryFinalists[] = [];
  const tieBreaks: TieBreak[] = [];
  const flags: Flag[] = [];
  const unresolvedTies: UnresolvedTie[] = [];
  for (const category of input.categories) {
    const votes = counts.get(category.id) ?? new Map<string, number>();
    const selection = selectFinalists(
      category,
      votes,
      input.rules.finalists,
      wildcardsOf(input.wildcards, category.id),
      input.organizerFinalists[category.id],
      lot,
    );
    categories.push({ id: category.id, public: countsRecord(category, votes), finalists: selection.finalists });
    tieBreaks.push(...selection.tieBreaks);
    unresolvedTies.push(...selection.unresolved);
    if (selection.unresolved.length > 0) flags.push({ category: category.id, flag: 'unresolved-tie' });
  }
  return { categories, tieBreaks, flags, details: { lotSeed: lot.seed, unresolvedTies } };
}

/**
 * Rules 1 and 2 alone, for the close of voting: the public count and the finalists of every category, with every
 * tie-break the finalist tie chain made.
 */
export async function computeFinalists(input: FinalistsInput): Promise<FinalistsResult> {
  const lot = await drawLot(input.lotSecret, input.closingRoot, allNominees(input.categories));
  return finalistsWithLot(input, lot, countVotes(input.categories, input.ballots));
}
