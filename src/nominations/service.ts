/**
 * Public nominations and their moderation. Every change is one atomic batch with its event, guarded by a
 * precondition the database evaluates at the write: the phase and the nominating window (on the database clock),
 * the per-person cap, the nominee's status. Nothing here reads to decide a later write inside a transaction.
 */
import type { Compilable } from 'kysely';
import type { CategoryRow, NomineeRow } from '../../db/schema';
import { canonicalJson, sha256Hex } from '../audit/canonical';
import { type Appended, commitChange, disclose } from '../audit/log';
import { type AwardRows, type NomineeContent, isListed, nomineeRow, pick, rulesOf } from '../ceremonies/model';
import { ceremonyIs, chunkedInsert } from '../ceremonies/repository';
import type { LocalizedText, Phase } from '../ceremonies/schemas';
import { requireAward } from '../ceremonies/service';
import { toCsv } from '../csv/csv';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { VoterSession } from '../identity/sessions';
import { EmailError, normalizeEmail } from '../identity/normalize';
import { consentRequestStatements, consentRequestWith, findAwardNominee as findNominee } from '../consent/service';
import { newId } from '../store/ids';
import type { ConstraintViolation } from '../store/store';
import { dedupeKey, slugify, uniqueSlug } from './dedupe';
import { checkImport } from './imports';
import {
  MERGED,
  NOMINEE_REJECTED,
  STANDING,
  acceptStatements,
  allOf,
  contactPresence,
  insertNomination,
  mergeStatements,
  nominatingOpen,
  nominationsOfPerson,
  nomineeIn,
  nominationRowsAre,
  notNominatedBy,
  pendingReasons,
  personInCategory,
  rejectStatements,
  standingCounts,
  underCap,
  updateTextsStatement,
} from './repository';
import type { NominationInput, Proposal } from './schemas';

/** Phases in which organizers moderate and import: until voting opens and the nominee list freezes. */
const EDITABLE: readonly Phase[] = ['draft', 'nominating'];

const frozenError = () =>
  new ApiError('frozen', 'The nominee list is frozen since voting opened; nominees cannot change now.');

const contentHash = (content: NomineeContent) => sha256Hex(canonicalJson(content));

export const defaultLocale = (award: AwardRows) => (JSON.parse(award.ceremony.locales) as string[])[0] ?? 'en';

export function findCategory(award: AwardRows, slugOrId: string): CategoryRow {
  const category = award.categories.find((c) => c.slug === slugOrId || c.id === slugOrId);
  if (!category) throw new ApiError('not-found', `No category "${slugOrId}" in this award.`);
  return category;
}

/** The text a name is compared and slugged by: the award's default language, else the first given. */
const mainText = (award: AwardRows, text: LocalizedText | undefined) =>
  pick(text, defaultLocale(award), defaultLocale(award));

function keyOf(award: AwardRows, content: NomineeContent): string {
  return dedupeKey(mainText(award, content.name), mainText(award, content.affiliation) || null);
}

/** The dedupe key of a nominee: stored for proposals and imports, computed for nominees defined with the award. */
export function nomineeKey(award: AwardRows, n: NomineeRow): string {
  return n.dedupe_key ?? keyOf(award, JSON.parse(n.content) as NomineeContent);
}

// ---------------------------------------------------------------------------------------------------------------
// Voters

/** Whether the award takes nominations at `now` (the database clock): phase nominating, inside the window. */
function nominatingNow(award: AwardRows, now: number): boolean {
  const c = award.ceremony;
  return (
    c.phase === 'nominating' &&
    (c.nominating_opens === null || c.nominating_opens <= now) &&
    (c.nominating_closes === null || now < c.nominating_closes)
  );
}

interface Target {
  category: CategoryRow;
  /** Support for a listed nominee … */
  nominee?: NomineeRow;
  /** … or a new one. */
  proposal?: { row: NomineeRow; contact?: { email: string; guardian: boolean } };
}

function proposedNominee(
  deps: AppDeps,
  award: AwardRows,
  category: CategoryRow,
  proposal: Proposal,
): NonNullable<Target['proposal']> {
  const locale = defaultLocale(award);
  const text = (v: string | LocalizedText | undefined): LocalizedText | undefined =>
    v === undefined ? undefined : typeof v === 'string' ? { [locale]: v } : v;
  const content: NomineeContent = { name: text(proposal.name)! };
  for (const field of ['affiliation', 'region', 'citation'] as const) {
    const value = text(proposal[field]);
    if (value) content[field] = value;
  }
  if (proposal.guardian && !category.minors_allowed)
    throw new ApiError('validation-failed', 'Only categories open to minors take a guardian as the contact.', [
      { path: 'body.proposal.guardian', message: 'this category is not open to minors' },
    ]);
  if (proposal.guardian && !proposal.contact)
    throw new ApiError('validation-failed', "Give the guardian's address as the contact.", [
      { path: 'body.proposal.contact', message: 'required with guardian' },
    ]);
  if (proposal.contact) {
    try {
      normalizeEmail(proposal.contact);
    } catch (err) {
      if (!(err instanceof EmailError)) throw err;
      throw new ApiError('validation-failed', 'The contact is not an email address we can send to.', [
        { path: 'body.proposal.contact', message: err.message },
      ]);
    }
  }
  const taken = new Set(award.nominees.filter((n) => n.category_id === category.id).map((n) => n.slug));
  const slug = uniqueSlug(slugify(mainText(award, content.name)), taken);
  const position = award.nominees.filter((n) => n.category_id === category.id).length;
  const row = {
    ...nomineeRow(award.ceremony.id, category.id, position, slug, 'pending', content, deps.clock()),
    consent: 'not-asked',
    consent_at: null,
    dedupe_key: keyOf(award, content),
    erased: 0,
  };
  return {
    row,
    ...(proposal.contact ? { contact: { email: proposal.contact, guardian: !!proposal.guardian } } : {}),
  };
}

/** Why this person may not nominate this target now, or null. Read before the write and again after a refusal. */
async function refusal(
  deps: AppDeps,
  award: AwardRows,
  voter: VoterSession,
  category: CategoryRow,
  nomineeId: string | undefined,
): Promise<ApiError | null> {
  if (!nominatingNow(award, await deps.store.readNow()))
    return new ApiError('wrong-phase', 'This award is not taking nominations now.');
  const cap = rulesOf(award).nominations.perPersonPerCategory;
  const person = await personInCategory(deps.store.db, award.ceremony.id, category.id, voter.personKey);
  if (nomineeId && person.standing.has(nomineeId))
    return new ApiError('already-exists', 'You have nominated this nominee already.');
  if (person.counted >= cap)
    return new ApiError(
      'nomination-limit',
      cap === 1
        ? 'You have nominated in this category already: one nomination per person.'
        : `You have made the ${cap} nominations a person may make in this category.`,
    );
  return null;
}

function resolveTarget(deps: AppDeps, award: AwardRows, categorySlug: string, input: NominationInput): Target {
  const category = findCategory(award, categorySlug);
  if (input.nominee !== undefined) {
    const nominee = award.nominees.find(
      (n) => n.category_id === category.id && (n.id === input.nominee || n.slug === input.nominee) && isListed(n),
    );
    if (!nominee) throw new ApiError('not-found', `No listed nominee "${input.nominee}" in this category.`);
    return { category, nominee };
  }
  return { category, proposal: proposedNominee(deps, award, category, input.proposal!) };
}

export interface Submitted {
  id: string;
  status: 'pending' | 'accepted';
  slot: number;
  category: CategoryRow;
  nominee: NomineeRow;
  event: Appended;
}

/** Attempts of a whole submission: a proposal's slug or a slot taken by a concurrent request is chosen afresh. */
const SUBMIT_ATTEMPTS = 3;

/**
 * A verified person nominates: support for a listed nominee (accepted at once) or a proposal of a new one
 * (pending until moderated). Refusals: wrong-phase (not nominating, or outside the window on the database clock),
 * nomination-limit (the cap of the rules), already-exists (this nominee again), not-found, validation-failed.
 */
export async function submitNomination(
  deps: AppDeps,
  first: AwardRows,
  categorySlug: string,
  voter: VoterSession,
  input: NominationInput,
): Promise<Submitted> {
  const rules = rulesOf(first);
  const reason = input.reason?.trim() ?? '';
  if (rules.nominations.requireReason && !reason)
    throw new ApiError('validation-failed', 'Say why you nominate: this award asks for a reason.', [
      { path: 'body.reason', message: 'required' },
    ]);
  const { db } = deps.store;
  let award = first;
  for (let attempt = 1; ; attempt++) {
    const target = resolveTarget(deps, award, categorySlug, input);
    const { category } = target;
    const nominee = target.nominee ?? target.proposal!.row;
    const existing = target.nominee ? nominee.id : undefined;
    const refused = await refusal(deps, award, voter, category, existing);
    if (refused) throw refused;

    const id = newId('nn');
    const now = deps.clock();
    const status = target.nominee ? 'accepted' : 'pending';
    const changes: Compilable[] = [];
    if (target.proposal) {
      changes.push(db.insertInto('nominees').values(target.proposal.row));
      const contact = target.proposal.contact;
      if (contact)
        changes.push(
          db.insertInto('nominee_contacts').values({
            nominee_id: nominee.id,
            ceremony_id: award.ceremony.id,
            email: contact.email,
            guardian: contact.guardian ? 1 : 0,
            created_at: now,
          }),
        );
    }
    changes.push(
      insertNomination(db, {
        id,
        ceremonyId: award.ceremony.id,
        categoryId: category.id,
        nomineeId: nominee.id,
        personKey: voter.personKey,
        reason,
        status,
        createdAt: now,
      }),
    );
    const conditions = [
      nominatingOpen(db, award.ceremony.id, deps.store.now()),
      underCap(db, award.ceremony.id, category.id, voter.personKey, rules.nominations.perPersonPerCategory),
    ];
    if (existing) conditions.push(nomineeIn(db, existing, ['accepted']), notNominatedBy(db, existing, voter.personKey));
    const lostRace = new ApiError('conflict', 'The state changed before this nomination could apply.');
    const takenMeanwhile = new ApiError('conflict', 'A slug or slot was taken meanwhile.');
    try {
      const event = await commitChange(deps.store, deps.clock, {
        chain: award.ceremony.id,
        // Voters are never named in events: the actor is the system, the nomination its id.
        event: {
          actor: 'system',
          type: 'nomination.submitted',
          payload: {
            nomination: id,
            category: category.id,
            nominee: nominee.id,
            proposal: !!target.proposal,
            contentHash: await contentHash(JSON.parse(nominee.content) as NomineeContent),
          },
        },
        precondition: allOf(...conditions),
        refused: () => lostRace,
        changes,
        onViolation: (v: ConstraintViolation) =>
          v.kind === 'unique' && (v.table === 'nominees' || v.table === 'nominations' || v.columns.includes('slot'))
            ? takenMeanwhile
            : undefined,
      });
      const slot = await db.selectFrom('nominations').select('slot').where('id', '=', id).executeTakeFirstOrThrow();
      return { id, status, slot: slot.slot, category, nominee, event };
    } catch (err) {
      if (err !== lostRace && err !== takenMeanwhile) throw err;
      // Read the award again: either it says why (phase, cap, duplicate), or the request tries once more.
      award = await requireAward(deps, award.ceremony.id);
      const why = await refusal(deps, award, voter, findCategory(award, categorySlug), existing);
      if (why) throw why;
      if (attempt >= SUBMIT_ATTEMPTS)
        throw new ApiError('busy', 'Too many nominations at once; nothing was changed. Try again.');
    }
  }
}

/** A person's own nominations in an award, newest first. */
export async function myNominations(deps: AppDeps, award: AwardRows, voter: VoterSession) {
  const rows = await nominationsOfPerson(deps.store.db, award.ceremony.id, voter.personKey);
  return rows.map((r) => ({
    id: r.id,
    category: {
      id: r.category_id,
      slug: r.category_slug,
      name: (JSON.parse(r.category_content) as { name: LocalizedText }).name,
    },
    nominee: {
      id: r.nominee_id,
      slug: r.nominee_slug,
      status: r.nominee_status,
      name: (JSON.parse(r.nominee_content) as NomineeContent).name,
    },
    status: r.status as 'pending' | 'accepted' | 'rejected',
    decision:
      r.status === 'rejected' && (r.decision_reason === MERGED || r.decision_reason === NOMINEE_REJECTED)
        ? (r.decision_reason as 'merged' | 'nominee-rejected')
        : null,
    reason: r.reason,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Organizers

function requireEditable(award: AwardRows) {
  if (!EDITABLE.includes(award.ceremony.phase as Phase)) throw frozenError();
}

const changedMeanwhile = () =>
  new ApiError('conflict', 'The nominee or the award changed meanwhile; reload and try again.');

/**
 * Accepts a pending nominee and the nominations waiting on it. A nominee with a contact is asked for consent
 * (listed once it is given); one without stays `not-asked`, listed on the organizers' word.
 */
export async function acceptNominee(deps: AppDeps, award: AwardRows, ref: string, actor: string) {
  requireEditable(award);
  const nominee = findNominee(award, ref);
  if (nominee.status !== 'pending')
    throw new ApiError('conflict', `Only a pending nominee can be accepted; this one is ${nominee.status}.`);
  const { db } = deps.store;
  // Empty for a nominee without a contact: listed on the organizers' word, consent stays 'not-asked'.
  const consent = await consentRequestStatements(deps, award, nominee.id, defaultLocale(award));
  const askConsent = consent.length > 0;
  const event = await commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.accepted',
      payload: {
        nominee: nominee.id,
        category: nominee.category_id,
        consent: askConsent ? 'requested' : 'not-asked',
      },
    },
    precondition: allOf(ceremonyIs(db, award.ceremony.id, EDITABLE), nomineeIn(db, nominee.id, ['pending'])),
    refused: changedMeanwhile,
    changes: [...acceptStatements(db, nominee.id, deps.clock()), ...consent],
  });
  if (askConsent) deps.mailer.kick();
  return event;
}

/** Rejects a pending or accepted nominee with a reason; the event holds a commitment to the reason, not the text. */
export async function rejectNominee(deps: AppDeps, award: AwardRows, ref: string, reason: string, actor: string) {
  requireEditable(award);
  const nominee = findNominee(award, ref);
  if (!(STANDING as readonly string[]).includes(nominee.status))
    throw new ApiError('conflict', `This nominee is ${nominee.status} already.`);
  const { db } = deps.store;
  const { commitment, statement } = await disclose(deps.store, award.ceremony.id, reason);
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.rejected',
      payload: { nominee: nominee.id, category: nominee.category_id, from: nominee.status, reason: commitment },
    },
    precondition: allOf(ceremonyIs(db, award.ceremony.id, EDITABLE), nomineeIn(db, nominee.id, [nominee.status])),
    refused: changedMeanwhile,
    changes: [...rejectStatements(db, nominee.id, deps.clock()), statement],
  });
}

/**
 * Merges a duplicate into the nominee that stays (same category). The duplicate becomes rejected; its nominations
 * follow to the target, except where the same person stands behind both: that person keeps the target's
 * nomination, and the duplicate's is set aside (decision 'merged') and frees its place under the cap.
 */
export async function mergeNominee(deps: AppDeps, award: AwardRows, ref: string, into: string, actor: string) {
  requireEditable(award);
  const source = findNominee(award, ref);
  const target = findNominee(award, into);
  if (source.id === target.id)
    throw new ApiError('validation-failed', 'A nominee cannot be merged into itself.', [
      { path: 'body.into', message: 'same nominee' },
    ]);
  if (source.category_id !== target.category_id)
    throw new ApiError('validation-failed', 'Only nominees of the same category can be merged.', [
      { path: 'body.into', message: 'another category' },
    ]);
  for (const n of [source, target])
    if (!(STANDING as readonly string[]).includes(n.status))
      throw new ApiError('conflict', `Nominee "${n.slug}" is ${n.status}; only pending or accepted nominees merge.`);
  const { db } = deps.store;
  const rows = await db
    .selectFrom('nominations')
    .select(['nominee_id', 'person_key', 'status'])
    .where('nominee_id', 'in', [source.id, target.id])
    .execute();
  const standing = (id: string) =>
    rows.filter((r) => r.nominee_id === id && (STANDING as readonly string[]).includes(r.status));
  const behindTarget = new Set(standing(target.id).map((r) => r.person_key));
  const setAside = standing(source.id).filter((r) => behindTarget.has(r.person_key)).length;
  const moved = standing(source.id).length - setAside;
  const rowsOf = (id: string) => rows.filter((r) => r.nominee_id === id).length;
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.merged',
      payload: { nominee: source.id, into: target.id, category: source.category_id, moved, setAside },
    },
    // The counts in the event are true only if nothing moved or arrived since they were read.
    precondition: allOf(
      ceremonyIs(db, award.ceremony.id, EDITABLE),
      nomineeIn(db, source.id, [source.status]),
      nomineeIn(db, target.id, [target.status]),
      nominationRowsAre(db, source.id, rowsOf(source.id)),
      nominationRowsAre(db, target.id, rowsOf(target.id)),
    ),
    refused: changedMeanwhile,
    changes: mergeStatements(db, source, target, deps.clock()),
  });
}

/** Edits the texts of a pending or accepted nominee (until voting opens); its dedupe key follows. */
export async function editNomineeTexts(
  deps: AppDeps,
  award: AwardRows,
  ref: string,
  patch: Partial<NomineeContent>,
  actor: string,
) {
  requireEditable(award);
  const nominee = findNominee(award, ref);
  if (!(STANDING as readonly string[]).includes(nominee.status))
    throw new ApiError('conflict', `This nominee is ${nominee.status}; only pending or accepted nominees are edited.`);
  const content: NomineeContent = { ...(JSON.parse(nominee.content) as NomineeContent) };
  for (const field of ['name', 'affiliation', 'region', 'citation'] as const) {
    const value = patch[field];
    if (value) content[field] = value;
  }
  const { db } = deps.store;
  return commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominee.updated',
      payload: { nominee: nominee.id, contentHash: await contentHash(content) },
    },
    precondition: allOf(ceremonyIs(db, award.ceremony.id, EDITABLE), nomineeIn(db, nominee.id, STANDING)),
    refused: changedMeanwhile,
    changes: [updateTextsStatement(db, nominee.id, JSON.stringify(content), keyOf(award, content), deps.clock())],
  });
}

/** The moderation queue: pending nominees grouped as likely duplicates, and accepted nominees with their counts. */
export async function moderationQueue(deps: AppDeps, award: AwardRows) {
  const { db } = deps.store;
  const id = award.ceremony.id;
  const [counts, reasons, contacts] = await Promise.all([
    standingCounts(db, id),
    pendingReasons(db, id),
    contactPresence(db, id),
  ]);
  const categorySlug = new Map(award.categories.map((c) => [c.id, c.slug]));
  const categoryPosition = new Map(award.categories.map((c) => [c.id, c.position]));
  const view = (n: NomineeRow) => {
    const content = JSON.parse(n.content) as NomineeContent;
    return {
      id: n.id,
      slug: n.slug,
      category: categorySlug.get(n.category_id) ?? n.category_id,
      status: n.status,
      consent: n.consent,
      ...content,
      dedupeKey: nomineeKey(award, n),
      contact: contacts.has(n.id) ? ('present' as const) : ('absent' as const),
      guardian: contacts.get(n.id) ?? false,
      nominations: counts.get(n.id) ?? 0,
      ...(n.status === 'pending' ? { reasons: reasons.get(n.id) ?? [] } : {}),
    };
  };
  const byCategory = (a: NomineeRow, b: NomineeRow) =>
    (categoryPosition.get(a.category_id) ?? 0) - (categoryPosition.get(b.category_id) ?? 0) ||
    a.created_at - b.created_at ||
    a.position - b.position;
  const nominees = [...award.nominees].sort(byCategory);
  const pending = nominees.filter((n) => n.status === 'pending');
  const accepted = nominees.filter((n) => n.status === 'accepted');
  const groups = new Map<string, NomineeRow[]>();
  for (const n of pending) {
    const key = `${n.category_id}\u0000${nomineeKey(award, n)}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return {
    phase: award.ceremony.phase,
    counts: {
      pending: pending.length,
      accepted: accepted.length,
      rejected: nominees.filter((n) => n.status === 'rejected').length,
      nominations: [...counts.values()].reduce((a, b) => a + b, 0),
    },
    groups: [...groups.values()].map((members) => {
      const first = members[0]!;
      const key = nomineeKey(award, first);
      return {
        category: categorySlug.get(first.category_id) ?? first.category_id,
        dedupeKey: key,
        nominees: members.map(view),
        matches: accepted.filter((a) => a.category_id === first.category_id && nomineeKey(award, a) === key).map(view),
      };
    }),
    accepted: accepted.map(view),
  };
}

export const EXPORT_COLUMNS = ['category', 'slug', 'name', 'affiliation', 'region', 'status', 'consent', 'nominations'];

/** Every nominee of the award as spreadsheet-safe CSV (BOM, formula cells defused), texts in the default language. */
export async function exportNominationsCsv(deps: AppDeps, award: AwardRows): Promise<string> {
  const counts = await standingCounts(deps.store.db, award.ceremony.id);
  const locale = defaultLocale(award);
  const categories = new Map(award.categories.map((c) => [c.id, c]));
  const nominees = [...award.nominees].sort(
    (a, b) =>
      (categories.get(a.category_id)?.position ?? 0) - (categories.get(b.category_id)?.position ?? 0) ||
      a.position - b.position ||
      a.created_at - b.created_at,
  );
  return toCsv(
    EXPORT_COLUMNS,
    nominees.map((n) => {
      const content = JSON.parse(n.content) as NomineeContent;
      return [
        categories.get(n.category_id)?.slug ?? n.category_id,
        n.slug,
        pick(content.name, locale, locale),
        pick(content.affiliation, locale, locale),
        pick(content.region, locale, locale),
        n.status,
        n.consent,
        counts.get(n.id) ?? 0,
      ];
    }),
  );
}

/**
 * Imports accepted nominees from CSV (category, slug, name, affiliation, region, citation, contact), all or
 * nothing: every line is checked first, and any problem refuses the whole file with the offending lines.
 */
export async function importNomineesCsv(deps: AppDeps, award: AwardRows, text: string, actor: string) {
  requireEditable(award);
  const locale = defaultLocale(award);
  const { rows, problems } = checkImport(
    text,
    award.categories.map((c) => ({
      id: c.id,
      slug: c.slug,
      takenSlugs: new Set(award.nominees.filter((n) => n.category_id === c.id).map((n) => n.slug)),
    })),
    locale,
  );
  if (problems.length)
    throw new ApiError(
      'validation-failed',
      `Nothing was imported. ${problems
        .slice(0, 20)
        .map((p) => `Line ${p.line}: ${p.message}.`)
        .join(' ')}${problems.length > 20 ? ` (${problems.length - 20} more)` : ''}`,
      problems.map((p) => ({ path: `line.${p.line}`, message: p.message })),
    );
  const { db } = deps.store;
  const now = deps.clock();
  const positions = new Map<string, number>();
  for (const n of award.nominees) positions.set(n.category_id, (positions.get(n.category_id) ?? 0) + 1);
  const nominees = rows.map((r) => {
    const position = positions.get(r.categoryId) ?? 0;
    positions.set(r.categoryId, position + 1);
    return {
      ...nomineeRow(award.ceremony.id, r.categoryId, position, r.slug, 'accepted', r.content, now),
      // Fails closed: a nominee with a contact is not listed before consent, even if the mail below never goes.
      consent: r.contact ? 'requested' : 'not-asked',
      dedupe_key: r.dedupeKey,
    };
  });
  const contacts = rows.flatMap((r, i) =>
    r.contact
      ? [
          {
            nominee_id: nominees[i]!.id,
            ceremony_id: award.ceremony.id,
            email: r.contact,
            guardian: 0,
            created_at: now,
          },
        ]
      : [],
  );
  const listed = await Promise.all(
    nominees.map(async (n) => ({
      nominee: n.id,
      category: n.category_id,
      slug: n.slug,
      contentHash: await contentHash(JSON.parse(n.content) as NomineeContent),
    })),
  );
  // Consent requests ride in the import's own batch: all of it lands, or none.
  const byId = new Map(nominees.map((n) => [n.id, n]));
  const consentRequests = (
    await Promise.all(
      contacts.map((c) =>
        consentRequestWith(
          deps,
          award,
          byId.get(c.nominee_id)!,
          { email: c.email, guardian: false },
          defaultLocale(award),
        ),
      ),
    )
  ).flat();
  const event = await commitChange(deps.store, deps.clock, {
    chain: award.ceremony.id,
    event: {
      actor,
      type: 'nominees.imported',
      payload: { count: nominees.length, contacts: contacts.length, hash: await sha256Hex(canonicalJson(listed)) },
    },
    precondition: ceremonyIs(db, award.ceremony.id, EDITABLE),
    refused: frozenError,
    changes: [
      ...chunkedInsert(db, 'nominees', nominees),
      ...chunkedInsert(db, 'nominee_contacts', contacts),
      ...consentRequests,
    ],
    onViolation: (v) =>
      v.kind === 'unique'
        ? new ApiError('already-exists', 'A slug in the file was taken meanwhile; nothing was imported. Try again.')
        : undefined,
  });
  if (contacts.length) deps.mailer.kick();
  return { imported: nominees.length, consentRequested: contacts.length, event };
}
