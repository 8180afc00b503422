/**
 * When a nominee's consent, withdrawal, contact and erasure may change. Pure: the nominee's state and the award's
 * phase in, a refusal or the guard for the batch out. The guard is the same rule written as the expected state, so
 * the database re-checks it atomically with the change (a concurrent change makes the batch fail, not slip past).
 *
 * The nominee list freezes when voting opens (DESIGN.md, Lifecycle): from then on a consent answer may no longer
 * put a nominee on the list or take one off it; a nominee who consented can only withdraw, which voids ballots.
 */
import { isFrozen } from '../ceremonies/phases';
import { PHASES, type Phase } from '../ceremonies/schemas';
import type { ProblemCode } from '../errors';

export type ConsentState = 'not-asked' | 'requested' | 'given' | 'declined';
export type Decision = 'give' | 'decline';

export interface NomineeState {
  status: string;
  consent: string;
  erased: number;
}

export interface Refusal {
  code: ProblemCode;
  detail: string;
}

/** The state the batch expects; anything else refuses it. */
export interface Guard {
  statuses: readonly string[];
  consents?: readonly string[];
  phases: readonly Phase[];
}

export type Verdict = { guard: Guard; refusal?: undefined } | { refusal: Refusal; guard?: undefined };

/** Phases in which the nominee list is still open (before voting). */
export const OPEN_PHASES: readonly Phase[] = PHASES.filter((p) => !isFrozen(p));
/** Phases in which a nominee may still withdraw: everything before the results are announced. */
export const WITHDRAWABLE_PHASES: readonly Phase[] = PHASES.filter((p) => p !== 'announced' && p !== 'amended');

const refuse = (code: ProblemCode, detail: string): Verdict => ({ refusal: { code, detail } });

const gone = (n: NomineeState) =>
  n.erased === 1 ? refuse('conflict', "This nominee's personal data has been erased.") : undefined;

/** A nominee's answer to a consent link. */
export function consentVerdict(n: NomineeState, phase: Phase, decision: Decision): Verdict {
  const erased = gone(n);
  if (erased) return erased;
  if (n.status !== 'accepted')
    return refuse('conflict', `This nomination is ${n.status}; there is nothing to consent to any more.`);
  if (decision === 'give') {
    if (n.consent === 'given') return refuse('conflict', 'Consent has been given already.');
    if (n.consent !== 'requested' && n.consent !== 'declined')
      return refuse('conflict', 'No consent was asked of this nominee.');
    if (isFrozen(phase))
      return refuse('frozen', 'The nominee list was frozen when voting opened; consent can no longer be given.');
    return { guard: { statuses: ['accepted'], consents: ['requested', 'declined'], phases: OPEN_PHASES } };
  }
  if (n.consent === 'declined') return refuse('conflict', 'Consent has been declined already.');
  if (n.consent === 'requested') return { guard: { statuses: ['accepted'], consents: ['requested'], phases: PHASES } };
  if (n.consent === 'given') {
    // Until voting opens a nominee may change their mind; afterwards only a withdrawal takes them off the list.
    if (isFrozen(phase))
      return refuse('frozen', 'Voting has opened; a nominee who consented can withdraw instead of declining.');
    return { guard: { statuses: ['accepted'], consents: ['given'], phases: OPEN_PHASES } };
  }
  return refuse('conflict', 'No consent was asked of this nominee.');
}

/** A withdrawal, by the nominee's link or by an organizer. */
export function withdrawalVerdict(n: NomineeState, phase: Phase): Verdict {
  const erased = gone(n);
  if (erased) return erased;
  if (n.status === 'withdrawn') return refuse('conflict', 'This nominee has withdrawn already.');
  if (n.status !== 'accepted' && n.status !== 'pending')
    return refuse('conflict', `This nomination is ${n.status}; it cannot be withdrawn.`);
  if (!WITHDRAWABLE_PHASES.includes(phase))
    return refuse('wrong-phase', 'The results have been announced; a nominee can no longer withdraw.');
  return { guard: { statuses: ['accepted', 'pending'], phases: WITHDRAWABLE_PHASES } };
}

/** Erasing a nominee's personal data: only for nominees who are off the list for good. */
export function erasureVerdict(n: NomineeState): Verdict {
  const erased = gone(n);
  if (erased) return erased;
  if (n.status !== 'rejected' && n.status !== 'withdrawn')
    return refuse('conflict', `Only rejected or withdrawn nominees can be erased; this one is ${n.status}.`);
  return { guard: { statuses: ['rejected', 'withdrawn'], phases: PHASES } };
}

/** Setting or replacing the contact address of a nominee. */
export function contactVerdict(n: NomineeState): Verdict {
  const erased = gone(n);
  if (erased) return erased;
  if (n.status !== 'accepted' && n.status !== 'pending')
    return refuse('conflict', `This nomination is ${n.status}; a contact is of no use any more.`);
  return { guard: { statuses: ['accepted', 'pending'], phases: PHASES } };
}

/** An organizer sending (or resending) the consent request. */
export function requestVerdict(n: NomineeState, phase: Phase, hasContact: boolean): Verdict {
  const erased = gone(n);
  if (erased) return erased;
  if (n.status !== 'accepted')
    return refuse('conflict', `Consent is asked of accepted nominees; this one is ${n.status}.`);
  if (!hasContact) return refuse('conflict', 'This nominee has no contact address; set one first.');
  if (n.consent === 'given') return refuse('conflict', 'This nominee has consented already.');
  // Asking takes the nominee off the list until they answer, and an answer could not put them back once frozen.
  if (isFrozen(phase))
    return refuse('frozen', 'The nominee list was frozen when voting opened; consent can no longer be asked.');
  return {
    guard: { statuses: ['accepted'], consents: ['not-asked', 'requested', 'declined'], phases: OPEN_PHASES },
  };
}
