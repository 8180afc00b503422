/**
 * Closing the vote, after the award has moved out of `voting` (by hand or by schedule; from then on the database
 * refuses ballots): the closing checkpoint, then the finalists by the rules, stored with why, in one batch with
 * their event and the destruction of the seal key (after which nothing links a mark to a ballot). Each step can
 * be run again: the scheduler finishes a close that a crash interrupted.
 */
import { sql } from 'kysely';
import { bytesToHex } from '../audit/canonical';
import { commitChange } from '../audit/log';
import { loadAwardRows } from '../ceremonies/repository';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { computeFinalists } from '../tally';
import type { FinalistsResult } from '../tally/types';
import { chunkedInsert } from '../store/chunks';
import { destroyKeyStatement } from './keys';
import { checkpointDue, lastCheckpoint, writeCheckpoint } from './checkpoint';

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
  const already = await db
    .selectFrom('finalists')
    .select('nominee_id')
    .where('ceremony_id', '=', ceremonyId)
    .limit(1)
    .execute();
  const sealed = await db
    .selectFrom('ceremony_keys')
    .select('purpose')
    .where('ceremony_id', '=', ceremonyId)
    .where('purpose', '=', 'seal')
    .executeTakeFirst();
  if (already.length > 0 || !sealed) return null;

  const rules = JSON.parse(award.ceremony.rules) as Rules;
  const counts = await db
    .selectFrom('ballots')
    .select(['category_id', 'nominee_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('ceremony_id', '=', ceremonyId)
    .where('status', 'in', ['counted', 'flagged'])
    .groupBy(['category_id', 'nominee_id', 'status'])
    .execute();
  const lotSecret = bytesToHex(await deps.wrapper.unwrap('lot-secret', award.ceremony.lot_secret_wrapped!));
  const result = await computeFinalists({
    rules: { finalists: rules.finalists },
    lotSecret,
    closingRoot: closing.root,
    categories: award.categories.map((cat) => ({
      id: cat.id,
      nominees: award.nominees.filter((n) => n.category_id === cat.id && n.status === 'accepted').map((n) => n.id),
      ...(cat.k !== null ? { k: cat.k } : {}),
      winners: cat.winners,
    })),
    ballots: counts.map((r) => ({
      category: r.category_id,
      nominee: r.nominee_id,
      status: r.status as 'counted' | 'flagged',
      count: Number(r.n),
    })),
    wildcards: [],
    organizerFinalists: {},
  });
  const rows = result.categories.flatMap((cat) =>
    cat.finalists.map((f, position) => ({
      ceremony_id: ceremonyId,
      category_id: cat.id,
      nominee_id: f.nominee,
      position,
      why: f.why,
      reason: null,
    })),
  );
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
        sealKeyDestroyed: true,
      },
    },
    precondition: sql<boolean>`not exists ${db
      .selectFrom('finalists')
      .select(sql`1`.as('one'))
      .where('ceremony_id', '=', ceremonyId)}`,
    changes: [
      ...chunkedInsert(db, 'finalists', rows),
      destroyKeyStatement(deps, ceremonyId, 'seal'),
      // The sealed trackers are unreadable now; clear them so the marks say only who voted.
      db.updateTable('marks').set({ sealed_tracker: null }).where('ceremony_id', '=', ceremonyId),
    ],
  });
  return result;
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
      const rules = JSON.parse(award.rules) as Rules;
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
