/** Multi-row inserts cut to fit D1's limit of 100 bound parameters per statement. */
import type { Compilable, Kysely } from 'kysely';
import type { Database } from '../../db/schema';

export const MAX_PARAMS = 100;

/** How many rows of `columns` columns one statement can carry. */
export const rowsPerStatement = (columns: number) => Math.max(1, Math.floor(MAX_PARAMS / columns));

export function chunkedInsert<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  rows: Record<string, unknown>[],
): Compilable[] {
  if (rows.length === 0) return [];
  const size = rowsPerStatement(Object.keys(rows[0]!).length);
  const out: Compilable[] = [];
  for (let i = 0; i < rows.length; i += size) out.push(db.insertInto(table).values(rows.slice(i, i + size) as never));
  return out;
}
