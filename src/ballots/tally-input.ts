/** The vote's part of a tally input (src/tally/types.ts), read from the database: shared by the close and the results. */
import type { Kysely } from 'kysely';
import type { Database, FinalistsTable } from '../../db/schema';
import { bytesToHex } from '../audit/canonical';
import type { AwardRows } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { nextTurn } from '../store/store';
import type { TallyBallot, TallyCategory, Wildcard } from '../tally/types';

/** Categories with their accepted nominees (a withdrawn or rejected one is on no ballot), K and winners. */
export function tallyCategories(award: AwardRows): TallyCategory[] {
  return award.categories.map((cat) => ({
    id: cat.id,
    nominees: award.nominees.filter((n) => n.category_id === cat.id && n.status === 'accepted').map((n) => n.id),
    ...(cat.k !== null ? { k: cat.k } : {}),
    winners: cat.winners,
  }));
}

/**
 * Counted and flagged ballots per category, nominee and status, as aggregate rows (voided never count). One small
 * query per nominee, each a range of the ballots_by_nominee index, instead of one GROUP BY over the award: that one
 * held SQLite's synchronous connection, and so the server's event loop, for about half a second per million
 * ballots; these take a few milliseconds each (docs/performance.md). Every ballot names a nominee of its own
 * category (the vote path checks it), so the award's nominees cover them all. The reads are not one snapshot;
 * the finalization reruns if anything was logged meanwhile, and the close reads after the vote has closed.
 */
export async function voteCounts(db: Kysely<Database>, award: AwardRows): Promise<TallyBallot[]> {
  const out: TallyBallot[] = [];
  const nominees = [...award.nominees].sort((a, b) =>
    a.category_id !== b.category_id ? (a.category_id < b.category_id ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  for (const nominee of nominees) {
    await nextTurn(); // between nominees, or the reads would still be one block

    const rows = await db
      .selectFrom('ballots')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('ceremony_id', '=', award.ceremony.id)
      .where('category_id', '=', nominee.category_id)
      .where('nominee_id', '=', nominee.id)
      .where('status', 'in', ['counted', 'flagged'])
      .groupBy('status')
      .orderBy('status')
      .execute();
    for (const r of rows)
      out.push({
        category: nominee.category_id,
        nominee: nominee.id,
        status: r.status as 'counted' | 'flagged',
        count: Number(r.n),
      });
  }
  return out;
}

/** The lot secret S of the award as hex (unwrapped; it is revealed in the results). */
export async function lotSecretHex(deps: AppDeps, award: AwardRows): Promise<string> {
  return bytesToHex(await deps.wrapper.unwrap('lot-secret', award.ceremony.lot_secret_wrapped!));
}

/**
 * Stored finalist rows as the tally's `wildcards` and `organizerFinalists`, keeping only nominees still accepted
 * (a withdrawn one's pick or wildcard falls away). `isPick` says which rows count as picks.
 */
export function namedFinalists(
  award: AwardRows,
  rows: readonly Pick<FinalistsTable, 'category_id' | 'nominee_id' | 'why' | 'reason'>[],
  isPick: (why: string) => boolean,
): { wildcards: Wildcard[]; organizerFinalists: Record<string, string[]> } {
  const accepted = new Set(award.nominees.filter((n) => n.status === 'accepted').map((n) => n.id));
  return {
    wildcards: rows
      .filter((r) => r.why === 'wildcard' && accepted.has(r.nominee_id))
      .map((r) => ({ category: r.category_id, nominee: r.nominee_id, reason: r.reason ?? '' })),
    organizerFinalists: Object.fromEntries(
      award.categories.map((cat) => [
        cat.id,
        rows
          .filter((r) => r.category_id === cat.id && isPick(r.why) && accepted.has(r.nominee_id))
          .map((r) => r.nominee_id),
      ]),
    ),
  };
}
