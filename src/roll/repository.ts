/** Every query of the invited roll and its single-use codes: Kysely only. */
import { type Compilable, type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema';
import { chunkedInsert } from '../store/chunks';

/** D1 binds at most 100 parameters per statement; lists in `IN (…)` leave room for the other parameters. */
const KEYS_PER_STATEMENT = 95;
/** Columns of a roll_entries row: ceremony_id, person_key, created_at. */
const ENTRIES_PER_STATEMENT = Math.floor(100 / 3);

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** People on the award's roll. */
export async function rollSize(db: Kysely<Database>, ceremonyId: string): Promise<number> {
  const row = await db
    .selectFrom('roll_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ceremony_id', '=', ceremonyId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * SQL condition: the roll still has `size` people. Entries are only ever added, so an unchanged size means an
 * unchanged roll: the guard that makes "who is new" read before the batch still true inside it.
 */
export function rollSizeIs(db: Kysely<Database>, ceremonyId: string, size: number) {
  const count = db
    .selectFrom('roll_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('ceremony_id', '=', ceremonyId);
  return sql<boolean>`(${count}) = ${size}`;
}

/** Which of these person keys are on the award's roll already. */
export async function keysOnRoll(db: Kysely<Database>, ceremonyId: string, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(keys, KEYS_PER_STATEMENT)) {
    const rows = await db
      .selectFrom('roll_entries')
      .select('person_key')
      .where('ceremony_id', '=', ceremonyId)
      .where('person_key', 'in', part)
      .execute();
    for (const r of rows) found.add(r.person_key);
  }
  return found;
}

/** Inserts of roll entries, cut to D1's parameter limit; a person on the roll already is left as they are. */
export function insertEntries(db: Kysely<Database>, ceremonyId: string, keys: string[], now: number): Compilable[] {
  return chunks(keys, ENTRIES_PER_STATEMENT).map((part) =>
    db
      .insertInto('roll_entries')
      .values(part.map((person_key) => ({ ceremony_id: ceremonyId, person_key, created_at: now })))
      .onConflict((oc) => oc.columns(['ceremony_id', 'person_key']).doNothing()),
  );
}

export interface NewRollCode {
  codeHash: string;
  personKey: string;
}

/** Inserts of code rows (hashes only), cut to D1's parameter limit. */
export function insertCodes(db: Kysely<Database>, ceremonyId: string, codes: NewRollCode[], now: number) {
  return chunkedInsert(
    db,
    'roll_codes',
    codes.map((c) => ({ code_hash: c.codeHash, ceremony_id: ceremonyId, person_key: c.personKey, created_at: now })),
  );
}

/** Deletes the unused codes of these people: a re-issued code replaces the ones before it. Used codes stay. */
export function dropUnusedCodes(db: Kysely<Database>, ceremonyId: string, keys: string[]): Compilable[] {
  return chunks(keys, KEYS_PER_STATEMENT).map((part) =>
    db
      .deleteFrom('roll_codes')
      .where('ceremony_id', '=', ceremonyId)
      .where('used', '=', 0)
      .where('person_key', 'in', part),
  );
}

/**
 * Spends a code: one guarded update from unused to used. Of two requests racing with the same code exactly
 * one gets the person key back; the other gets undefined.
 */
export async function spendCode(
  db: Kysely<Database>,
  ceremonyId: string,
  codeHash: string,
): Promise<string | undefined> {
  const row = await db
    .updateTable('roll_codes')
    .set({ used: 1 })
    .where('code_hash', '=', codeHash)
    .where('ceremony_id', '=', ceremonyId)
    .where('used', '=', 0)
    .returning('person_key')
    .executeTakeFirst();
  return row?.person_key;
}

/** Whether a code exists for the award (used or not): tells a replay from a wrong code. */
export async function codeExists(db: Kysely<Database>, ceremonyId: string, codeHash: string): Promise<boolean> {
  const row = await db
    .selectFrom('roll_codes')
    .select('used')
    .where('code_hash', '=', codeHash)
    .where('ceremony_id', '=', ceremonyId)
    .executeTakeFirst();
  return !!row;
}

export interface RollCounts {
  onRoll: number;
  codesIssued: number;
  codesUsed: number;
}

export async function rollCounts(db: Kysely<Database>, ceremonyId: string): Promise<RollCounts> {
  const codes = await db
    .selectFrom('roll_codes')
    .select((eb) => [
      eb.fn.countAll<number>().as('issued'),
      eb.fn.sum<number>(eb.case().when('used', '=', 1).then(1).else(0).end()).as('used'),
    ])
    .where('ceremony_id', '=', ceremonyId)
    .executeTakeFirst();
  return {
    onRoll: await rollSize(db, ceremonyId),
    codesIssued: Number(codes?.issued ?? 0),
    codesUsed: Number(codes?.used ?? 0),
  };
}
