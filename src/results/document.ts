/**
 * The results document (pure): what finalization computed, with everything needed to recount it. Its `input` is
 * the tally's neutral input (the format of the shared vectors) and `result` is exactly `tally(input)` without the
 * details, so anyone can recount `result` from `input` (e.g. `laurel tally`); `details` keeps every intermediate
 * figure. The finalists are inputs here: they were decided when the vote closed (or picked by organizers), the
 * jury judged exactly them, so `input.rules.finalists` is `organizer` with the stored list, and `finalists` says
 * why each one is a finalist and whether leaving out flagged ballots would have changed them under the award's
 * own finalist rule.
 */
import { Rational } from '../tally/rational';
import type { FinalistReason, FinalistRule, TallyDetails, TallyInput, TallyResult } from '../tally/types';

export const RESULTS_FORMAT = 'laurel-results/1';
/** Decimal places of the decimal strings shown beside the exact rationals. */
export const DISPLAY_DECIMALS = 6;

export interface StoredFinalist {
  category: string;
  nominee: string;
  why: FinalistReason;
  /** A wildcard's reason. */
  reason: string | null;
}

/** The members that say what the document is and what it was computed from. */
export interface ResultsHeader {
  format: typeof RESULTS_FORMAT;
  award: { id: string; slug: string };
  version: number;
  /** The document this one corrects. */
  supersedes: { version: number; hash: string } | null;
  reason: string | null;
  /** Epoch milliseconds of the computation (the database clock). */
  at: number;
  rulesHash: string;
  nomineesHash: string;
  /** The lot: SHA-256(S) committed when voting opened, S revealed now, and the seed. */
  lot: { commitment: string; secret: string; seed: string };
  closingCheckpoint: { batch: number; treeSize: number; root: string };
  /** The head of the award's event log the document was computed at. */
  eventHead: { seq: number; hash: string };
}

export interface ResultsContext extends Omit<ResultsHeader, 'format'> {
  finalistRule: FinalistRule;
  finalists: StoredFinalist[];
  /** Per category: would the award's finalist rule pick other finalists without the flagged ballots? */
  finalistsChangeWithoutFlagged: Record<string, boolean>;
}

export interface ResultsDocument extends ResultsHeader {
  finalists: {
    rule: FinalistRule;
    categories: { category: string; finalists: Omit<StoredFinalist, 'category'>[]; changeWithoutFlagged: boolean }[];
  };
  input: TallyInput;
  result: Omit<TallyResult, 'details'>;
  details: TallyDetails;
  /** The same figures as decimal strings (6 places, half-even), per category and finalist, for reading. */
  decimals: { category: string; finalists: DecimalRow[] }[];
}

export interface DecimalRow {
  nominee: string;
  place: number;
  winner: boolean;
  votes: number;
  publicShare: string;
  jury: string | null;
  juryShare: string;
  final: string;
}

const decimal = (r: string) => Rational.parse(r).toFixed(DISPLAY_DECIMALS);

export function resultsDocument(ctx: ResultsContext, input: TallyInput, result: TallyResult): ResultsDocument {
  const { details, ...published } = result;
  const { finalistRule, finalists, finalistsChangeWithoutFlagged, ...header } = ctx;
  return {
    format: RESULTS_FORMAT,
    ...header,
    finalists: {
      rule: finalistRule,
      categories: input.categories.map((cat) => ({
        category: cat.id,
        finalists: finalists
          .filter((f) => f.category === cat.id)
          .map(({ nominee, why, reason }) => ({ nominee, why, reason })),
        changeWithoutFlagged: finalistsChangeWithoutFlagged[cat.id] ?? false,
      })),
    },
    input,
    result: published,
    details,
    decimals: result.categories.map((cat) => ({
      category: cat.id,
      finalists: cat.order.map((nominee, i) => ({
        nominee,
        place: i + 1,
        winner: cat.winners.includes(nominee),
        votes: cat.public[nominee] ?? 0,
        publicShare: decimal(cat.publicShare[nominee]!),
        jury: cat.jury[nominee] === null || cat.jury[nominee] === undefined ? null : decimal(cat.jury[nominee]!),
        juryShare: decimal(cat.juryShare[nominee]!),
        final: decimal(cat.final[nominee]!),
      })),
    })),
  };
}

export const CSV_HEADER = [
  'version',
  'category',
  'place',
  'nominee',
  'name',
  'why',
  'winner',
  'votes',
  'public_share',
  'jury_score',
  'jury_share',
  'final',
];

/** One CSV row per finalist, in order within each category; `names` gives display names of ids. */
export function resultsCsvRows(
  doc: ResultsDocument,
  names: (id: string) => { slug: string; name: string },
): unknown[][] {
  return doc.decimals.flatMap((cat) =>
    cat.finalists.map((row) => {
      const why = doc.finalists.categories
        .find((c) => c.category === cat.category)
        ?.finalists.find((f) => f.nominee === row.nominee)?.why;
      return [
        doc.version,
        names(cat.category).slug,
        row.place,
        names(row.nominee).slug,
        names(row.nominee).name,
        why ?? '',
        row.winner ? 'yes' : 'no',
        row.votes,
        row.publicShare,
        row.jury ?? '',
        row.juryShare,
        row.final,
      ];
    }),
  );
}
