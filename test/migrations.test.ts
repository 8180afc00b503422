/**
 * Migrations that rebuild a table keep its rows: a database made before them (an award that voted under an
 * earlier Laurel) is migrated in place. Runs on this run's database (SQLite, or PostgreSQL in CI).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/store/migrate';
import { loadMigrations } from '../src/store/node';
import type { Store } from '../src/store/store';
import { openTestStore } from './helpers';

describe('0007_signals_unkeyed', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('keeps every ballot signal, drops the key on the tracker and keeps the index by network', async () => {
    store = await openTestStore(
      undefined,
      loadMigrations().filter((m) => m.name < '0007'),
    );
    const { db } = store;
    const now = Date.now();
    const signal = (tracker: string, network: string, ceremonyId = 'aw_migration') =>
      db.insertInto('ballot_signals').values({ tracker, ceremony_id: ceremonyId, network, agent: 'agent' });
    await store.batch([
      db.insertInto('ceremonies').values({
        id: 'aw_migration',
        slug: 'migration',
        phase: 'voting',
        time_zone: 'Asia/Bishkek',
        locales: '["en"]',
        content: '{}',
        rules: '{}',
        pepper_wrapped: 'x',
        created_at: now,
        updated_at: now,
      }),
      signal('a'.repeat(64), 'net-1'),
      signal('b'.repeat(64), 'net-2'),
    ]);

    expect(await migrate(store, loadMigrations())).toEqual(['0007_signals_unkeyed']);
    expect(await db.selectFrom('ballot_signals').selectAll().orderBy('tracker').execute()).toEqual([
      { tracker: 'a'.repeat(64), ceremony_id: 'aw_migration', network: 'net-1', agent: 'agent' },
      { tracker: 'b'.repeat(64), ceremony_id: 'aw_migration', network: 'net-2', agent: 'agent' },
    ]);
    // No key on the tracker any more: one row per ballot comes from the ballot's own key, in the same batch.
    await store.batch([signal('a'.repeat(64), 'net-3')]);
    expect(await db.selectFrom('ballot_signals').select('tracker').where('network', '=', 'net-3').execute()).toEqual([
      { tracker: 'a'.repeat(64) },
    ]);
    // The award is still a foreign key, and the index by network is back.
    await expect(store.batch([signal('c'.repeat(64), 'net-4', 'aw_none')])).rejects.toThrow();
    const indexes =
      store.dialect === 'postgres'
        ? await sql<{
            name: string;
          }>`select indexname as name from pg_indexes where tablename = 'ballot_signals'`.execute(db)
        : await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and tbl_name = 'ballot_signals'`.execute(db);
    expect(indexes.rows.map((r) => r.name)).toEqual(['ballot_signals_by_network']);
  });
});
