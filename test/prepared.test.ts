/** Prepared statements (src/store/prepared.ts): built once per store, each use binds only its values. */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { prepared } from '../src/store/prepared';
import type { Store } from '../src/store/store';
import { openTestStore, testClock } from './helpers';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
const open = async (clock?: () => number) => {
  const store = await openTestStore(clock);
  stores.push(store);
  return store;
};

describe('prepared statements', () => {
  it('bind each use’s values, keep the constants, and read a test clock at each use', async () => {
    const clock = testClock(Date.parse('2026-05-01T10:00:00Z'));
    const store = await open(clock);
    let builds = 0;
    const insert = prepared((s: Store, v: { key: string; count: number }) => {
      builds++;
      return s.db.insertInto('throttles').values({ key: v.key, window_start: s.now(), count: v.count });
    });
    await store.batch([insert(store, { key: 'a', count: 1 })]);
    clock.advance(60_000);
    await store.batch([insert(store, { key: 'b', count: 2 })]);
    expect(builds).toBe(1);
    const rows = await store.db.selectFrom('throttles').selectAll().orderBy('key').execute();
    expect(rows.map((r) => [r.key, Number(r.window_start), Number(r.count)])).toEqual([
      ['a', Date.parse('2026-05-01T10:00:00Z'), 1],
      ['b', Date.parse('2026-05-01T10:01:00Z'), 2],
    ]);

    // A read, prepared on the Kysely instance; a constant of the builder stays a parameter of its own.
    const read = prepared((db: Store['db'], v: { key: string }) =>
      db.selectFrom('throttles').select('count').where('key', '=', v.key).where('count', '>', 0),
    );
    const { rows: found } = await store.db.executeQuery<{ count: number }>(read(store.db, { key: 'b' }));
    expect(found.map((r) => Number(r.count))).toEqual([2]);
    expect(read(store.db, { key: 'a' }).parameters).toEqual(['a', 0]);
  });

  it('are built per store: another database gets its own', async () => {
    const a = await open();
    const b = await open();
    const count = prepared((s: Store, v: { key: string }) =>
      s.db
        .selectFrom('throttles')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('key', '=', v.key),
    );
    await a.db.insertInto('throttles').values({ key: 'k', window_start: 0, count: 1 }).execute();
    const n = async (s: Store) => Number((await s.db.executeQuery<{ n: number }>(count(s, { key: 'k' }))).rows[0]!.n);
    expect([await n(a), await n(b)]).toEqual([1, 0]);
  });

  it('refuse a builder that writes a value into the SQL text or into a longer value, and a missing value', async () => {
    const store = await open();
    const inlined = prepared((s: Store, v: { key: string }) =>
      s.db.selectFrom('throttles').select('key').where('key', '=', sql.lit(v.key)),
    );
    expect(() => inlined(store, { key: 'x' })).toThrow(/written into the SQL text/);
    const longer = prepared((s: Store, v: { key: string }) =>
      s.db.selectFrom('throttles').select('key').where('key', 'like', `${v.key}%`),
    );
    expect(() => longer(store, { key: 'x' })).toThrow(/part of a longer parameter/);
    const plain = prepared((s: Store, v: { key: string }) =>
      s.db.selectFrom('throttles').select('key').where('key', '=', v.key),
    );
    expect(() => plain(store, {} as { key: string })).toThrow(/no value for "key"/);
  });
});
