/** Every query of nominee consent, withdrawal and erasure: Kysely only. */
import { type Compilable, type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Database, NomineeRow } from '../../db/schema';
import { ceremonyIs } from '../ceremonies/repository';
import type { Guard } from './rules';

/** Mail kinds of this feature in the outbox (also what erasure clears). */
export const CONSENT_MAIL_KINDS = ['consent-request', 'consent-given'] as const;

/** D1 binds at most 100 parameters per statement; an IN list stays well below. */
const IN_CHUNK = 90;

export interface Contact {
  email: string;
  guardian: boolean;
}

export async function findNominee(db: Kysely<Database>, nomineeId: string): Promise<NomineeRow | undefined> {
  return db.selectFrom('nominees').selectAll().where('id', '=', nomineeId).executeTakeFirst();
}

export async function findContact(db: Kysely<Database>, nomineeId: string): Promise<Contact | undefined> {
  const row = await db
    .selectFrom('nominee_contacts')
    .select(['email', 'guardian'])
    .where('nominee_id', '=', nomineeId)
    .executeTakeFirst();
  return row ? { email: row.email, guardian: row.guardian === 1 } : undefined;
}

export async function isSpent(db: Kysely<Database>, spentId: string): Promise<boolean> {
  const row = await db.selectFrom('spent_tokens').select('id').where('id', '=', spentId).executeTakeFirst();
  return row !== undefined;
}

/** Spends a single-use link; its primary key refuses a second spend of the same link. */
export function spendStatement(db: Kysely<Database>, spentId: string, at: number): Compilable {
  return db.insertInto('spent_tokens').values({ id: spentId, spent_at: at });
}

/** SQL condition: the nominee (of this award) and the award are in the state the guard expects. */
export function nomineeGuard(
  db: Kysely<Database>,
  ceremonyId: string,
  nomineeId: string,
  guard: Guard,
): Expression<SqlBool> {
  let q = db
    .selectFrom('nominees')
    .select(sql`1`.as('one'))
    .where('id', '=', nomineeId)
    .where('ceremony_id', '=', ceremonyId)
    .where('erased', '=', 0)
    .where('status', 'in', guard.statuses);
  if (guard.consents) q = q.where('consent', 'in', guard.consents);
  return sql<SqlBool>`(exists ${q} and ${ceremonyIs(db, ceremonyId, guard.phases)})`;
}

/** Marks consent as asked; never undoes a consent that was given meanwhile. */
export function consentRequestedStatement(db: Kysely<Database>, nomineeId: string, at: number): Compilable {
  return db
    .updateTable('nominees')
    .set({ consent: 'requested', consent_at: null, updated_at: at })
    .where('id', '=', nomineeId)
    .where('consent', '!=', 'given');
}

export function consentAnswerStatement(
  db: Kysely<Database>,
  nomineeId: string,
  consent: 'given' | 'declined',
  at: number,
): Compilable {
  return db.updateTable('nominees').set({ consent, consent_at: at, updated_at: at }).where('id', '=', nomineeId);
}

export function withdrawStatement(db: Kysely<Database>, nomineeId: string, at: number): Compilable {
  return db.updateTable('nominees').set({ status: 'withdrawn', updated_at: at }).where('id', '=', nomineeId);
}

/** Sets or replaces the nominee's contact in one statement. */
export function upsertContactStatement(
  db: Kysely<Database>,
  contact: { nomineeId: string; ceremonyId: string; email: string; guardian: boolean; at: number },
): Compilable {
  const guardian = contact.guardian ? 1 : 0;
  return db
    .insertInto('nominee_contacts')
    .values({
      nominee_id: contact.nomineeId,
      ceremony_id: contact.ceremonyId,
      email: contact.email,
      guardian,
      created_at: contact.at,
    })
    .onConflict((oc) =>
      oc.column('nominee_id').doUpdateSet({ email: contact.email, guardian, created_at: contact.at }),
    );
}

export interface ConsentOverviewRow {
  id: string;
  slug: string;
  category_id: string;
  status: string;
  consent: string;
  consent_at: number | null;
  erased: number;
  content: string;
  email: string | null;
  guardian: number | null;
}

export async function consentOverview(db: Kysely<Database>, ceremonyId: string): Promise<ConsentOverviewRow[]> {
  return db
    .selectFrom('nominees as n')
    .leftJoin('nominee_contacts as c', 'c.nominee_id', 'n.id')
    .select([
      'n.id',
      'n.slug',
      'n.category_id',
      'n.status',
      'n.consent',
      'n.consent_at',
      'n.erased',
      'n.content',
      'c.email',
      'c.guardian',
    ])
    .where('n.ceremony_id', '=', ceremonyId)
    .orderBy('n.category_id')
    .orderBy('n.position')
    .orderBy('n.slug')
    .execute();
}

/**
 * Commitments in this award's events that concern the nominee: every hash-shaped value in the payload of an event
 * that names the nominee (contact addresses, withdrawal and rejection reasons, whatever other features commit
 * about it, under whatever field name). Values that are no commitment (content hashes) match no disclosure and
 * are harmless in the delete.
 */
export async function nomineeCommitments(
  db: Kysely<Database>,
  ceremonyId: string,
  nomineeId: string,
): Promise<string[]> {
  // Event bodies are canonical JSON, so the payload field reads exactly `"nominee":"<id>"`; ids hold no quotes.
  const rows = await db
    .selectFrom('events')
    .select('body')
    .where('chain', '=', ceremonyId)
    .where('body', 'like', `%"nominee":"${nomineeId}"%`)
    .execute();
  const found = new Set<string>();
  for (const row of rows) {
    const payload = (JSON.parse(row.body) as { payload?: unknown }).payload;
    if (payload && typeof payload === 'object' && (payload as { nominee?: unknown }).nominee === nomineeId)
      collectHashes(payload, found);
  }
  if (found.size === 0) return [];
  // Only those with a disclosure behind them: the event says how many values were erased.
  const candidates = [...found];
  const out: string[] = [];
  for (let i = 0; i < candidates.length; i += IN_CHUNK) {
    const rows = await db
      .selectFrom('disclosures')
      .select('commitment')
      .where('chain', '=', ceremonyId)
      .where('commitment', 'in', candidates.slice(i, i + IN_CHUNK))
      .execute();
    out.push(...rows.map((r) => r.commitment));
  }
  return out.sort();
}

const HASH = /^[0-9a-f]{64}$/;

function collectHashes(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (HASH.test(value)) into.add(value);
  } else if (Array.isArray(value)) for (const v of value) collectHashes(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectHashes(v, into);
}

/**
 * What erasing a nominee deletes or blanks: the contact, the public texts (content becomes `{}`), the duplicate
 * key (made of the name), the reasons of the nominations for it, the values behind its commitments, and consent
 * mail to its contact still in the outbox. Ids, slug, status and the events stay: the chain keeps verifying.
 */
export function erasureStatements(
  db: Kysely<Database>,
  e: { ceremonyId: string; nomineeId: string; commitments: string[]; contactEmail?: string; at: number },
): Compilable[] {
  const statements: Compilable[] = [
    db.deleteFrom('nominee_contacts').where('nominee_id', '=', e.nomineeId),
    db
      .updateTable('nominees')
      .set({ content: '{}', erased: 1, dedupe_key: null, updated_at: e.at })
      .where('id', '=', e.nomineeId),
    // decision_reason holds codes (merged, nominee-rejected) that keep the caps right, never free text: it stays.
    db.updateTable('nominations').set({ reason: '' }).where('nominee_id', '=', e.nomineeId),
  ];
  for (let i = 0; i < e.commitments.length; i += IN_CHUNK)
    statements.push(
      db
        .deleteFrom('disclosures')
        .where('chain', '=', e.ceremonyId)
        .where('commitment', 'in', e.commitments.slice(i, i + IN_CHUNK)),
    );
  if (e.contactEmail)
    statements.push(
      db
        .deleteFrom('outbox')
        .where('ceremony_id', '=', e.ceremonyId)
        .where('kind', 'in', CONSENT_MAIL_KINDS)
        .where('to_address', '=', e.contactEmail),
    );
  return statements;
}
