/** Adding organizers (CLI, bootstrap, API) and signing them in by an emailed one-time code. */
import type { Compilable } from 'kysely';
import { pseudonym } from '../audit/chain';
import { SITE_CHAIN, commitChange, disclose } from '../audit/log';
import type { AwardRows } from '../ceremonies/model';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { groupCode, issueCode, spendCode } from '../identity/codes';
import { newId } from '../store/ids';
import { SITE_ROLE, findOrganizerByEmail, grantRoleStatement, rolesOf, upsertOrganizerStatement } from './repository';

export const ORGANIZER_AUDIENCE = 'laurel:organizer';

/** Organizer addresses are compared case-insensitively; voters get the full normalizer (identity issue). */
export function normalizeOrganizerEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Gives an address the organizer role on an award (ceremonyId) or on the whole site (null). */
export async function addOrganizer(
  deps: AppDeps,
  rawEmail: string,
  ceremonyId: string | null,
  actor: string,
  extra: Compilable[] = [],
) {
  const email = normalizeOrganizerEmail(rawEmail);
  const chain = ceremonyId ?? SITE_CHAIN;
  const alias = pseudonym();
  const now = deps.clock();
  const { commitment, statement } = await disclose(deps.store, chain, email);
  const { db } = deps.store;
  const event = await commitChange(deps.store, deps.clock, {
    chain,
    event: {
      actor,
      type: 'organizer.added',
      payload: { organizer: alias, scope: ceremonyId ? 'award' : 'site', emailCommitment: commitment },
    },
    changes: [
      upsertOrganizerStatement(db, newId('or'), email, now),
      grantRoleStatement(db, email, ceremonyId ?? SITE_ROLE, alias, now),
      statement,
      ...extra,
    ],
    onViolation: (v) =>
      v.kind === 'unique' && v.table === 'spent_tokens'
        ? new ApiError('token-spent', 'That token has been used already.')
        : v.kind === 'unique'
          ? new ApiError(
              'already-exists',
              `${email} is an organizer ${ceremonyId ? 'of this award' : 'of the site'} already.`,
            )
          : undefined,
  });
  return { pseudonym: alias, event };
}

const subjectOf = (deps: AppDeps, email: string) => deps.wrapper.mac('code-subject', `organizer:${email}`);

/**
 * Mails a sign-in code if the address belongs to an organizer. The answer is the same either way, so the
 * endpoint does not tell who is an organizer.
 */
export async function requestOrganizerCode(deps: AppDeps, rawEmail: string, locale: string): Promise<void> {
  const email = normalizeOrganizerEmail(rawEmail);
  const subject = await subjectOf(deps, email);
  const organizer = await findOrganizerByEmail(deps.store.db, email);
  const { code, statement } = await issueCode(deps, 'organizer', subject);
  if (!organizer) return;
  const text = signInText(locale, groupCode(code));
  await deps.store.batch([
    statement,
    deps.mailer.queue({ kind: 'organizer-code', to: email, subject: text.subject, text: text.body }),
  ]);
  deps.mailer.kick();
}

export async function signInOrganizer(deps: AppDeps, rawEmail: string, code: string) {
  const email = normalizeOrganizerEmail(rawEmail);
  await spendCode(deps, 'organizer', await subjectOf(deps, email), code);
  const organizer = await findOrganizerByEmail(deps.store.db, email);
  if (!organizer) throw new ApiError('code-invalid', 'That code is not valid; request a new one.');
  const ttl = Math.round(deps.config.SESSION_HOURS * 3600);
  const token = await deps.sessions.sign({ sub: organizer.id }, ORGANIZER_AUDIENCE, ttl);
  return { token, expiresAt: new Date(deps.clock() + ttl * 1000).toISOString(), organizerId: organizer.id };
}

export interface OrganizerPrincipal {
  id: string;
  email: string;
  /** ceremony id (or '*') → pseudonym used as the actor in that award's log. */
  roles: Map<string, string>;
}

export async function principalFromToken(deps: AppDeps, token: string): Promise<OrganizerPrincipal> {
  const claims = await deps.sessions.verify(token, ORGANIZER_AUDIENCE);
  const organizer = await deps.store.db
    .selectFrom('organizers')
    .selectAll()
    .where('id', '=', claims.sub)
    .executeTakeFirst();
  if (!organizer) throw new ApiError('token-invalid', 'This session belongs to no organizer any more.');
  const roles = await rolesOf(deps.store.db, organizer.id);
  return { id: organizer.id, email: organizer.email, roles: new Map(roles.map((r) => [r.ceremony_id, r.pseudonym])) };
}

export const isSiteOrganizer = (p: OrganizerPrincipal) => p.roles.has(SITE_ROLE);

/** The actor name of this organizer in an award's log; refuses organizers of other awards. */
export function actorIn(p: OrganizerPrincipal, ceremonyId: string | null): string {
  const alias = (ceremonyId ? p.roles.get(ceremonyId) : undefined) ?? p.roles.get(SITE_ROLE);
  if (!alias) throw new ApiError('forbidden', 'You are not an organizer of this award.');
  return `organizer:${alias}`;
}

export function canManage(p: OrganizerPrincipal, ceremonyId: string): boolean {
  return p.roles.has(ceremonyId) || p.roles.has(SITE_ROLE);
}

/**
 * Loads the award and checks the signed-in organizer may manage it (403 otherwise); returns it with the actor that
 * organizer's changes to it are recorded under.
 */
export async function manageAward(
  deps: AppDeps,
  organizer: OrganizerPrincipal,
  slug: string,
): Promise<{ award: AwardRows; actor: string }> {
  const award = await requireAward(deps, slug);
  if (!canManage(organizer, award.ceremony.id))
    throw new ApiError('forbidden', 'You are not an organizer of this award.');
  return { award, actor: actorIn(organizer, award.ceremony.id) };
}

/** The one-time BOOTSTRAP_TOKEN makes the first site organizer where there is no shell (Workers). */
export async function bootstrapOrganizer(deps: AppDeps, token: string, email: string) {
  const expected = deps.config.BOOTSTRAP_TOKEN;
  if (!expected) throw new ApiError('bootstrap-unavailable', 'No BOOTSTRAP_TOKEN is configured on this server.');
  const given = await deps.wrapper.mac('bootstrap', token);
  if (given !== (await deps.wrapper.mac('bootstrap', expected)))
    throw new ApiError('token-invalid', 'That bootstrap token is not right.');
  // The token is spent in the same batch that adds the organizer: its primary key lets one request through, ever.
  const spend = deps.store.db.insertInto('spent_tokens').values({ id: 'bootstrap', spent_at: deps.clock() });
  return addOrganizer(deps, email, null, 'bootstrap', [spend]);
}

function signInText(locale: string, code: string) {
  const texts: Record<string, { subject: string; body: string }> = {
    en: {
      subject: `Laurel sign-in code: ${code}`,
      body: `Your sign-in code is ${code}. It is valid for 10 minutes.\n\nIf you did not ask for it, ignore this mail.`,
    },
    ru: {
      subject: `Код входа в Laurel: ${code}`,
      body: `Ваш код входа: ${code}. Он действует 10 минут.\n\nЕсли вы его не запрашивали, просто удалите это письмо.`,
    },
    ky: {
      subject: `Laurel кирүү коду: ${code}`,
      body: `Сиздин кирүү кодуңуз: ${code}. Ал 10 мүнөт жарактуу.\n\nЭгер сиз аны сураган эмес болсоңуз, бул катты өчүрүп салыңыз.`,
    },
  };
  return texts[locale] ?? texts.en!;
}
