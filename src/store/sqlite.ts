/** The embedded SQLite store (Node): better-sqlite3 in WAL mode with synchronous=FULL, so an acknowledged write survives a crash. */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../db/schema';
import { type Store, compile, databaseNow, readDatabaseNow } from './store';

export interface SqliteOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** A fixed clock for tests; otherwise SQLite's own clock. */
  clock?: () => number;
}

export function openSqlite({ path, clock }: SqliteOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });

  // Prepared statements are cached by their SQL text: the vote path reuses a handful of shapes.
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string) => {
    let statement = prepared.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      if (prepared.size > 500) prepared.clear();
      prepared.set(text, statement);
    }
    return statement;
  };
  // better-sqlite3 is synchronous: the whole batch runs inside one transaction without yielding, so no
  // other request's statements can interleave with it.
  const runBatch = sqlite.transaction((queries: { sql: string; parameters: readonly unknown[] }[]) =>
    queries.map((q) => {
      const statement = prepare(q.sql);
      if (statement.reader) return { changes: statement.all(...q.parameters).length };
      return { changes: statement.run(...q.parameters).changes };
    }),
  );
  const now = databaseNow('sqlite', clock);
  return {
    db,
    dialect: 'sqlite',
    batch: async (statements) => runBatch(statements.map(compile)),
    now,
    readNow: () => readDatabaseNow(db, now),
    close: async () => {
      await db.destroy();
    },
  };
}
