/** The PostgreSQL store (Node): several stateless Laurel servers may share one database. */
import { Kysely, PostgresDialect, type QueryResult } from 'kysely';
import pg from 'pg';
import type { Database } from '../../db/schema';
import { type Store, compile, databaseNow, readDatabaseNow } from './store';

export interface PostgresOptions {
  url: string;
  clock?: () => number;
  maxConnections?: number;
}

const INT8 = 20;

const batchResult = (result: QueryResult<unknown>) => ({
  changes: Number(result.numAffectedRows ?? result.rows.length),
  rows: result.rows as Record<string, unknown>[],
});

export function openPostgres({ url, clock, maxConnections = 10 }: PostgresOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    // Epoch milliseconds are BIGINT; they fit a JavaScript number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that PostgreSQL drops (a restart, a failover, pg_terminate_backend) makes the pool emit an
  // error; unheard, it would end the process. The pool replaces the connection; requests meanwhile answer 503.
  pool.on('error', (err) =>
    console.error(JSON.stringify({ level: 'warn', msg: 'postgres idle connection lost', error: String(err) })),
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const now = databaseNow('postgres', clock);
  return {
    db,
    dialect: 'postgres',
    clock,
    // A short transaction around the prepared batch; no statement in it reads to decide a later one. A batch of
    // one statement is atomic on its own: it goes without BEGIN and COMMIT, one round trip instead of three (a
    // rate-limit hit is one, twice per ballot).
    batch: async (statements) => {
      if (statements.length === 1) return [batchResult(await db.executeQuery(compile(statements[0]!)))];
      return db.transaction().execute(async (trx) => {
        const results = [];
        for (const statement of statements) results.push(batchResult(await trx.executeQuery(compile(statement))));
        return results;
      });
    },
    now,
    readNow: () => readDatabaseNow(db, now),
    close: async () => {
      await db.destroy();
    },
  };
}
