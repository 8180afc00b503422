/**
 * Single-use links mailed to nominees (src/keys/links.ts) under the `consent-link` key. A link names the nominee,
 * the award and what it is for (`consent` or `withdraw`). The change it authorizes inserts the jti into
 * `spent_tokens` in the same batch, whose primary key lets exactly one change through.
 */
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { type LinkKind, readLink, signLink } from '../keys/links';

export type LinkPurpose = 'consent' | 'withdraw';

export const CONSENT_LINK_DAYS = 30;
/** A withdraw link is kept by the nominee for the whole award; the phase decides when withdrawing ends. */
export const WITHDRAW_LINK_DAYS = 365;

const KIND: LinkKind = {
  key: 'consent-link',
  audience: 'laurel:nominee',
  invalid: () =>
    new ApiError('token-invalid', 'This link is not valid or has expired; ask the organizers for a new one.'),
};

export interface NomineeLink {
  nomineeId: string;
  ceremonyId: string;
  purpose: LinkPurpose;
  jti: string;
  expiresAt: number;
}

/** Signs a fresh link token for the nominee; consent links live 30 days, withdraw links a year. */
export async function signNomineeLink(
  deps: AppDeps,
  link: { nomineeId: string; ceremonyId: string; purpose: LinkPurpose },
): Promise<{ token: string; expiresAt: number }> {
  const days = link.purpose === 'consent' ? CONSENT_LINK_DAYS : WITHDRAW_LINK_DAYS;
  const { token, expiresAt } = await signLink(deps, KIND, {
    subject: link.nomineeId,
    ceremonyId: link.ceremonyId,
    purpose: link.purpose,
    days,
  });
  return { token, expiresAt };
}

/**
 * Reads a link token for `purpose`. A tampered, expired, malformed or wrong-purpose token is a 401
 * `token-invalid`; whether it was spent is a separate question (repository.ts `isSpent`).
 */
export async function readNomineeLink(deps: AppDeps, token: string, purpose: LinkPurpose): Promise<NomineeLink> {
  const { subject, ...rest } = await readLink(deps, KIND, token, purpose);
  return { ...rest, nomineeId: subject, purpose };
}

/** The row id of a spent link in `spent_tokens`: prefixed, so it never collides with other single-use facts. */
export const spentId = (link: NomineeLink) => `nominee-link:${link.jti}`;

export const spentError = () => new ApiError('token-spent', 'This link has been used already; each link works once.');
