/**
 * Closing the vote, after the award has moved out of `voting` (by hand or by schedule; from then on the database
 * refuses ballots): the closing checkpoint, then the finalists by the rules, stored with why, in one batch with
 * their event and the destruction of the seal key (after which nothing links a mark to a ballot). Each step can
 * be run again: the scheduler finishes a close that a crash interrupted.
 */
import { type Compilable, sql } from 'kysely';
import { chainHead, commitChange } from '../audit/log';
import { finalistRows, noFinalistEventSince } from '../abuse/repository';
import { loadAwardRows } from '../ceremonies/repository';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { computeFinalists } from '../tally';
import type { FinalistsResult } from '../tally/types';
import { chunkedInsert } from '../store/chunks';
import type { Store } from '../store/store';
import { voterCodePurpose } from '../identity/verify';
import { destroyKeyStatement } from './keys';
import { lotSecretHex, namedFinalists, tallyCategories, voteCounts } from './tally-input';
import { checkpointDue, lastCheckpoint, writeCheckpoint } from './checkpoint';
import { parsedOnce, rulesOf } from '../ceremonies/model';

/** Phases after the vote: an award there with frozen rules and no closing checkpoint has a close to finish. */
export const AFTER_VOTE = ['judging', 'finalized', 'announced', 'amended'];

export async function finishClose(deps: AppDeps, ceremonyId: string): Promise<FinalistsResult | null> {
  const award = await loadAwardRows(deps.store.db, ceremonyId);
  if (!award || !AFTER_VOTE.includes(award.ceremony.phase) || !award.ceremony.rules_hash) return null;
  let closing = await lastCheckpoint(deps.store, ceremonyId);
  if (!closing?.closing) {
    await writeCheckpoint(deps, ceremonyId, { closing: true });
    closing = await lastCheckpoint(deps.store, ceremonyId);
    if (!closing?.closing) return null;
  }
  const { db } = deps.store;
  // Organizer picks and wildcards named before the close are the only rows until the close writes the list;
  // the head is read first, so a finalist event after it shows as a change since (see the precondition).
  const head = await chainHead(db, ceremonyId);
  const named = await finalistRows(db, ceremonyId);
  const already = named.filter((r) => r.why !== 'organizer' && r.why !== 'wildcard');
  const sealed = await db
    .selectFrom('ceremony_keys')
    .select('purpose')
    .where('ceremony_id', '=', ceremonyId)
    .where('purpose', '=', 'seal')
    .executeTakeFirst();
  if (already.length > 0 || !sealed) return null;

  const rules = rulesOf(award);
  const lotSecret = await lotSecretHex(deps, award);
  const result = await computeFinalists({
    rules: { finalists: rules.finalists },
    lotSecret,
    closingRoot: closing.root,
    categories: tallyCategories(award),
    ballots: await voteCounts(db, award),
    ...namedFinalists(award, named, (why) => why === 'organizer'),
  });
  const flagged = (
    await db
      .selectFrom('ballots')
      .select('tracker')
      .where('ceremony_id', '=', ceremonyId)
      .where('status', '=', 'flagged')
      .orderBy('tracker')
      .execute()
  ).map((r) => r.tracker);
  const wildcardReason = new Map(named.filter((r) => r.why === 'wildcard').map((r) => [r.nominee_id, r.reason]));
  const rows = result.categories.flatMap((cat) =>
    cat.finalists.map((f, position) => ({
      ceremony_id: ceremonyId,
      category_id: cat.id,
      nominee_id: f.nominee,
      position,
      why: f.why,
      reason: f.why === 'wildcard' ? (wildcardReason.get(f.nominee) ?? null) : null,
    })),
  );
  try {
    await commitChange(deps.store, deps.clock, {
      chain: ceremonyId,
      event: {
        actor: 'system',
        type: 'finalists.computed',
        payload: {
          mode: rules.finalists.mode,
          closingBatch: closing.batch,
          categories: result.categories.map((cat) => ({
            category: cat.id,
            finalists: cat.finalists.map((f) => ({ nominee: f.nominee, why: f.why })),
          })),
          tieBreaks: result.tieBreaks as unknown as Record<string, unknown>[],
          // The flags are frozen at close and published here: the ballots that count but are suspect.
          flagged,
          sealKeyDestroyed: true,
        },
      },
      // Not closed yet (the seal key goes in this batch), and no pick or wildcard since the rows were read.
      precondition: sql<boolean>`(exists ${db
        .selectFrom('ceremony_keys')
        .select(sql`1`.as('one'))
        .where('ceremony_id', '=', ceremonyId)
        .where('purpose', '=', 'seal')} and ${noFinalistEventSince(db, ceremonyId, head?.seq ?? 0)})`,
      changes: [
        // The named rows are written again in their places in the whole list.
        db.deleteFrom('finalists').where('ceremony_id', '=', ceremonyId),
        ...chunkedInsert(db, 'finalists', rows),
        destroyKeyStatement(deps, ceremonyId, 'seal'),
        clearMarks(deps.store, ceremonyId),
        // When each voter's email code was made is of no use after the vote and would date their ballot.
        db.deleteFrom('login_codes').where('purpose', '=', voterCodePurpose(ceremonyId)),
      ],
    });
  } catch (err) {
    // A pick or wildcard landed meanwhile, or another server closed first: the next tick finishes the close.
    if (err instanceof ApiError && err.code === 'conflict') return null;
    throw err;
  }
  return result;
}

/**
 * The sealed trackers are unreadable once the seal key is gone: cleared, the marks say only who voted. On SQLite and
 * D1 the same statement moves the award's marks to the end of the table in key order (new rowids past the
 * largest): until now a mark's rowid followed its ballot's arrival, which dated the vote of its person and lined
 * the mark up with its ballot (docs/security.md, "Order of rows").
 */
function clearMarks(store: Store, ceremonyId: string): Compilable {
  const { db } = store;
  if (store.dialect === 'postgres')
    return db.updateTable('marks').set({ sealed_tracker: null }).where('ceremony_id', '=', ceremonyId);
  const query = sql`update marks set sealed_tracker = null, rowid = moved.place from (${db
    .selectFrom('marks')
    .select([
      'category_id',
      'person_key',
      sql<number>`(select max(rowid) from marks) + row_number() over (order by category_id, person_key)`.as('place'),
    ])
    .where('ceremony_id', '=', ceremonyId)}) as moved where marks.ceremony_id = ${ceremonyId}
    and marks.category_id = moved.category_id and marks.person_key = moved.person_key`.compile(db);
  return { compile: () => query };
}

/** Periodic work of the vote: checkpoints when due, and closes to finish. Run by the server's timer and the cron. */
export async function ballotsTick(deps: AppDeps): Promise<void> {
  const { db } = deps.store;
  const awards = await db
    .selectFrom('ceremonies')
    .select(['id', 'phase', 'rules', 'rules_hash', 'voting_opens'])
    .where('rules_hash', 'is not', null)
    .where('phase', 'in', ['voting', ...AFTER_VOTE])
    .execute();
  for (const award of awards) {
    if (award.phase === 'voting') {
      const rules = parsedOnce<Rules>(award.rules);
      const last = await db
        .selectFrom('events')
        .select('at')
        .where('chain', '=', award.id)
        .where('type', '=', 'ballots.checkpoint')
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      // Without a checkpoint yet, the time counts from the opening of the vote.
      if (await checkpointDue(deps, award.id, rules, last?.at ?? award.voting_opens))
        await writeCheckpoint(deps, award.id);
    } else {
      await finishClose(deps, award.id);
    }
  }
}
