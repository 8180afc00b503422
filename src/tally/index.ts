/**
 * The tally: public count, finalists, jury scores, shares, final result, order, winners, tie-breaks, flags and the
 * sensitivity line, in exact arithmetic, exactly as `../shared/vectors/README.md` states the rules. Pure: data in,
 * data out; only the lot hashes asynchronously (WebCrypto).
 */
import { buildPanel, juryScores } from './jury';
import { drawLot, type Lot } from './lot';
import { finalResult, setsDiffer } from './final';
import { allNominees, checkFinalistsInput, countVotes, countsRecord, selectFinalists, wildcardsOf } from './public';
import type { Rational } from './rational';
import type { TieBreak } from './ties';
import {
  TallyInputError,
  type CategoryDetails,
  type CategoryResult,
  type Flag,
  type Sensitivity,
  type TallyInput,
  type TallyResult,
  type UnresolvedTie,
} from './types';

export * from './types';
export { computeFinalists, countVotes, selectFinalists } from './public';
export { drawLot, lotKey, lotSeed, type Lot } from './lot';
export { Rational, isqrt, roundHalfEven, sqrtRoundHalfEven } from './rational';
export { compareIds } from './ties';

function checkInput(input: TallyInput): void {
  checkFinalistsInput(input);
  const ids = new Set(input.categories.map((c) => c.id));
  for (const sheet of input.sheets) {
    if (!ids.has(sheet.category)) {
      throw new TallyInputError(`score sheet for unknown category ${JSON.stringify(sheet.category)}`);
    }
  }
  for (const [name, w] of Object.entries(input.rules.weights)) {
    if (!Number.isSafeInteger(w) || w < 0) throw new TallyInputError(`${name} weight ${w} is not a whole number`);
  }
  for (const category of input.categories) {
    const winners = category.winners ?? 1;
    if (!Number.isSafeInteger(winners) || winners < 1) {
      throw new TallyInputError(`winners of ${JSON.stringify(category.id)} is ${winners}`);
    }
  }
}

function record(map: ReadonlyMap<string, Rational>): Record<string, string> {
  return Object.fromEntries([...map].map(([id, r]) => [id, r.toString()]));
}

/** {@link tally} with the lot already drawn (for every nominee of the input): synchronous. */
export function tallyWithLot(input: TallyInput, lot: Lot): TallyResult {
  checkInput(input);
  const counts = countVotes(input.categories, input.ballots);
  const countsWithoutFlagged = countVotes(input.categories, input.ballots, true);
  const panel = buildPanel(input.institutions, input.jurors, input.conflicts);
  const { rules } = input;

  const categories: CategoryResult[] = [];
  const tieBreaks: TieBreak[] = [];
  const flags: Flag[] = [];
  const sensitivity: Sensitivity[] = [];
  const detailsOf: CategoryDetails[] = [];
  const unresolvedTies: UnresolvedTie[] = [];

  for (const category of input.categories) {
    const votes = counts.get(category.id) as Map<string, number>;
    const votesWithoutFlagged = countsWithoutFlagged.get(category.id) as Map<string, number>;
    const wildcards = wildcardsOf(input.wildcards, category.id);
    const picks = input.organizerFinalists[category.id];
    const selection = selectFinalists(category, votes, rules.finalists, wildcards, picks, lot);
    const finalists = selection.finalists.map((f) => f.nominee);

    const jury = juryScores(rules.jury, { category: category.id, finalists, panel, sheets: input.sheets, votes, lot });
    const winners = category.winners ?? 1;
    const result = finalResult({ category: category.id, finalists, jury: jury.scores, votes, rules, winners, lot });

    // Rule 8: the same with flagged ballots left out.
    const recount = selectFinalists(category, votesWithoutFlagged, rules.finalists, wildcards, picks, lot);
    const recountFinalists = recount.finalists.map((f) => f.nominee);
    const recountResult = finalResult({
      category: category.id,
      finalists,
      jury: jury.scores,
      votes: votesWithoutFlagged,
      rules,
      winners,
      lot,
    });

    categories.push({
      id: category.id,
      public: countsRecord(category, votes),
      finalists: selection.finalists,
      jury: Object.fromEntries(finalists.map((id) => [id, jury.scores.get(id)?.toString() ?? null])),
      juryShare: record(result.juryShare),
      publicShare: record(result.publicShare),
      final: record(result.final),
      order: result.order,
      winners: result.winners,
    });
    tieBreaks.push(...selection.tieBreaks, ...jury.tieBreaks, ...result.tieBreaks);
    for (const nominee of jury.belowQuorum) flags.push({ category: category.id, nominee, flag: 'below-quorum' });
    if (result.noJury) flags.push({ category: category.id, flag: 'no-jury' });
    if (result.noPublicVotes) flags.push({ category: category.id, flag: 'no-public-votes' });
    const unresolved = [...selection.unresolved, ...jury.unresolved, ...result.unresolved];
    if (unresolved.length > 0) flags.push({ category: category.id, flag: 'unresolved-tie' });
    unresolvedTies.push(...unresolved);
    sensitivity.push({
      category: category.id,
      finalistsChange: setsDiffer(finalists, recountFinalists),
      winnersChange: setsDiffer(result.winners, recountResult.winners),
    });
    detailsOf.push({
      id: category.id,
      publicWithoutFlagged: countsRecord(category, votesWithoutFlagged),
      sensitivity: { finalists: recountFinalists, winners: recountResult.winners },
      jury: jury.details,
    });
  }
  return {
    categories,
    tieBreaks,
    flags,
    sensitivity,
    details: { lotSeed: lot.seed, categories: detailsOf, unresolvedTies },
  };
}

/**
 * Tallies an award: for every category the public count, finalists (with why), jury scores, shares, final results,
 * order and winners; every tie-break a chain step settled; the flags; and the sensitivity line. Throws a
 * {@link TallyInputError} when the input does not make sense.
 */
export async function tally(input: TallyInput): Promise<TallyResult> {
  const lot = await drawLot(input.lotSecret, input.closingRoot, allNominees(input.categories));
  return tallyWithLot(input, lot);
}
