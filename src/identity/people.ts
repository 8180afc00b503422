/**
 * The verified person of an award: person_key = HMAC-SHA256(award pepper, identity), where the identity is
 * `email:<normalized address>` (email and roll methods alike) or `oidc:<issuer> <subject>`. Each award has its own
 * random pepper, wrapped by the master secret: the same person has unrelated keys in two awards.
 */
import mailchecker from 'mailchecker';
import type { CeremonyRow } from '../../db/schema';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { EmailError, normalizeEmail } from './normalize';

const encoder = new TextEncoder();
const peppers = new WeakMap<AppDeps['wrapper'], Map<string, Promise<CryptoKey>>>();

async function pepperKey(deps: AppDeps, ceremony: Pick<CeremonyRow, 'id' | 'pepper_wrapped'>): Promise<CryptoKey> {
  let cache = peppers.get(deps.wrapper);
  if (!cache) peppers.set(deps.wrapper, (cache = new Map()));
  let key = cache.get(ceremony.id);
  if (!key) {
    key = deps.wrapper
      .unwrap('pepper', ceremony.pepper_wrapped)
      .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));
    cache.set(ceremony.id, key);
  }
  return key;
}

export async function personKey(
  deps: AppDeps,
  ceremony: Pick<CeremonyRow, 'id' | 'pepper_wrapped'>,
  identity: string,
): Promise<string> {
  const sig = await crypto.subtle.sign('HMAC', await pepperKey(deps, ceremony), encoder.encode(identity));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, '0')).join('');
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
