/** Every query of jurors, their sheets and conflicts: Kysely only. Statements are run by the service's batches. */
import { type Compilable, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, JurorRow } from '../../db/schema';

type Db = Kysely<Database>;

export const jurorParty = (jurorId: string) => `juror:${jurorId}`;
export const institutionParty = (institutionId: string) => `institution:${institutionId}`;

export async function jurorsOf(db: Db, ceremonyId: string): Promise<JurorRow[]> {
  return db
    .selectFrom('jurors')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('created_at')
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export async function findJuror(db: Db, ceremonyId: string, idOrPseudonym: string): Promise<JurorRow | undefined> {
  return db
    .selectFrom('jurors')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .where((eb) => eb.or([eb('id', '=', idOrPseudonym), eb('pseudonym', '=', idOrPseudonym)]))
    .executeTakeFirst();
}

export async function jurorsByEmail(db: Db, ceremonyId: string, email: string): Promise<JurorRow[]> {
  return db.selectFrom('jurors').selectAll().where('ceremony_id', '=', ceremonyId).where('email', '=', email).execute();
}

export async function assignmentsOf(db: Db, ceremonyId: string, jurorId?: string) {
  let q = db.selectFrom('jury_assignments').selectAll().where('ceremony_id', '=', ceremonyId);
  if (jurorId) q = q.where('juror_id', '=', jurorId);
  return q.orderBy('juror_id').orderBy('category_id').execute();
}

export async function conflictsOf(db: Db, ceremonyId: string) {
  return db
    .selectFrom('jury_conflicts')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('nominee_id')
    .orderBy('party')
    .execute();
}

export async function scoresOf(db: Db, ceremonyId: string, jurorId?: string) {
  let q = db.selectFrom('jury_scores').selectAll().where('ceremony_id', '=', ceremonyId);
  if (jurorId) q = q.where('juror_id', '=', jurorId);
  return q.orderBy('juror_id').orderBy('nominee_id').execute();
}

export async function rankingsOf(db: Db, ceremonyId: string, jurorId?: string) {
  let q = db.selectFrom('jury_rankings').selectAll().where('ceremony_id', '=', ceremonyId);
  if (jurorId) q = q.where('juror_id', '=', jurorId);
  return q.orderBy('juror_id').orderBy('category_id').execute();
}

/** SQL condition: the award is judging and the database clock is before the end of judging. */
export function judgingOpen(db: Db, ceremonyId: string, now: RawBuilder<number>) {
  return sql<boolean>`exists ${db
    .selectFrom('ceremonies')
    .select(sql`1`.as('one'))
    .where('id', '=', ceremonyId)
    .where('phase', '=', 'judging')
    .where((eb) => eb.or([eb('judging_closes', 'is', null), eb('judging_closes', '>', now)]))}`;
}

/** SQL condition: the juror's sheet of the category is in this state. */
export function assignmentIs(
  db: Db,
  jurorId: string,
  categoryId: string,
  state: { declared?: boolean; submitted?: boolean },
) {
  let q = db
    .selectFrom('jury_assignments')
    .select(sql`1`.as('one'))
    .where('juror_id', '=', jurorId)
    .where('category_id', '=', categoryId);
  if (state.declared !== undefined) q = q.where('declared', '=', state.declared ? 1 : 0);
  if (state.submitted !== undefined) q = q.where('submitted', '=', state.submitted ? 1 : 0);
  return sql<boolean>`exists ${q}`;
}

/** SQL condition: no assignment of the juror has been declared yet (the juror has not started). */
export function jurorNotStarted(db: Db, jurorId: string) {
  return sql<boolean>`not exists ${db
    .selectFrom('jury_assignments')
    .select(sql`1`.as('one'))
    .where('juror_id', '=', jurorId)
    .where('declared', '=', 1)}`;
}

/**
 * SQL condition: each of `nominees` is a finalist of the category still in the running (accepted) and neither the
 * juror nor its institution is in conflict with it.
 */
export function eligibleFinalists(
  db: Db,
  juror: Pick<JurorRow, 'id' | 'ceremony_id' | 'institution_id'>,
  categoryId: string,
  nominees: readonly string[],
) {
  const finalists = db
    .selectFrom('finalists')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ceremony_id', '=', juror.ceremony_id)
    .where('category_id', '=', categoryId)
    .where('nominee_id', 'in', nominees)
    .where('nominee_id', 'in', db.selectFrom('nominees').select('id').where('status', '=', 'accepted'));
  const conflicted = db
    .selectFrom('jury_conflicts')
    .select(sql`1`.as('one'))
    .where('ceremony_id', '=', juror.ceremony_id)
    .where('nominee_id', 'in', nominees)
    .where('party', 'in', [jurorParty(juror.id), institutionParty(juror.institution_id)]);
  return sql<boolean>`((${finalists}) = ${nominees.length} and not exists ${conflicted})`;
}

/**
 * SQL condition: nothing that decides which finalists a juror may judge (finalists, conflicts, withdrawals) has
 * changed since event `seq`: a sheet checked for completeness against that state stays complete.
 */
export function eligibilityUnchangedSince(db: Db, ceremonyId: string, seq: number) {
  return sql<boolean>`not exists ${db
    .selectFrom('events')
    .select(sql`1`.as('one'))
    .where('chain', '=', ceremonyId)
    .where('seq', '>', seq)
    .where((eb) =>
      eb.or([
        eb('type', 'like', 'finalists.%'),
        eb('type', 'like', 'jury.conflict%'),
        eb('type', '=', 'nominee.withdrawn'),
      ]),
    )}`;
}

export function insertJurorStatements(db: Db, juror: JurorRow, categoryIds: readonly string[]): Compilable[] {
  return [
    db.insertInto('jurors').values(juror),
    ...(categoryIds.length
      ? [
          db
            .insertInto('jury_assignments')
            .values(
              categoryIds.map((category_id) => ({ juror_id: juror.id, category_id, ceremony_id: juror.ceremony_id })),
            ),
        ]
      : []),
  ];
}

export function setInvitation(db: Db, jurorId: string, jti: string | null): Compilable {
  return db.updateTable('jurors').set({ invitation: jti }).where('id', '=', jurorId);
}

/** Conflicts of one party with several nominees; ones that exist already are left as they are. */
export function insertConflicts(
  db: Db,
  ceremonyId: string,
  party: { juror: string } | { institution: string },
  nominees: readonly string[],
  declaredBy: 'juror' | 'organizer',
): Compilable[] {
  if (nominees.length === 0) return [];
  const who =
    'juror' in party
      ? { party: jurorParty(party.juror), juror_id: party.juror, institution_id: null }
      : { party: institutionParty(party.institution), juror_id: null, institution_id: party.institution };
  return [
    db
      .insertInto('jury_conflicts')
      .values(nominees.map((nominee_id) => ({ ceremony_id: ceremonyId, nominee_id, declared_by: declaredBy, ...who })))
      .onConflict((oc) => oc.columns(['ceremony_id', 'nominee_id', 'party']).doNothing()),
  ];
}

export function markAssignment(db: Db, jurorId: string, categoryId: string, set: { declared?: 1; submitted?: 1 }) {
  return db
    .updateTable('jury_assignments')
    .set(set)
    .where('juror_id', '=', jurorId)
    .where('category_id', '=', categoryId);
}

export function upsertScores(
  db: Db,
  row: { juror_id: string; nominee_id: string; category_id: string; ceremony_id: string; scores: string },
): Compilable {
  return db
    .insertInto('jury_scores')
    .values(row)
    .onConflict((oc) => oc.columns(['juror_id', 'nominee_id']).doUpdateSet({ scores: row.scores }));
}

export function upsertRanking(
  db: Db,
  row: { juror_id: string; category_id: string; ceremony_id: string; ranking: string },
): Compilable {
  return db
    .insertInto('jury_rankings')
    .values(row)
    .onConflict((oc) => oc.columns(['juror_id', 'category_id']).doUpdateSet({ ranking: row.ranking }));
}

export function updateJurorStatement(
  db: Db,
  jurorId: string,
  set: Partial<Pick<JurorRow, 'name' | 'email' | 'weight' | 'institution_id'>>,
): Compilable {
  return db.updateTable('jurors').set(set).where('id', '=', jurorId);
}

/** Removes assignments that were not declared yet (a declared sheet is never taken from a juror). */
export function removeAssignments(db: Db, jurorId: string, categoryIds: readonly string[]): Compilable[] {
  if (categoryIds.length === 0) return [];
  return [
    db
      .deleteFrom('jury_assignments')
      .where('juror_id', '=', jurorId)
      .where('category_id', 'in', categoryIds)
      .where('declared', '=', 0),
  ];
}

/** SQL condition: none of these assignments of the juror has been declared. */
export function assignmentsUndeclared(db: Db, jurorId: string, categoryIds: readonly string[]) {
  if (categoryIds.length === 0) return sql<boolean>`1 = 1`;
  return sql<boolean>`not exists ${db
    .selectFrom('jury_assignments')
    .select(sql`1`.as('one'))
    .where('juror_id', '=', jurorId)
    .where('category_id', 'in', categoryIds)
    .where('declared', '=', 1)}`;
}
