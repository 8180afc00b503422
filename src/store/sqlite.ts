/**
 * The embedded SQLite store (Node): better-sqlite3 in WAL mode with synchronous=FULL, so an acknowledged write
 * survives a crash.
 *
 * For a database file, reads and writes go to two connections. Reads run on this thread, synchronously, on a
 * connection that never writes. Every write (each batch, and each single statement Kysely sends) is posted to a
 * worker thread that owns the writing connection and commits with group commit (src/store/sqlite-writer.mjs).
 * better-sqlite3 is synchronous: on this thread a commit held the event loop for its SQL and its fsync, about
 * 50 ms for a checkpoint of a thousand ballots and seconds for a large close, and every request waited
 * (docs/performance.md). WAL lets the reader see each commit as soon as it returns, so a caller that awaited a
 * write reads it back.
 *
 * An in-memory database (tests) cannot be shared by two connections: it reads and commits on this thread, through
 * the same group commit.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Database } from '../../db/schema';
import { type Query, type Result, groupCommit, openConnection, statementCache } from './sqlite-writer.mjs';
import { type Store, compile, databaseNow, readDatabaseNow } from './store';

export interface SqliteOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** A fixed clock for tests; otherwise SQLite's own clock. */
  clock?: () => number;
}

export function openSqlite({ path, clock }: SqliteOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = openConnection(path);
  const prepare = statementCache(sqlite);
  let db: Kysely<Database>;
  let write: (queries: Query[]) => Promise<Result[]>;
  let stop = async () => {};
  if (path === ':memory:') {
    const commits = groupCommit(sqlite, prepare);
    write = (queries) => commits.add(queries);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare, close: () => sqlite.close() } }) });
  } else {
    const writer = new WriterThread(path);
    write = (queries) => writer.batch(queries);
    stop = () => writer.close();
    db = new Kysely<Database>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new SplitDriver(prepare, write, () => sqlite.close()),
        createIntrospector: (k) => new SqliteIntrospector(k),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    });
  }
  const now = databaseNow('sqlite', clock);
  return {
    db,
    dialect: 'sqlite',
    clock,
    // Only the SQL and its values go to the writer: a compiled query also carries Kysely's whole operation tree,
    // which the copy to the other thread would walk for nothing.
    batch: (statements) =>
      write(
        statements.map((s) => {
          const { sql, parameters } = compile(s);
          return { sql, parameters };
        }),
      ),
    now,
    readNow: () => readDatabaseNow(db, now),
    close: async () => {
      await stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely's driver for a database file: a statement that only reads runs here; any other is a batch of one for the
 * writer thread. There is no transaction to begin (Laurel has none, DESIGN.md), so there is no lock either.
 */
class SplitDriver implements Driver {
  readonly #connection: DatabaseConnection;
  readonly #close: () => void;

  constructor(
    prepare: (text: string) => BetterSqlite3.Statement,
    write: (queries: Query[]) => Promise<Result[]>,
    close: () => void,
  ) {
    this.#close = close;
    this.#connection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const statement = prepare(query.sql);
        if (statement.readonly) return { rows: (statement.reader ? statement.all(...query.parameters) : []) as R[] };
        const [result] = await write([{ sql: query.sql, parameters: query.parameters }]);
        return { rows: (result?.rows ?? []) as R[], numAffectedRows: BigInt(result?.changes ?? 0) };
      },
      // eslint-disable-next-line require-yield
      async *streamQuery() {
        throw new Error('Laurel reads SQLite in pages, not streams');
      },
    };
  }

  async init() {}
  async acquireConnection() {
    return this.#connection;
  }
  async beginTransaction(): Promise<never> {
    throw new Error('Laurel has no interactive transactions: use store.batch');
  }
  async commitTransaction() {}
  async rollbackTransaction() {}
  async releaseConnection() {}
  async destroy() {
    this.#close();
  }
}

/**
 * The worker thread that owns the writing connection. It is referenced only while a batch waits for it, so an
 * idle store never keeps a CLI command alive, and a waiting one always does. If the thread dies, the batches in
 * flight fail as storage errors (answered 503) and the next batch starts a new thread.
 *
 * The batches of one turn of the event loop go over in one message, and come back in one per group: each message
 * wakes the other thread, and under a vote that was a wake-up per ballot each way (docs/performance.md).
 */
class WriterThread {
  readonly #path: string;
  #worker: Worker | null = null;
  #closed = false;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (r: Result[]) => void; reject: (e: unknown) => void }>();
  /** Batches of this turn, not yet posted. */
  #outgoing: { id: number; queries: Query[] }[] = [];

  constructor(path: string) {
    this.#path = path;
    this.#start();
  }

  #start(): Worker {
    const worker = new Worker(new URL('./sqlite-writer.mjs', import.meta.url), {
      workerData: { laurelSqliteWriter: true, path: this.#path },
    });
    worker.unref();
    worker.on('message', (m: { answers: Answer[] }) => {
      for (const answer of m.answers) {
        const waiting = this.#pending.get(answer.id);
        if (!waiting) continue;
        this.#settled(answer.id);
        if (answer.error) waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
        else waiting.resolve(answer.results!);
      }
    });
    const fail = (why: string) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      // Not posted yet, they are answered here and never sent: a new thread must not commit what failed.
      this.#outgoing = [];
      const error = Object.assign(new Error(`the SQLite writer thread stopped: ${why}`), { code: 'SQLITE_IOERR' });
      for (const [id, waiting] of this.#pending) {
        this.#pending.delete(id);
        waiting.reject(error);
      }
    };
    worker.on('error', (err) => fail(String(err)));
    worker.on('exit', (code) => fail(`exit ${code}`));
    this.#worker = worker;
    return worker;
  }

  #settled(id: number) {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
  }

  batch(queries: Query[]): Promise<Result[]> {
    if (this.#closed) return Promise.reject(new Error('the SQLite store is closed'));
    const worker = this.#worker ?? this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      if (this.#outgoing.length === 0) setImmediate(() => this.#post());
      this.#outgoing.push({ id, queries });
    });
  }

  #post() {
    const batches = this.#outgoing;
    this.#outgoing = [];
    if (batches.length === 0) return;
    try {
      this.#worker?.postMessage({ batches });
    } catch (error) {
      // A value the copy refuses (a function, a symbol): those batches fail, and nothing of them is written.
      for (const { id } of batches) {
        const waiting = this.#pending.get(id);
        this.#settled(id);
        waiting?.reject(error);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    this.#post();
    this.#worker = null;
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ close: true });
    await exited;
  }
}

interface Answer {
  id: number;
  results?: Result[];
  error?: { message: string; code?: string };
}
