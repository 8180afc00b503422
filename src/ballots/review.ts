/**
 * Organizers' review of the public vote: network groups of ballots, flagging, voiding and restoring ballots with
 * a reason code (never automatically), turnout, and per-nominee counts behind their embargo.
 *
 * Each action is one atomic batch with its event (`ballots.flagged`, `ballots.voided`, `ballots.restored`), which
 * holds the count, the reason code and a hash of the sorted trackers; the next checkpoint event lists the voided
 * and restored trackers themselves. The batch is guarded by the phase and by a final check that exactly the
 * ballots read changed, so a refusal, or a ballot that a voter changed meanwhile, changes nothing.
 */
import { commitChange, disclose } from '../audit/log';
import { buildGroups, trackersHash, turnoutByCategory, type ReviewGroup, type TurnoutCategory } from '../abuse/groups';
import {
  ballotsByBatch,
  ballotsByCategoryAndStatus,
  ballotsByNominee,
  ballotsByTracker,
  checkpointTimes,
  largeNetworks,
  marksByCategory,
  networkBallots,
  networkBreakdown,
  statusChangeStatements,
  trackersOfNetwork,
} from '../abuse/repository';
import { type AwardRows, isListed, rulesOf } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { newId } from '../store/ids';

/**
 * Organizers review ballots while the vote runs and while the jury judges, and again after the announcement, as
 * the ground of a correction (src/results/service.ts `amendResults`). Not between finalization and announcement:
 * the finalized document is what gets announced.
 */
export const REVIEW_PHASES = ['voting', 'judging', 'announced', 'amended'] as const;
export const FLAG_PHASES = ['voting'] as const;
const flagsFrozen = () =>
  new ApiError('wrong-phase', 'Flags are frozen since voting closed; void or restore ballots instead.');

/**
 * Why ballots are voided. `nominee-withdrawn` is set only by a nominee's withdrawal (src/ballots/withdrawal.ts):
 * organizers cannot give it, so the ballots carrying it are exactly those a withdrawal voided.
 */
export const VOID_REASONS = ['duplicate-person', 'automated', 'purchased', 'nominee-withdrawn', 'other'] as const;
export const ORGANIZER_VOID_REASONS = ['duplicate-person', 'automated', 'purchased', 'other'] as const;
/** Why a group is flagged (its ballots still count; the sensitivity line shows what they weigh). */
export const FLAG_REASONS = ORGANIZER_VOID_REASONS;
/** Why voided ballots are restored. */
export const RESTORE_REASONS = ['cleared-on-review', 'voided-by-mistake', 'other'] as const;

export type OrganizerVoidReason = (typeof ORGANIZER_VOID_REASONS)[number];
export type FlagReason = (typeof FLAG_REASONS)[number];
export type RestoreReason = (typeof RESTORE_REASONS)[number];

/** The most trackers one void or restore request may list (a network group has no such limit). */
export const MAX_TRACKERS = 1000;

const wrongPhase = () =>
  new ApiError(
    'wrong-phase',
    'Ballots can be reviewed while voting or judging, and after the announcement for a correction; not between finalization and announcement.',
  );

function requireReviewPhase(award: AwardRows) {
  if (!(REVIEW_PHASES as readonly string[]).includes(award.ceremony.phase)) throw wrongPhase();
}

export interface ReviewedGroup extends Omit<ReviewGroup, 'categories'> {
  categories: (ReviewGroup['categories'][number] & { slug: string })[];
  trackers?: { tracker: string; category: string; agent: string; status: string }[];
}

/**
 * Groups of at least `min` ballots sharing a network signal, largest first (at most `limit`), with their split by
 * category, status and agent; the trackers of the group's own ballots only when asked. Nothing names a person.
 */
export async function reviewGroups(
  deps: AppDeps,
  award: AwardRows,
  opts: { min: number; limit: number; trackers: boolean },
): Promise<ReviewedGroup[]> {
  const { db } = deps.store;
  const id = award.ceremony.id;
  const networks = await largeNetworks(db, id, opts.min, opts.limit);
  if (networks.length === 0) return [];
  const names = networks.map((n) => n.network);
  const [rows, totals, ballots] = await Promise.all([
    networkBreakdown(db, id, names),
    ballotsByCategoryAndStatus(db, id),
    opts.trackers ? networkBallots(db, id, names) : Promise.resolve([]),
  ]);
  const categoryTotals = new Map<string, number>();
  for (const t of totals)
    if (t.status === 'counted' || t.status === 'flagged')
      categoryTotals.set(t.category, (categoryTotals.get(t.category) ?? 0) + t.n);
  const slugOf = new Map(award.categories.map((c) => [c.id, c.slug]));
  return buildGroups(names, rows, categoryTotals).map((g) => ({
    ...g,
    categories: g.categories.map((c) => ({ ...c, slug: slugOf.get(c.category) ?? c.category })),
    ...(opts.trackers
      ? {
          trackers: ballots
            .filter((b) => b.network === g.network)
            .map((b) => ({ tracker: b.tracker, category: b.category, agent: b.agent, status: b.status })),
        }
      : {}),
  }));
}

export interface ReviewAction {
  /** How many ballots changed. */
  count: number;
  trackersHash: string;
  event: { seq: number; hash: string };
}

interface Change {
  trackers: string[];
  from: readonly string[];
  to: 'counted' | 'flagged' | 'voided';
  change: 'flagged' | 'voided' | 'restored';
  /** The reason column of the ballots after the change. */
  ballotReason: string | null;
  type: 'ballots.flagged' | 'ballots.voided' | 'ballots.restored';
  reason: string;
  by: 'network' | 'trackers';
  note?: string;
  /** Phases the change is allowed in (default REVIEW_PHASES). */
  phases?: readonly string[];
}

async function commitStatusChange(deps: AppDeps, award: AwardRows, change: Change, actor: string) {
  const { db } = deps.store;
  const c = award.ceremony;
  const trackers = [...new Set(change.trackers)].sort();
  const hash = await trackersHash(trackers);
  const payload: Record<string, unknown> = {
    count: trackers.length,
    reason: change.reason,
    trackersHash: hash,
    by: change.by,
  };
  const extra = [];
  if (change.note) {
    // A note is free text: only a commitment to it enters the log.
    const { commitment, statement } = await disclose(deps.store, c.id, change.note);
    payload.noteCommitment = commitment;
    extra.push(statement);
  }
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: change.type, payload },
    precondition: ceremonyIs(db, c.id, change.phases ?? REVIEW_PHASES),
    refused: change.phases ? flagsFrozen : wrongPhase,
    changes: [
      ...statusChangeStatements(db, {
        ceremonyId: c.id,
        trackers,
        from: change.from,
        to: change.to,
        reason: change.ballotReason,
        change: change.change,
        actionId: newId('bc'),
      }),
      ...extra,
    ],
    onViolation: (v) =>
      v.kind === 'not-null'
        ? new ApiError(
            'conflict',
            'Some of these ballots changed meanwhile; nothing was changed. Reload and try again.',
          )
        : undefined,
  });
  return { count: trackers.length, trackersHash: hash, event };
}

/** Flags every counted ballot of a network group (optionally one agent within it). */
export async function flagNetwork(
  deps: AppDeps,
  award: AwardRows,
  input: { network: string; agent?: string; reason: FlagReason; note?: string },
  actor: string,
): Promise<ReviewAction> {
  // Flags are frozen when voting closes (and published with the finalists); voids and restores go on until
  // finalization.
  if (award.ceremony.phase !== 'voting') throw flagsFrozen();
  const trackers = await trackersOfNetwork(deps.store.db, award.ceremony.id, input.network, input.agent, ['counted']);
  if (trackers.length === 0) throw new ApiError('not-found', 'No counted ballots came from that network group.');
  return commitStatusChange(
    deps,
    award,
    {
      trackers,
      from: ['counted'],
      to: 'flagged',
      change: 'flagged',
      ballotReason: input.reason,
      type: 'ballots.flagged',
      phases: FLAG_PHASES,
      reason: input.reason,
      by: 'network',
      note: input.note,
    },
    actor,
  );
}

/** Ballots of this award by tracker, refusing unknown ones (404). */
async function knownBallots(deps: AppDeps, award: AwardRows, trackers: string[]) {
  const wanted = [...new Set(trackers)];
  const rows = await ballotsByTracker(deps.store.db, award.ceremony.id, wanted);
  if (rows.length !== wanted.length) {
    const found = new Set(rows.map((r) => r.tracker));
    const missing = wanted.filter((t) => !found.has(t));
    throw new ApiError(
      'not-found',
      `${missing.length} tracker(s) name no ballot of this award.`,
      missing.slice(0, 10).map((t) => ({ path: 'body.trackers', message: `unknown tracker ${t}` })),
    );
  }
  return rows;
}

/**
 * Voids counted or flagged ballots, listed by tracker (all must be counted or flagged) or as a network group
 * (every counted or flagged ballot of it).
 */
export async function voidBallots(
  deps: AppDeps,
  award: AwardRows,
  input: { trackers?: string[]; network?: string; agent?: string; reason: OrganizerVoidReason; note?: string },
  actor: string,
): Promise<ReviewAction> {
  requireReviewPhase(award);
  const from = ['counted', 'flagged'];
  let trackers: string[];
  if (input.trackers) {
    const rows = await knownBallots(deps, award, input.trackers);
    const stuck = rows.filter((r) => !from.includes(r.status));
    if (stuck.length)
      throw new ApiError(
        'conflict',
        `${stuck.length} of these ballots are not counted (voided or superseded already); nothing was changed.`,
        stuck.slice(0, 10).map((r) => ({ path: 'body.trackers', message: `${r.tracker} is ${r.status}` })),
      );
    trackers = rows.map((r) => r.tracker);
  } else {
    trackers = await trackersOfNetwork(deps.store.db, award.ceremony.id, input.network!, input.agent, from);
    if (trackers.length === 0)
      throw new ApiError('not-found', 'No counted or flagged ballots came from that network group.');
  }
  return commitStatusChange(
    deps,
    award,
    {
      trackers,
      from,
      to: 'voided',
      change: 'voided',
      ballotReason: input.reason,
      type: 'ballots.voided',
      reason: input.reason,
      by: input.trackers ? 'trackers' : 'network',
      note: input.note,
    },
    actor,
  );
}

/**
 * Restores voided ballots to counted. Refused (409) for a ballot that is not voided, whose nominee is off the
 * list (a withdrawal voided it), or that a later ballot of the same voter replaced under last-counts.
 */
export async function restoreBallots(
  deps: AppDeps,
  award: AwardRows,
  input: { trackers: string[]; reason: RestoreReason; note?: string },
  actor: string,
): Promise<ReviewAction> {
  requireReviewPhase(award);
  const rows = await knownBallots(deps, award, input.trackers);
  const listed = new Set(award.nominees.filter(isListed).map((n) => n.id));
  const refusals = rows.flatMap((r) => {
    if (r.status !== 'voided') return [{ path: 'body.trackers', message: `${r.tracker} is ${r.status}, not voided` }];
    if (!listed.has(r.nominee_id))
      return [{ path: 'body.trackers', message: `${r.tracker} is for a nominee no longer on the ballot` }];
    if (r.replaced)
      return [{ path: 'body.trackers', message: `${r.tracker} was replaced by a later ballot of its voter` }];
    return [];
  });
  if (refusals.length)
    throw new ApiError(
      'conflict',
      `${refusals.length} of these ballots cannot be restored; nothing was changed.`,
      refusals.slice(0, 10),
    );
  return commitStatusChange(
    deps,
    award,
    {
      trackers: rows.map((r) => r.tracker),
      from: ['voided'],
      to: 'counted',
      change: 'restored',
      ballotReason: null,
      type: 'ballots.restored',
      reason: input.reason,
      by: 'trackers',
      note: input.note,
    },
    actor,
  );
}

export interface Turnout {
  categories: (TurnoutCategory & { slug: string })[];
  batches: {
    batch: number;
    at: number | null;
    treeSize: number;
    closing: boolean;
    ballots: number;
    byCategory: Record<string, number>;
  }[];
  /** Ballots recorded since the last checkpoint. */
  pending: { ballots: number; byCategory: Record<string, number> };
}

/** Turnout per category and per checkpoint batch (the only time information the vote keeps). */
export async function turnout(deps: AppDeps, award: AwardRows): Promise<Turnout> {
  const { db } = deps.store;
  const id = award.ceremony.id;
  const [statuses, marks, batches, checkpoints] = await Promise.all([
    ballotsByCategoryAndStatus(db, id),
    marksByCategory(db, id),
    ballotsByBatch(db, id),
    checkpointTimes(db, id),
  ]);
  const categories = turnoutByCategory(
    award.categories.map((c) => c.id),
    statuses,
    marks,
  ).map((t) => ({ ...t, slug: award.categories.find((c) => c.id === t.category)!.slug }));
  const inBatch = (batch: number | null) => {
    const byCategory: Record<string, number> = {};
    let ballots = 0;
    for (const row of batches)
      if (row.batch === batch) {
        byCategory[row.category] = (byCategory[row.category] ?? 0) + row.n;
        ballots += row.n;
      }
    return { ballots, byCategory };
  };
  return {
    categories,
    batches: checkpoints.map((cp) => ({ ...cp, ...inBatch(cp.batch) })),
    pending: inBatch(null),
  };
}

/** Phases in which results are published: per-nominee counts are public from then on. */
const PUBLISHED = ['announced', 'amended'];

/** Whether anyone may read per-nominee counts now: after publication, or throughout when the rules say so. */
export function countsArePublic(award: AwardRows): boolean {
  const rules: Partial<Rules> = rulesOf(award);
  return rules.liveCounts === true || PUBLISHED.includes(award.ceremony.phase);
}

export interface NomineeCount {
  nominee: string;
  slug: string;
  /** Counted and flagged ballots: what the tally counts. */
  votes: number;
  /** Organizers only: how many of `votes` are flagged, and how many ballots were voided. */
  flagged?: number;
  voided?: number;
}

/** Ballots per nominee per category; `detailed` (organizers) adds the flagged and voided figures. */
export async function nomineeCounts(deps: AppDeps, award: AwardRows, detailed: boolean) {
  const rows = await ballotsByNominee(deps.store.db, award.ceremony.id);
  return award.categories.map((cat) => {
    const nominees = award.nominees.filter(
      (n) => n.category_id === cat.id && (isListed(n) || (detailed && rows.some((r) => r.nominee === n.id))),
    );
    return {
      category: cat.id,
      slug: cat.slug,
      nominees: nominees.map((n): NomineeCount => {
        const of = (status: string) =>
          rows.find((r) => r.category === cat.id && r.nominee === n.id && r.status === status)?.n ?? 0;
        const votes = of('counted') + of('flagged');
        return detailed
          ? { nominee: n.id, slug: n.slug, votes, flagged: of('flagged'), voided: of('voided') }
          : { nominee: n.id, slug: n.slug, votes };
      }),
    };
  });
}
