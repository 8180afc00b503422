/** Queries of organizers and their roles. */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';

/** ceremony_id of a site organizer's role: may create awards and act on all of them. */
export const SITE_ROLE = '*';

export async function findOrganizerByEmail(db: Kysely<Database>, email: string) {
  return db.selectFrom('organizers').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findOrganizer(db: Kysely<Database>, id: string) {
  return db.selectFrom('organizers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function rolesOf(db: Kysely<Database>, organizerId: string) {
  return db
    .selectFrom('organizer_roles')
    .select(['ceremony_id', 'pseudonym'])
    .where('organizer_id', '=', organizerId)
    .execute();
}

export async function organizersOf(db: Kysely<Database>, ceremonyId: string) {
  return db
    .selectFrom('organizer_roles')
    .innerJoin('organizers', 'organizers.id', 'organizer_roles.organizer_id')
    .select([
      'organizers.email',
      'organizer_roles.pseudonym',
      'organizer_roles.ceremony_id',
      'organizer_roles.created_at',
    ])
    .where('organizer_roles.ceremony_id', 'in', [ceremonyId, SITE_ROLE])
    .orderBy('organizer_roles.created_at')
    .execute();
}

export async function countOrganizers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('organizers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Inserts the organizer unless the address is known already (one statement, no read first). */
export function upsertOrganizerStatement(db: Kysely<Database>, id: string, email: string, now: number) {
  return db
    .insertInto('organizers')
    .values({ id, email, created_at: now })
    .onConflict((oc) => oc.column('email').doNothing());
}

/** Gives the organizer with this address a role, found by address inside the statement itself. */
export function grantRoleStatement(
  db: Kysely<Database>,
  email: string,
  ceremonyId: string,
  pseudonym: string,
  now: number,
) {
  return db
    .insertInto('organizer_roles')
    .columns(['organizer_id', 'ceremony_id', 'pseudonym', 'created_at'])
    .expression(
      db
        .selectFrom('organizers')
        .select([
          'id',
          sql<string>`cast(${ceremonyId} as text)`.as('ceremony_id'),
          sql<string>`cast(${pseudonym} as text)`.as('pseudonym'),
          sql<number>`cast(${now} as bigint)`.as('created_at'),
        ])
        .where('email', '=', email),
    );
}
