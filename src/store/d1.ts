/** The Cloudflare D1 store (Workers): `batch()` is D1's own atomic batch. */
import { Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { Database } from '../../db/schema';
import { type Store, compile, databaseNow, readDatabaseNow } from './store';

/** The part of the D1 binding Laurel uses (see @cloudflare/workers-types D1Database). */
export interface D1Like {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<{ meta?: { changes?: number }; results?: Record<string, unknown>[] }[]>;
  exec(query: string): Promise<unknown>;
}
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
}

export function openD1(binding: D1Like, clock?: () => number): Store {
  // kysely-d1 is typed against workers-types; the binding is structurally the same object.
  const db = new Kysely<Database>({ dialect: new D1Dialect({ database: binding as never }) });
  const now = databaseNow('d1', clock);
  return {
    db,
    dialect: 'd1',
    clock,
    batch: async (statements) => {
      const prepared = statements.map((s) => {
        const q = compile(s);
        return binding.prepare(q.sql).bind(...q.parameters);
      });
      const results = await binding.batch(prepared);
      return results.map((r) => ({ changes: r.meta?.changes ?? 0, rows: r.results ?? [] }));
    },
    now,
    readNow: () => readDatabaseNow(db, now),
    close: async () => {},
  };
}
