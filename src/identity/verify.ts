/**
 * Verifying a person for an award by an emailed one-time code (the `email` method, and the `roll` method's
 * email path). The address lives only in the outbox until the code is delivered, and then in the voter's
 * encrypted session.
 */
import { type AwardRows, rulesOf } from '../ceremonies/model';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { groupCode, issueCode, spendCode } from './codes';
import { voterMail } from './mails';
import { acceptableEmail, emailIdentity, personKey } from './people';
import { issueVoterSession } from './sessions';

/** People verify while nominations or voting are open (and in between, to check a receipt). */
const VERIFY_PHASES = ['nominating', 'voting', 'judging', 'finalized', 'announced', 'amended'];

export function requireMethod(award: AwardRows, ...methods: Rules['identity']['method'][]) {
  const method = rulesOf(award).identity.method;
  if (!methods.includes(method))
    throw new ApiError('wrong-method', `This award verifies people by ${method}, not by ${methods.join(' or ')}.`);
  if (!VERIFY_PHASES.includes(award.ceremony.phase))
    throw new ApiError('wrong-phase', 'This award is not open to the public yet.');
  return method;
}

export async function onRoll(deps: AppDeps, ceremonyId: string, key: string): Promise<boolean> {
  const row = await deps.store.db
    .selectFrom('roll_entries')
    .select('person_key')
    .where('ceremony_id', '=', ceremonyId)
    .where('person_key', '=', key)
    .executeTakeFirst();
  return !!row;
}

/** The login_codes purpose of an award's voters' email codes (deleted when the vote closes). */
export const voterCodePurpose = (ceremonyId: string) => `voter:${ceremonyId}`;

/** Mails a code to the address. On a roll award, an address not on the roll gets a mail saying so instead. */
export async function requestEmailCode(deps: AppDeps, award: AwardRows, rawEmail: string, locale: string) {
  const method = requireMethod(award, 'email', 'roll');
  const rules = rulesOf(award);
  const { address } = acceptableEmail(rawEmail, rules.identity.refuseDisposable);
  const key = await personKey(deps, award.ceremony, emailIdentity(address));
  const to = rawEmail.trim();
  const name = awardName(award, locale);
  if (method === 'roll' && !(await onRoll(deps, award.ceremony.id, key))) {
    const text = voterMail(locale, 'not-on-roll', { award: name });
    await deps.store.batch([
      deps.mailer.queue({ kind: 'voter-not-on-roll', to, ceremonyId: award.ceremony.id, ...text }),
    ]);
    deps.mailer.kick();
    return;
  }
  const { code, statement } = await issueCode(deps, voterCodePurpose(award.ceremony.id), key);
  const text = voterMail(locale, 'code', { award: name, code: groupCode(code) });
  await deps.store.batch([
    statement,
    deps.mailer.queue({ kind: 'voter-code', to, ceremonyId: award.ceremony.id, ...text }),
  ]);
  deps.mailer.kick();
}

export async function verifyEmailCode(deps: AppDeps, award: AwardRows, rawEmail: string, code: string) {
  const method = requireMethod(award, 'email', 'roll');
  const { address } = acceptableEmail(rawEmail, rulesOf(award).identity.refuseDisposable);
  const key = await personKey(deps, award.ceremony, emailIdentity(address));
  await spendCode(deps, voterCodePurpose(award.ceremony.id), key, code);
  return issueVoterSession(deps, { ceremonyId: award.ceremony.id, personKey: key, email: rawEmail.trim(), method });
}

export function awardName(award: AwardRows, locale: string): string {
  const name = (JSON.parse(award.ceremony.content) as { name: Record<string, string> }).name;
  const locales = JSON.parse(award.ceremony.locales) as string[];
  return name[locale] ?? name[locales[0] ?? 'en'] ?? Object.values(name)[0] ?? '';
}
