/**
 * The replay of docs/audit.md §20: an award's state at chosen events, rebuilt from its chain and the bundle's
 * lists alone. One pass over the events; at each requested seq a snapshot of what a tally input needs is taken
 * (ballot counts, nominees, finalists, jury), so a million ballot statuses are never copied: they are one byte per
 * ballot of the bundle's {@link BallotTable}. Pure: no database, no clock, no I/O.
 */
import type { LoggedEvent } from '../audit/chain';
import type { BundleHeader, BundleReview } from '../bundle/format';
import type { Conflict, ScoreSheet, TallyBallot, TallyCategory, TallyJuror, Wildcard } from '../tally/types';
import { type BallotTable, COUNTED, FLAGGED, SUPERSEDED, VOIDED } from './ballots';

/** A ballot's status in the replay: COUNTED, FLAGGED, VOIDED or SUPERSEDED (src/verify/ballots.ts). */
type Status = typeof COUNTED | typeof FLAGGED | typeof VOIDED | typeof SUPERSEDED;
type FinalistWhy = 'top-k' | 'tie-included' | 'tie-broken' | 'organizer' | 'wildcard';
export interface ReplayFinalist {
  nominee: string;
  why: FinalistWhy;
  /** The disclosed reason of a wildcard; undefined when its commitment was not disclosed. */
  reason?: string;
}

/** A submitted sheet as disclosed: a rubric sheet holds every scored finalist, a ranking the juror's order. */
export type DisclosedSheet =
  | { juror: string; category: string; scores: Record<string, Record<string, number>> }
  | { juror: string; category: string; ranking: string[] };

export interface Snapshot {
  seq: number;
  /** Counted and flagged ballots as aggregate rows, sorted by category, nominee, status. */
  ballots: Required<TallyBallot>[];
  /** Trackers flagged at this point, sorted. */
  flagged: string[];
  categories: TallyCategory[];
  finalists: Record<string, ReplayFinalist[]>;
  jurors: TallyJuror[];
  conflicts: Conflict[];
  sheets: ScoreSheet[];
}

export interface ReplayProblem {
  seq: number;
  detail: string;
}

export interface ReplayInput {
  header: Pick<BundleHeader, 'categories' | 'nominees'>;
  events: LoggedEvent[];
  reviews: BundleReview[];
  ballots: BallotTable;
  /** Opened commitments: commitment → value (already checked against their salts). */
  opened: Map<string, string>;
}

const REVIEW_STATUS: Record<string, Status> = {
  'ballots.flagged': FLAGGED,
  'ballots.voided': VOIDED,
  'ballots.restored': COUNTED,
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Replays the chain and returns a snapshot after each seq of `at` (0 = before the first event). */
export function replay(
  input: ReplayInput,
  at: readonly number[],
): { snapshots: Map<number, Snapshot>; problems: ReplayProblem[] } {
  const problems: ReplayProblem[] = [];
  const wanted = new Set(at);
  const snapshots = new Map<number, Snapshot>();

  const table = input.ballots;
  // Indexed by position; only a tracker's owner position is read or written (a repeated tracker is one ballot).
  const status = new Uint8Array(table.size).fill(COUNTED);
  const reviewAt = new Map(input.reviews.map((r) => [r.seq, r.trackers]));
  const withdrawn = new Set<string>();
  const finalists: Record<string, ReplayFinalist[]> = {};
  const jurors = new Map<string, TallyJuror>();
  const conflicts = new Map<string, Conflict>();
  const submitted: DisclosedSheet[] = [];
  // Wildcard reasons by "category nominee": the close restates wildcards named before it without their reasons.
  const wildcardReasons = new Map<string, string | undefined>();

  // A review never changes a superseded ballot: superseded is final (docs/audit.md §20).
  const setStatus = (seq: number, trackers: readonly string[], to: Status, review = false) => {
    for (const t of trackers) {
      const at = table.find(t);
      if (at < 0) problems.push({ seq, detail: `tracker ${t} is not a ballot of the bundle` });
      else if (!(review && status[at] === SUPERSEDED)) status[at] = to;
    }
  };

  const take = (seq: number) => {
    if (wanted.has(seq))
      snapshots.set(seq, snapshot(seq, input, status, withdrawn, finalists, jurors, conflicts, submitted));
  };
  take(0);
  for (const e of input.events) {
    const p = e.payload;
    const reviewed = REVIEW_STATUS[e.type];
    if (reviewed) setStatus(e.seq, reviewAt.get(e.seq) ?? [], reviewed, true);
    else if (e.type === 'ballots.checkpoint') setStatus(e.seq, strings(p.superseded), SUPERSEDED);
    else if (e.type === 'nominee.withdrawn' && str(p.nominee)) {
      const nominee = p.nominee as string;
      withdrawn.add(nominee);
      table.pairs.forEach((pair, i) => {
        if (pair.nominee !== nominee) return;
        for (const at of table.positionsOf(i)) {
          const owner = table.owner(at);
          if (status[owner] === COUNTED || status[owner] === FLAGGED) status[owner] = VOIDED;
        }
      });
      for (const cat of Object.keys(finalists)) finalists[cat] = finalists[cat]!.filter((f) => f.nominee !== nominee);
    } else if (e.type === 'finalists.computed') {
      for (const key of Object.keys(finalists)) delete finalists[key];
      for (const cat of Array.isArray(p.categories) ? p.categories : []) {
        const c = cat as { category?: unknown; finalists?: unknown };
        if (!str(c.category)) continue;
        finalists[c.category as string] = (Array.isArray(c.finalists) ? c.finalists : []).map((f) => {
          const { nominee, why } = f as { nominee: string; why: FinalistWhy };
          // A wildcard named before the close keeps the reason its own event disclosed.
          const earlier = why === 'wildcard' ? wildcardReasons.get(`${c.category as string} ${nominee}`) : undefined;
          return why === 'wildcard' ? { nominee, why, reason: earlier } : { nominee, why };
        });
      }
    } else if (e.type === 'finalists.picked' && str(p.category)) {
      const picks = strings(p.nominees);
      const kept = (finalists[p.category as string] ?? []).filter(
        (f) => f.why !== 'organizer' && !picks.includes(f.nominee),
      );
      finalists[p.category as string] = [...kept, ...picks.map((nominee) => ({ nominee, why: 'organizer' as const }))];
    } else if (e.type === 'finalists.wildcard' && str(p.category) && str(p.nominee)) {
      const reason = input.opened.get(String(p.reasonCommitment));
      wildcardReasons.set(`${p.category as string} ${p.nominee as string}`, reason);
      if (reason === undefined) problems.push({ seq: e.seq, detail: 'the wildcard reason is not disclosed' });
      const list = finalists[p.category as string] ?? [];
      finalists[p.category as string] = [...list, { nominee: p.nominee as string, why: 'wildcard', reason }];
    } else if ((e.type === 'jury.juror.added' || e.type === 'jury.juror.changed') && str(p.juror)) {
      jurors.set(p.juror as string, {
        id: p.juror as string,
        institution: String(p.institution),
        weight: Number(p.weight),
      });
    } else if (e.type === 'jury.conflict.added' && str(p.nominee)) {
      const c: Conflict = str(p.juror)
        ? { juror: p.juror as string, nominee: p.nominee as string }
        : { institution: String(p.institution), nominee: p.nominee as string };
      conflicts.set(JSON.stringify(c), c);
    } else if (e.type === 'jury.conflicts.declared' && str(p.juror)) {
      for (const nominee of strings(p.nominees)) {
        const c: Conflict = { juror: p.juror as string, nominee };
        conflicts.set(JSON.stringify(c), c);
      }
    } else if (e.type === 'jury.sheet.submitted') {
      const value = input.opened.get(String(p.sheetCommitment));
      const sheet = value === undefined ? undefined : parseSheet(value);
      if (!sheet) problems.push({ seq: e.seq, detail: 'the submitted sheet is not disclosed, or not a sheet' });
      else if (sheet.juror !== p.juror || sheet.category !== p.category)
        problems.push({ seq: e.seq, detail: 'the disclosed sheet names another juror or category than its event' });
      else submitted.push(sheet);
    }
    take(e.seq);
  }
  return { snapshots, problems };
}

function parseSheet(value: string): DisclosedSheet | undefined {
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    if (typeof v.juror !== 'string' || typeof v.category !== 'string') return undefined;
    if (Array.isArray(v.ranking)) return { juror: v.juror, category: v.category, ranking: strings(v.ranking) };
    if (v.scores && typeof v.scores === 'object')
      return { juror: v.juror, category: v.category, scores: v.scores as Record<string, Record<string, number>> };
  } catch {
    // not JSON: reported by the caller as not a sheet
  }
  return undefined;
}

function snapshot(
  seq: number,
  input: ReplayInput,
  status: Uint8Array,
  withdrawn: Set<string>,
  finalists: Record<string, ReplayFinalist[]>,
  jurors: Map<string, TallyJuror>,
  conflicts: Map<string, Conflict>,
  submitted: DisclosedSheet[],
): Snapshot {
  const table = input.ballots;
  // Counted and flagged ballots per (category, nominee) pair of the table; each pair is one distinct pair.
  const counted = new Uint32Array(table.pairs.length);
  const flaggedPerPair = new Uint32Array(table.pairs.length);
  let anyFlagged = false;
  for (let at = 0; at < table.size; at++) {
    const s = status[at];
    if (s === COUNTED) {
      if (table.owner(at) === at) counted[table.pair(at)]!++;
    } else if (s === FLAGGED && table.owner(at) === at) {
      flaggedPerPair[table.pair(at)]!++;
      anyFlagged = true;
    }
  }
  const flagged: string[] = [];
  // The sorted index gives the flagged trackers in order.
  if (anyFlagged)
    for (const at of table.sorted)
      if (status[at] === FLAGGED && table.owner(at) === at) flagged.push(table.tracker(at));
  const ballots = table.pairs
    .flatMap(({ category, nominee }, i): Required<TallyBallot>[] => [
      ...(counted[i]! > 0 ? [{ category, nominee, status: 'counted' as const, count: counted[i]! }] : []),
      ...(flaggedPerPair[i]! > 0 ? [{ category, nominee, status: 'flagged' as const, count: flaggedPerPair[i]! }] : []),
    ])
    .sort((a, b) => cmp(a.category, b.category) || cmp(a.nominee, b.nominee) || cmp(a.status, b.status));
  // Accepted at this seq: accepted now, or withdrawn by an event the replay has not reached yet.
  const accepted = (n: BundleHeader['nominees'][number]) =>
    n.status === 'accepted' || (n.status === 'withdrawn' && !withdrawn.has(n.id));
  const categories: TallyCategory[] = input.header.categories.map((c) => ({
    id: c.id,
    nominees: input.header.nominees.filter((n) => n.category === c.id && accepted(n)).map((n) => n.id),
    ...(c.k !== null ? { k: c.k } : {}),
    winners: c.winners,
  }));
  const copy = Object.fromEntries(Object.entries(finalists).map(([cat, list]) => [cat, list.map((f) => ({ ...f }))]));
  const isFinalist = (cat: string, nominee: string) => (finalists[cat] ?? []).some((f) => f.nominee === nominee);
  const sheets: ScoreSheet[] = submitted.flatMap((s): ScoreSheet[] =>
    'ranking' in s
      ? [{ juror: s.juror, category: s.category, ranking: s.ranking.filter((n) => isFinalist(s.category, n)) }]
      : Object.entries(s.scores)
          .filter(([nominee]) => isFinalist(s.category, nominee))
          .map(([nominee, scores]) => ({ juror: s.juror, category: s.category, nominee, scores })),
  );
  return {
    seq,
    ballots,
    flagged,
    categories,
    finalists: copy,
    jurors: [...jurors.values()].map((j) => ({ ...j })),
    conflicts: [...conflicts.values()],
    sheets,
  };
}

/** The tally input's finalist members from a snapshot: picks of every kind but wildcards, and the wildcards. */
export function finalistInput(s: Snapshot): { organizerFinalists: Record<string, string[]>; wildcards: Wildcard[] } {
  return {
    organizerFinalists: Object.fromEntries(
      s.categories.map((c) => [
        c.id,
        (s.finalists[c.id] ?? []).filter((f) => f.why !== 'wildcard').map((f) => f.nominee),
      ]),
    ),
    wildcards: s.categories.flatMap((c) =>
      (s.finalists[c.id] ?? [])
        .filter((f) => f.why === 'wildcard')
        .map((f) => ({ category: c.id, nominee: f.nominee, reason: f.reason ?? '' })),
    ),
  };
}
