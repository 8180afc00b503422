/**
 * Nominee consent, withdrawal and erasure. A nominee with a contact address gets a consent link; until they give
 * consent they are not listed (ceremonies/model.ts `isListed`). A nominee may withdraw until results are
 * announced. Rejected and withdrawn nominees' personal data can be erased: the events hold only ids, hashes and
 * commitments, so the chain keeps verifying. Each change is one atomic batch with its event, guarded by the state
 * it expects (rules.ts).
 */
import type { Compilable, Expression, SqlBool } from 'kysely';
import { canonicalJson, sha256Hex } from '../audit/canonical';
import { type Appended, commitChange, disclose } from '../audit/log';
import { type AwardRows, type CeremonyContent, type NomineeContent, isoInZone, pick } from '../ceremonies/model';
import type { LocalizedText, Phase } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { withdrawalBallotStatements } from '../ballots/withdrawal';
import { hit } from '../identity/throttle';
import { isLang, type Lang } from '../i18n/messages';
import { formatInstant } from '../web/format';
import { type ConsentMailKind, consentMail } from './mails';
import {
  type Contact,
  consentAnswerStatement,
  consentOverview as overviewRows,
  consentRequestedStatement,
  erasureStatements,
  findContact,
  findNominee,
  isSpent,
  nomineeCommitments,
  nomineeGuard,
  spendStatement,
  upsertContactStatement,
  withdrawStatement,
} from './repository';
import {
  type Decision,
  type Verdict,
  consentVerdict,
  contactVerdict,
  erasureVerdict,
  requestVerdict,
  withdrawalVerdict,
} from './rules';
import { type LinkPurpose, type NomineeLink, readNomineeLink, signNomineeLink, spentError, spentId } from './tokens';
import type { NomineeRow } from '../../db/schema';

/** Organizer-sent consent requests per nominee per window (the first one, at acceptance, is not counted). */
export const REQUEST_LIMIT = 3;
export const REQUEST_WINDOW_MS = 60 * 60_000;

const linkUrl = (deps: AppDeps, path: string) => `${deps.config.PUBLIC_URL?.replace(/\/+$/, '') ?? ''}${path}`;
export const consentPath = (token: string) => `/consent/${token}`;
export const withdrawPath = (token: string) => `/withdraw/${token}`;

const defaultLocale = (award: AwardRows) => (JSON.parse(award.ceremony.locales) as string[])[0] ?? 'en';

/** The nominee of this award, by id (or by slug when the slug is unique in the award). */
export function findAwardNominee(award: AwardRows, idOrSlug: string): NomineeRow {
  const byId = award.nominees.find((n) => n.id === idOrSlug);
  if (byId) return byId;
  const bySlug = award.nominees.filter((n) => n.slug === idOrSlug);
  if (bySlug.length === 1) return bySlug[0]!;
  throw new ApiError(
    'not-found',
    bySlug.length ? `Several nominees are "${idOrSlug}"; use the id.` : `No nominee "${idOrSlug}" in this award.`,
  );
}

const stateOf = (award: AwardRows) => award.ceremony.phase as Phase;

function decided(verdict: Verdict) {
  if (verdict.refusal) throw new ApiError(verdict.refusal.code, verdict.refusal.detail);
  return verdict.guard;
}

const changedMeanwhile = () =>
  new ApiError('conflict', 'The nominee or the award changed meanwhile; nothing was changed. Reload and try again.');

/** The texts a nominee mail names, in the mail's language with the award's default as fallback. */
/** What the consent mails need of a nominee; a nominee being inserted in the same batch has it too. */
export type MailedNominee = Pick<NomineeRow, 'id' | 'content' | 'category_id'>;

function mailNames(award: AwardRows, nominee: MailedNominee, locale: string) {
  const fallback = defaultLocale(award);
  const category = award.categories.find((c) => c.id === nominee.category_id);
  const categoryName = category ? (JSON.parse(category.content) as { name: LocalizedText }).name : undefined;
  return {
    award: pick((JSON.parse(award.ceremony.content) as CeremonyContent).name, locale, fallback),
    category: pick(categoryName, locale, fallback),
    nominee: pick((JSON.parse(nominee.content) as Partial<NomineeContent>).name, locale, fallback),
  };
}

async function nomineeMail(
  deps: AppDeps,
  award: AwardRows,
  nominee: MailedNominee,
  contact: Contact,
  locale: string,
  kind: ConsentMailKind,
  link: { path: string; expiresAt: number },
): Promise<Compilable> {
  const lang: Lang = isLang(locale) ? locale : 'en';
  const text = consentMail(lang, kind, {
    ...mailNames(award, nominee, lang),
    link: linkUrl(deps, link.path),
    until: formatInstant(link.expiresAt, award.ceremony.time_zone, lang),
  });
  return deps.mailer.queue({
    kind: kind === 'given' ? 'consent-given' : 'consent-request',
    to: contact.email,
    subject: text.subject,
    text: text.text,
    ceremonyId: award.ceremony.id,
  });
}

/**
 * The consent request for a nominee whose contact the caller holds: for nominees inserted in the caller's own
 * batch (the CSV import), whose contact is not in the database yet.
 */
export async function consentRequestWith(
  deps: AppDeps,
  award: AwardRows,
  nominee: MailedNominee,
  contact: Contact,
  locale: string,
): Promise<Compilable[]> {
  const { token, expiresAt } = await signNomineeLink(deps, {
    nomineeId: nominee.id,
    ceremonyId: award.ceremony.id,
    purpose: 'consent',
  });
  return [
    await nomineeMail(deps, award, nominee, contact, locale, contact.guardian ? 'request-guardian' : 'request', {
      path: consentPath(token),
      expiresAt,
    }),
    consentRequestedStatement(deps.store.db, nominee.id, deps.clock()),
  ];
}

/**
 * The statements that ask an accepted nominee for consent: queue the consent mail (to the nominee, or to the
 * parent or guardian when the contact says so) with a single-use link `${PUBLIC_URL}/consent/<token>` valid 30
 * days, and set `nominees.consent = 'requested'` (the nominee is not listed until they consent). Put them in the
 * same batch as the acceptance, and call `deps.mailer.kick()` after it. A nominee without a contact needs no
 * consent: the result is empty. A consent given already is never undone.
 */
export async function consentRequestStatements(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  locale: string,
): Promise<Compilable[]> {
  const nominee = award.nominees.find((n) => n.id === nomineeId) ?? (await findNominee(deps.store.db, nomineeId));
  if (!nominee || nominee.ceremony_id !== award.ceremony.id)
    throw new ApiError('not-found', `No nominee "${nomineeId}" in this award.`);
  const contact = await findContact(deps.store.db, nominee.id);
  if (!contact) return [];
  return consentRequestWith(deps, award, nominee, contact, locale);
}

/**
 * An organizer sends (or resends) the consent request of an accepted nominee with a contact, before voting
 * opens; throttled per nominee. The mail is in `locale`, else the award's default language.
 */
export async function requestConsent(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  actor: string,
  locale?: string,
): Promise<Appended> {
  const nominee = findAwardNominee(award, nomineeId);
  const contact = await findContact(deps.store.db, nominee.id);
  const guard = decided(requestVerdict(nominee, stateOf(award), contact !== undefined));
  if ((await hit(deps.store, `consent-request:${nominee.id}`, REQUEST_WINDOW_MS, deps.clock())) > REQUEST_LIMIT)
    throw new ApiError('rate-limited', 'The consent request was sent several times in the last hour; wait a while.');
  const { db } = deps.store;
  const appended = await commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'consent.requested',
      payload: { nominee: nominee.id, resend: nominee.consent !== 'not-asked', guardian: contact!.guardian },
    },
    precondition: nomineeGuard(db, award.ceremony.id, nominee.id, guard),
    refused: changedMeanwhile,
    changes: await consentRequestWith(deps, award, nominee, contact!, locale ?? defaultLocale(award)),
  });
  deps.mailer.kick();
  return appended;
}

/** A link opened on a page: what it is for and what it concerns. Reading it changes nothing. */
export interface OpenedLink {
  link: NomineeLink;
  award: AwardRows;
  nominee: NomineeRow;
  contact: Contact | undefined;
  spent: boolean;
}

/**
 * Reads a mailed link: 401 `token-invalid` when tampered, expired or for another purpose; the nominee and award
 * it names, and whether it was spent already. Spends nothing (mail scanners follow links).
 */
export async function openLink(
  deps: AppDeps,
  token: string,
  purpose: LinkPurpose,
  loadAward: (ceremonyId: string) => Promise<AwardRows>,
): Promise<OpenedLink> {
  const link = await readNomineeLink(deps, token, purpose);
  const award = await loadAward(link.ceremonyId);
  const nominee = award.nominees.find((n) => n.id === link.nomineeId);
  if (!nominee) throw new ApiError('not-found', 'The nominee of this link no longer exists.');
  return {
    link,
    award,
    nominee,
    contact: await findContact(deps.store.db, nominee.id),
    spent: await isSpent(deps.store.db, spentId(link)),
  };
}

/**
 * The answers a consent page offers for the nominee's current state; throws the refusal when the link is spent
 * or no answer is possible any more.
 */
export function consentChoices(opened: OpenedLink): Decision[] {
  if (opened.spent) throw spentError();
  const phase = stateOf(opened.award);
  const choices = (['give', 'decline'] as const).filter((d) => !consentVerdict(opened.nominee, phase, d).refusal);
  if (choices.length === 0) decided(consentVerdict(opened.nominee, phase, 'give'));
  return choices;
}

/** Throws the refusal a withdraw link would meet now: spent, withdrawn already, results announced. */
export function assertWithdrawable(opened: OpenedLink): void {
  if (opened.spent) throw spentError();
  decided(withdrawalVerdict(opened.nominee, stateOf(opened.award)));
}

const spentViolation = (v: { kind: string; table?: string | undefined }) =>
  v.kind === 'unique' && v.table === 'spent_tokens' ? spentError() : undefined;

/**
 * The nominee's answer through a consent link: spends the link and records `consent = given|declined` with the
 * time, in one batch with its event. Giving consent also mails a withdraw link; it is returned for the page.
 */
export async function answerConsent(
  deps: AppDeps,
  opened: OpenedLink,
  decision: Decision,
  locale: string,
): Promise<{ event: Appended; withdrawToken?: string }> {
  const { link, award, nominee, contact } = opened;
  if (opened.spent) throw spentError();
  const guard = decided(consentVerdict(nominee, stateOf(award), decision));
  const { db } = deps.store;
  const now = deps.clock();
  const changes: Compilable[] = [
    spendStatement(db, spentId(link), now),
    consentAnswerStatement(db, nominee.id, decision === 'give' ? 'given' : 'declined', now),
  ];
  let withdrawToken: string | undefined;
  if (decision === 'give') {
    const signed = await signNomineeLink(deps, {
      nomineeId: nominee.id,
      ceremonyId: award.ceremony.id,
      purpose: 'withdraw',
    });
    withdrawToken = signed.token;
    // The withdraw link is mailed as well: a nominee who closes the page must still be able to withdraw.
    if (contact) {
      const { expiresAt } = signed;
      changes.push(
        await nomineeMail(deps, award, nominee, contact, locale, 'given', {
          path: withdrawPath(withdrawToken),
          expiresAt,
        }),
      );
    }
  }
  const event = await commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor: 'system',
      type: decision === 'give' ? 'consent.given' : 'consent.declined',
      payload: { nominee: nominee.id, guardian: contact?.guardian ?? false },
    },
    precondition: nomineeGuard(db, award.ceremony.id, nominee.id, guard),
    refused: changedMeanwhile,
    changes,
    onViolation: spentViolation,
  });
  if (decision === 'give') deps.mailer.kick();
  return withdrawToken ? { event, withdrawToken } : { event };
}

export interface Withdrawal {
  by: 'nominee' | 'organizer';
  /** Free text (an organizer's note of the call, say): only its commitment enters the log. */
  reason?: string;
}

export interface WithdrawalChange {
  payload: Record<string, unknown>;
  precondition: Expression<SqlBool>;
  changes: Compilable[];
}

/**
 * The change that withdraws a nominee, for both paths (the nominee's link and an organizer): status `withdrawn`,
 * allowed from accepted or pending until the results are announced; a nominee withdrawn already is a 409.
 *
 * The nominee's ballots are voided with reason `nominee-withdrawn` and, while voting is open, those voters'
 * marks freed so they can vote again (DESIGN.md, Ballots; src/ballots/withdrawal.ts), in the same batch.
 */
export async function withdrawalStatements(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  withdrawal: Withdrawal,
): Promise<WithdrawalChange> {
  const nominee = findAwardNominee(award, nomineeId);
  const guard = decided(withdrawalVerdict(nominee, stateOf(award)));
  const { db } = deps.store;
  const changes: Compilable[] = [
    withdrawStatement(db, nominee.id, deps.clock()),
    // After the nominee's status: a ballot for them that committed before this batch is voided with the rest.
    ...(await withdrawalBallotStatements(deps, award, nominee.id)),
  ];
  const payload: Record<string, unknown> = { nominee: nominee.id, by: withdrawal.by };
  if (withdrawal.reason) {
    const { commitment, statement } = await disclose(deps.store, award.ceremony.id, withdrawal.reason);
    payload.reasonCommitment = commitment;
    changes.push(statement);
  }
  return { payload, precondition: nomineeGuard(db, award.ceremony.id, nominee.id, guard), changes };
}

/** Withdraws a nominee (see {@link withdrawalStatements}); `extra` joins the batch (a spent link). */
export async function withdrawNominee(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  withdrawal: Withdrawal & { actor: string; extra?: Compilable[] },
): Promise<Appended> {
  const change = await withdrawalStatements(deps, award, nomineeId, withdrawal);
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: { actor: withdrawal.actor, type: 'nominee.withdrawn', payload: change.payload },
    precondition: change.precondition,
    refused: changedMeanwhile,
    changes: [...change.changes, ...(withdrawal.extra ?? [])],
    onViolation: spentViolation,
  });
}

/** The nominee withdraws through a withdraw link: the link is spent in the same batch. */
export async function withdrawByLink(deps: AppDeps, opened: OpenedLink): Promise<Appended> {
  if (opened.spent) throw spentError();
  return withdrawNominee(deps, opened.award, opened.nominee.id, {
    by: 'nominee',
    actor: 'system',
    extra: [spendStatement(deps.store.db, spentId(opened.link), deps.clock())],
  });
}

/**
 * Sets or replaces a nominee's contact address (of a parent or guardian when `guardian`, allowed only in
 * categories whose nominees may be minors). Only a commitment to the address enters the log.
 */
export async function setContact(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  input: { email: string; guardian: boolean },
  actor: string,
): Promise<Appended> {
  const nominee = findAwardNominee(award, nomineeId);
  const guard = decided(contactVerdict(nominee));
  const category = award.categories.find((c) => c.id === nominee.category_id);
  if (input.guardian && category?.minors_allowed !== 1)
    throw new ApiError('validation-failed', 'A guardian contact is only for categories whose nominees may be minors.', [
      { path: 'body.guardian', message: 'this category does not allow minors' },
    ]);
  const email = input.email.trim();
  const { db } = deps.store;
  const { commitment, statement } = await disclose(deps.store, award.ceremony.id, email);
  const previous = await findContact(db, nominee.id);
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.contact-set',
      payload: { nominee: nominee.id, emailCommitment: commitment, guardian: input.guardian, replaced: !!previous },
    },
    precondition: nomineeGuard(db, award.ceremony.id, nominee.id, guard),
    refused: changedMeanwhile,
    changes: [
      upsertContactStatement(db, {
        nomineeId: nominee.id,
        ceremonyId: award.ceremony.id,
        email,
        guardian: input.guardian,
        at: deps.clock(),
      }),
      statement,
    ],
  });
}

/**
 * Erases a rejected or withdrawn nominee's personal data (repository.ts `erasureStatements` says what goes). The
 * event keeps the hash of the erased content, so a frozen nominee-list hash that covered it can still be checked.
 */
export async function eraseNominee(
  deps: AppDeps,
  award: AwardRows,
  nomineeId: string,
  actor: string,
): Promise<Appended> {
  const nominee = findAwardNominee(award, nomineeId);
  const guard = decided(erasureVerdict(nominee));
  const { db } = deps.store;
  const [contact, commitments] = await Promise.all([
    findContact(db, nominee.id),
    nomineeCommitments(db, award.ceremony.id, nominee.id),
  ]);
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.erased',
      payload: {
        nominee: nominee.id,
        contentHash: await sha256Hex(canonicalJson(JSON.parse(nominee.content))),
        disclosures: commitments.length,
      },
    },
    precondition: nomineeGuard(db, award.ceremony.id, nominee.id, guard),
    refused: changedMeanwhile,
    changes: erasureStatements(db, {
      ceremonyId: award.ceremony.id,
      nomineeId: nominee.id,
      commitments,
      contactEmail: contact?.email,
      at: deps.clock(),
    }),
  });
}

export interface ConsentEntry {
  id: string;
  slug: string;
  category: string;
  name: LocalizedText | null;
  status: string;
  consent: string;
  /** When the nominee answered, in the award's time zone; null until then. */
  consentAt: string | null;
  contact: boolean;
  guardian: boolean;
  erased: boolean;
}

/** Consent status per nominee, for organizers. */
export async function consentOverview(deps: AppDeps, award: AwardRows): Promise<ConsentEntry[]> {
  const categories = new Map(award.categories.map((c) => [c.id, c.slug]));
  const rows = await overviewRows(deps.store.db, award.ceremony.id);
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    category: categories.get(r.category_id) ?? r.category_id,
    name: (JSON.parse(r.content) as Partial<NomineeContent>).name ?? null,
    status: r.status,
    consent: r.consent,
    consentAt: r.consent_at === null ? null : isoInZone(Number(r.consent_at), award.ceremony.time_zone),
    contact: r.email !== null,
    guardian: r.guardian === 1,
    erased: r.erased === 1,
  }));
}
