/**
 * The SQLite store on a database file (reads on the calling thread, every write through the writer thread) and
 * in memory (one connection, as the tests use it): src/store/sqlite.ts. Both must keep what callers rely on: a
 * batch is all or nothing, batches of one group commit fail alone, RETURNING rows come back, a constraint error is
 * recognizable, a write that was awaited is read back at once, and a refused write (a full disk) changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/store/sqlite';
import { type Store, constraintViolation } from '../src/store/store';
import { isStorageUnavailable } from '../src/errors';

const raw = (text: string, ...parameters: unknown[]) => CompiledQuery.raw(text, parameters);

describe.each(['file', 'memory'] as const)('the SQLite store (%s)', (kind) => {
  let dir: string;
  let store: Store;
  const rows = async () =>
    (await sql<{ k: string; v: number }>`select k, v from t order by k`.execute(store.db)).rows.map(
      (r) => `${r.k}=${r.v}`,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-sqlite-'));
    store = openSqlite({ path: kind === 'file' ? join(dir, 'db.sqlite') : ':memory:' });
    await store.batch([raw('create table t (k text primary key, v integer not null check (v >= 0), pad text)')]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back an awaited batch, with RETURNING rows and change counts', async () => {
    const results = await store.batch([
      raw('insert into t (k, v) values (?, ?), (?, ?)', 'a', 1, 'b', 2),
      raw('update t set v = v + 10 where k = ? returning k, v', 'b'),
      raw('delete from t where k = ?', 'nothing'),
    ]);
    expect(results).toEqual([{ changes: 2 }, { changes: 1, rows: [{ k: 'b', v: 12 }] }, { changes: 0 }]);
    expect(await rows()).toEqual(['a=1', 'b=12']);
  });

  it('rolls a failing batch back whole, and only that batch of a group', async () => {
    const outcomes = await Promise.allSettled([
      store.batch([raw('insert into t (k, v) values (?, ?)', 'c', 3)]),
      // The first statement would succeed; the second breaks the primary key: neither stays.
      store.batch([
        raw('insert into t (k, v) values (?, ?)', 'd', 4),
        raw('insert into t (k, v) values (?, ?)', 'a', 5),
      ]),
      store.batch([raw('insert into t (k, v) values (?, ?)', 'e', -1)]),
      store.batch([raw('insert into t (k, v) values (?, ?)', 'f', 6)]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(constraintViolation((outcomes[1] as PromiseRejectedResult).reason)).toMatchObject({ kind: 'unique' });
    expect(constraintViolation((outcomes[2] as PromiseRejectedResult).reason)).toMatchObject({ kind: 'check' });
    expect(await rows()).toEqual(['a=1', 'b=12', 'c=3', 'f=6']);
  });

  it('sends Kysely’s own single writes to the writer, and reads stay answered meanwhile', async () => {
    const t = 't' as never;
    const result = await store.db
      .updateTable(t)
      .set({ v: 7 } as never)
      .where('k' as never, '=', 'f' as never)
      .executeTakeFirst();
    expect(Number(result.numUpdatedRows)).toBe(1);
    // Many writes in flight and reads interleaved: each read sees a committed state, never a half batch.
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.batch([
        raw('insert into t (k, v) values (?, ?)', `w${i}`, i),
        raw('update t set v = v + 1 where k = ?', 'a'),
      ]),
    );
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { rows: r } = await sql<{ n: number; a: number }>`select (select count(*) from t where k like 'w%') as n,
        (select v from t where k = 'a') as a`.execute(store.db);
      // The insert and the update of one batch land together: a = 1 + the number of w rows.
      expect(r[0]!.a).toBe(1 + r[0]!.n);
      seen.push(r[0]!.n);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    expect((await rows()).filter((r) => r.startsWith('w'))).toHaveLength(50);
    expect(await rows()).toContain('a=51');
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true);
  });

  it('reports a full database as a storage fault, and nothing changes', async () => {
    // The writer's connection may not grow the file: a 100 kB row does not fit (SQLITE_FULL).
    const [pages] = await store.batch([raw('pragma page_count')]);
    await store.batch([raw(`pragma max_page_count = ${Number(pages!.rows![0]!.page_count)}`)]);
    // Two batches: SQLite rolls the whole transaction back on SQLITE_FULL, so when they share a group (always in
    // memory, where a group is one turn of this thread's event loop; when they reach the writer thread together
    // on a file) the one that fit is not committed either, and its caller hears so.
    const [small, big] = await Promise.allSettled([
      store.batch([raw('insert into t (k, v) values (?, ?)', 'small', 1)]),
      store.batch([raw('insert into t (k, v, pad) values (?, ?, ?)', 'big', 1, 'x'.repeat(100_000))]),
    ]);
    const refused = (big as PromiseRejectedResult).reason;
    if (kind === 'memory') expect((small as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_FULL' });
    const smallStayed = small.status === 'fulfilled';
    await store.batch([raw('pragma max_page_count = 1073741823')]);
    expect(refused).toMatchObject({ code: 'SQLITE_FULL' });
    expect(isStorageUnavailable(refused)).toBe(true);
    expect((await rows()).filter((r) => r.startsWith('small') || r.startsWith('big'))).toEqual(
      smallStayed ? ['small=1'] : [],
    );
    await store.batch([raw('insert into t (k, v, pad) values (?, ?, ?)', 'big', 1, 'x'.repeat(100_000))]);
    expect(await rows()).toContain('big=1');
  });
});

describe('a closed SQLite store on a file', () => {
  it('refuses writes instead of starting a writer thread again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'laurel-sqlite-closed-'));
    try {
      const store = openSqlite({ path: join(dir, 'db.sqlite') });
      await store.batch([raw('create table t (k text primary key)')]);
      await store.close();
      await expect(store.batch([raw('insert into t (k) values (?)', 'late')])).rejects.toThrow(/closed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
