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
  // Prepared statements are cached by their SQL text, for Kysely's reads as for batches: the vote path reuses a
  // handful of shapes, and preparing each anew cost more than running it. Safe because every use runs the
  // statement to the end at once (all/run); nothing here iterates a statement lazily.
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
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: { prepare, close: () => sqlite.close() } }),
  });
  const run = (q: { sql: string; parameters: readonly unknown[] }) => {
    const statement = prepare(q.sql);
    if (statement.reader) {
      const rows = statement.all(...q.parameters) as Record<string, unknown>[];
      return { changes: rows.length, rows };
    }
    return { changes: statement.run(...q.parameters).changes };
  };
  const commits = groupCommit(sqlite, run);
  const now = databaseNow('sqlite', clock);
  return {
    db,
    dialect: 'sqlite',
    batch: (statements) => commits.add(statements.map(compile)),
    now,
    readNow: () => readDatabaseNow(db, now),
    close: async () => {
      await db.destroy();
    },
  };
}

type Query = { sql: string; parameters: readonly unknown[] };
type Result = { changes: number; rows?: Record<string, unknown>[] };
type Pending = { queries: Query[]; resolve: (r: Result[]) => void; reject: (e: unknown) => void };

/**
 * Group commit: every batch that arrives within one turn of the event loop joins one transaction, each batch in a
 * savepoint of its own, and one COMMIT (one fsync under synchronous=FULL) makes them all durable. A batch that
 * fails (a constraint, a false precondition) rolls back to its savepoint alone; the others commit. Each caller is
 * answered only after the COMMIT returned, so an acknowledged write survives a crash, and a failed COMMIT fails
 * every batch of the group. better-sqlite3 is synchronous: nothing else runs on this connection meanwhile.
 *
 * Why: with synchronous=FULL each commit waits for the disk; one commit per ballot bounds the vote at the disk's
 * fsync rate (about a hundred a second on the bench machine), one commit per group does not.
 */
function groupCommit(sqlite: BetterSqlite3.Database, run: (q: Query) => Result) {
  let queue: Pending[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const group = queue;
    queue = [];
    const outcomes: ({ ok: true; results: Result[] } | { ok: false; error: unknown })[] = [];
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      for (const p of group) {
        sqlite.exec('SAVEPOINT batch');
        try {
          outcomes.push({ ok: true, results: p.queries.map(run) });
          sqlite.exec('RELEASE batch');
        } catch (error) {
          sqlite.exec('ROLLBACK TO batch');
          sqlite.exec('RELEASE batch');
          outcomes.push({ ok: false, error });
        }
      }
      sqlite.exec('COMMIT');
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      for (const p of group) p.reject(error);
      return;
    }
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.results);
      else p.reject(o.error);
    });
  };
  return {
    add(queries: Query[]): Promise<Result[]> {
      return new Promise((resolve, reject) => {
        queue.push({ queries, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
