/** Queries of the vote: marks, ballots, the conditions a ballot's batch is guarded by. */
import { type Compilable, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema';
import { prepared } from '../store/prepared';
import type { Dialect, Store } from '../store/store';

/**
 * SQL condition: the award takes ballots now by the database clock — phase `voting` and inside
 * [voting_opens, voting_closes). On PostgreSQL the award row is read FOR SHARE, so a ballot and the closing of
 * the vote are serialized: no ballot commits after the vote closed.
 */
export function votingOpen(db: Kysely<Database>, dialect: Dialect, ceremonyId: string, now: RawBuilder<number>) {
  let q = db
    .selectFrom('ceremonies')
    .select(sql`1`.as('one'))
    .where('id', '=', ceremonyId)
    .where('phase', '=', 'voting')
    .where((eb) => eb.or([eb('voting_opens', 'is', null), eb('voting_opens', '<=', now)]))
    .where((eb) => eb.or([eb('voting_closes', 'is', null), eb('voting_closes', '>', now)]));
  if (dialect === 'postgres') q = q.forShare();
  return sql<boolean>`exists ${q}`;
}

/**
 * SQL condition: the nominee is listed (accepted, consenting where asked) in this category. On PostgreSQL the
 * nominee row is read FOR SHARE, so a ballot and a withdrawal (which voids the nominee's ballots) serialize.
 */
export function nomineeListed(db: Kysely<Database>, dialect: Dialect, categoryId: string, nomineeId: string) {
  let q = db
    .selectFrom('nominees')
    .select(sql`1`.as('one'))
    .where('id', '=', nomineeId)
    .where('category_id', '=', categoryId)
    .where('status', '=', 'accepted')
    .where('consent', 'in', ['not-asked', 'given']);
  if (dialect === 'postgres') q = q.forShare();
  return sql<boolean>`exists ${q}`;
}

export interface NewBallot {
  tracker: string;
  ceremonyId: string;
  categoryId: string;
  nomineeId: string;
}

/**
 * The ballot insert, guarded: its nominee column is NULL unless `condition` holds, so a false condition fails the
 * NOT NULL constraint and the database rolls back the whole batch (the mark with it).
 */
export function insertBallotGuarded(
  db: Kysely<Database>,
  ballot: NewBallot,
  condition: RawBuilder<boolean>,
): Compilable {
  return db.insertInto('ballots').values({
    tracker: ballot.tracker,
    ceremony_id: ballot.ceremonyId,
    category_id: ballot.categoryId,
    nominee_id: sql<string>`(select cast(${ballot.nomineeId} as text) where ${condition})`,
    status: 'counted',
    batch: null,
    reason: null,
  });
}

/** Conditions joined with AND, for one guard. */
export function sqlAnd(...conditions: RawBuilder<boolean>[]): RawBuilder<boolean> {
  return conditions.reduce((a, b) => sql<boolean>`(${a} and ${b})`);
}

/**
 * A person's first ballot in a category, prepared once (src/store/prepared.ts): the mark, then the ballot guarded
 * by "voting is open and the nominee listed". The vote's most frequent statements.
 */
export const firstBallot = {
  mark: prepared<Store, { ceremonyId: string; categoryId: string; personKey: string; sealed: string }>((store, v) =>
    insertMark(store.db, v.ceremonyId, v.categoryId, v.personKey, v.sealed),
  ),
  ballot: prepared<Store, NewBallot>((store, v) =>
    insertBallotGuarded(
      store.db,
      v,
      sqlAnd(
        votingOpen(store.db, store.dialect, v.ceremonyId, store.now()),
        nomineeListed(store.db, store.dialect, v.categoryId, v.nomineeId),
      ),
    ),
  ),
};

/** A ballot's network signals (every new ballot, first or superseding), prepared once. */
export const insertSignals = prepared<Store, { tracker: string; ceremonyId: string; network: string; agent: string }>(
  (store, v) =>
    store.db
      .insertInto('ballot_signals')
      .values({ tracker: v.tracker, ceremony_id: v.ceremonyId, network: v.network, agent: v.agent }),
);

export function insertMark(
  db: Kysely<Database>,
  ceremonyId: string,
  categoryId: string,
  personKey: string,
  sealed: string,
) {
  return db
    .insertInto('marks')
    .values({ ceremony_id: ceremonyId, category_id: categoryId, person_key: personKey, sealed_tracker: sealed });
}

/** Moves a mark from one sealed tracker to the next; touches nothing if another ballot got there first. */
export function resealMark(
  db: Kysely<Database>,
  ceremonyId: string,
  categoryId: string,
  personKey: string,
  from: string,
  to: string,
) {
  return db
    .updateTable('marks')
    .set({ sealed_tracker: to })
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('person_key', '=', personKey)
    .where('sealed_tracker', '=', from);
}

/** SQL condition: the mark now holds this sealed tracker (true after our own reseal in the same batch). */
export function markHolds(
  db: Kysely<Database>,
  ceremonyId: string,
  categoryId: string,
  personKey: string,
  sealed: string,
) {
  return sql<boolean>`exists ${db
    .selectFrom('marks')
    .select(sql`1`.as('one'))
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('person_key', '=', personKey)
    .where('sealed_tracker', '=', sealed)}`;
}

export async function findMark(db: Kysely<Database>, ceremonyId: string, categoryId: string, personKey: string) {
  return db
    .selectFrom('marks')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('person_key', '=', personKey)
    .executeTakeFirst();
}

export async function marksOf(db: Kysely<Database>, ceremonyId: string, personKey: string) {
  return db
    .selectFrom('marks')
    .select('category_id')
    .where('ceremony_id', '=', ceremonyId)
    .where('person_key', '=', personKey)
    .execute();
}

export async function findBallot(db: Kysely<Database>, tracker: string) {
  return db.selectFrom('ballots').selectAll().where('tracker', '=', tracker).executeTakeFirst();
}

export function supersedeStatements(
  db: Kysely<Database>,
  ceremonyId: string,
  tracker: string,
  changeId: string,
): Compilable[] {
  return [
    db
      .updateTable('ballots')
      .set({ status: 'superseded' })
      .where('tracker', '=', tracker)
      .where('status', 'in', ['counted', 'flagged']),
    db
      .insertInto('ballot_changes')
      .values({ id: changeId, ceremony_id: ceremonyId, tracker, change: 'superseded', batch: null }),
  ];
}
