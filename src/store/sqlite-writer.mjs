// @ts-check
/**
 * SQLite's write side, in plain JavaScript so that a worker thread can load it without a TypeScript loader (the
 * server under tsx, a CLI command, a test under vitest alike). src/store/sqlite.ts uses it in two ways:
 *
 * - for a database file, as the module of a worker thread that owns the only writing connection: every batch is
 *   posted here and committed here, so the server's event loop never waits for SQL writes or for the disk;
 * - for an in-memory database (tests), which no second connection can share, in the calling thread.
 *
 * Either way the batches go through the same group commit, below.
 */
import { createRequire } from 'node:module';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/**
 * A connection with Laurel's settings: WAL, so readers never wait for the writer; synchronous=FULL, so a commit
 * is on the disk before it is acknowledged; foreign keys on; a writer that finds the file locked (a CLI command
 * writing meanwhile) waits up to 5 s.
 * @param {string} path
 */
export function openConnection(path) {
  const BetterSqlite3 = require('better-sqlite3');
  /** @type {import('better-sqlite3').Database} */
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * Prepared statements cached by their SQL text: the vote path reuses a handful of shapes, and preparing each anew
 * cost more than running it. Safe because every use runs the statement to the end at once (all/run).
 * @param {import('better-sqlite3').Database} sqlite
 */
export function statementCache(sqlite) {
  /** @type {Map<string, import('better-sqlite3').Statement>} */
  const prepared = new Map();
  /** @param {string} text */
  return (text) => {
    let statement = prepared.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      if (prepared.size > 500) prepared.clear();
      prepared.set(text, statement);
    }
    return statement;
  };
}

/**
 * Group commit: every batch that arrives within one turn of the event loop joins one transaction, each batch in a
 * savepoint of its own, and one COMMIT (one fsync under synchronous=FULL) makes them all durable. A batch that
 * fails (a constraint, a false precondition) rolls back to its savepoint alone; the others commit. Each caller is
 * answered only after the COMMIT returned, so an acknowledged write survives a crash, and a failed COMMIT fails
 * every batch of the group. better-sqlite3 is synchronous: nothing else runs on this connection meanwhile.
 *
 * Why: with synchronous=FULL each commit waits for the disk; one commit per ballot bounds the vote at the disk's
 * fsync rate (about a hundred a second on the bench machine), one commit per group does not.
 * @param {import('better-sqlite3').Database} sqlite
 * @param {(text: string) => import('better-sqlite3').Statement} prepare
 */
export function groupCommit(sqlite, prepare) {
  /** @param {{ sql: string, parameters: readonly unknown[] }} q */
  const run = (q) => {
    const statement = prepare(q.sql);
    if (statement.reader) {
      const rows = /** @type {Record<string, unknown>[]} */ (statement.all(...q.parameters));
      return { changes: rows.length, rows };
    }
    return { changes: statement.run(...q.parameters).changes };
  };
  // The savepoint statements, prepared once: `exec` parses its text on every call, twice per batch.
  const savepoint = prepare('SAVEPOINT batch');
  const release = prepare('RELEASE batch');
  const rollbackTo = prepare('ROLLBACK TO batch');
  /** @type {{ queries: { sql: string, parameters: readonly unknown[] }[], resolve: (r: unknown[]) => void, reject: (e: unknown) => void }[]} */
  let queue = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const group = queue;
    queue = [];
    /** @type {({ ok: true, results: unknown[] } | { ok: false, error: unknown })[]} */
    const outcomes = [];
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      for (const p of group) {
        savepoint.run();
        try {
          outcomes.push({ ok: true, results: p.queries.map(run) });
          release.run();
        } catch (error) {
          // Some errors (a full disk, an I/O error) make SQLite roll the whole transaction back itself: then the
          // group is lost, and every batch of it fails with that error below (nothing of it was committed).
          if (!sqlite.inTransaction) throw error;
          rollbackTo.run();
          release.run();
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
      const o = /** @type {(typeof outcomes)[number]} */ (outcomes[i]);
      if (o.ok) p.resolve(o.results);
      else p.reject(o.error);
    });
  };
  return {
    /** @param {{ sql: string, parameters: readonly unknown[] }[]} queries @returns {Promise<unknown[]>} */
    add(queries) {
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

// As a worker thread: {batches: [{id, queries}]} in; {answers: [{id, results} or {id, error}]} out, one message
// per group; {close: true} closes the connection.
if (!isMainThread && parentPort && workerData?.laurelSqliteWriter) {
  const port = parentPort;
  const sqlite = openConnection(workerData.path);
  const commits = groupCommit(sqlite, statementCache(sqlite));
  /** @type {unknown[]} */
  let answers = [];
  /** @param {unknown} answer */
  const answer = (answer) => {
    // The batches of one group settle together, in one run of microtasks: their answers leave in one message,
    // before anything else (a close) runs.
    if (answers.length === 0) queueMicrotask(() => port.postMessage({ answers: answers.splice(0) }));
    answers.push(answer);
  };
  port.on('message', (message) => {
    if (message.close) {
      // After the group already queued has committed and been answered.
      setImmediate(() => {
        sqlite.close();
        port.close();
      });
      return;
    }
    for (const { id, queries } of message.batches) {
      commits.add(queries).then(
        (results) => answer({ id, results }),
        (error) => {
          // An Error's own fields do not all survive the copy to the other thread: what the caller reads is sent.
          const e = /** @type {{ message?: unknown, code?: unknown, name?: unknown }} */ (error ?? {});
          answer({ id, error: { message: String(e.message ?? error), code: e.code, name: e.name } });
        },
      );
    }
  });
}
