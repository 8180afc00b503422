/**
 * The verified person of an award: person_key = HMAC-SHA256(award pepper, identity), where the identity is
 * `email:<normalized address>` (email and roll methods alike) or `oidc:<issuer> <subject>`. Each award has its own
 * random pepper, wrapped by the master secret: the same person has unrelated keys in two awards.
 */
import mailchecker from 'mailchecker';
import { bytesToHex } from '../audit/canonical';
import { hmacSha256 } from '../keys/primitives';
import type { CeremonyRow } from '../../db/schema';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { EmailError, normalizeEmail } from './normalize';

const encoder = new TextEncoder();

export async function personKey(
  deps: AppDeps,
  ceremony: Pick<CeremonyRow, 'id' | 'pepper_wrapped'>,
  identity: string,
): Promise<string> {
  // The wrapper remembers the unwrapped pepper (src/keys/wrap.ts).
  const pepper = await deps.wrapper.unwrap('pepper', ceremony.pepper_wrapped);
  return bytesToHex(await hmacSha256(pepper, encoder.encode(identity)));
}

export const emailIdentity = (normalized: string) => `email:${normalized}`;
export const oidcIdentity = (issuer: string, subject: string) => `oidc:${issuer} ${subject}`;

/** Normalizes an address for an award, refusing disposable domains when its rules say so. */
export function acceptableEmail(raw: string, refuseDisposable: boolean) {
  let normalized;
  try {
    normalized = normalizeEmail(raw);
  } catch (err) {
    if (err instanceof EmailError)
      throw new ApiError('validation-failed', 'That is not an email address we can send to.', [
        { path: 'body.email', message: err.message },
      ]);
    throw err;
  }
  if (refuseDisposable && !mailchecker.isValid(`x@${normalized.domain}`))
    throw new ApiError('disposable-email', 'Addresses of disposable-mail services are not accepted for this award.', [
      { path: 'body.email', message: 'disposable domain' },
    ]);
  return normalized;
}
