/**
 * One-time codes: 6 digits, valid 10 minutes, stored only as an HMAC under a server key. Five wrong tries lock
 * the code; repeated failures throttle the subject (an address) for a window, never for good. Issuing is
 * throttled too. Used for organizer login now and for voters' email verification.
 */
import type { Compilable } from 'kysely';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { newId } from '../store/ids';
import { count, hit } from './throttle';

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_TRIES = 5;
/** Issues per subject per window, and failures per subject per window before the subject is throttled. */
export const ISSUE_LIMIT = 5;
export const FAILURE_LIMIT = 10;
export const THROTTLE_WINDOW_MS = 15 * 60_000;

export function randomCode(): string {
  // Rejection sampling keeps all 10^6 codes equally likely.
  const buf = new Uint32Array(1);
  let n: number;
  do {
    crypto.getRandomValues(buf);
    n = buf[0]!;
  } while (n >= 4_294_000_000);
  return String(n % 1_000_000).padStart(6, '0');
}

/** Formats a code for reading aloud or typing: "123 456". */
export const groupCode = (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`;

export interface IssuedCode {
  code: string;
  /** The insert of the code row: put it in the same batch as the mail that carries it. */
  statement: Compilable;
}

export async function issueCode(deps: AppDeps, purpose: string, subject: string): Promise<IssuedCode> {
  const now = deps.clock();
  if ((await hit(deps.store, `issue:${purpose}:${subject}`, THROTTLE_WINDOW_MS, now)) > ISSUE_LIMIT)
    throw new ApiError('rate-limited', 'Too many codes were requested for this address; wait a few minutes.');
  const id = newId('code');
  const code = randomCode();
  return {
    code,
    statement: deps.store.db.insertInto('login_codes').values({
      id,
      purpose,
      subject,
      code_hash: await deps.wrapper.mac('login-code', `${id}:${code}`),
      expires_at: now + CODE_TTL_MS,
      created_at: now,
    }),
  };
}

/** Spends the newest code for the subject if `code` matches; otherwise counts a failure and throws. */
export async function spendCode(deps: AppDeps, purpose: string, subject: string, code: string): Promise<void> {
  const now = deps.clock();
  const failureKey = `fail:${purpose}:${subject}`;
  if ((await count(deps.store, failureKey, THROTTLE_WINDOW_MS, now)) >= FAILURE_LIMIT)
    throw new ApiError('code-locked', 'Too many wrong codes for this address; wait 15 minutes and request a new code.');
  const row = await deps.store.db
    .selectFrom('login_codes')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('subject', '=', subject)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row || row.used === 1) throw new ApiError('code-invalid', 'That code is not valid; request a new one.');
  if (row.attempts >= MAX_TRIES)
    throw new ApiError('code-locked', 'This code was entered wrongly too often; request a new one.');
  if (row.expires_at <= now) throw new ApiError('code-expired', 'That code has expired; request a new one.');
  const expected = await deps.wrapper.mac('login-code', `${row.id}:${code.replace(/\s+/g, '')}`);
  if (!timingSafeEqual(expected, row.code_hash)) {
    await deps.store.db
      .updateTable('login_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', row.id)
      .execute();
    await hit(deps.store, failureKey, THROTTLE_WINDOW_MS, now);
    throw new ApiError('code-invalid', 'That code is not right.');
  }
  // Spending is one guarded update: of two requests racing with the right code, only one wins.
  const spent = await deps.store.db
    .updateTable('login_codes')
    .set({ used: 1 })
    .where('id', '=', row.id)
    .where('used', '=', 0)
    .where('attempts', '<', MAX_TRIES)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) throw new ApiError('code-invalid', 'That code was used already.');
}

export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
