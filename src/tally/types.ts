/**
 * Input and output of the tally. The input mirrors the neutral format of the tally test vectors
 * (`../shared/vectors/README.md`) with every id a string; the output mirrors their `expected` block, rationals
 * written as "p/q" in lowest terms (or "p"), plus a `details` field with every intermediate figure for the results
 * document and the audit.
 */
import type { Rules } from '../ceremonies/schemas';
import type { TieBreak, TieStep } from './ties';

export type { TieBreak, TieStep };

/** The part of the award's rules the tally reads (the same shape as `Rules`, defaults filled in). */
export type TallyRules = Pick<Rules, 'finalists' | 'jury' | 'weights' | 'tieChain'>;
export type FinalistRule = TallyRules['finalists'];
export type JuryRule = TallyRules['jury'];
export type RubricRule = Extract<JuryRule, { mode: 'rubric' }>;
export type RankingRule = Extract<JuryRule, { mode: 'ranking' }>;

export interface TallyCategory {
  id: string;
  /** Accepted nominees, in the order the award lists them. */
  nominees: string[];
  /** Finalists by public vote; overrides `rules.finalists.k`. */
  k?: number;
  /** Default 1. */
  winners?: number;
}

export type BallotStatus = 'counted' | 'flagged' | 'voided';

export interface TallyBallot {
  category: string;
  nominee: string;
  status: BallotStatus;
  /** How many such ballots this entry stands for (an aggregate row); default 1. */
  count?: number;
}

export interface Wildcard {
  category: string;
  nominee: string;
  reason: string;
}

export interface TallyInstitution {
  id: string;
  /** Integer weight in the jury score. */
  weight: number;
}

export interface TallyJuror {
  id: string;
  institution: string;
  /** Integer weight within the juror's institution (rubric mode). */
  weight: number;
}

/** That juror, or every juror of that institution, is not eligible for that nominee. */
export type Conflict = { juror: string; nominee: string } | { institution: string; nominee: string };

export interface RubricSheet {
  juror: string;
  category: string;
  nominee: string;
  /** Criterion id to an integer score on the scale. */
  scores: Record<string, number>;
}

export interface RankingSheet {
  juror: string;
  category: string;
  /** Nominee ids, best first. */
  ranking: string[];
}

export type ScoreSheet = RubricSheet | RankingSheet;

/** What choosing the finalists needs: known when voting closes, before any jury has scored. */
export interface FinalistsInput {
  rules: Pick<TallyRules, 'finalists'>;
  /** Hex of the revealed lot secret S. */
  lotSecret: string;
  /** Hex of the root of the closing ballot checkpoint. */
  closingRoot: string;
  categories: TallyCategory[];
  ballots: TallyBallot[];
  wildcards: Wildcard[];
  /** Category id to the finalists organizers picked (`finalists: organizer`). */
  organizerFinalists: Record<string, string[]>;
}

export interface TallyInput extends FinalistsInput {
  rules: TallyRules;
  institutions: TallyInstitution[];
  jurors: TallyJuror[];
  conflicts: Conflict[];
  sheets: ScoreSheet[];
}

export type FinalistReason = 'top-k' | 'tie-included' | 'tie-broken' | 'organizer' | 'wildcard';

export interface Finalist {
  nominee: string;
  why: FinalistReason;
}

export type FlagKind = 'below-quorum' | 'no-jury' | 'no-public-votes' | 'unresolved-tie';

/** A flag on a category, or on one finalist of it (`below-quorum`). */
export interface Flag {
  category: string;
  nominee?: string;
  flag: FlagKind;
}

export interface Sensitivity {
  category: string;
  /** Whether the finalist set changes when flagged (not voided) ballots are left out. */
  finalistsChange: boolean;
  /** Whether the winners among the actual finalists change, with the same jury, when they are left out. */
  winnersChange: boolean;
}

export interface CategoryFinalists {
  id: string;
  /** Counted and flagged ballots per nominee of the category. */
  public: Record<string, number>;
  finalists: Finalist[];
}

/** A tie that the chain of a decision left unsettled (ordered by nominee id instead). */
export interface UnresolvedTie {
  decision: string;
  nominees: string[];
}

export interface FinalistsResult {
  categories: CategoryFinalists[];
  /** `finalists:CAT` decisions. */
  tieBreaks: TieBreak[];
  /** Only `unresolved-tie` can arise here. */
  flags: Flag[];
  details: { lotSeed: string; unresolvedTies: UnresolvedTie[] };
}

export interface CategoryResult extends CategoryFinalists {
  /** Jury score per finalist; null when nobody eligible scored. */
  jury: Record<string, string | null>;
  juryShare: Record<string, string>;
  publicShare: Record<string, string>;
  final: Record<string, string>;
  /** Finalists, best first. */
  order: string[];
  winners: string[];
}

/** One eligible juror's score of one finalist (rubric mode). */
export interface RubricScorer {
  juror: string;
  institution: string;
  /** sum(weight x score) / sum(weights). */
  raw: string;
  /** The normalized score (= raw unless `zscore`), clamped to the scale. */
  x: string;
  /** Dropped by trimming. */
  trimmed: boolean;
}

export interface RubricDetails {
  mode: 'rubric';
  /** Per finalist: its eligible scorers, sorted by juror id. */
  scorers: Record<string, RubricScorer[]>;
  /** Per finalist: institution id to the juror-weighted mean of its remaining scorers. */
  institutions: Record<string, Record<string, string>>;
  /** `zscore` only: the category's mean and rounded deviation, and each juror's. */
  zscore?: {
    mean: string;
    deviation: string;
    jurors: Record<string, { mean: string; deviation: string }>;
  };
}

/** One juror's points for one finalist (ranking mode). */
export interface RankingEntry {
  juror: string;
  institution: string;
  /** 1-based rank among the `of` finalists left on the sheet after eligibility. */
  rank: number;
  of: number;
  points: string;
}

export interface RankingDetails {
  mode: 'ranking';
  /** Per finalist: the points each juror gave it, sorted by juror id. */
  points: Record<string, RankingEntry[]>;
  /** Per finalist: institution id to the mean of its jurors' points. */
  institutionMeans: Record<string, Record<string, string>>;
  /** With `institutionTable`: institution id to the finalists it ranked, best first, and the points each got. */
  institutionTable?: Record<string, { order: string[]; points: Record<string, number> }>;
}

export interface CategoryDetails {
  id: string;
  /** The sensitivity recount: counted ballots only. */
  publicWithoutFlagged: Record<string, number>;
  /** Finalists and winners of that recount (winners among the actual finalists, same jury). */
  sensitivity: { finalists: string[]; winners: string[] };
  jury: RubricDetails | RankingDetails;
}

export interface TallyDetails {
  /** Hex of the lot seed SHA-256(S || closing root). */
  lotSeed: string;
  categories: CategoryDetails[];
  unresolvedTies: UnresolvedTie[];
}

export interface TallyResult {
  categories: CategoryResult[];
  tieBreaks: TieBreak[];
  flags: Flag[];
  sensitivity: Sensitivity[];
  /** Every intermediate figure; not part of the vectors' `expected` block. */
  details: TallyDetails;
}

/** The input does not make sense (an unknown nominee, juror or criterion, a duplicate sheet, a score off scale). */
export class TallyInputError extends Error {
  constructor(message: string) {
    super(`tally: ${message}`);
    this.name = 'TallyInputError';
  }
}
