/**
 * The store: Kysely for reads and single statements, plus `batch` for atomic groups of prepared writes.
 * There are no interactive transactions anywhere (D1 has none): a batch is sent whole, and its safety comes
 * from constraints and from preconditions written into its statements (see `guard` in audit/log.ts).
 */
import { type Compilable, type CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema';

export type Dialect = 'sqlite' | 'postgres' | 'd1';

export interface BatchResult {
  /** Rows changed by the statement (0 for a guarded insert whose precondition did not hold). */
  changes: number;
  /** What a statement with RETURNING (or a SELECT) gave back. */
  rows?: Record<string, unknown>[];
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Runs the statements in order, atomically: all take effect or none does. */
  batch(statements: (Compilable | CompiledQuery)[]): Promise<BatchResult[]>;
  /** A test's clock, if the store was opened with one; otherwise the database keeps the time. */
  readonly clock?: () => number;
  /** The database clock in epoch milliseconds, as an SQL expression (or a fixed value under a test clock). */
  now(): RawBuilder<number>;
  /** Reads the database clock. */
  readNow(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A turn of the event loop. A read of the embedded SQLite returns at once, without one: a long run of reads and
 * computation (the close, a checkpoint) would otherwise hold every other request until it ends.
 */
export const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function compile(statement: Compilable | CompiledQuery): CompiledQuery {
  return 'compile' in statement ? statement.compile() : statement;
}

/** SQL for "now" in epoch milliseconds on each dialect. */
export function databaseNow(dialect: Dialect, fixedClock?: () => number): () => RawBuilder<number> {
  if (fixedClock) return () => sql<number>`${fixedClock()}`;
  if (dialect === 'postgres') return () => sql<number>`cast(extract(epoch from clock_timestamp()) * 1000 as bigint)`;
  return () => sql<number>`cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`;
}

export async function readDatabaseNow(db: Kysely<Database>, now: () => RawBuilder<number>): Promise<number> {
  const { rows } = await sql<{ now: number | string }>`select ${now()} as now`.execute(db);
  return Number(rows[0]?.now);
}

export type ConstraintKind = 'unique' | 'not-null' | 'check' | 'foreign-key';

export interface ConstraintViolation {
  kind: ConstraintKind;
  /** The table the constraint belongs to, where the driver says it. */
  table?: string;
  /** The columns involved, where the driver says them. */
  columns: string[];
}

/**
 * Recognizes a constraint violation from any of the three drivers: better-sqlite3 and D1 report SQLite's
 * message ("UNIQUE constraint failed: events.chain, events.seq"), pg reports SQLSTATE codes with fields.
 */
export function constraintViolation(err: unknown): ConstraintViolation | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as {
    code?: unknown;
    message?: unknown;
    table?: unknown;
    column?: unknown;
    detail?: unknown;
    cause?: unknown;
  };
  const pgKinds: Record<string, ConstraintKind> = {
    '23505': 'unique',
    '23502': 'not-null',
    '23514': 'check',
    '23503': 'foreign-key',
  };
  if (typeof e.code === 'string' && pgKinds[e.code]) {
    const columns =
      typeof e.column === 'string'
        ? [e.column]
        : typeof e.detail === 'string'
          ? (/Key \(([^)]+)\)/
              .exec(e.detail)?.[1]
              ?.split(',')
              .map((c) => c.trim()) ?? [])
          : [];
    return { kind: pgKinds[e.code]!, table: typeof e.table === 'string' ? e.table : undefined, columns };
  }
  const message = typeof e.message === 'string' ? e.message : '';
  const m = /(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(?::\s*([^:]+))?/.exec(message);
  if (m) {
    const kind = ({ UNIQUE: 'unique', 'NOT NULL': 'not-null', CHECK: 'check', 'FOREIGN KEY': 'foreign-key' } as const)[
      m[1] as 'UNIQUE'
    ];
    const targets = (m[2] ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const table = targets[0]?.includes('.') ? targets[0].split('.')[0] : undefined;
    return { kind, table, columns: targets.map((t) => t.split('.').pop()!.split(' ')[0]!) };
  }
  if (e.cause) return constraintViolation(e.cause);
  return null;
}
