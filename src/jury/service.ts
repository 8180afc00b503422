/**
 * The jury: organizers add jurors (institution, weight, categories) and conflicts, and invite jurors by signed
 * single-use links; jurors declare their conflicts per category, then score (rubric) or rank (ranking) the
 * finalists they are eligible for, and submit the sheet, which locks it.
 *
 * Every change is one atomic batch with its event (src/audit/log.ts), guarded by SQL preconditions: judging is
 * open by the database clock, the sheet is declared and not submitted, the finalist is one and the juror is not
 * in conflict with it. Scores enter the log only as salted commitments (the values wait in `disclosures` for the
 * results), so the public log tells nobody a score before the results are published. Organizers see progress,
 * never scores, while judging runs.
 */
import type { Expression, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { JurorRow } from '../../db/schema';
import { canonicalJson } from '../audit/canonical';
import { pseudonym } from '../audit/chain';
import { chainHead, commitChange, disclose } from '../audit/log';
import { finalistRows } from '../abuse/repository';
import { type AwardRows, type CeremonyContent, isoInZone, pick, rulesOf } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { LocalizedText } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Lang } from '../i18n/messages';
import { hit } from '../identity/throttle';
import { type LinkKind, readLink, signLink } from '../keys/links';
import { newId } from '../store/ids';
import type { Conflict, RubricRule, ScoreSheet, TallyInstitution, TallyJuror } from '../tally/types';
import { formatInstant } from '../web/format';
import { invitationMail } from './mails';
import {
  assignmentIs,
  assignmentsOf,
  assignmentsUndeclared,
  conflictsOf,
  eligibilityUnchangedSince,
  eligibleFinalists,
  findJuror,
  insertConflicts,
  insertJurorStatements,
  institutionParty,
  judgingOpen,
  jurorNotStarted,
  jurorParty,
  jurorsByEmail,
  jurorsOf,
  markAssignment,
  rankingsOf,
  removeAssignments,
  scoresOf,
  setInvitation,
  updateJurorStatement,
  upsertRanking,
  upsertScores,
} from './repository';

/** Organizers manage the jury from publication until judging ends. */
export const JURY_SETUP_PHASES = ['nominating', 'voting', 'judging'] as const;
export const INVITATION_DAYS = 14;
export const JUROR_SESSION_HOURS = 72;
/** The cookie that carries the juror session on pages (HttpOnly, Secure, SameSite=Lax). */
export const JUROR_COOKIE = 'laurel_juror';
/** New-link requests per address and hour. */
export const LINK_REQUESTS_PER_HOUR = 3;

const INVITATION: LinkKind = {
  key: 'juror-invitation',
  audience: 'laurel:juror-invitation',
  invalid: () =>
    new ApiError(
      'token-invalid',
      'This invitation link is not valid or has expired; ask the organizers for a new one.',
    ),
};
const jurorAudience = (ceremonyId: string) => `laurel:juror:${ceremonyId}`;
export const invitationPath = (token: string) => `/jury/invitations/${token}`;

const actorOf = (juror: Pick<JurorRow, 'pseudonym'>) => `juror:${juror.pseudonym}`;
const defaultLocale = (award: AwardRows) => (JSON.parse(award.ceremony.locales) as string[])[0] ?? 'en';

// ---------------------------------------------------------------------------------------------------------------
// Lookups

function categoryOf(award: AwardRows, category: string, path = 'category') {
  const found = award.categories.find((c) => c.id === category || c.slug === category);
  if (!found)
    throw new ApiError('not-found', `No category "${category}" in this award.`, [
      { path, message: 'unknown category' },
    ]);
  return found;
}

function institutionOf(award: AwardRows, institution: string, path = 'body.institution') {
  const found = award.institutions.find((i) => i.id === institution || i.slug === institution);
  if (!found)
    throw new ApiError('not-found', `No institution "${institution}" in this award.`, [
      { path, message: 'unknown institution' },
    ]);
  return found;
}

function nomineeOf(award: AwardRows, nominee: string, path: string, categoryId?: string) {
  const found = award.nominees.filter(
    (n) => (n.id === nominee || n.slug === nominee) && (!categoryId || n.category_id === categoryId),
  );
  if (found.length !== 1)
    throw new ApiError('not-found', `No nominee "${nominee}"${categoryId ? ' in this category' : ''}.`, [
      { path, message: found.length ? 'ambiguous slug; use the id' : 'unknown nominee' },
    ]);
  return found[0]!;
}

export async function requireJuror(deps: AppDeps, award: AwardRows, juror: string): Promise<JurorRow> {
  const row = await findJuror(deps.store.db, award.ceremony.id, juror);
  if (!row) throw new ApiError('not-found', `No juror "${juror}" in this award.`);
  return row;
}

function assertSetupPhase(award: AwardRows) {
  if (!(JURY_SETUP_PHASES as readonly string[]).includes(award.ceremony.phase))
    throw new ApiError(
      'wrong-phase',
      award.ceremony.phase === 'draft'
        ? 'Publish the award (open nominations) before adding its jury: the institutions are fixed from then on.'
        : 'Judging has ended; the jury can no longer change.',
    );
}

const setupRefused = () => new ApiError('wrong-phase', 'Judging has ended meanwhile; the jury can no longer change.');

// ---------------------------------------------------------------------------------------------------------------
// Organizers: jurors, invitations, conflicts, progress

export interface JurorInput {
  name: string;
  email?: string | null;
  institution: string;
  weight?: number;
  categories: string[];
}

function uniqueCategoryIds(award: AwardRows, categories: readonly string[]): string[] {
  const ids = categories.map((c, i) => categoryOf(award, c, `body.categories.${i}`).id);
  const twice = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (twice >= 0)
    throw new ApiError('validation-failed', 'A category is named twice.', [
      { path: `body.categories.${twice}`, message: 'named twice' },
    ]);
  return ids;
}

export async function addJuror(deps: AppDeps, award: AwardRows, input: JurorInput, actor: string) {
  assertSetupPhase(award);
  const c = award.ceremony;
  const institution = institutionOf(award, input.institution);
  const categoryIds = uniqueCategoryIds(award, input.categories);
  const juror: JurorRow = {
    id: newId('ju'),
    ceremony_id: c.id,
    institution_id: institution.id,
    pseudonym: pseudonym(),
    name: input.name.trim(),
    email: input.email?.trim().toLowerCase() || null,
    weight: input.weight ?? 1,
    invitation: null,
    created_at: deps.clock(),
  };
  const { commitment, statement } = await disclose(deps.store, c.id, juror.name);
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'jury.juror.added',
      payload: {
        juror: juror.pseudonym,
        institution: institution.id,
        weight: juror.weight,
        categories: categoryIds,
        nameCommitment: commitment,
      },
    },
    precondition: ceremonyIs(deps.store.db, c.id, JURY_SETUP_PHASES),
    refused: setupRefused,
    changes: [...insertJurorStatements(deps.store.db, juror, categoryIds), statement],
  });
  return { juror, event };
}

export interface JurorChange {
  name?: string;
  email?: string | null;
  institution?: string;
  weight?: number;
  categories?: string[];
}

/**
 * Changes a juror. Weight and institution only until the juror has declared any sheet (a weight must not move
 * under scores already given); categories may be added any time during setup and removed while undeclared.
 */
export async function updateJuror(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  change: JurorChange,
  actor: string,
) {
  assertSetupPhase(award);
  const { db } = deps.store;
  const c = award.ceremony;
  const institution = change.institution ? institutionOf(award, change.institution) : undefined;
  const weightMoves =
    (change.weight !== undefined && change.weight !== juror.weight) ||
    (institution !== undefined && institution.id !== juror.institution_id);
  const current = (await assignmentsOf(db, c.id, juror.id)).map((a) => a.category_id);
  const wanted = change.categories ? uniqueCategoryIds(award, change.categories) : current;
  const added = wanted.filter((id) => !current.includes(id));
  const removed = current.filter((id) => !wanted.includes(id));
  const guards: Expression<SqlBool>[] = [
    ceremonyIs(deps.store.db, c.id, JURY_SETUP_PHASES),
    assignmentsUndeclared(db, juror.id, removed),
  ];
  if (weightMoves) guards.push(jurorNotStarted(db, juror.id));
  const set = {
    ...(change.name !== undefined ? { name: change.name.trim() } : {}),
    ...(change.email !== undefined ? { email: change.email?.trim().toLowerCase() || null } : {}),
    ...(change.weight !== undefined ? { weight: change.weight } : {}),
    ...(institution ? { institution_id: institution.id } : {}),
  };
  const nameDisclosure = change.name !== undefined ? await disclose(deps.store, c.id, change.name.trim()) : undefined;
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: {
      actor,
      type: 'jury.juror.changed',
      payload: {
        juror: juror.pseudonym,
        institution: institution?.id ?? juror.institution_id,
        weight: change.weight ?? juror.weight,
        categories: wanted,
        ...(nameDisclosure ? { nameCommitment: nameDisclosure.commitment } : {}),
      },
    },
    precondition: sql<boolean>`(${sql.join(guards, sql` and `)})`,
    changes: [
      ...(Object.keys(set).length ? [updateJurorStatement(db, juror.id, set)] : []),
      ...removeAssignments(db, juror.id, removed),
      ...(added.length
        ? [
            db
              .insertInto('jury_assignments')
              .values(added.map((category_id) => ({ juror_id: juror.id, category_id, ceremony_id: c.id }))),
          ]
        : []),
      ...(nameDisclosure ? [nameDisclosure.statement] : []),
    ],
  }).catch(async (err: unknown) => {
    if (!(err instanceof ApiError) || err.code !== 'conflict') throw err;
    throw await whyJurorChangeRefused(deps, award, juror, removed, weightMoves);
  });
  return { juror: (await findJuror(db, c.id, juror.id))!, event };
}

async function whyJurorChangeRefused(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  removed: string[],
  weightMoves: boolean,
): Promise<ApiError> {
  const fresh = await assignmentsOf(deps.store.db, award.ceremony.id, juror.id);
  if (weightMoves && fresh.some((a) => a.declared))
    return new ApiError(
      'juror-started',
      'This juror has started judging; their weight and institution can no longer change.',
      [{ path: 'body.weight', message: 'fixed once the juror declared a sheet' }],
    );
  if (fresh.some((a) => a.declared && removed.includes(a.category_id)))
    return new ApiError('juror-started', 'A category this juror has started judging cannot be taken away.', [
      { path: 'body.categories', message: 'keeps every declared category' },
    ]);
  return setupRefused();
}

/**
 * Issues a new invitation link for the juror (an older one stops working) and mails it when the juror has an
 * address. The link is returned too, so that organizers can hand it over another way.
 */
export async function inviteJuror(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  actor: string,
  options: { baseUrl: string; locale?: string; mail?: boolean },
) {
  assertSetupPhase(award);
  const c = award.ceremony;
  const link = await signLink(deps, INVITATION, {
    subject: juror.id,
    ceremonyId: c.id,
    purpose: 'invite',
    days: INVITATION_DAYS,
  });
  const url = `${options.baseUrl.replace(/\/+$/, '')}${invitationPath(link.token)}`;
  const mailed = options.mail !== false && !!juror.email;
  const changes = [setInvitation(deps.store.db, juror.id, link.jti)];
  if (mailed) changes.push(await invitationMailStatement(deps, award, juror, url, link.expiresAt, options.locale));
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'jury.juror.invited', payload: { juror: juror.pseudonym, mailed } },
    precondition: ceremonyIs(deps.store.db, c.id, JURY_SETUP_PHASES),
    refused: setupRefused,
    changes,
  });
  if (mailed) deps.mailer.kick();
  return { url, expiresAt: isoInZone(link.expiresAt, c.time_zone), mailed, event };
}

async function invitationMailStatement(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  url: string,
  expiresAt: number,
  locale?: string,
) {
  const fallback = defaultLocale(award);
  const lang: Lang = (['en', 'ru', 'ky'] as const).find((l) => l === (locale ?? fallback)) ?? 'en';
  const names = (text: LocalizedText | undefined) => pick(text, lang, fallback);
  const assigned = await assignmentsOf(deps.store.db, award.ceremony.id, juror.id);
  const categories = award.categories
    .filter((cat) => assigned.some((a) => a.category_id === cat.id))
    .map((cat) => names((JSON.parse(cat.content) as { name: LocalizedText }).name));
  const institution = award.institutions.find((i) => i.id === juror.institution_id);
  const text = invitationMail(lang, {
    award: names((JSON.parse(award.ceremony.content) as CeremonyContent).name),
    juror: juror.name,
    institution: institution ? names((JSON.parse(institution.content) as { name: LocalizedText }).name) : '',
    categories: categories.join(', '),
    link: url,
    portal: `${url.slice(0, url.indexOf(invitationPath('')))}/jury/${award.ceremony.slug}`,
    until: formatInstant(expiresAt, award.ceremony.time_zone, lang),
  });
  return deps.mailer.queue({
    kind: 'juror-invitation',
    to: juror.email!,
    subject: text.subject,
    text: text.text,
    ceremonyId: award.ceremony.id,
  });
}

/**
 * A juror who lost their session asks for a new link by address. The answer never says whether the address
 * belongs to a juror; requests are throttled per address.
 */
export async function requestJurorLink(
  deps: AppDeps,
  award: AwardRows,
  email: string,
  options: { baseUrl: string; locale?: string },
): Promise<void> {
  const address = email.trim().toLowerCase();
  const key = `juror-link:${await deps.wrapper.mac('throttle', `${award.ceremony.id}:${address}`)}`;
  if ((await hit(deps.store, key, 3_600_000, deps.clock())) > LINK_REQUESTS_PER_HOUR)
    throw new ApiError('rate-limited', 'Too many requests for this address; try again in an hour.');
  if (!(JURY_SETUP_PHASES as readonly string[]).includes(award.ceremony.phase)) return;
  for (const juror of await jurorsByEmail(deps.store.db, award.ceremony.id, address))
    await inviteJuror(deps, award, juror, actorOf(juror), options);
}

export type ConflictParty = { juror: string } | { institution: string };

/** An organizer states a conflict of a juror, or of a whole institution, with a nominee of the award. */
export async function addConflict(
  deps: AppDeps,
  award: AwardRows,
  input: { nominee: string } & ({ juror: string } | { institution: string }),
  actor: string,
) {
  assertSetupPhase(award);
  const c = award.ceremony;
  const nominee = nomineeOf(award, input.nominee, 'body.nominee');
  let party: { juror: string } | { institution: string };
  let payloadParty: Record<string, string>;
  if ('juror' in input) {
    const juror = await requireJuror(deps, award, input.juror);
    party = { juror: juror.id };
    payloadParty = { juror: juror.pseudonym };
  } else {
    const inst = institutionOf(award, input.institution);
    party = { institution: inst.id };
    payloadParty = { institution: inst.id };
  }
  const exists = (await conflictsOf(deps.store.db, c.id)).some(
    (k) =>
      k.nominee_id === nominee.id &&
      k.party === ('juror' in party ? jurorParty(party.juror) : institutionParty(party.institution)),
  );
  if (exists) throw new ApiError('already-exists', 'This conflict is on record already.');
  const event = await commitChange(deps.store, deps.clock, {
    chain: c.id,
    event: { actor, type: 'jury.conflict.added', payload: { nominee: nominee.id, ...payloadParty } },
    precondition: ceremonyIs(deps.store.db, c.id, JURY_SETUP_PHASES),
    refused: setupRefused,
    changes: insertConflicts(deps.store.db, c.id, party, [nominee.id], 'organizer'),
  });
  return { event };
}

/** A juror as organizers see them: the institution by slug. */
export function jurorSummary(award: AwardRows, j: JurorRow) {
  return {
    id: j.id,
    pseudonym: j.pseudonym,
    name: j.name,
    email: j.email,
    institution: award.institutions.find((i) => i.id === j.institution_id)?.slug ?? j.institution_id,
    weight: j.weight,
  };
}

export interface SheetProgress {
  category: string;
  declared: boolean;
  submitted: boolean;
  /** Finalists scored (rubric) or ranked (ranking) among those the juror may judge. */
  done: number;
  of: number;
}

/** Who has declared, scored and submitted what: never a score. */
export async function juryProgress(deps: AppDeps, award: AwardRows) {
  const state = await loadJury(deps, award);
  return {
    mode: state.rule.mode,
    jurors: state.jurors.map((j) => ({
      ...jurorSummary(award, j),
      invitationPending: j.invitation !== null,
      sheets: state.assignments
        .filter((a) => a.juror_id === j.id)
        .map((a): SheetProgress => {
          const sheet = state.sheetOf(j, a.category_id);
          return {
            category: award.categories.find((cat) => cat.id === a.category_id)?.slug ?? a.category_id,
            declared: !!a.declared,
            submitted: !!a.submitted,
            done: sheet.done,
            of: sheet.eligible.length,
          };
        }),
    })),
    conflicts: state.conflicts.map((k) => ({
      nominee: k.nominee_id,
      ...(k.juror_id
        ? { juror: state.jurors.find((j) => j.id === k.juror_id)?.pseudonym ?? k.juror_id }
        : { institution: award.institutions.find((i) => i.id === k.institution_id)?.slug ?? k.institution_id! }),
      declaredBy: k.declared_by as 'juror' | 'organizer',
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The state of the jury, read once

type RubricScores = Record<string, number>;

async function loadJury(deps: AppDeps, award: AwardRows, jurorId?: string) {
  const { db } = deps.store;
  const c = award.ceremony;
  const [jurors, assignments, conflicts, scores, rankings, finalists] = await Promise.all([
    jurorsOf(db, c.id),
    assignmentsOf(db, c.id, jurorId),
    conflictsOf(db, c.id),
    scoresOf(db, c.id, jurorId),
    rankingsOf(db, c.id, jurorId),
    finalistRows(db, c.id),
  ]);
  const rule = rulesOf(award).jury;
  const eligible = (juror: Pick<JurorRow, 'id' | 'institution_id'>, nomineeId: string) =>
    !conflicts.some(
      (k) =>
        k.nominee_id === nomineeId &&
        (k.party === jurorParty(juror.id) || k.party === institutionParty(juror.institution_id)),
    );
  const conflictOf = (juror: Pick<JurorRow, 'id' | 'institution_id'>, nomineeId: string) =>
    conflicts.find(
      (k) =>
        k.nominee_id === nomineeId &&
        (k.party === jurorParty(juror.id) || k.party === institutionParty(juror.institution_id)),
    );
  // A finalist who withdrew after the close stays in the finalists table but is judged no more.
  const accepted = new Set(award.nominees.filter((n) => n.status === 'accepted').map((n) => n.id));
  const finalistsOf = (categoryId: string) =>
    finalists.filter((f) => f.category_id === categoryId && accepted.has(f.nominee_id)).map((f) => f.nominee_id);
  const sheetOf = (juror: Pick<JurorRow, 'id' | 'institution_id'>, categoryId: string) => {
    const all = finalistsOf(categoryId);
    const ok = all.filter((n) => eligible(juror, n));
    const own = new Map(
      scores
        .filter((s) => s.juror_id === juror.id && s.category_id === categoryId)
        .map((s) => [s.nominee_id, JSON.parse(s.scores) as RubricScores]),
    );
    const rankingRow = rankings.find((r) => r.juror_id === juror.id && r.category_id === categoryId);
    const ranking = rankingRow ? (JSON.parse(rankingRow.ranking) as string[]) : undefined;
    const done =
      rule.mode === 'rubric' ? ok.filter((n) => own.has(n)).length : ok.filter((n) => ranking?.includes(n)).length;
    const complete =
      rule.mode === 'rubric'
        ? done === ok.length
        : ranking !== undefined && ranking.filter((n) => ok.includes(n)).length === ok.length;
    return { finalists: all, eligible: ok, scores: own, ranking, done, complete };
  };
  return { rule, jurors, assignments, conflicts, finalistsOf, eligible, conflictOf, sheetOf };
}

// ---------------------------------------------------------------------------------------------------------------
// Jurors: invitation, session, portal, conflicts, sheets

/** Reads an invitation without spending it (GET shows; mail scanners follow links). */
export async function openInvitation(deps: AppDeps, token: string) {
  const link = await readLink(deps, INVITATION, token, 'invite');
  const juror = await deps.store.db.selectFrom('jurors').selectAll().where('id', '=', link.subject).executeTakeFirst();
  if (!juror || juror.ceremony_id !== link.ceremonyId) throw INVITATION.invalid();
  if (juror.invitation !== link.jti)
    throw new ApiError('token-spent', 'This invitation link has been used or replaced; each link works once.');
  return { juror, link };
}

/** Spends the invitation (exactly once: the batch clears the jti it checks) and opens a juror session. */
export async function acceptInvitation(deps: AppDeps, token: string) {
  const { juror, link } = await openInvitation(deps, token);
  const { db } = deps.store;
  await commitChange(deps.store, deps.clock, {
    chain: juror.ceremony_id,
    event: { actor: actorOf(juror), type: 'jury.invitation.accepted', payload: { juror: juror.pseudonym } },
    precondition: sql<boolean>`exists ${db
      .selectFrom('jurors')
      .select(sql`1`.as('one'))
      .where('id', '=', juror.id)
      .where('invitation', '=', link.jti)}`,
    refused: () => new ApiError('token-spent', 'This invitation link has been used or replaced; each link works once.'),
    changes: [setInvitation(db, juror.id, null)],
  });
  const session = await issueJurorSession(deps, juror);
  return { juror, ...session };
}

export async function issueJurorSession(deps: AppDeps, juror: Pick<JurorRow, 'id' | 'ceremony_id'>) {
  const ttl = JUROR_SESSION_HOURS * 3600;
  const token = await deps.sessions.sign({ sub: juror.id }, jurorAudience(juror.ceremony_id), ttl);
  return { token, expiresAt: deps.clock() + ttl * 1000 };
}

/** The juror of a session token for this award. */
export async function jurorFromSession(deps: AppDeps, award: AwardRows, token: string): Promise<JurorRow> {
  const claims = await deps.sessions.verify(token, jurorAudience(award.ceremony.id)).catch(() => {
    throw new ApiError('token-invalid', 'Your jury session has expired or is not for this award; open a new link.');
  });
  const juror = await findJuror(deps.store.db, award.ceremony.id, claims.sub);
  if (!juror || juror.id !== claims.sub)
    throw new ApiError('token-invalid', 'Your jury session has expired or is not for this award; open a new link.');
  return juror;
}

export type ConflictKind = 'juror' | 'institution';

export interface PortalFinalist {
  id: string;
  slug: string;
  /** The juror's own conflict, their institution's, or none. */
  conflict: ConflictKind | null;
  /** Rubric: the juror's own scores of this finalist. */
  scores?: RubricScores;
}

export interface PortalSheet {
  category: string;
  slug: string;
  declared: boolean;
  submitted: boolean;
  finalists: PortalFinalist[];
  /** Ranking: the juror's ranking, best first. */
  ranking?: string[];
  /** Every eligible finalist scored (rubric) or ranked (ranking): the sheet can be submitted. */
  complete: boolean;
}

/** What a juror sees: their own sheets and conflicts, never anyone else's scores. */
export async function jurorPortal(deps: AppDeps, award: AwardRows, juror: JurorRow) {
  const state = await loadJury(deps, award, juror.id);
  const c = award.ceremony;
  const open = c.phase === 'judging' && (c.judging_closes === null || deps.clock() < Number(c.judging_closes));
  const slugOf = new Map(award.nominees.map((n) => [n.id, n.slug]));
  const sheets = award.categories
    .filter((cat) => state.assignments.some((a) => a.category_id === cat.id))
    .map((cat): PortalSheet => {
      const a = state.assignments.find((x) => x.category_id === cat.id)!;
      const sheet = state.sheetOf(juror, cat.id);
      return {
        category: cat.id,
        slug: cat.slug,
        declared: !!a.declared,
        submitted: !!a.submitted,
        finalists: sheet.finalists.map((n) => {
          const k = state.conflictOf(juror, n);
          const scores = sheet.scores.get(n);
          return {
            id: n,
            slug: slugOf.get(n) ?? n,
            conflict: k ? (k.juror_id ? 'juror' : 'institution') : null,
            ...(state.rule.mode === 'rubric' && scores ? { scores } : {}),
          };
        }),
        ...(state.rule.mode === 'ranking' && sheet.ranking ? { ranking: sheet.ranking } : {}),
        complete: sheet.complete,
      };
    });
  return {
    juror: {
      pseudonym: juror.pseudonym,
      name: juror.name,
      institution: award.institutions.find((i) => i.id === juror.institution_id)?.slug ?? juror.institution_id,
    },
    jury: state.rule,
    open,
    judgingCloses: c.judging_closes === null ? null : isoInZone(Number(c.judging_closes), c.time_zone),
    sheets,
  };
}

/** Why a juror's change of a sheet cannot happen, from a fresh read; undefined when nothing is in the way. */
async function sheetRefusal(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  categoryId: string,
  need: { declared?: boolean; nominees?: readonly string[] },
): Promise<ApiError | undefined> {
  const fresh = (await findCeremonyPhase(deps, award.ceremony.id)) ?? award.ceremony;
  const now = deps.clock();
  if (fresh.phase !== 'judging' || (fresh.judging_closes !== null && now >= Number(fresh.judging_closes)))
    return new ApiError(
      'wrong-phase',
      fresh.phase === 'judging' || ['finalized', 'announced', 'amended'].includes(fresh.phase)
        ? 'Judging has closed; sheets can no longer change.'
        : 'Judging has not started yet: the finalists are known when the public vote closes.',
    );
  const state = await loadJury(deps, award, juror.id);
  const a = state.assignments.find((x) => x.category_id === categoryId);
  if (!a) return new ApiError('not-found', 'This category is not assigned to you.');
  if (a.submitted) return new ApiError('sheet-locked', 'You have submitted this sheet; it is locked.');
  if (need.declared && !a.declared)
    return new ApiError(
      'conflicts-undeclared',
      "Declare your conflicts of interest for this category first; the finalists' sheets open after that.",
    );
  const finalists = state.finalistsOf(categoryId);
  for (const [i, n] of (need.nominees ?? []).entries()) {
    if (!finalists.includes(n))
      return new ApiError('not-found', 'This nominee is not a finalist of the category.', [
        { path: `nominee.${i}`, message: 'not a finalist' },
      ]);
    if (need.declared && !state.eligible(juror, n))
      return new ApiError(
        'conflict-of-interest',
        'You, or your institution, have a conflict of interest with this finalist and may not judge them.',
        [{ path: `nominee.${i}`, message: 'conflict of interest' }],
      );
  }
  return undefined;
}

async function findCeremonyPhase(deps: AppDeps, ceremonyId: string) {
  return deps.store.db
    .selectFrom('ceremonies')
    .select(['phase', 'judging_closes'])
    .where('id', '=', ceremonyId)
    .executeTakeFirst();
}

/**
 * Runs a juror's sheet change: checks it on a fresh read for a clear refusal, then commits it under the same
 * conditions in SQL. A refusal of the batch is explained by reading again.
 */
async function sheetChange(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  categoryId: string,
  need: { declared?: boolean; nominees?: readonly string[] },
  change: {
    type: string;
    payload: Record<string, unknown>;
    precondition: Expression<SqlBool>[];
    changes: Parameters<typeof commitChange>[2]['changes'];
  },
) {
  const refusal = await sheetRefusal(deps, award, juror, categoryId, need);
  if (refusal) throw refusal;
  const { db } = deps.store;
  const guards = [
    judgingOpen(db, award.ceremony.id, deps.store.now()),
    assignmentIs(db, juror.id, categoryId, { submitted: false, ...(need.declared ? { declared: true } : {}) }),
    ...change.precondition,
  ];
  try {
    return await commitChange(deps.store, deps.clock, {
      chain: award.ceremony.id,
      event: { actor: actorOf(juror), type: change.type, payload: { juror: juror.pseudonym, ...change.payload } },
      precondition: sql<boolean>`(${sql.join(guards, sql` and `)})`,
      changes: change.changes,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict')
      throw (await sheetRefusal(deps, award, juror, categoryId, need)) ?? err;
    throw err;
  }
}

/**
 * The juror states their conflicts with finalists of a category (possibly none); the first declaration opens the
 * category's sheets. Later declarations may add conflicts until the sheet is submitted, never remove one.
 */
export async function declareConflicts(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  category: string,
  nominees: readonly string[],
) {
  const cat = categoryOf(award, category);
  const ids = [...new Set(nominees.map((n, i) => nomineeOf(award, n, `body.nominees.${i}`, cat.id).id))];
  const { db } = deps.store;
  const finalists = db
    .selectFrom('finalists')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ceremony_id', '=', award.ceremony.id)
    .where('category_id', '=', cat.id);
  return sheetChange(
    deps,
    award,
    juror,
    cat.id,
    { nominees: ids },
    {
      type: 'jury.conflicts.declared',
      payload: { category: cat.id, nominees: ids },
      precondition: ids.length ? [sql<boolean>`(${finalists.where('nominee_id', 'in', ids)}) = ${ids.length}`] : [],
      changes: [
        ...insertConflicts(db, award.ceremony.id, { juror: juror.id }, ids, 'juror'),
        markAssignment(db, juror.id, cat.id, { declared: 1 }),
      ],
    },
  );
}

function rubricRule(award: AwardRows): RubricRule {
  const rule = rulesOf(award).jury;
  if (rule.mode !== 'rubric')
    throw new ApiError('wrong-mode', 'This jury ranks the finalists; send a ranking instead of scores.');
  return rule;
}

/** Checks a rubric entry: exactly the rule's criteria, each an integer on the scale. */
export function checkScores(rule: RubricRule, scores: Record<string, unknown>): RubricScores {
  const [lo, hi] = rule.scale;
  const fields = [];
  for (const key of Object.keys(scores))
    if (!rule.criteria.some((k) => k.id === key))
      fields.push({ path: `body.scores.${key}`, message: 'unknown criterion' });
  for (const { id } of rule.criteria) {
    const v = scores[id];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      fields.push({ path: `body.scores.${id}`, message: `a whole number from ${lo} to ${hi}` });
  }
  if (fields.length)
    throw new ApiError('validation-failed', `Score every criterion with a whole number from ${lo} to ${hi}.`, fields);
  return Object.fromEntries(rule.criteria.map(({ id }) => [id, scores[id] as number]));
}

/** Rubric: saves the juror's scores of one finalist (replacing earlier ones) while the sheet is open. */
export async function saveScores(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  category: string,
  nominee: string,
  raw: Record<string, unknown>,
) {
  const scores = checkScores(rubricRule(award), raw);
  const cat = categoryOf(award, category);
  const n = nomineeOf(award, nominee, 'nominee', cat.id);
  const { db } = deps.store;
  const value = canonicalJson({ juror: juror.pseudonym, category: cat.id, nominee: n.id, scores });
  const { commitment, statement } = await disclose(deps.store, award.ceremony.id, value);
  return sheetChange(
    deps,
    award,
    juror,
    cat.id,
    { declared: true, nominees: [n.id] },
    {
      type: 'jury.score.saved',
      payload: { category: cat.id, nominee: n.id, scoresCommitment: commitment },
      precondition: [eligibleFinalists(db, juror, cat.id, [n.id])],
      changes: [
        upsertScores(db, {
          juror_id: juror.id,
          nominee_id: n.id,
          category_id: cat.id,
          ceremony_id: award.ceremony.id,
          scores: canonicalJson(scores),
        }),
        statement,
      ],
    },
  );
}

/** Ranking: saves the juror's ranking of the category, which must name every finalist they may judge once. */
export async function saveRanking(
  deps: AppDeps,
  award: AwardRows,
  juror: JurorRow,
  category: string,
  ranking: readonly string[],
) {
  if (rulesOf(award).jury.mode !== 'ranking')
    throw new ApiError('wrong-mode', 'This jury scores the finalists by a rubric; send scores instead of a ranking.');
  const cat = categoryOf(award, category);
  const ids = ranking.map((n, i) => nomineeOf(award, n, `body.ranking.${i}`, cat.id).id);
  const twice = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (twice >= 0)
    throw new ApiError('validation-failed', 'A finalist is ranked twice.', [
      { path: `body.ranking.${twice}`, message: 'ranked twice' },
    ]);
  const refusal = await sheetRefusal(deps, award, juror, cat.id, { declared: true, nominees: ids });
  if (refusal) throw refusal;
  const state = await loadJury(deps, award, juror.id);
  const missing = state.sheetOf(juror, cat.id).eligible.filter((n) => !ids.includes(n));
  if (missing.length)
    throw new ApiError('validation-failed', 'Rank every finalist you may judge, each once.', [
      {
        path: 'body.ranking',
        message: `missing ${missing.map((m) => award.nominees.find((x) => x.id === m)?.slug ?? m).join(', ')}`,
      },
    ]);
  const { db } = deps.store;
  const value = canonicalJson({ juror: juror.pseudonym, category: cat.id, ranking: ids });
  const { commitment, statement } = await disclose(deps.store, award.ceremony.id, value);
  const head = await chainHead(db, award.ceremony.id);
  return sheetChange(
    deps,
    award,
    juror,
    cat.id,
    { declared: true, nominees: ids },
    {
      type: 'jury.ranking.saved',
      payload: { category: cat.id, rankingCommitment: commitment },
      precondition: [
        eligibleFinalists(db, juror, cat.id, ids),
        eligibilityUnchangedSince(db, award.ceremony.id, head?.seq ?? 0),
      ],
      changes: [
        upsertRanking(db, {
          juror_id: juror.id,
          category_id: cat.id,
          ceremony_id: award.ceremony.id,
          ranking: canonicalJson(ids),
        }),
        statement,
      ],
    },
  );
}

/**
 * Submits the juror's sheet of a category, which locks it. The sheet must be complete; the event commits to the
 * whole sheet as submitted. Guarded by the state read: a save, conflict or finalist change in between refuses
 * the batch, and the submission is tried again on a fresh read (a few times).
 */
export async function submitSheet(deps: AppDeps, award: AwardRows, juror: JurorRow, category: string) {
  const cat = categoryOf(award, category);
  const { db } = deps.store;
  for (let attempt = 1; ; attempt++) {
    const head = await chainHead(db, award.ceremony.id);
    const state = await loadJury(deps, award, juror.id);
    const sheet = state.sheetOf(juror, cat.id);
    const refusal = await sheetRefusal(deps, award, juror, cat.id, { declared: true });
    if (refusal) throw refusal;
    if (sheet.finalists.length === 0)
      throw new ApiError('sheet-incomplete', 'This category has no finalists yet; there is nothing to submit.');
    if (!sheet.complete)
      throw new ApiError(
        'sheet-incomplete',
        state.rule.mode === 'rubric'
          ? `Score every finalist you may judge before submitting (${sheet.done} of ${sheet.eligible.length} done).`
          : 'Rank every finalist you may judge before submitting.',
      );
    const content =
      state.rule.mode === 'rubric'
        ? { scores: Object.fromEntries(sheet.eligible.map((n) => [n, sheet.scores.get(n)!])) }
        : { ranking: sheet.ranking!.filter((n) => sheet.eligible.includes(n)) };
    const value = canonicalJson({ juror: juror.pseudonym, category: cat.id, ...content });
    const { commitment, statement } = await disclose(deps.store, award.ceremony.id, value);
    try {
      return await commitChange(deps.store, deps.clock, {
        chain: award.ceremony.id,
        event: {
          actor: actorOf(juror),
          type: 'jury.sheet.submitted',
          payload: { juror: juror.pseudonym, category: cat.id, sheetCommitment: commitment },
        },
        precondition: sql<boolean>`(${judgingOpen(db, award.ceremony.id, deps.store.now())} and ${assignmentIs(db, juror.id, cat.id, { declared: true, submitted: false })} and ${sheetUnchangedSince(db, juror, head?.seq ?? 0)})`,
        changes: [markAssignment(db, juror.id, cat.id, { submitted: 1 }), statement],
      });
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'conflict' || attempt >= 5) throw err;
    }
  }
}

/**
 * SQL condition: the juror saved or declared nothing since event `seq` (their events carry them as actor; other
 * jurors' saves do not matter), and nothing changed eligibility.
 */
function sheetUnchangedSince(db: AppDeps['store']['db'], juror: JurorRow, seq: number) {
  return sql<boolean>`(${eligibilityUnchangedSince(db, juror.ceremony_id, seq)} and not exists ${db
    .selectFrom('events')
    .select(sql`1`.as('one'))
    .where('chain', '=', juror.ceremony_id)
    .where('seq', '>', seq)
    .where('actor', '=', actorOf(juror))
    .where('type', 'in', ['jury.score.saved', 'jury.ranking.saved', 'jury.conflicts.declared'])})`;
}

// ---------------------------------------------------------------------------------------------------------------
// The tally's view of the jury

/**
 * The jury part of the tally input (src/tally/types.ts): institutions with their weights, jurors by pseudonym,
 * conflicts, and the submitted sheets only (a sheet not submitted when judging closes does not count).
 */
export async function juryTallyInput(
  deps: AppDeps,
  award: AwardRows,
): Promise<{ institutions: TallyInstitution[]; jurors: TallyJuror[]; conflicts: Conflict[]; sheets: ScoreSheet[] }> {
  const state = await loadJury(deps, award);
  const pseudonymOf = new Map(state.jurors.map((j) => [j.id, j.pseudonym]));
  const submitted = state.assignments.filter((a) => a.submitted);
  const sheets: ScoreSheet[] = [];
  for (const a of submitted) {
    const juror = state.jurors.find((j) => j.id === a.juror_id)!;
    const sheet = state.sheetOf(juror, a.category_id);
    if (state.rule.mode === 'rubric') {
      for (const [nominee, scores] of sheet.scores)
        if (sheet.eligible.includes(nominee))
          sheets.push({ juror: juror.pseudonym, category: a.category_id, nominee, scores });
    } else if (sheet.ranking) {
      // Only finalists still in the running: a withdrawn nominee's place is published nowhere.
      const ranking = sheet.ranking.filter((n) => sheet.finalists.includes(n));
      sheets.push({ juror: juror.pseudonym, category: a.category_id, ranking });
    }
  }
  return {
    institutions: award.institutions.map((i) => ({ id: i.id, weight: i.weight })),
    jurors: state.jurors.map((j) => ({ id: j.pseudonym, institution: j.institution_id, weight: j.weight })),
    conflicts: state.conflicts.map((k) =>
      k.juror_id
        ? { juror: pseudonymOf.get(k.juror_id)!, nominee: k.nominee_id }
        : { institution: k.institution_id!, nominee: k.nominee_id },
    ),
    sheets,
  };
}
