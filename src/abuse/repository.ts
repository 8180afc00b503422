/**
 * Every query of abuse control and review: rate-limit counters, network groups of ballots, status changes of
 * ballots made by organizers and by withdrawals, turnout, per-nominee counts and organizer finalists. Kysely only.
 */
import { type Compilable, type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema';

type Db = Kysely<Database>;

/** Bound parameters per `in (…)` list: D1 takes at most 100 per statement, and each statement has a few more. */
export const IN_CHUNK = 80;

/** Cuts a list into parts of at most `size` items (one `in (…)` list each). */
export function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rate-limit counters (rows of `throttles` under a limiter's prefix)

/** Takes one hit back from the current window of a key (never below zero). */
export async function decrementThrottle(db: Db, key: string, windowStart: number): Promise<void> {
  await db
    .updateTable('throttles')
    .set({ count: sql`count - 1` })
    .where('key', '=', key)
    .where('window_start', '=', windowStart)
    .where('count', '>', 0)
    .execute();
}

/** Forgets every window of a key. */
export async function resetThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', '=', key).execute();
}

/** Deletes the windows before `currentWindow` of keys under `prefix` (letters, digits, `-` and `:` only). */
export async function purgeThrottles(db: Db, prefix: string, currentWindow: number): Promise<void> {
  await db
    .deleteFrom('throttles')
    .where('key', 'like', `${prefix}%`)
    .where('window_start', '<', currentWindow)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------
// Network groups

/** Networks with at least `min` ballots (superseded ones aside), largest first. */
export async function largeNetworks(db: Db, ceremonyId: string, min: number, limit: number) {
  const rows = await db
    .selectFrom('ballot_signals as s')
    .innerJoin('ballots as b', 'b.tracker', 's.tracker')
    .select(['s.network', (eb) => eb.fn.countAll<number>().as('n')])
    .where('s.ceremony_id', '=', ceremonyId)
    .where('b.status', '!=', 'superseded')
    .groupBy('s.network')
    .having((eb) => eb.fn.countAll(), '>=', min)
    .orderBy('n', 'desc')
    .orderBy('s.network')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ network: r.network, ballots: Number(r.n) }));
}

/** Ballots of the given networks by agent, category and status (superseded ones aside). */
export async function networkBreakdown(db: Db, ceremonyId: string, networks: string[]) {
  const out: { network: string; agent: string; category: string; status: string; n: number }[] = [];
  for (const part of chunks(networks)) {
    const rows = await db
      .selectFrom('ballot_signals as s')
      .innerJoin('ballots as b', 'b.tracker', 's.tracker')
      .select(['s.network', 's.agent', 'b.category_id', 'b.status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('s.ceremony_id', '=', ceremonyId)
      .where('s.network', 'in', part)
      .where('b.status', '!=', 'superseded')
      .groupBy(['s.network', 's.agent', 'b.category_id', 'b.status'])
      .execute();
    for (const r of rows)
      out.push({ network: r.network, agent: r.agent, category: r.category_id, status: r.status, n: Number(r.n) });
  }
  return out;
}

/** The ballots (superseded ones aside) of the given networks, for organizers who asked for trackers. */
export async function networkBallots(db: Db, ceremonyId: string, networks: string[]) {
  const out: { network: string; agent: string; tracker: string; category: string; status: string }[] = [];
  for (const part of chunks(networks)) {
    const rows = await db
      .selectFrom('ballot_signals as s')
      .innerJoin('ballots as b', 'b.tracker', 's.tracker')
      .select(['s.network', 's.agent', 'b.tracker', 'b.category_id', 'b.status'])
      .where('s.ceremony_id', '=', ceremonyId)
      .where('s.network', 'in', part)
      .where('b.status', '!=', 'superseded')
      .orderBy('b.tracker')
      .execute();
    for (const r of rows)
      out.push({ network: r.network, agent: r.agent, tracker: r.tracker, category: r.category_id, status: r.status });
  }
  return out;
}

/** Trackers of one network (and agent) whose ballots have one of `statuses`. */
export async function trackersOfNetwork(
  db: Db,
  ceremonyId: string,
  network: string,
  agent: string | undefined,
  statuses: readonly string[],
): Promise<string[]> {
  let q = db
    .selectFrom('ballot_signals as s')
    .innerJoin('ballots as b', 'b.tracker', 's.tracker')
    .select('b.tracker')
    .where('s.ceremony_id', '=', ceremonyId)
    .where('s.network', '=', network)
    .where('b.status', 'in', statuses);
  if (agent !== undefined) q = q.where('s.agent', '=', agent);
  const rows = await q.orderBy('b.tracker').execute();
  return rows.map((r) => r.tracker);
}

// ---------------------------------------------------------------------------------------------------------------
// Ballots by tracker and their status changes

/** The ballots of this award among `trackers`, with whether a later ballot of the same voter replaced each. */
export async function ballotsByTracker(db: Db, ceremonyId: string, trackers: string[]) {
  const out: { tracker: string; category_id: string; nominee_id: string; status: string; replaced: boolean }[] = [];
  for (const part of chunks(trackers)) {
    const rows = await db
      .selectFrom('ballots as b')
      .select([
        'b.tracker',
        'b.category_id',
        'b.nominee_id',
        'b.status',
        // A later ballot of the same voter replaced this one (last-counts), even if it was voided then.
        (eb) =>
          eb
            .exists(
              eb
                .selectFrom('ballot_changes as ch')
                .select(sql`1`.as('one'))
                .whereRef('ch.tracker', '=', 'b.tracker')
                .where('ch.change', '=', 'superseded'),
            )
            .as('replaced'),
      ])
      .where('b.ceremony_id', '=', ceremonyId)
      .where('b.tracker', 'in', part)
      .execute();
    for (const r of rows) out.push({ ...r, replaced: !!r.replaced });
  }
  return out;
}

export interface StatusChange {
  ceremonyId: string;
  /** Distinct trackers, every one of this award and now in one of `from`. */
  trackers: string[];
  from: readonly string[];
  to: 'counted' | 'flagged' | 'voided';
  /** The ballot's reason column after the change (the reason code of a void; null otherwise). */
  reason: string | null;
  change: 'flagged' | 'voided' | 'restored';
  /** Prefix of this action's `ballot_changes` ids (`<prefix>-<tracker>`). */
  actionId: string;
}

/**
 * The statements of one status change of a fixed set of ballots, for one atomic batch: per chunk of trackers a
 * `ballot_changes` row for each ballot still in `from`, then the update; last a guard that fails the batch (a
 * NOT NULL violation on `ceremonies.updated_at`) unless exactly the expected ballots changed, so a ballot that a
 * voter or another organizer changed meanwhile makes the whole change a conflict instead of a silent partial one.
 */
export function statusChangeStatements(db: Db, s: StatusChange): Compilable[] {
  const statements: Compilable[] = [];
  const prefix = `${s.actionId}-`;
  for (const part of chunks(s.trackers)) {
    let eligible = db
      .selectFrom('ballots as b')
      .select([
        sql<string>`cast(${prefix} as text) || b.tracker`.as('id'),
        'b.ceremony_id',
        'b.tracker',
        sql<string>`cast(${s.change} as text)`.as('change'),
      ])
      .where('b.ceremony_id', '=', s.ceremonyId)
      .where('b.tracker', 'in', part)
      .where('b.status', 'in', s.from);
    // A restore must not bring back a ballot that a later one of the same voter replaced (last-counts).
    if (s.change === 'restored')
      eligible = eligible.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('ballot_changes as r')
              .select(sql`1`.as('one'))
              .whereRef('r.tracker', '=', 'b.tracker')
              .where('r.change', '=', 'superseded'),
          ),
        ),
      );
    statements.push(
      db.insertInto('ballot_changes').columns(['id', 'ceremony_id', 'tracker', 'change']).expression(eligible),
      db
        .updateTable('ballots')
        .set({ status: s.to, reason: s.reason })
        .where('ceremony_id', '=', s.ceremonyId)
        .where('tracker', 'in', part)
        .where('status', 'in', s.from)
        .where('tracker', 'in', (eb) =>
          eb
            .selectFrom('ballot_changes')
            .select('tracker')
            .where('ceremony_id', '=', s.ceremonyId)
            .where('batch', 'is', null)
            .where(sql<boolean>`substr(id, 1, ${prefix.length}) = ${prefix}`),
        ),
    );
  }
  const changed = db
    .selectFrom('ballot_changes as ch')
    .innerJoin('ballots as b', 'b.tracker', 'ch.tracker')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ch.ceremony_id', '=', s.ceremonyId)
    .where('ch.batch', 'is', null)
    .where(sql<boolean>`substr(ch.id, 1, ${prefix.length}) = ${prefix}`)
    .where('b.status', '=', s.to);
  statements.push(
    db
      .updateTable('ceremonies')
      .set({
        updated_at: sql<number>`case when (${changed}) = ${s.trackers.length} then updated_at else null end`,
      })
      .where('id', '=', s.ceremonyId),
  );
  return statements;
}

/**
 * A withdrawn nominee's counted and flagged ballots voided with reason `nominee-withdrawn`, and a `voided`
 * change for each. The update goes first, so a ballot that committed before it is caught by both statements;
 * the reason code is the system's own (organizers cannot give it), so the second statement finds exactly these.
 */
export function voidNomineeStatements(db: Db, ceremonyId: string, nomineeId: string, actionId: string): Compilable[] {
  return [
    db
      .updateTable('ballots')
      .set({ status: 'voided', reason: 'nominee-withdrawn' })
      .where('ceremony_id', '=', ceremonyId)
      .where('nominee_id', '=', nomineeId)
      .where('status', 'in', ['counted', 'flagged']),
    db
      .insertInto('ballot_changes')
      .columns(['id', 'ceremony_id', 'tracker', 'change'])
      .expression(
        db
          .selectFrom('ballots')
          .select([
            sql<string>`cast(${`${actionId}-`} as text) || tracker`.as('id'),
            'ceremony_id',
            'tracker',
            sql<string>`cast(${'voided'} as text)`.as('change'),
          ])
          .where('ceremony_id', '=', ceremonyId)
          .where('nominee_id', '=', nomineeId)
          .where('status', '=', 'voided')
          .where('reason', '=', 'nominee-withdrawn'),
      ),
  ];
}

/** Trackers of a nominee's ballots that count now (counted or flagged). */
export async function countedTrackersOfNominee(db: Db, ceremonyId: string, nomineeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ballots')
    .select('tracker')
    .where('ceremony_id', '=', ceremonyId)
    .where('nominee_id', '=', nomineeId)
    .where('status', 'in', ['counted', 'flagged'])
    .execute();
  return rows.map((r) => r.tracker);
}

/** Marks of a category that still hold a sealed tracker (voting not closed yet). */
export async function sealedMarks(db: Db, ceremonyId: string, categoryId: string) {
  return db
    .selectFrom('marks')
    .select(['person_key', 'sealed_tracker'])
    .where('ceremony_id', '=', ceremonyId)
    .where('category_id', '=', categoryId)
    .where('sealed_tracker', 'is not', null)
    .execute();
}

/** Deletes the marks holding exactly these sealed trackers (a mark resealed meanwhile stays). */
export function deleteMarksStatements(db: Db, ceremonyId: string, categoryId: string, sealed: string[]): Compilable[] {
  return chunks(sealed).map((part) =>
    db
      .deleteFrom('marks')
      .where('ceremony_id', '=', ceremonyId)
      .where('category_id', '=', categoryId)
      .where('sealed_tracker', 'in', part),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Turnout and counts

/** Ballots per category and status. */
export async function ballotsByCategoryAndStatus(db: Db, ceremonyId: string) {
  const rows = await db
    .selectFrom('ballots')
    .select(['category_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .groupBy(['category_id', 'status'])
    .execute();
  return rows.map((r) => ({ category: r.category_id, status: r.status, n: Number(r.n) }));
}

/** Marks (people who hold a vote) per category. */
export async function marksByCategory(db: Db, ceremonyId: string) {
  const rows = await db
    .selectFrom('marks')
    .select(['category_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .groupBy('category_id')
    .execute();
  return rows.map((r) => ({ category: r.category_id, n: Number(r.n) }));
}

/** Ballots per checkpoint batch (null: not checkpointed yet) and category. */
export async function ballotsByBatch(db: Db, ceremonyId: string) {
  const rows = await db
    .selectFrom('ballots')
    .select(['batch', 'category_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .groupBy(['batch', 'category_id'])
    .execute();
  return rows.map((r) => ({
    batch: r.batch === null ? null : Number(r.batch),
    category: r.category_id,
    n: Number(r.n),
  }));
}

/** Checkpoints with the time of their event (the only times the vote has). */
export async function checkpointTimes(db: Db, ceremonyId: string) {
  const [checkpoints, events] = await Promise.all([
    db.selectFrom('checkpoints').selectAll().where('ceremony_id', '=', ceremonyId).orderBy('batch').execute(),
    db
      .selectFrom('events')
      .select(['at', 'body'])
      .where('chain', '=', ceremonyId)
      .where('type', '=', 'ballots.checkpoint')
      .execute(),
  ]);
  const at = new Map<number, number>();
  for (const e of events) {
    const batch = (JSON.parse(e.body) as { payload?: { batch?: number } }).payload?.batch;
    if (typeof batch === 'number') at.set(batch, Number(e.at));
  }
  return checkpoints.map((c) => ({
    batch: Number(c.batch),
    treeSize: Number(c.tree_size),
    closing: c.closing === 1,
    at: at.get(Number(c.batch)) ?? null,
  }));
}

/** Counted, flagged and voided ballots per nominee. */
export async function ballotsByNominee(db: Db, ceremonyId: string) {
  const rows = await db
    .selectFrom('ballots')
    .select(['category_id', 'nominee_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .where('status', 'in', ['counted', 'flagged', 'voided'])
    .groupBy(['category_id', 'nominee_id', 'status'])
    .execute();
  return rows.map((r) => ({ category: r.category_id, nominee: r.nominee_id, status: r.status, n: Number(r.n) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Finalists

/** The finalists table of an award (or of one category), in order. */
export async function finalistRows(db: Db, ceremonyId: string, categoryId?: string) {
  let q = db.selectFrom('finalists').selectAll().where('ceremony_id', '=', ceremonyId);
  if (categoryId) q = q.where('category_id', '=', categoryId);
  return q.orderBy('category_id').orderBy('position').execute();
}

/** SQL condition: no finalist event (picks, wildcards, the close) was appended to the award's chain after `seq`. */
export function noFinalistEventSince(db: Db, ceremonyId: string, seq: number) {
  return sql<boolean>`not exists ${db
    .selectFrom('events')
    .select(sql`1`.as('one'))
    .where('chain', '=', ceremonyId)
    .where('seq', '>', seq)
    .where('type', 'like', 'finalists.%')}`;
}

/** A wildcard, placed after every finalist of its category. */
export function insertWildcard(
  db: Db,
  row: { ceremonyId: string; categoryId: string; nomineeId: string; reason: string },
): Compilable {
  return db.insertInto('finalists').values({
    ceremony_id: row.ceremonyId,
    category_id: row.categoryId,
    nominee_id: row.nomineeId,
    position: sql<number>`(select coalesce(max(f.position), -1) + 1 from finalists f where f.ceremony_id = ${row.ceremonyId} and f.category_id = ${row.categoryId})`,
    why: 'wildcard',
    reason: row.reason,
  });
}

/**
 * Organizer picks of a category replace the earlier picks (and wildcards of the same nominees, which rule 2 would
 * skip): picks at positions 0…n-1, the remaining wildcards after them in their order.
 */
export function replacePicksStatements(
  db: Db,
  ceremonyId: string,
  categoryId: string,
  picks: string[],
  wildcardsAfter: string[],
): Compilable[] {
  const statements: Compilable[] = [
    db
      .deleteFrom('finalists')
      .where('ceremony_id', '=', ceremonyId)
      .where('category_id', '=', categoryId)
      .where((eb) => eb.or([eb('why', '=', 'organizer'), ...(picks.length ? [eb('nominee_id', 'in', picks)] : [])])),
  ];
  for (const part of chunks(
    picks.map((nominee, position) => ({ nominee, position })),
    14,
  ))
    statements.push(
      db.insertInto('finalists').values(
        part.map((p) => ({
          ceremony_id: ceremonyId,
          category_id: categoryId,
          nominee_id: p.nominee,
          position: p.position,
          why: 'organizer',
          reason: null,
        })),
      ),
    );
  wildcardsAfter.forEach((nominee, i) =>
    statements.push(
      db
        .updateTable('finalists')
        .set({ position: picks.length + i })
        .where('ceremony_id', '=', ceremonyId)
        .where('category_id', '=', categoryId)
        .where('nominee_id', '=', nominee),
    ),
  );
  return statements;
}
