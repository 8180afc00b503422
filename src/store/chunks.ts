/** Multi-row inserts cut to fit D1's limit of 100 bound parameters per statement. */
import type { Compilable, Kysely } from 'kysely';
import type { Database } from '../../db/schema';

export const MAX_PARAMS = 100;

/** How many rows of `columns` columns one statement can carry. */
export const rowsPerStatement = (columns: number, maxParams = MAX_PARAMS) =>
  Math.max(1, Math.floor(maxParams / columns));

/**
 * Bound parameters per statement a dialect takes: D1 100; SQLite (32766) and PostgreSQL (65535) far more, and a
 * million-row checkpoint then needs a few hundred statements instead of tens of thousands.
 */
export const paramsPerStatement = (dialect: 'sqlite' | 'postgres' | 'd1') => (dialect === 'd1' ? MAX_PARAMS : 10_000);

export function chunkedInsert<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  rows: Record<string, unknown>[],
  maxParams = MAX_PARAMS,
): Compilable[] {
  if (rows.length === 0) return [];
  const size = rowsPerStatement(Object.keys(rows[0]!).length, maxParams);
  const out: Compilable[] = [];
  for (let i = 0; i < rows.length; i += size) out.push(db.insertInto(table).values(rows.slice(i, i + size) as never));
  return out;
}
