/** Applies the plain-SQL migrations of db/migrations in name order, each with its bookkeeping row in one batch. */
import { CompiledQuery, sql } from 'kysely';
import type { Store } from './store';

export interface Migration {
  name: string;
  sql: string;
}

/** Splits a migration file into statements: each ends with a semicolon at the end of a line. */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Returns the names of the migrations it applied. */
export async function migrate(store: Store, migrations: Migration[]): Promise<string[]> {
  await sql`create table if not exists laurel_migrations (name text primary key, applied_at bigint not null)`.execute(
    store.db,
  );
  const done = new Set(
    (await sql<{ name: string }>`select name from laurel_migrations`.execute(store.db)).rows.map((r) => r.name),
  );
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    if (done.has(migration.name)) continue;
    // The bookkeeping row goes first: a second server migrating at the same moment fails on its primary key
    // and applies nothing.
    const record = CompiledQuery.raw('insert into laurel_migrations (name, applied_at) values (?, ?)', [
      migration.name,
      Date.now(),
    ]);
    const statements = splitStatements(migration.sql).map((s) => CompiledQuery.raw(s));
    await store.batch([store.dialect === 'postgres' ? toPostgresParams(record) : record, ...statements]);
    applied.push(migration.name);
  }
  return applied;
}

function toPostgresParams(query: CompiledQuery): CompiledQuery {
  let i = 0;
  return CompiledQuery.raw(
    query.sql.replace(/\?/g, () => `$${++i}`),
    [...query.parameters],
  );
}
