/**
 * The phase machine of an award: draft → nominating → voting → judging → finalized → announced (→ amended).
 * Pure: data in, data out. Phases move forward only; skipping is allowed. Instants are epoch milliseconds.
 */
import { PHASES, type Phase } from './schemas';

export const rank = (phase: Phase): number => PHASES.indexOf(phase);

/** Phases an organizer moves into by hand; finalization and announcement come with the results. */
export const MANUAL_TARGETS: readonly Phase[] = ['nominating', 'voting', 'judging'];

/** Windowed phases with optional opens/closes instants. */
export const WINDOWED = ['nominating', 'voting', 'judging'] as const;
export type Windowed = (typeof WINDOWED)[number];

export interface Window {
  opens: number | null;
  closes: number | null;
}
export type ScheduleInstants = Record<Windowed, Window>;

export type TransitionRefusal = 'phase-backwards' | 'wrong-phase';

export function checkTransition(from: Phase, to: Phase): TransitionRefusal | null {
  if (rank(to) <= rank(from)) return 'phase-backwards';
  return null;
}

/** Whether the rules and the nominee list are frozen in this phase (from the opening of the vote on). */
export function isFrozen(phase: Phase): boolean {
  return rank(phase) >= rank('voting');
}

/**
 * The phase the schedule says an award should be in at `now`, if that is ahead of `current`. A draft is never
 * moved by the schedule (leaving draft is an organizer's decision), nor is anything from judging on except by hand.
 * The close of voting moves the award to judging, because closing the vote computes the finalists.
 */
export function scheduledPhase(current: Phase, schedule: ScheduleInstants, now: number): Phase | null {
  if (current === 'draft' || rank(current) >= rank('judging')) return null;
  let target: Phase = current;
  const reached = (t: number | null) => t !== null && t <= now;
  if (reached(schedule.nominating.opens) && rank(target) < rank('nominating')) target = 'nominating';
  if (reached(schedule.voting.opens) && rank(target) < rank('voting')) target = 'voting';
  if ((reached(schedule.voting.closes) || reached(schedule.judging.opens)) && rank(target) < rank('judging'))
    target = 'judging';
  return target === current ? null : target;
}

/**
 * The schedule after a move from `from` to `to` at `now`: the new phase opens now unless an earlier opening is
 * recorded, and every phase left behind closes now unless it closed already. This keeps [opens, closes) true to
 * what happened, so the database can check "inside the voting window" on every ballot.
 */
export function instantsAfterMove(from: Phase, to: Phase, schedule: ScheduleInstants, now: number): ScheduleInstants {
  const next: ScheduleInstants = {
    nominating: { ...schedule.nominating },
    voting: { ...schedule.voting },
    judging: { ...schedule.judging },
  };
  for (const phase of WINDOWED) {
    const w = next[phase];
    if (phase === to) {
      if (w.opens === null || w.opens > now) w.opens = now;
      if (w.closes !== null && w.closes <= now) w.closes = null;
    } else if (rank(phase) < rank(to) && rank(phase) >= rank(from)) {
      if (w.opens !== null && w.opens > now) w.opens = now;
      if (w.closes === null || w.closes > now) w.closes = now;
    }
  }
  return next;
}

/**
 * Problems with a schedule: each window must open before it closes, and windows must follow each other in order.
 * With `previous`, an edit may only touch instants that are still in the future, and only move them to the future:
 * the past is not rewritten.
 */
export function scheduleProblems(schedule: ScheduleInstants, now: number, previous?: ScheduleInstants): string[] {
  const problems: string[] = [];
  const points = (s: ScheduleInstants): [string, number | null][] =>
    WINDOWED.flatMap((p) => [
      [`${p}.opens`, s[p].opens],
      [`${p}.closes`, s[p].closes],
    ]);
  for (const phase of WINDOWED) {
    const { opens, closes } = schedule[phase];
    if (opens !== null && closes !== null && opens >= closes)
      problems.push(`${phase}.closes must be after ${phase}.opens`);
  }
  const set = points(schedule).filter((p): p is [string, number] => p[1] !== null);
  for (let i = 1; i < set.length; i++) {
    const [prevName, prevAt] = set[i - 1]!;
    const [name, at] = set[i]!;
    if (at < prevAt) problems.push(`${name} must not be before ${prevName}`);
  }
  if (previous) {
    const before = new Map(points(previous));
    for (const [name, at] of points(schedule)) {
      const was = before.get(name) ?? null;
      if (was === at) continue;
      if (was !== null && was <= now) problems.push(`${name} has passed and cannot be changed`);
      else if (at !== null && at <= now) problems.push(`${name} must be in the future`);
    }
  }
  return problems;
}
