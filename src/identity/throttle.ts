/** Fixed-window counters in the `throttles` table: one upsert statement each, safe across servers. */
import { sql } from 'kysely';
import type { Store } from '../store/store';

export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

/** Counts one hit and returns the count in the current window, including this hit. */
export async function hit(store: Store, key: string, windowMs: number, now: number): Promise<number> {
  // Through the store's batch, not a statement of its own: on SQLite a batch joins the group commit, where a lone
  // statement is a commit (an fsync) of its own, twice per ballot (docs/performance.md).
  const [result] = await store.batch([
    store.db
      .insertInto('throttles')
      .values({ key, window_start: windowStart(now, windowMs), count: 1 })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`throttles.count + 1` }))
      .returning('count'),
  ]);
  return Number(result?.rows?.[0]?.count);
}

export async function count(store: Store, key: string, windowMs: number, now: number): Promise<number> {
  const row = await store.db
    .selectFrom('throttles')
    .select('count')
    .where('key', '=', key)
    .where('window_start', '=', windowStart(now, windowMs))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
