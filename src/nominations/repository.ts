/**
 * Every query of nominations and moderation: Kysely only. Conditions returned here are used as preconditions of
 * atomic batches (audit/log.ts commitChange), so they are evaluated by the database at the moment of the write.
 */
import { type Compilable, type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Database, NomineeRow } from '../../db/schema';

/** Nominee statuses under which its nominations stand (count and block a second nomination by the same person). */
export const STANDING = ['pending', 'accepted'] as const;

/** decision_reason of a nomination set aside because its nominator also nominated the nominee it was merged into. */
export const MERGED = 'merged';
/** decision_reason of a nomination whose nominee an organizer rejected. */
export const NOMINEE_REJECTED = 'nominee-rejected';

/** All of the conditions, as one SQL condition. */
export const allOf = (...conditions: Expression<SqlBool>[]) => sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;

/**
 * The award is nominating and the database clock is inside the nominating window, where one is set
 * (null opens or closes = open end). Windows are [opens, closes).
 */
export function nominatingOpen(db: Kysely<Database>, ceremonyId: string, now: RawBuilder<number>): Expression<SqlBool> {
  const q = db
    .selectFrom('ceremonies')
    .select(sql`1`.as('one'))
    .where('id', '=', ceremonyId)
    .where('phase', '=', 'nominating')
    .where((eb) => eb.or([eb('nominating_opens', 'is', null), eb('nominating_opens', '<=', now)]))
    .where((eb) => eb.or([eb('nominating_closes', 'is', null), eb('nominating_closes', '>', now)]));
  return sql<SqlBool>`exists ${q}`;
}

/** A person's nominations in a category that use up a place under the cap (merge duplicates set aside do not). */
function countedNominations(db: Kysely<Database>, ceremonyId: string, categoryId: string, personKey: string) {
  return db
    .selectFrom('nominations')
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('person_key', '=', personKey)
    .where((eb) =>
      eb.or([eb('status', '!=', 'rejected'), eb('decision_reason', 'is', null), eb('decision_reason', '!=', MERGED)]),
    );
}

/** The person has fewer than `cap` nominations in the category. */
export function underCap(
  db: Kysely<Database>,
  ceremonyId: string,
  categoryId: string,
  personKey: string,
  cap: number,
): Expression<SqlBool> {
  const q = countedNominations(db, ceremonyId, categoryId, personKey).select(sql<number>`count(*)`.as('n'));
  return sql<SqlBool>`(${q}) < ${cap}`;
}

/** The person has no standing nomination of this nominee. */
export function notNominatedBy(db: Kysely<Database>, nomineeId: string, personKey: string): Expression<SqlBool> {
  const q = db
    .selectFrom('nominations')
    .select(sql`1`.as('one'))
    .where('nominee_id', '=', nomineeId)
    .where('person_key', '=', personKey)
    .where('status', 'in', STANDING);
  return sql<SqlBool>`not exists ${q}`;
}

/** The nominee is (still) in one of these statuses. */
export function nomineeIn(db: Kysely<Database>, nomineeId: string, statuses: readonly string[]): Expression<SqlBool> {
  const q = db
    .selectFrom('nominees')
    .select(sql`1`.as('one'))
    .where('id', '=', nomineeId)
    .where('status', 'in', statuses);
  return sql<SqlBool>`exists ${q}`;
}

/** The nominee still has exactly `count` nomination rows (nothing moved or arrived since it was read). */
export function nominationRowsAre(db: Kysely<Database>, nomineeId: string, count: number): Expression<SqlBool> {
  const q = db
    .selectFrom('nominations')
    .select(sql<number>`count(*)`.as('n'))
    .where('nominee_id', '=', nomineeId);
  return sql<SqlBool>`(${q}) = ${count}`;
}

export interface PersonInCategory {
  /** Nominations that count under the cap. */
  counted: number;
  /** Nominees the person stands behind in this category. */
  standing: Set<string>;
}

export async function personInCategory(
  db: Kysely<Database>,
  ceremonyId: string,
  categoryId: string,
  personKey: string,
): Promise<PersonInCategory> {
  const rows = await db
    .selectFrom('nominations')
    .select(['nominee_id', 'status', 'decision_reason'])
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('person_key', '=', personKey)
    .execute();
  return {
    counted: rows.filter((r) => !(r.status === 'rejected' && r.decision_reason === MERGED)).length,
    standing: new Set(rows.filter((r) => r.status !== 'rejected').map((r) => r.nominee_id)),
  };
}

export interface NewNomination {
  id: string;
  ceremonyId: string;
  categoryId: string;
  nomineeId: string;
  personKey: string;
  reason: string;
  status: 'pending' | 'accepted';
  createdAt: number;
}

/**
 * Inserts a nomination in the person's next slot. The slot is computed by the database in the same statement
 * (rows are never deleted, so slots run 1, 2, 3 …): a retried batch takes the slot that is free by then, and
 * two batches racing for one slot are stopped by UNIQUE(ceremony, category, person_key, slot).
 */
export function insertNomination(db: Kysely<Database>, n: NewNomination): Compilable {
  const nextSlot = db
    .selectFrom('nominations')
    .select(sql<number>`count(*) + 1`.as('slot'))
    .where('ceremony_id', '=', n.ceremonyId)
    .where('category_id', '=', n.categoryId)
    .where('person_key', '=', n.personKey);
  return db.insertInto('nominations').values({
    id: n.id,
    ceremony_id: n.ceremonyId,
    category_id: n.categoryId,
    nominee_id: n.nomineeId,
    person_key: n.personKey,
    slot: nextSlot,
    reason: n.reason,
    status: n.status,
    decision_reason: null,
    created_at: n.createdAt,
    decided_at: null,
  });
}

export async function findNomination(db: Kysely<Database>, id: string) {
  return db.selectFrom('nominations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A person's nominations in an award, with nominee and category, newest first. */
export async function nominationsOfPerson(db: Kysely<Database>, ceremonyId: string, personKey: string) {
  return db
    .selectFrom('nominations as n')
    .innerJoin('nominees as e', 'e.id', 'n.nominee_id')
    .innerJoin('categories as c', 'c.id', 'n.category_id')
    .select([
      'n.id',
      'n.status',
      'n.decision_reason',
      'n.reason',
      'n.slot',
      'n.created_at',
      'e.id as nominee_id',
      'e.slug as nominee_slug',
      'e.status as nominee_status',
      'e.content as nominee_content',
      'c.id as category_id',
      'c.slug as category_slug',
      'c.content as category_content',
    ])
    .where('n.ceremony_id', '=', ceremonyId)
    .where('n.person_key', '=', personKey)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id')
    .execute();
}

/** Per nominee of an award: how many distinct people stand behind it. */
export async function standingCounts(db: Kysely<Database>, ceremonyId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('nominations')
    .select(['nominee_id', sql<number>`count(distinct person_key)`.as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .where('status', 'in', STANDING)
    .groupBy('nominee_id')
    .execute();
  return new Map(rows.map((r) => [r.nominee_id, Number(r.n)]));
}

/** Reasons of the standing nominations of pending nominees, oldest first. */
export async function pendingReasons(db: Kysely<Database>, ceremonyId: string): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('nominations')
    .select(['nominee_id', 'reason'])
    .where('ceremony_id', '=', ceremonyId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) if (r.reason) out.set(r.nominee_id, [...(out.get(r.nominee_id) ?? []), r.reason]);
  return out;
}

/** Which nominees of an award have a contact, and whether it is a guardian's. Never the address. */
export async function contactPresence(db: Kysely<Database>, ceremonyId: string): Promise<Map<string, boolean>> {
  const rows = await db
    .selectFrom('nominee_contacts')
    .select(['nominee_id', 'guardian'])
    .where('ceremony_id', '=', ceremonyId)
    .execute();
  return new Map(rows.map((r) => [r.nominee_id, r.guardian === 1]));
}

/** A pending nominee becomes accepted, with the nominations that wait on it. */
export function acceptStatements(db: Kysely<Database>, nomineeId: string, now: number): Compilable[] {
  return [
    db.updateTable('nominees').set({ status: 'accepted', updated_at: now }).where('id', '=', nomineeId),
    db
      .updateTable('nominations')
      .set({ status: 'accepted', decided_at: now })
      .where('nominee_id', '=', nomineeId)
      .where('status', '=', 'pending'),
  ];
}

/** A nominee is rejected; its standing nominations fall with it (they keep their slots). */
export function rejectStatements(db: Kysely<Database>, nomineeId: string, now: number): Compilable[] {
  return [
    db.updateTable('nominees').set({ status: 'rejected', updated_at: now }).where('id', '=', nomineeId),
    db
      .updateTable('nominations')
      .set({ status: 'rejected', decision_reason: NOMINEE_REJECTED, decided_at: now })
      .where('nominee_id', '=', nomineeId)
      .where('status', 'in', STANDING),
  ];
}

/**
 * Merges `source` into `target` (same category). Order matters, all in one batch:
 * 1. a person who stands behind both keeps the nomination of the target; the one of the source is set aside
 *    (rejected, decision 'merged'; it stays on the source in its slot and no longer counts under the cap);
 * 2. the other standing nominations of the source move to the target and take its status;
 * 3. the source becomes rejected.
 * Slots never change (the category does not), so UNIQUE(ceremony, category, person_key, slot) holds throughout.
 */
export function mergeStatements(
  db: Kysely<Database>,
  source: Pick<NomineeRow, 'id'>,
  target: Pick<NomineeRow, 'id' | 'status'>,
  now: number,
): Compilable[] {
  const behindTarget = db
    .selectFrom('nominations')
    .select('person_key')
    .where('nominee_id', '=', target.id)
    .where('status', 'in', STANDING);
  return [
    db
      .updateTable('nominations')
      .set({ status: 'rejected', decision_reason: MERGED, decided_at: now })
      .where('nominee_id', '=', source.id)
      .where('status', 'in', STANDING)
      .where('person_key', 'in', behindTarget),
    db
      .updateTable('nominations')
      .set({ nominee_id: target.id, status: target.status, decided_at: target.status === 'accepted' ? now : null })
      .where('nominee_id', '=', source.id)
      .where('status', 'in', STANDING),
    db.updateTable('nominees').set({ status: 'rejected', updated_at: now }).where('id', '=', source.id),
  ];
}

export function updateTextsStatement(
  db: Kysely<Database>,
  nomineeId: string,
  content: string,
  key: string,
  now: number,
): Compilable {
  return db.updateTable('nominees').set({ content, dedupe_key: key, updated_at: now }).where('id', '=', nomineeId);
}
