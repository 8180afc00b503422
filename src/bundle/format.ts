/**
 * The audit bundle's shape (docs/audit.md §19): its format name, its members, and which commitments it opens.
 * Pure, with no database: the exporter (./export.ts) writes this shape and `laurel verify` (src/verify) reads it,
 * without loading the app.
 */
import type { LoggedEvent } from '../audit/chain';

export const BUNDLE_FORMAT = 'laurel-bundle/1';
/** Event types whose trackers a `reviews` entry lists (§19.1), and the ballot change each records. */
export const REVIEW_TYPES: Record<string, 'flagged' | 'voided' | 'restored'> = {
  'ballots.flagged': 'flagged',
  'ballots.voided': 'voided',
  'ballots.restored': 'restored',
};

/** The payload members whose commitments a bundle opens: the jury's sheets and wildcard reasons (§19.1). */
export const DISCLOSED_MEMBERS = ['scoresCommitment', 'rankingCommitment', 'sheetCommitment'] as const;

/**
 * The commitments a bundle opens, each with the first event that names it, in event order: the exporter publishes
 * exactly these and the verifier requires exactly these. Personal commitments (names, addresses, notes, a
 * withdrawal's reason) are never among them.
 */
export function disclosedCommitments(events: readonly LoggedEvent[]): Map<string, LoggedEvent> {
  const named = new Map<string, LoggedEvent>();
  const name = (c: unknown, e: LoggedEvent) => {
    if (typeof c === 'string' && !named.has(c)) named.set(c, e);
  };
  for (const e of events) {
    for (const member of DISCLOSED_MEMBERS) name(e.payload[member], e);
    if (e.type === 'finalists.wildcard') name(e.payload.reasonCommitment, e);
  }
  return named;
}

export interface BundleBallot {
  tracker: string;
  category: string;
  nominee: string;
  batch: number;
}
export interface BundleReview {
  seq: number;
  trackers: string[];
}
export interface BundleDisclosure {
  commitment: string;
  salt: string;
  value: string;
}
export interface BundleResults {
  version: number;
  hash: string;
  kid: string;
  jws: string;
  document: Record<string, unknown>;
}

/** The bundle without its four long lists (line 1 of the NDJSON form). */
export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  award: { id: string; slug: string; locales: string[]; content: unknown };
  head: { seq: number; hash: string };
  rules: Record<string, unknown>;
  categories: { id: string; slug: string; track: string; k: number | null; winners: number; content: unknown }[];
  institutions: { id: string; slug: string; weight: number; content: unknown }[];
  nominees: { id: string; category: string; slug: string; status: string; content?: unknown; erased?: true }[];
  results: BundleResults[];
  keys: { keys: Record<string, unknown>[] };
  counts: { events: number; reviews: number; disclosures: number; ballots: number };
}

/** The whole bundle as the JSON form holds it. */
export interface Bundle extends BundleHeader {
  events: LoggedEvent[];
  reviews: BundleReview[];
  disclosures: BundleDisclosure[];
  ballots: BundleBallot[];
}
