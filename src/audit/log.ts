/**
 * Writing the event log. Every state change appends its event in the same atomic batch as the change, guarded
 * by the expected seq (the events primary key) and by the change's precondition. A batch that loses the race
 * for a seq is retried with jitter, at most 5 times, then the request gets 503.
 */
import { type Compilable, type CompiledQuery, type Expression, type SqlBool, sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database, EventRow } from '../../db/schema';
import { ApiError } from '../errors';
import { type ConstraintViolation, type Store, constraintViolation } from '../store/store';
import { GENESIS_PREV, type LoggedEvent, commitment, eventCanonical, eventHash, newSalt } from './chain';

/** The chain of site-wide changes (site organizers, bootstrap); each award has its own chain, named by its id. */
export const SITE_CHAIN = 'site';
/** Retries after the first attempt when another writer took the seq. */
export const MAX_RETRIES = 5;

export interface EventDraft {
  actor: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface ChangeSet {
  chain: string;
  event: EventDraft;
  /** Statements of the change itself, run after the event insert in the same batch. */
  changes?: (Compilable | CompiledQuery)[];
  /** A condition on the state before the change; when false the whole batch is refused. */
  precondition?: Expression<SqlBool>;
  /** The error for a false precondition (default: 409 conflict). */
  refused?: () => ApiError;
  /** Maps a constraint violation of the change (not of the event) to an error, e.g. a taken slug. */
  onViolation?: (violation: ConstraintViolation) => ApiError | undefined;
}

export interface Appended {
  seq: number;
  hash: string;
}

export type Clock = () => number;

export async function chainHead(db: Kysely<Database>, chain: string): Promise<Appended | undefined> {
  return db
    .selectFrom('events')
    .select(['seq', 'hash'])
    .where('chain', '=', chain)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Appends the event and applies the change atomically; see the module comment for the retry rule. */
/**
 * Changes this process has committed, per store: a reader that keeps what it read for a moment (the ballot route's
 * award read, src/ceremonies/service.ts openVoteAward) reads again once this moved, so a request that follows a
 * change made here sees it.
 */
const committed = new WeakMap<Store, number>();
export const committedChanges = (store: Store): number => committed.get(store) ?? 0;

export async function commitChange(store: Store, clock: Clock, change: ChangeSet): Promise<Appended> {
  for (let attempt = 1; ; attempt++) {
    const head = await chainHead(store.db, change.chain);
    const seq = (head?.seq ?? 0) + 1;
    const prev = head?.hash ?? GENESIS_PREV;
    const body = { seq, at: clock(), ...change.event };
    const hash = await eventHash(prev, body);
    // The precondition rides on the event row: when it is false the hash is NULL, the NOT NULL constraint
    // fails, and the database rolls the whole batch back. Portable to SQLite, PostgreSQL and D1 alike.
    const hashValue = change.precondition
      ? sql<string>`(select cast(${hash} as text) where ${change.precondition})`
      : hash;
    const insert = store.db.insertInto('events').values({
      chain: change.chain,
      seq,
      at: body.at,
      actor: body.actor,
      type: body.type,
      body: eventCanonical(body),
      prev,
      hash: hashValue,
    });
    try {
      await store.batch([insert, ...(change.changes ?? [])]);
      committed.set(store, committedChanges(store) + 1);
      return { seq, hash };
    } catch (err) {
      const violation = constraintViolation(err);
      if (!violation) throw err;
      const onEvents = violation.table === 'events' || violation.columns.includes('seq');
      if (onEvents && violation.kind === 'not-null' && violation.columns.includes('hash'))
        throw change.refused?.() ?? new ApiError('conflict', 'The state changed before this request could apply.');
      if (onEvents && violation.kind === 'unique') {
        if (attempt > MAX_RETRIES)
          throw new ApiError('busy', 'Too many changes to this award at once; nothing was changed. Try again.');
        await sleep(5 * 2 ** attempt + Math.random() * 20 * attempt);
        continue;
      }
      const mapped = change.onViolation?.(violation);
      if (mapped) throw mapped;
      throw err;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A salted commitment to a personal value for use in an event payload; the value and salt go to the erasable
 * `disclosures` table in the same batch.
 */
export async function disclose(
  store: Store,
  chain: string,
  value: string,
): Promise<{ commitment: string; statement: Compilable }> {
  const salt = newSalt();
  const c = await commitment(salt, value);
  return {
    commitment: c,
    statement: store.db.insertInto('disclosures').values({ commitment: c, chain, salt, value }),
  };
}

export function toLoggedEvent(row: EventRow): LoggedEvent {
  const body = JSON.parse(row.body) as Omit<LoggedEvent, 'prev' | 'hash'>;
  return { ...body, prev: row.prev, hash: row.hash };
}

export async function listEvents(
  db: Kysely<Database>,
  chain: string,
  { after = 0, limit = 1000 }: { after?: number; limit?: number } = {},
): Promise<LoggedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('chain', '=', chain)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toLoggedEvent);
}
